/* Customers and visits (SPEC §3 "Customers", "Visits", §4, §6; docs/contract.md
 * "Customers (issue 3)" and "Visits"; issue 3 "Must show"): CRUD per role,
 * visibility and the chain-wide phone card, phone normalisation, duplicates,
 * validation with nothing written, PATCH preconditions, list filters and
 * pagination, erasure (API and tables), visits and the timeline. */
#include "harness.h"

#include <curl/curl.h>
#include <libpq-fe.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <stdbool.h>
#include <unistd.h>

/* 64 and 65 Chinese characters (3 bytes each in UTF-8): lengths count characters. */
#define ZH8 "客户档案姓名测试"
#define ZH64 ZH8 ZH8 ZH8 ZH8 ZH8 ZH8 ZH8 ZH8
#define ZH65 ZH64 "名"
/* 32 and 33 Chinese characters, for the tag limit */
#define ZH32 ZH8 ZH8 ZH8 ZH8
#define ZH33 ZH32 "签"

#define ERASED_NAME "已注销客户"

/* ------------------------------------------------------------------------- */
/* helpers */

static long long count_customers(void) {
  return it_db_count("SELECT count(*) FROM customers", IT_END);
}
/* Rows of customers holding the exact canonical phone (as a JSON string value). */
static long long customers_with_phone(const char *e164) {
  char *needle = it_fmt("\"%s\"", e164);
  long long n =
      it_db_count("SELECT count(*) FROM customers c WHERE strpos(row_to_json(c)::text, $1) > 0",
                  needle, IT_END);
  free(needle);
  return n;
}
static long long count_visits(long long customer) {
  char *id = it_fmt("%lld", customer);
  long long n =
      it_db_count("SELECT count(*) FROM visits WHERE customer_id = $1::bigint", id, IT_END);
  free(id);
  return n;
}

/* A fresh Chinese mobile number (11 national digits) starting with prefix,
 * unique within this run (each test is a forked process: pid + counter). */
static char *uniq_mobile(const char *prefix) {
  static unsigned counter;
  counter++;
  size_t k = 11 - strlen(prefix);
  unsigned long long mod = 1;
  for (size_t i = 0; i < k; i++)
    mod *= 10;
  unsigned long long v = ((unsigned long long)(getpid() % 100000) * 1000ULL + counter) % mod;
  return it_fmt("%s%0*llu", prefix, (int)k, v);
}
static char *e164_of(const char *national) {
  return it_fmt("+86%s", national);
}
/* 138****8000 from 13800138000 */
static char *masked_of(const char *national) {
  return it_fmt("%.3s****%s", national, national + 7);
}



static char *cust_path(long long id) {
  return it_fmt("/v1/customers/%lld", id);
}

static time_t parse_time(const char *s) {
  struct tm tm;
  memset(&tm, 0, sizeof tm);
  const char *e = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
  ck_assert_msg(e, "not an RFC 3339 time: %s", s);
  if (*e == '.')
    for (e++; *e >= '0' && *e <= '9'; e++)
      ;
  ck_assert_msg(strcmp(e, "Z") == 0, "time not in UTC (Z): %s", s);
  return timegm(&tm);
}
static char *fmt_time(time_t t) {
  struct tm tm;
  gmtime_r(&t, &tm);
  char buf[32];
  strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return strdup(buf);
}
/* Date in Asia/Shanghai (UTC+8, no DST) days from today. */
static char *shanghai_date(int days) {
  time_t t = time(NULL) + 8 * 3600 + (time_t)days * 86400;
  struct tm tm;
  gmtime_r(&t, &tm);
  char buf[16];
  strftime(buf, sizeof buf, "%Y-%m-%d", &tm);
  return strdup(buf);
}

static void assert_time_member(json_t *o, const char *key) {
  json_t *v = json_object_get(o, key);
  ck_assert_msg(json_is_string(v), "%s missing or not a string", key);
  (void)parse_time(json_string_value(v));
}

static json_t *jget(const it_resp *r, const char *key) {
  ck_assert_msg(r->json && json_is_object(r->json), "no JSON object: %s", it_desc(r));
  return json_object_get(r->json, key);
}

/* The path part of a Location header, checked to be prefix + "/" + id. */
static char *location_path(const it_resp *r, const char *prefix, long long id) {
  const char *loc = it_header(r, "Location");
  ck_assert_msg(loc, "201 without Location: %s", it_desc(r));
  const char *p = strstr(loc, "/v1/");
  ck_assert_msg(p, "Location %s", loc);
  char *want = it_fmt("%s/%lld", prefix, id);
  ck_assert_msg(strcmp(p, want) == 0, "Location %s, expected ...%s", loc, want);
  free(want);
  return strdup(p);
}

/* POST /v1/customers (proxy); asserts 201; returns the id. body is stolen. */
static long long create_customer(const char *token, json_t *body) {
  it_resp r;
  it_req_json(IT_PROXY, "POST", "/v1/customers", token, NULL, body, &r);
  ck_assert_msg(r.status == 201, "create customer: %s", it_desc(&r));
  long long id = it_jint(&r, "id");
  it_resp_free(&r);
  return id;
}
/* name + phone (+ home_store_id when > 0) */
static json_t *cust_body(const char *name, const char *phone, long long home) {
  json_t *b = json_pack("{s:s, s:s}", "name", name, "phone", phone);
  if (home > 0)
    json_object_set_new(b, "home_store_id", json_integer(home));
  return b;
}
/* hq creates a customer at store code with a unique phone; *phone_out gets the national number. */
static long long hq_customer(const char *store, const char *name, char **phone_out) {
  char *p = uniq_mobile("139");
  long long id = create_customer(it_hq(), cust_body(name, p, it_store_id(store)));
  if (phone_out)
    *phone_out = p;
  else
    free(p);
  return id;
}

/* GET as token; asserts status; returns the parsed body (new ref) or NULL. */
static json_t *get_json(const char *path, const char *token, long status) {
  it_resp r;
  it_req(IT_PROXY, "GET", path, token, NULL, NULL, &r);
  ck_assert_msg(r.status == status, "GET %s: expected %ld, got %s", path, status, it_desc(&r));
  json_t *j = r.json ? json_incref(r.json) : NULL;
  it_resp_free(&r);
  return j;
}

/* Records a visit (proxy) and returns its id. performed_at NULL: default.
 * customer_phone may be NULL. */
static long long post_visit(const char *token, long long customer, long long store,
                            const char *performed_at, const char *customer_phone) {
  json_t *b =
      json_pack("{s:I, s:s, s:s, s:I}", "store_id", (json_int_t)store, "service_code", "FACIAL-01",
                "service_name", "深层补水护理", "amount_cents", (json_int_t)29900);
  if (performed_at)
    json_object_set_new(b, "performed_at", json_string(performed_at));
  if (customer_phone)
    json_object_set_new(b, "customer_phone", json_string(customer_phone));
  char *path = it_fmt("/v1/customers/%lld/visits", customer);
  it_resp r;
  it_req_json(IT_PROXY, "POST", path, token, NULL, b, &r);
  ck_assert_msg(r.status == 201, "POST %s: %s", path, it_desc(&r));
  long long id = it_jint(&r, "id");
  it_resp_free(&r);
  free(path);
  return id;
}

/* Walks GET /v1/customers?query with the given limit; every item (new ref).
 * Pages are in id order, except a phone-prefix search (q of digits), which
 * docs/contract.md orders by phone number. */
static json_t *walk(const char *query, const char *token, int limit) {
  json_t *all = json_array();
  char *cursor = NULL;
  long long last_id = 0;
  const char *q = strstr(query, "q=");
  bool by_phone = q && (q == query || q[-1] == '&') &&
                  (q[2] == '+' || strncmp(q + 2, "%2B", 3) == 0 || (q[2] >= '0' && q[2] <= '9'));
  char last_phone[32] = "";
  for (int page = 0; page < 5000; page++) {
    char *path;
    if (cursor) {
      char *e = it_escape(cursor);
      path = it_fmt("/v1/customers?limit=%d%s%s&cursor=%s", limit, *query ? "&" : "", query, e);
      free(e);
    } else {
      path = it_fmt("/v1/customers?limit=%d%s%s", limit, *query ? "&" : "", query);
    }
    it_resp r;
    it_req(IT_PROXY, "GET", path, token, NULL, NULL, &r);
    ck_assert_msg(r.status == 200, "GET %s: %s", path, it_desc(&r));
    json_t *items = json_object_get(r.json, "items");
    ck_assert_msg(json_is_array(items) && json_array_size(items) <= (size_t)limit,
                  "page %d of %s: %s", page, path, it_desc(&r));
    json_t *next = json_object_get(r.json, "next_cursor");
    ck_assert_msg(next != NULL, "next_cursor must be present (null at the end): %s", it_desc(&r));
    size_t i;
    json_t *it;
    json_array_foreach(items, i, it) {
      long long id = json_integer_value(json_object_get(it, "id"));
      if (by_phone) {
        const char *phone = json_string_value(json_object_get(it, "phone"));
        ck_assert_msg(phone && strcmp(phone, last_phone) > 0,
                      "phones not ascending or repeated: %s after %s (%s)", phone ? phone : "null",
                      last_phone, path);
        snprintf(last_phone, sizeof last_phone, "%s", phone);
      } else {
        ck_assert_msg(id > last_id, "ids not ascending or repeated: %lld after %lld (%s)", id,
                      last_id, path);
        last_id = id;
      }
      ck_assert_msg(json_object_get(it, "erased_at") == NULL ||
                        json_is_null(json_object_get(it, "erased_at")),
                    "erased customer %lld listed", id);
      json_array_append(all, it);
    }
    free(cursor);
    cursor = json_is_string(next) ? strdup(json_string_value(next)) : NULL;
    ck_assert_msg(cursor || json_is_null(next), "next_cursor neither string nor null");
    if (cursor)
      ck_assert_msg(json_array_size(items) > 0, "empty page with a next_cursor");
    it_resp_free(&r);
    free(path);
    if (!cursor)
      return all;
  }
  ck_abort_msg("pagination of customers?%s did not end", query);
  return NULL;
}

static json_t *find_id(json_t *items, long long id) {
  size_t i;
  json_t *it;
  json_array_foreach(items, i,
                     it) if (json_integer_value(json_object_get(it, "id")) == id) return it;
  return NULL;
}
static int has_id(json_t *items, long long id) {
  return find_id(items, id) != NULL;
}
static int str_array_has(json_t *a, const char *s) {
  size_t i;
  json_t *v;
  json_array_foreach(a, i,
                     v) if (json_is_string(v) && strcmp(json_string_value(v), s) == 0) return 1;
  return 0;
}

/* Any problem errors[] message or the detail mentions one of the needles. */
static int problem_mentions(const it_resp *r, const char *field, const char *a, const char *b) {
  json_t *d = json_object_get(r->json, "detail");
  if (json_is_string(d) && (strstr(json_string_value(d), a) || strstr(json_string_value(d), b)))
    return 1;
  size_t i;
  json_t *e;
  json_array_foreach(json_object_get(r->json, "errors"), i, e) {
    const char *f = json_string_value(json_object_get(e, "field"));
    const char *m = json_string_value(json_object_get(e, "message"));
    if (f && m && strcmp(f, field) == 0 && (strstr(m, a) || strstr(m, b)))
      return 1;
  }
  return 0;
}

/* ---- raw database scans (libpq on it_db_url) ---- */

static PGconn *db_open(void) {
  PGconn *c = PQconnectdb(it_db_url);
  ck_assert_msg(PQstatus(c) == CONNECTION_OK, "db connect: %s", PQerrorMessage(c));
  return c;
}
/* Every user table (schema.table, quoted) whose name matches the LIKE pattern. */
static PGresult *db_tables(PGconn *c, const char *like) {
  const char *p[] = {like};
  PGresult *t = PQexecParams(
      c,
      "SELECT quote_ident(table_schema) || '.' || quote_ident(table_name) FROM "
      "information_schema.tables WHERE table_type = 'BASE TABLE' AND table_schema NOT IN "
      "('pg_catalog', 'information_schema') AND table_name LIKE $1 ORDER BY 1",
      1, NULL, p, NULL, NULL, 0);
  ck_assert_msg(PQresultStatus(t) == PGRES_TUPLES_OK, "tables: %s", PQerrorMessage(c));
  return t;
}
/* Tables (comma list, or "" when none) where some row's JSON text contains needle. */
static char *tables_containing(const char *needle) {
  PGconn *c = db_open();
  PGresult *t = db_tables(c, "%");
  char *hits = strdup("");
  for (int i = 0; i < PQntuples(t); i++) {
    const char *tab = PQgetvalue(t, i, 0);
    char *sql = it_fmt("SELECT count(*) FROM %s x WHERE strpos(row_to_json(x)::text, $1) > 0", tab);
    const char *p[] = {needle};
    PGresult *r = PQexecParams(c, sql, 1, NULL, p, NULL, NULL, 0);
    ck_assert_msg(PQresultStatus(r) == PGRES_TUPLES_OK, "%s: %s", sql, PQerrorMessage(c));
    if (atoll(PQgetvalue(r, 0, 0)) > 0) {
      char *h = it_fmt("%s%s%s", hits, *hits ? "," : "", tab);
      free(hits);
      hits = h;
    }
    PQclear(r);
    free(sql);
  }
  PQclear(t);
  PQfinish(c);
  return hits;
}
/* Rows in tables named like '%event%' that mention "erased" and hold both the
 * customer id and the actor id as JSON numbers (top level or nested). */
static long long erased_event_rows(long long customer, long long actor) {
  PGconn *c = db_open();
  PGresult *t = db_tables(c, "%event%");
  long long n = 0;
  char *cs = it_fmt("%lld", customer), *as = it_fmt("%lld", actor);
  for (int i = 0; i < PQntuples(t); i++) {
    char *sql = it_fmt("SELECT count(*) FROM %s x WHERE strpos(row_to_json(x)::text, 'erased') > 0 "
                       "AND jsonb_path_exists(to_jsonb(x), '$.** ? (@ == $v || @ == $s)', "
                       "jsonb_build_object('v', $1::bigint, 's', $1::text)) "
                       "AND jsonb_path_exists(to_jsonb(x), '$.** ? (@ == $v || @ == $s)', "
                       "jsonb_build_object('v', $2::bigint, 's', $2::text))",
                       PQgetvalue(t, i, 0));
    const char *p[] = {cs, as};
    PGresult *r = PQexecParams(c, sql, 2, NULL, p, NULL, NULL, 0);
    ck_assert_msg(PQresultStatus(r) == PGRES_TUPLES_OK, "%s: %s", sql, PQerrorMessage(c));
    n += atoll(PQgetvalue(r, 0, 0));
    PQclear(r);
    free(sql);
  }
  free(cs);
  free(as);
  PQclear(t);
  PQfinish(c);
  return n;
}

/* ------------------------------------------------------------------------- */
/* create / read / update / list / erase per role */

START_TEST(test_crud_per_role) {
  static const struct {
    const char *login;
    int hq;
    long del_status;
  } roles[] = {
      {"sh001.rep", 0, 403},
      {"sh001.supervisor", 0, 403},
      {"sh001.manager", 0, 204},
      {"hq.admin", 1, 204},
  };
  long long sh001 = it_store_id("SH001");
  char *tag = it_uniq("角色");
  for (size_t k = 0; k < sizeof roles / sizeof *roles; k++) {
    const char *tok = it_token(roles[k].login);
    char *name = it_uniq("角色客户");
    char *phone = uniq_mobile("139");
    /* single-store callers get their store as home; hq names it */
    json_t *b = cust_body(name, phone, roles[k].hq ? sh001 : 0);
    json_object_set_new(b, "tags", json_pack("[s]", tag));
    it_resp r;
    it_req_json(IT_PROXY, "POST", "/v1/customers", tok, NULL, b, &r);
    ck_assert_msg(r.status == 201, "%s create: %s", roles[k].login, it_desc(&r));
    long long id = it_jint(&r, "id");
    char *path = location_path(&r, "/v1/customers", id);
    ck_assert_int_eq(it_jint(&r, "home_store_id"), sh001);
    ck_assert_str_eq(it_jstr(&r, "name"), name);
    char *e164 = e164_of(phone);
    ck_assert_str_eq(it_jstr(&r, "phone"), e164);
    /* defaults (contract "Customers") */
    ck_assert_str_eq(it_jstr(&r, "gender"), "unknown");
    ck_assert_str_eq(it_jstr(&r, "member_tier"), "regular");
    ck_assert_str_eq(it_jstr(&r, "source"), "walk_in");
    ck_assert_int_eq(it_jint(&r, "points"), 0);
    ck_assert_msg(json_is_false(jget(&r, "marketing_opt_in")), "opt-in default: %s", it_desc(&r));
    ck_assert_msg(json_is_object(jget(&r, "profile")) && json_object_size(jget(&r, "profile")) == 0,
                  "profile default {}: %s", it_desc(&r));
    ck_assert_msg(json_is_null(jget(&r, "birthday")), "birthday default null: %s", it_desc(&r));
    ck_assert_msg(json_is_null(jget(&r, "last_visit_at")), "last_visit_at: %s", it_desc(&r));
    ck_assert_msg(json_is_null(jget(&r, "erased_at")), "erased_at: %s", it_desc(&r));
    ck_assert_msg(json_is_array(jget(&r, "tags")) && json_array_size(jget(&r, "tags")) == 1,
                  "tags: %s", it_desc(&r));
    assert_time_member(r.json, "created_at");
    assert_time_member(r.json, "updated_at");
    char *etag = it_fmt("\"%lld\"", it_jint(&r, "version"));
    ck_assert_msg(it_header(&r, "ETag") && strcmp(it_header(&r, "ETag"), etag) == 0,
                  "ETag is not the quoted version %s: %s", etag, it_desc(&r));
    json_t *created = json_incref(r.json);
    it_resp_free(&r);

    /* read */
    it_req(IT_PROXY, "GET", path, tok, NULL, NULL, &r);
    it_assert_status(&r, 200);
    ck_assert_msg(json_equal(r.json, created), "%s: GET differs from create: %s", roles[k].login,
                  it_desc(&r));
    char *im = it_if_match(&r);
    it_resp_free(&r);

    /* update */
    it_req(IT_PROXY, "PATCH", path, tok, IT_HDRS(im),
           "{\"member_tier\":\"gold\",\"notes\":\"偏好周末上午\"}", &r);
    ck_assert_msg(r.status == 200, "%s PATCH: %s", roles[k].login, it_desc(&r));
    ck_assert_str_eq(it_jstr(&r, "member_tier"), "gold");
    ck_assert_str_eq(it_jstr(&r, "notes"), "偏好周末上午");
    ck_assert_str_eq(it_jstr(&r, "name"), name);
    ck_assert_int_eq(it_jint(&r, "version"),
                     json_integer_value(json_object_get(created, "version")) + 1);
    it_resp_free(&r);

    /* list */
    char *et = it_escape(tag);
    char *q = it_fmt("tag=%s", et);
    json_t *items = walk(q, tok, 50);
    json_t *mine = find_id(items, id);
    ck_assert_msg(mine, "%s: created customer not listed", roles[k].login);
    ck_assert_str_eq(json_string_value(json_object_get(mine, "member_tier")), "gold");
    json_decref(items);
    free(q);
    free(et);

    /* erase: rep and supervisor 403 (in scope), manager and hq 204 */
    it_req(IT_PROXY, "DELETE", path, tok, NULL, NULL, &r);
    if (roles[k].del_status == 403) {
      it_assert_problem(&r, 403, "forbidden", NULL);
      it_resp_free(&r);
      json_t *still = get_json(path, tok, 200);
      ck_assert_str_eq(json_string_value(json_object_get(still, "name")), name);
      ck_assert_msg(json_is_null(json_object_get(still, "erased_at")), "erased after 403");
      json_decref(still);
      ck_assert_int_eq(customers_with_phone(e164), 1);
    } else {
      it_assert_status(&r, 204);
      ck_assert_msg(r.body_len == 0, "204 with a body: %s", it_desc(&r));
      it_resp_free(&r);
      json_t *gone = get_json(path, tok, 200);
      ck_assert_str_eq(json_string_value(json_object_get(gone, "name")), ERASED_NAME);
      json_decref(gone);
      ck_assert_int_eq(customers_with_phone(e164), 0);
    }
    json_decref(created);
    free(im);
    free(etag);
    free(e164);
    free(path);
    free(phone);
    free(name);
  }
  free(tag);

  /* unknown id: 404 */
  it_resp r;
  it_req(IT_PROXY, "GET", "/v1/customers/999999999", it_hq(), NULL, NULL, &r);
  it_assert_problem(&r, 404, "not_found", NULL);
  it_resp_free(&r);
}
END_TEST

START_TEST(test_create_all_fields_and_home_store) {
  long long sh001 = it_store_id("SH001"), sh002 = it_store_id("SH002");
  char *phone = uniq_mobile("139");
  char *name = it_uniq("全字段");
  json_t *b =
      json_pack("{s:s, s:s, s:s, s:s, s:s, s:i, s:s, s:[s,s], s:b, s:s, s:{s:s, s:[s], s:s}}",
                "name", name, "phone", phone, "gender", "female", "birthday", "1990-07-15",
                "member_tier", "vip", "points", 1200, "source", "mini_program", "tags", "敏感肌",
                "周末", "marketing_opt_in", 1, "notes", "对酒精过敏", "profile", "skin_type", "dry",
                "allergies", "alcohol", "wedding_date", "2027-05-20");
  json_t *sent = json_deep_copy(b);
  it_resp r;
  it_req_json(IT_PROXY, "POST", "/v1/customers", it_token("sh001.rep"), NULL, b, &r);
  it_assert_status(&r, 201);
  ck_assert_int_eq(it_jint(&r, "home_store_id"), sh001);
  static const char *const same[] = {"name",    "gender",          "birthday", "member_tier",
                                     "points",  "source",          "tags",     "notes",
                                     "profile", "marketing_opt_in"};
  for (size_t i = 0; i < sizeof same / sizeof *same; i++)
    ck_assert_msg(json_equal(json_object_get(sent, same[i]), jget(&r, same[i])), "%s not kept: %s",
                  same[i], it_desc(&r));
  long long id = it_jint(&r, "id");
  it_resp_free(&r);
  json_decref(sent);

  /* created_by a rep: the customer was not written twice */
  char *e164 = e164_of(phone);
  ck_assert_int_eq(customers_with_phone(e164), 1);
  free(e164);

  /* a caller with two stores must name the home store */
  long long before = count_customers();
  char *p2 = uniq_mobile("139");
  char *body = it_fmt("{\"name\":\"两店客户\",\"phone\":\"%s\"}", p2);
  it_req(IT_DIRECT, "POST", "/v1/customers", it_token("east.supervisor"), NULL, body, &r);
  it_assert_problem(&r, 400, "validation_failed", "home_store_id");
  it_resp_free(&r);
  ck_assert_int_eq(count_customers(), before);
  long long id2 = create_customer(it_token("east.supervisor"), cust_body("两店客户", p2, sh002));
  char *path2 = cust_path(id2);
  json_t *c2 = get_json(path2, it_token("east.supervisor"), 200);
  free(path2);
  ck_assert_int_eq(json_integer_value(json_object_get(c2, "home_store_id")), sh002);
  json_decref(c2);

  /* a home store outside the caller's stores: 400 on home_store_id, nothing written */
  char *p3 = uniq_mobile("139");
  before = count_customers();
  json_t *b3 = cust_body("越店客户", p3, it_store_id("BJ001"));
  it_req_json(IT_DIRECT, "POST", "/v1/customers", it_token("sh001.rep"), NULL, b3, &r);
  it_assert_problem(&r, 400, "validation_failed", "home_store_id");
  it_resp_free(&r);
  ck_assert_int_eq(count_customers(), before);
  /* hq without a home store (HQ has no store of its own): 400 */
  char *hb = it_fmt("{\"name\":\"总部客户\",\"phone\":\"%s\"}", p3);
  it_req(IT_DIRECT, "POST", "/v1/customers", it_hq(), NULL, hb, &r);
  free(hb);
  it_assert_problem(&r, 400, "validation_failed", "home_store_id");
  it_resp_free(&r);
  ck_assert_int_eq(count_customers(), before);
  (void)id;
  free(body);
  free(p2);
  free(p3);
  free(name);
  free(phone);
}
END_TEST

/* ------------------------------------------------------------------------- */
/* visibility and the phone card */

START_TEST(test_visibility_and_phone_card) {
  char *phone = NULL;
  char *name = it_uniq("静安会员");
  long long id = hq_customer("SH001", name, &phone);
  char *path = cust_path(id);
  const char *rep2 = it_token("sh002.rep");
  it_resp r;

  /* out of scope: 404 everywhere, for every role of another store */
  static const char *const others[] = {"sh002.rep", "sh002.manager", "bj001.rep", "bj001.manager"};
  for (size_t i = 0; i < sizeof others / sizeof *others; i++) {
    it_req(IT_PROXY, "GET", path, it_token(others[i]), NULL, NULL, &r);
    it_assert_problem(&r, 404, "not_found", NULL);
    it_resp_free(&r);
  }
  it_req(IT_PROXY, "PATCH", path, rep2, IT_HDRS("If-Match: *"), "{\"notes\":\"越权\"}", &r);
  it_assert_problem(&r, 404, "not_found", NULL);
  it_resp_free(&r);
  it_req(IT_PROXY, "DELETE", path, it_token("sh002.manager"), NULL, NULL, &r);
  it_assert_problem(&r, 404, "not_found", NULL);
  it_resp_free(&r);
  char *vpath = it_fmt("%s/visits", path);
  it_req(IT_PROXY, "GET", vpath, rep2, NULL, NULL, &r);
  it_assert_problem(&r, 404, "not_found", NULL);
  it_resp_free(&r);
  /* staff of the home store, and east.supervisor (SH001+SH002), see it */
  json_decref(get_json(path, it_token("sh001.rep"), 200));
  json_decref(get_json(path, it_token("east.supervisor"), 200));

  /* the card by exact phone, chain-wide: exactly id, name, phone_masked, home_store_id */
  char *q = it_fmt("/v1/customers?phone=%s", phone);
  it_req(IT_PROXY, "GET", q, rep2, NULL, NULL, &r);
  it_assert_status(&r, 200);
  json_t *items = jget(&r, "items");
  ck_assert_msg(json_is_array(items) && json_array_size(items) == 1, "one card: %s", it_desc(&r));
  json_t *card = json_array_get(items, 0);
  ck_assert_msg(json_object_size(card) == 4, "card must have exactly 4 members: %s", it_desc(&r));
  ck_assert_int_eq(json_integer_value(json_object_get(card, "id")), id);
  ck_assert_str_eq(json_string_value(json_object_get(card, "name")), name);
  char *masked = masked_of(phone);
  ck_assert_str_eq(json_string_value(json_object_get(card, "phone_masked")), masked);
  ck_assert_int_eq(json_integer_value(json_object_get(card, "home_store_id")),
                   it_store_id("SH001"));
  it_resp_free(&r);
  /* other filters are ignored with phone */
  char *q2 = it_fmt("/v1/customers?phone=%s&tier=vip&store=%lld", phone, it_store_id("BJ001"));
  it_req(IT_PROXY, "GET", q2, rep2, NULL, NULL, &r);
  it_assert_status(&r, 200);
  ck_assert_msg(json_array_size(jget(&r, "items")) == 1, "phone ignores other filters: %s",
                it_desc(&r));
  it_resp_free(&r);
  /* the home store sees the full customer in the same lookup */
  it_req(IT_PROXY, "GET", q, it_token("sh001.rep"), NULL, NULL, &r);
  it_assert_status(&r, 200);
  card = json_array_get(jget(&r, "items"), 0);
  ck_assert_msg(card && json_is_string(json_object_get(card, "phone")) &&
                    json_object_get(card, "member_tier"),
                "visible: the full customer: %s", it_desc(&r));
  it_resp_free(&r);
  /* no match: empty list */
  char *nobody = uniq_mobile("137");
  char *q3 = it_fmt("/v1/customers?phone=%s", nobody);
  it_req(IT_PROXY, "GET", q3, rep2, NULL, NULL, &r);
  it_assert_status(&r, 200);
  ck_assert_msg(json_is_array(jget(&r, "items")) && json_array_size(jget(&r, "items")) == 0,
                "no match: empty list: %s", it_desc(&r));
  it_resp_free(&r);

  /* a visit at SH002 without the phone: the customer is not visible: 404, nothing written */
  long long sh002 = it_store_id("SH002");
  char *vbody = it_fmt("{\"store_id\":%lld,\"service_code\":\"GYM-TRIAL\","
                       "\"service_name\":\"私教体验课\"}",
                       sh002);
  it_req(IT_PROXY, "POST", vpath, rep2, NULL, vbody, &r);
  it_assert_problem(&r, 404, "not_found", NULL);
  it_resp_free(&r);
  /* a wrong phone: 404 too */
  char *vbad = it_fmt("{\"store_id\":%lld,\"service_code\":\"GYM-TRIAL\","
                      "\"service_name\":\"私教体验课\",\"customer_phone\":\"%s\"}",
                      sh002, nobody);
  it_req(IT_PROXY, "POST", vpath, rep2, NULL, vbad, &r);
  it_assert_problem(&r, 404, "not_found", NULL);
  it_resp_free(&r);
  ck_assert_int_eq(count_visits(id), 0);
  /* with customer_phone (another spelling of it): 201 */
  char *spaced = it_fmt("%.3s %.4s %s", phone, phone + 3, phone + 7);
  char *vok = it_fmt("{\"store_id\":%lld,\"service_code\":\"GYM-TRIAL\","
                     "\"service_name\":\"私教体验课\",\"customer_phone\":\"%s\"}",
                     sh002, spaced);
  it_req(IT_PROXY, "POST", vpath, rep2, NULL, vok, &r);
  it_assert_status(&r, 201);
  ck_assert_int_eq(it_jint(&r, "customer_id"), id);
  ck_assert_int_eq(it_jint(&r, "store_id"), sh002);
  ck_assert_int_eq(it_jint(&r, "staff_id"), it_staff_id("sh002.rep"));
  it_resp_free(&r);
  ck_assert_int_eq(count_visits(id), 1);

  /* now the SH002 rep reads the full profile, and the lookup answers it in full */
  json_t *full = get_json(path, rep2, 200);
  char *e164 = e164_of(phone);
  ck_assert_str_eq(json_string_value(json_object_get(full, "phone")), e164);
  ck_assert_str_eq(json_string_value(json_object_get(full, "name")), name);
  ck_assert_int_eq(json_integer_value(json_object_get(full, "home_store_id")),
                   it_store_id("SH001"));
  json_decref(full);
  it_req(IT_PROXY, "GET", q, rep2, NULL, NULL, &r);
  it_assert_status(&r, 200);
  card = json_array_get(jget(&r, "items"), 0);
  ck_assert_msg(card && json_is_string(json_object_get(card, "phone")), "full after visit: %s",
                it_desc(&r));
  it_resp_free(&r);
  /* and it is in the rep's list */
  char *en = it_escape(name);
  char *lq = it_fmt("q=%s", en);
  json_t *listed = walk(lq, rep2, 50);
  ck_assert_msg(has_id(listed, id), "customer with a SH002 visit not in the SH002 rep's list");
  json_decref(listed);
  /* BJ001 still cannot read it */
  it_req(IT_PROXY, "GET", path, it_token("bj001.rep"), NULL, NULL, &r);
  it_assert_problem(&r, 404, "not_found", NULL);
  it_resp_free(&r);

  /* an international number's card: +, the first 4 and the last 4 digits */
  it_req(IT_PROXY, "GET", "/v1/customers?phone=%2B447911123456", it_hq(), NULL, NULL, &r);
  it_assert_status(&r, 200);
  if (json_array_size(jget(&r, "items")) == 0) {
    it_resp_free(&r);
    create_customer(it_hq(), cust_body("Oliver Smith", "+44 7911 123456", it_store_id("SH001")));
  } else {
    it_resp_free(&r);
  }
  it_req(IT_PROXY, "GET", "/v1/customers?phone=%2B44%207911%20123456", it_token("bj001.rep"), NULL,
         NULL, &r);
  it_assert_status(&r, 200);
  card = json_array_get(jget(&r, "items"), 0);
  ck_assert_msg(card && json_object_size(card) == 4, "card: %s", it_desc(&r));
  ck_assert_str_eq(json_string_value(json_object_get(card, "phone_masked")), "+4479****3456");
  it_resp_free(&r);

  /* an invalid phone in the lookup: 400 on phone */
  it_req(IT_DIRECT, "GET", "/v1/customers?phone=abc", rep2, NULL, NULL, &r);
  it_assert_problem(&r, 400, "validation_failed", "phone");
  it_resp_free(&r);

  free(en);
  free(lq);
  free(e164);
  free(spaced);
  free(vok);
  free(vbad);
  free(vbody);
  free(q3);
  free(nobody);
  free(q2);
  free(masked);
  free(q);
  free(vpath);
  free(path);
  free(name);
  free(phone);
}
END_TEST

/* ------------------------------------------------------------------------- */
/* phone spellings and duplicates */

START_TEST(test_phone_spellings) {
  static const char *const spellings[] = {"138 0013 8000", "+86-138-0013-8000", "8613800138000",
                                          "+8613800138000", "0086 138 0013 8000"};
  const size_t n = sizeof spellings / sizeof *spellings;
  long long sh001 = it_store_id("SH001");
  /* should the demo seed ever hold this number, its customer is "the first one" */
  long long before = customers_with_phone("+8613800138000");
  ck_assert_msg(before <= 1, "phone stored more than once");
  it_resp r;
  long long id;
  it_req_json(IT_PROXY, "POST", "/v1/customers", it_hq(), NULL,
              cust_body("拼写测试", spellings[0], sh001), &r);
  if (before == 0) {
    it_assert_status(&r, 201);
    ck_assert_str_eq(it_jstr(&r, "phone"), "+8613800138000");
    id = it_jint(&r, "id");
  } else {
    it_assert_problem(&r, 409, "duplicate_customer", NULL);
    id = it_jint(&r, "existing_id");
  }
  it_resp_free(&r);

  for (size_t i = 0; i < n; i++) {
    /* lookup with every spelling finds the same customer, stored in E.164 */
    char *e = it_escape(spellings[i]);
    char *q = it_fmt("/v1/customers?phone=%s", e);
    it_req(IT_PROXY, "GET", q, it_hq(), NULL, NULL, &r);
    it_assert_status(&r, 200);
    json_t *items = jget(&r, "items");
    ck_assert_msg(json_array_size(items) == 1, "lookup %s: %s", spellings[i], it_desc(&r));
    json_t *c = json_array_get(items, 0);
    ck_assert_int_eq(json_integer_value(json_object_get(c, "id")), id);
    ck_assert_str_eq(json_string_value(json_object_get(c, "phone")), "+8613800138000");
    it_resp_free(&r);
    /* a SH002 rep: the card, masked */
    it_req(IT_PROXY, "GET", q, it_token("sh002.rep"), NULL, NULL, &r);
    it_assert_status(&r, 200);
    c = json_array_get(jget(&r, "items"), 0);
    ck_assert_msg(c, "card by %s: %s", spellings[i], it_desc(&r));
    ck_assert_int_eq(json_integer_value(json_object_get(c, "id")), id);
    ck_assert_str_eq(json_string_value(json_object_get(c, "phone_masked")), "138****8000");
    it_resp_free(&r);
    /* creating with every spelling conflicts with the same id */
    it_req_json(IT_PROXY, "POST", "/v1/customers", it_hq(), NULL,
                cust_body("拼写重复", spellings[i], it_store_id("BJ001")), &r);
    it_assert_problem(&r, 409, "duplicate_customer", NULL);
    ck_assert_msg(it_jint(&r, "existing_id") == id, "%s: existing_id: %s", spellings[i],
                  it_desc(&r));
    it_resp_free(&r);
    free(q);
    free(e);
  }
  ck_assert_int_eq(customers_with_phone("+8613800138000"), 1);

  /* a landline with its trunk 0 (contract) */
  char *land = it_fmt("021-6%03d %04d", getpid() % 1000, 4000 + (int)(getpid() % 1000));
  char *lbody =
      it_fmt("{\"name\":\"座机客户\",\"phone\":\"%s\",\"home_store_id\":%lld}", land, sh001);
  it_req(IT_PROXY, "POST", "/v1/customers", it_hq(), NULL, lbody, &r);
  it_assert_status(&r, 201);
  char *want = it_fmt("+86216%03d%04d", getpid() % 1000, 4000 + (int)(getpid() % 1000));
  ck_assert_str_eq(it_jstr(&r, "phone"), want);
  it_resp_free(&r);

  /* an international number is kept in E.164 */
  it_req(IT_PROXY, "GET", "/v1/customers?phone=%2B447911123456", it_hq(), NULL, NULL, &r);
  it_assert_status(&r, 200);
  long long intl = 0;
  if (json_array_size(jget(&r, "items")) == 1)
    intl = json_integer_value(json_object_get(json_array_get(jget(&r, "items"), 0), "id"));
  it_resp_free(&r);
  if (!intl) {
    it_req_json(IT_PROXY, "POST", "/v1/customers", it_hq(), NULL,
                cust_body("Oliver Smith", "+44 7911 123456", sh001), &r);
    it_assert_status(&r, 201);
    ck_assert_str_eq(it_jstr(&r, "phone"), "+447911123456");
    intl = it_jint(&r, "id");
    it_resp_free(&r);
  }
  json_t *c = get_json(cust_path(intl), it_hq(), 200);
  ck_assert_str_eq(json_string_value(json_object_get(c, "phone")), "+447911123456");
  json_decref(c);
  it_req_json(IT_PROXY, "POST", "/v1/customers", it_hq(), NULL,
              cust_body("Oliver Smith", "0044 7911 123456", sh001), &r);
  it_assert_problem(&r, 409, "duplicate_customer", NULL);
  ck_assert_int_eq(it_jint(&r, "existing_id"), intl);
  it_resp_free(&r);
  ck_assert_int_eq(customers_with_phone("+447911123456"), 1);
  free(want);
  free(lbody);
  free(land);
}
END_TEST

START_TEST(test_duplicates) {
  char *phone = uniq_mobile("139");
  long long first = create_customer(it_token("sh001.rep"), cust_body("首位客户", phone, 0));
  char *e164 = e164_of(phone);
  long long before = count_customers();
  /* the same phone from another store, another role, another name */
  static const char *const who[] = {"sh001.rep", "sh002.rep", "bj001.manager"};
  for (size_t i = 0; i < sizeof who / sizeof *who; i++) {
    it_resp r;
    it_req_json(IT_PROXY, "POST", "/v1/customers", it_token(who[i]), NULL,
                cust_body("重复客户", i == 1 ? e164 : phone, 0), &r);
    it_assert_problem(&r, 409, "duplicate_customer", NULL);
    ck_assert_msg(it_jint(&r, "existing_id") == first, "%s: existing_id: %s", who[i], it_desc(&r));
    it_resp_free(&r);
  }
  ck_assert_int_eq(count_customers(), before);
  ck_assert_int_eq(customers_with_phone(e164), 1);
  free(e164);
  free(phone);
}
END_TEST

/* ------------------------------------------------------------------------- */
/* validation: 400 naming the field, nothing written */

static void expect_invalid_create(const char *token, json_t *body, const char *field) {
  char *text = json_dumps(body, JSON_COMPACT);
  json_decref(body);
  long long before = count_customers();
  it_resp r;
  it_req(IT_DIRECT, "POST", "/v1/customers", token, NULL, text, &r);
  ck_assert_msg(r.status == 400, "expected 400 on %s for %.300s: %s", field, text, it_desc(&r));
  it_assert_problem(&r, 400, "validation_failed", field);
  it_resp_free(&r);
  ck_assert_msg(count_customers() == before, "a row was written for %.300s", text);
  free(text);
}

static json_t *valid_body(void) {
  char *p = uniq_mobile("139");
  json_t *b = cust_body("校验客户", p, 0);
  free(p);
  return b;
}

START_TEST(test_validation) {
  const char *tok = it_token("sh001.rep");
  char *tomorrow = shanghai_date(1);
  char *today = shanghai_date(0);
  struct {
    const char *field;
    json_t *value; /* NULL: remove the field */
  } cases[64];
  size_t n = 0;
#define CASE(f, v) (cases[n].field = (f), cases[n].value = (v), n++)
  CASE("phone", json_string("12345"));
  CASE("phone", json_string("abc"));
  CASE("phone", json_string("+0123456789"));
  CASE("phone", json_string(""));
  CASE("phone", json_integer(13800138000LL));
  CASE("phone", NULL);
  CASE("name", NULL);
  CASE("name", json_string(""));
  CASE("name", json_string(ZH65));
  CASE("name", json_integer(123));
  CASE("birthday", json_string(tomorrow));
  CASE("birthday", json_string("2099-01-01"));
  CASE("birthday", json_string("1899-12-31"));
  CASE("birthday", json_string("2023-02-30"));
  CASE("birthday", json_string("1990-1-5"));
  CASE("birthday", json_integer(19900105));
  CASE("member_tier", json_string("diamond"));
  CASE("member_tier", json_integer(1));
  CASE("gender", json_string("other"));
  CASE("source", json_string("tiktok"));
  CASE("points", json_integer(-1));
  CASE("points", json_string("10"));
  CASE("marketing_opt_in", json_string("yes"));
  CASE("profile", json_pack("[i,i]", 1, 2));
  CASE("profile", json_string("{\"skin\":\"dry\"}"));
  CASE("tags", json_string("敏感肌"));
  CASE("tags", json_pack("[i]", 7));
  CASE("tags*", json_pack("[s]", ZH33));
  CASE("tags*", json_pack("[s]", ""));
  {
    json_t *t = json_array();
    for (int i = 0; i < 21; i++) {
      char buf[16];
      snprintf(buf, sizeof buf, "标签%d", i);
      json_array_append_new(t, json_string(buf));
    }
    CASE("tags*", t);
  }
  {
    char *notes = malloc(2002);
    memset(notes, 'n', 2001);
    notes[2001] = 0;
    CASE("notes", json_string(notes));
    free(notes);
  }
  CASE("home_store_id", json_string("1"));
  CASE("nickname", json_string("娜娜"));
#undef CASE
  for (size_t i = 0; i < n; i++) {
    json_t *b = valid_body();
    const char *key = cases[i].field;
    char keybuf[32];
    snprintf(keybuf, sizeof keybuf, "%s", key);
    char *star = strchr(keybuf, '*');
    if (star)
      *star = 0;
    if (cases[i].value)
      json_object_set_new(b, keybuf, cases[i].value);
    else
      json_object_del(b, keybuf);
    expect_invalid_create(tok, b, key);
  }

  /* profile over 8 KiB (compact UTF-8): 400 on profile, the message states the limit */
  {
    char *big = malloc(8200);
    memset(big, 'x', 8185);
    big[8185] = 0; /* {"k":"x...x"} = 8 + 8185 = 8193 bytes */
    json_t *b = valid_body();
    json_object_set_new(b, "profile", json_pack("{s:s}", "k", big));
    char *text = json_dumps(b, JSON_COMPACT);
    json_decref(b);
    long long before = count_customers();
    it_resp r;
    it_req(IT_DIRECT, "POST", "/v1/customers", tok, NULL, text, &r);
    it_assert_problem(&r, 400, "validation_failed", "profile");
    ck_assert_msg(problem_mentions(&r, "profile", "8192", "8 KiB"),
                  "the profile message must state the limit (8192 bytes / 8 KiB): %s", it_desc(&r));
    it_resp_free(&r);
    ck_assert_int_eq(count_customers(), before);
    free(text);
    /* exactly 8192 bytes is accepted */
    big[8184] = 0;
    b = valid_body();
    json_object_set_new(b, "profile", json_pack("{s:s}", "k", big));
    json_t *sent = json_deep_copy(json_object_get(b, "profile"));
    it_req_json(IT_PROXY, "POST", "/v1/customers", tok, NULL, b, &r);
    ck_assert_msg(r.status == 201, "profile of exactly 8192 bytes: %s", it_desc(&r));
    ck_assert_msg(json_equal(jget(&r, "profile"), sent), "profile not kept");
    it_resp_free(&r);
    json_decref(sent);
    free(big);
  }

  /* malformed JSON and a body that is not an object: malformed_json, nothing written */
  {
    long long before = count_customers();
    it_resp r;
    it_req(IT_DIRECT, "POST", "/v1/customers", tok, NULL, "{\"name\":\"半截", &r);
    it_assert_problem(&r, 400, "malformed_json", NULL);
    it_resp_free(&r);
    it_req(IT_DIRECT, "POST", "/v1/customers", tok, NULL, "[1]", &r);
    it_assert_problem(&r, 400, "malformed_json", NULL);
    it_resp_free(&r);
    ck_assert_int_eq(count_customers(), before);
  }

  /* the limits themselves are accepted */
  {
    json_t *b = valid_body();
    json_object_set_new(b, "name", json_string(ZH64));
    json_t *t = json_array();
    for (int i = 0; i < 19; i++) {
      char buf[16];
      snprintf(buf, sizeof buf, "标签%d", i);
      json_array_append_new(t, json_string(buf));
    }
    json_array_append_new(t, json_string(ZH32));
    json_object_set_new(b, "tags", t);
    json_object_set_new(b, "birthday", json_string(today));
    char *notes = malloc(2001);
    memset(notes, 'n', 2000);
    notes[2000] = 0;
    json_object_set_new(b, "notes", json_string(notes));
    free(notes);
    it_resp r;
    it_req_json(IT_PROXY, "POST", "/v1/customers", tok, NULL, b, &r);
    ck_assert_msg(r.status == 201, "values at the limits: %s", it_desc(&r));
    ck_assert_str_eq(it_jstr(&r, "name"), ZH64);
    ck_assert_int_eq((long long)json_array_size(jget(&r, "tags")), 20);
    ck_assert_str_eq(it_jstr(&r, "birthday"), today);
    it_resp_free(&r);
    b = valid_body();
    json_object_set_new(b, "birthday", json_string("1900-01-01"));
    it_req_json(IT_PROXY, "POST", "/v1/customers", tok, NULL, b, &r);
    ck_assert_msg(r.status == 201, "birthday 1900-01-01: %s", it_desc(&r));
    it_resp_free(&r);
  }
  free(tomorrow);
  free(today);
}
END_TEST

START_TEST(test_list_query_validation) {
  static const char *const bad[][2] = {
      {"/v1/customers?tier=diamond", "tier"},
      {"/v1/customers?tier=gold,platinum", "tier"},
      {"/v1/customers?birthday_month=13", "birthday_month"},
      {"/v1/customers?birthday_month=0", "birthday_month"},
      {"/v1/customers?birthday_month=may", "birthday_month"},
      {"/v1/customers?lapsed_days=0", "lapsed_days"},
      {"/v1/customers?lapsed_days=abc", "lapsed_days"},
      {"/v1/customers?store=abc", "store"},
      {"/v1/customers?limit=0", "limit"},
      {"/v1/customers?limit=201", "limit"},
      {"/v1/customers?cursor=not-a-cursor!!", "cursor"},
      {"/v1/customers?phone=12345", "phone"},
      {"/v1/customers?phone=%2B0123456789", "phone"},
  };
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    it_resp r;
    it_req(IT_DIRECT, "GET", bad[i][0], it_hq(), NULL, NULL, &r);
    ck_assert_msg(r.status == 400, "%s: %s", bad[i][0], it_desc(&r));
    it_assert_problem(&r, 400, "validation_failed", bad[i][1]);
    it_resp_free(&r);
  }
}
END_TEST

/* ------------------------------------------------------------------------- */
/* PATCH */

START_TEST(test_patch) {
  const char *tok = it_token("sh001.rep");
  char *phone = uniq_mobile("139");
  json_t *b = cust_body("补丁客户", phone, 0);
  json_object_set_new(b, "profile",
                      json_pack("{s:s, s:s}", "skin_type", "oily", "allergies", "none"));
  long long id = create_customer(tok, b);
  char *other_phone = uniq_mobile("139");
  long long other = create_customer(tok, cust_body("另一位", other_phone, 0));
  char *path = cust_path(id);
  it_resp r;
  it_req(IT_PROXY, "GET", path, tok, NULL, NULL, &r);
  it_assert_status(&r, 200);
  char *if1 = it_if_match(&r);
  long long v1 = it_jint(&r, "version");
  it_resp_free(&r);

  /* without If-Match: 428 */
  it_req(IT_DIRECT, "PATCH", path, tok, NULL, "{\"notes\":\"无条件\"}", &r);
  it_assert_problem(&r, 428, "precondition_required", NULL);
  it_resp_free(&r);

  /* with the current ETag: 200; tags folded to a set (first appearance kept); profile replaced */
  it_req(IT_PROXY, "PATCH", path, tok, IT_HDRS(if1),
         "{\"tags\":[\"敏感肌\",\"周末\",\"敏感肌\",\"VIP候选\",\"周末\"],"
         "\"profile\":{\"fitness_goal\":\"减脂\"},\"gender\":\"female\",\"points\":50}",
         &r);
  it_assert_status(&r, 200);
  json_t *want_tags = json_pack("[s,s,s]", "敏感肌", "周末", "VIP候选");
  ck_assert_msg(json_equal(jget(&r, "tags"), want_tags), "tags not a set: %s", it_desc(&r));
  json_t *want_profile = json_pack("{s:s}", "fitness_goal", "减脂");
  ck_assert_msg(json_equal(jget(&r, "profile"), want_profile), "profile not replaced: %s",
                it_desc(&r));
  ck_assert_str_eq(it_jstr(&r, "gender"), "female");
  ck_assert_int_eq(it_jint(&r, "points"), 50);
  ck_assert_str_eq(it_jstr(&r, "name"), "补丁客户");
  ck_assert_int_eq(it_jint(&r, "version"), v1 + 1);
  char *if2 = it_if_match(&r);
  ck_assert_msg(strcmp(if1, if2) != 0, "ETag unchanged after PATCH");
  it_resp_free(&r);
  json_t *now = get_json(path, tok, 200);
  ck_assert_msg(json_equal(json_object_get(now, "tags"), want_tags), "tags after GET");
  ck_assert_msg(json_equal(json_object_get(now, "profile"), want_profile), "profile after GET");
  json_decref(now);

  /* stale: 412, nothing changed */
  it_req(IT_PROXY, "PATCH", path, tok, IT_HDRS(if1), "{\"notes\":\"过期\"}", &r);
  it_assert_problem(&r, 412, "version_conflict", NULL);
  it_resp_free(&r);
  now = get_json(path, tok, 200);
  ck_assert_msg(!json_is_string(json_object_get(now, "notes")) ||
                    strcmp(json_string_value(json_object_get(now, "notes")), "过期") != 0,
                "a stale PATCH changed the customer");
  json_decref(now);

  /* phone of another customer: 409 duplicate_customer; nothing changed */
  char *pb = it_fmt("{\"phone\":\"+86 %s\"}", other_phone);
  it_req(IT_PROXY, "PATCH", path, tok, IT_HDRS(if2), pb, &r);
  it_assert_problem(&r, 409, "duplicate_customer", NULL);
  if (json_object_get(r.json, "existing_id"))
    ck_assert_int_eq(it_jint(&r, "existing_id"), other);
  it_resp_free(&r);
  char *e164 = e164_of(phone), *oe164 = e164_of(other_phone);
  ck_assert_int_eq(customers_with_phone(oe164), 1);
  ck_assert_int_eq(customers_with_phone(e164), 1);

  /* invalid values: 400 naming the field, the ETag still current */
  static const char *const bad[][2] = {
      {"{\"phone\":\"12345\"}", "phone"},
      {"{\"member_tier\":\"diamond\"}", "member_tier"},
      {"{\"birthday\":\"2099-01-01\"}", "birthday"},
      {"{\"profile\":[1]}", "profile"},
      {"{\"name\":\"" ZH65 "\"}", "name"},
      {"{\"id\":5}", "id"},
      {"{\"erased_at\":null}", "erased_at"},
      {"{\"nickname\":\"娜\"}", "nickname"},
      {"{\"home_store_id\":%HOME%}", "home_store_id"},
  };
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    char *body;
    if (strstr(bad[i][0], "%HOME%"))
      body = it_fmt("{\"home_store_id\":%lld}", it_store_id("BJ001"));
    else
      body = strdup(bad[i][0]);
    it_req(IT_DIRECT, "PATCH", path, tok, IT_HDRS(if2), body, &r);
    ck_assert_msg(r.status == 400, "PATCH %s: %s", body, it_desc(&r));
    it_assert_problem(&r, 400, "validation_failed", bad[i][1]);
    it_resp_free(&r);
    free(body);
  }
  /* another spelling of its own phone is no conflict */
  char *own = it_fmt("{\"phone\":\"0086 %s\"}", phone);
  it_req(IT_PROXY, "PATCH", path, tok, IT_HDRS(if2), own, &r);
  it_assert_status(&r, 200);
  ck_assert_str_eq(it_jstr(&r, "phone"), e164);
  ck_assert_int_eq(it_jint(&r, "version"), v1 + 2);
  it_resp_free(&r);
  /* a new phone moves the customer: the old one finds nothing */
  char *newp = uniq_mobile("139");
  char *nb = it_fmt("{\"phone\":\"%s\"}", newp);
  it_req(IT_PROXY, "PATCH", path, tok, IT_HDRS("If-Match: *"), nb, &r);
  it_assert_status(&r, 200);
  it_resp_free(&r);
  char *q = it_fmt("/v1/customers?phone=%s", phone);
  it_req(IT_PROXY, "GET", q, tok, NULL, NULL, &r);
  it_assert_status(&r, 200);
  ck_assert_int_eq((long long)json_array_size(jget(&r, "items")), 0);
  it_resp_free(&r);

  json_decref(want_tags);
  json_decref(want_profile);
  free(q);
  free(nb);
  free(newp);
  free(own);
  free(e164);
  free(oe164);
  free(pb);
  free(if1);
  free(if2);
  free(path);
  free(other_phone);
  free(phone);
}
END_TEST

/* ------------------------------------------------------------------------- */
/* list filters */

static json_t *list_all(const char *query, const char *token) {
  return walk(query, token, 200);
}

START_TEST(test_list_filters) {
  long long sh001 = it_store_id("SH001"), sh002 = it_store_id("SH002");
  char *tag = it_uniq("筛选");
  char *etag = it_escape(tag);
  const char *hq = it_hq();
  /* names */
  struct {
    const char *name, *tier, *birthday;
    long long home;
    long long id;
    char *phone;
  } c[] = {
      {"欧阳娜娜", "gold", "1992-07-08", 0, 0, NULL},
      {"司马阳娜", "vip", "1988-07-30", 0, 0, NULL},
      {"阳光", "silver", "1990-03-01", 0, 0, NULL},
      {"娜阳", "regular", NULL, 0, 0, NULL},
      {"Anna Lee", "regular", "1995-12-31", 0, 0, NULL},
  };
  const size_t n = sizeof c / sizeof *c;
  for (size_t i = 0; i < n; i++) {
    c[i].home = i == 4 ? sh002 : sh001;
    c[i].phone = uniq_mobile(i < 2 ? "138001" : "139");
    json_t *b = cust_body(c[i].name, c[i].phone, c[i].home);
    json_object_set_new(b, "member_tier", json_string(c[i].tier));
    json_object_set_new(b, "tags", json_pack("[s]", tag));
    if (c[i].birthday)
      json_object_set_new(b, "birthday", json_string(c[i].birthday));
    c[i].id = create_customer(hq, b);
  }

  /* q: Chinese substring */
  char *e = it_escape("阳娜");
  char *q = it_fmt("q=%s", e);
  json_t *items = list_all(q, hq);
  size_t i;
  json_t *it;
  json_array_foreach(items, i, it)
      ck_assert_msg(strstr(json_string_value(json_object_get(it, "name")), "阳娜"),
                    "q=阳娜 listed %s", json_string_value(json_object_get(it, "name")));
  ck_assert_msg(has_id(items, c[0].id) && has_id(items, c[1].id), "q=阳娜 misses a match");
  ck_assert_msg(!has_id(items, c[2].id) && !has_id(items, c[3].id), "q=阳娜 lists a non-match");
  json_decref(items);
  free(q);
  free(e);
  /* q combined with tag: exactly the two */
  e = it_escape("阳娜");
  q = it_fmt("q=%s&tag=%s", e, etag);
  items = list_all(q, hq);
  ck_assert_int_eq((long long)json_array_size(items), 2);
  json_decref(items);
  free(q);
  free(e);
  /* q: case-insensitive */
  q = it_fmt("q=anna%%20LEE&tag=%s", etag);
  items = list_all(q, hq);
  ck_assert_msg(json_array_size(items) == 1 && has_id(items, c[4].id), "q=anna LEE");
  json_decref(items);
  free(q);

  /* q: phone prefix (national), and with + an E.164 prefix */
  static const char *const prefixes[] = {"138001", "%2B86138001"};
  for (size_t k = 0; k < 2; k++) {
    q = it_fmt("q=%s", prefixes[k]);
    items = list_all(q, hq);
    json_array_foreach(items, i, it) {
      const char *p = json_string_value(json_object_get(it, "phone"));
      ck_assert_msg(p && strncmp(p, "+86138001", 9) == 0, "q=%s listed phone %s", prefixes[k],
                    p ? p : "null");
    }
    ck_assert_msg(has_id(items, c[0].id) && has_id(items, c[1].id), "q=%s misses", prefixes[k]);
    ck_assert_msg(!has_id(items, c[2].id), "q=%s lists a 139 number", prefixes[k]);
    json_decref(items);
    free(q);
  }

  /* tag */
  q = it_fmt("tag=%s", etag);
  items = list_all(q, hq);
  ck_assert_int_eq((long long)json_array_size(items), (long long)n);
  json_array_foreach(items, i, it)
      ck_assert_msg(str_array_has(json_object_get(it, "tags"), tag), "tag filter");
  json_decref(items);
  free(q);

  /* tier: comma list */
  q = it_fmt("tier=gold,vip&tag=%s", etag);
  items = list_all(q, hq);
  ck_assert_msg(json_array_size(items) == 2 && has_id(items, c[0].id) && has_id(items, c[1].id),
                "tier=gold,vip");
  json_decref(items);
  free(q);
  items = list_all("tier=gold,vip", hq);
  json_array_foreach(items, i, it) {
    const char *t = json_string_value(json_object_get(it, "member_tier"));
    ck_assert_msg(t && (!strcmp(t, "gold") || !strcmp(t, "vip")), "tier filter listed %s", t);
  }
  json_decref(items);

  /* birthday_month */
  items = list_all("birthday_month=7", hq);
  ck_assert_msg(has_id(items, c[0].id) && has_id(items, c[1].id), "birthday_month=7 misses");
  ck_assert_msg(!has_id(items, c[2].id) && !has_id(items, c[3].id) && !has_id(items, c[4].id),
                "birthday_month=7 lists others");
  json_array_foreach(items, i, it) {
    const char *b = json_string_value(json_object_get(it, "birthday"));
    ck_assert_msg(b && strncmp(b + 4, "-07-", 4) == 0, "birthday_month=7 listed %s",
                  b ? b : "null");
  }
  json_decref(items);
  q = it_fmt("birthday_month=12&tag=%s", etag);
  items = list_all(q, hq);
  ck_assert_msg(json_array_size(items) == 1 && has_id(items, c[4].id), "birthday_month=12");
  json_decref(items);
  free(q);

  /* lapsed_days: a visit 100 days ago vs 10 days ago; no visit and created now */
  char *t100 = fmt_time(time(NULL) - 100 * 86400);
  char *t10 = fmt_time(time(NULL) - 10 * 86400);
  post_visit(hq, c[0].id, sh001, t100, NULL);
  post_visit(hq, c[1].id, sh001, t10, NULL);
  q = it_fmt("lapsed_days=30&tag=%s", etag);
  items = list_all(q, hq);
  ck_assert_msg(json_array_size(items) == 1 && has_id(items, c[0].id),
                "lapsed_days=30: only the customer last seen 100 days ago");
  json_decref(items);
  free(q);
  q = it_fmt("lapsed_days=5&tag=%s", etag);
  items = list_all(q, hq);
  ck_assert_msg(json_array_size(items) == 2 && has_id(items, c[0].id) && has_id(items, c[1].id),
                "lapsed_days=5: the two with old visits, not those created now");
  json_decref(items);
  free(q);
  q = it_fmt("lapsed_days=200&tag=%s", etag);
  items = list_all(q, hq);
  ck_assert_int_eq((long long)json_array_size(items), 0);
  json_decref(items);
  free(q);

  /* store: visible through that store (home, or a visit there) */
  post_visit(hq, c[2].id, sh002, NULL, NULL);
  q = it_fmt("store=%lld&tag=%s", sh002, etag);
  items = list_all(q, hq);
  ck_assert_msg(json_array_size(items) == 2 && has_id(items, c[4].id) && has_id(items, c[2].id),
                "store=SH002: the SH002 home customer and the one with a SH002 visit");
  json_decref(items);
  free(q);
  q = it_fmt("store=%lld&tag=%s", sh001, etag);
  items = list_all(q, hq);
  ck_assert_msg(json_array_size(items) == 4 && !has_id(items, c[4].id), "store=SH001");
  json_decref(items);
  free(q);

  /* filters combine with AND */
  q = it_fmt("store=%lld&tier=silver,regular&tag=%s", sh001, etag);
  items = list_all(q, hq);
  ck_assert_msg(json_array_size(items) == 2 && has_id(items, c[2].id) && has_id(items, c[3].id),
                "store+tier+tag");
  json_decref(items);
  free(q);

  for (size_t k = 0; k < n; k++)
    free(c[k].phone);
  free(t100);
  free(t10);
  free(etag);
  free(tag);
}
END_TEST

/* Every customer in login's list has its home at store or a visit there (the
 * visits list of a one-store rep shows only visits at that store). */
static void assert_rep_scope(const char *login, const char *store) {
  long long sid = it_store_id(store);
  json_t *items = walk("", it_token(login), 200);
  size_t i;
  json_t *it;
  json_array_foreach(items, i, it) {
    long long id = json_integer_value(json_object_get(it, "id"));
    if (json_integer_value(json_object_get(it, "home_store_id")) == sid)
      continue;
    char *vp = it_fmt("/v1/customers/%lld/visits", id);
    json_t *v = get_json(vp, it_token(login), 200);
    ck_assert_msg(json_array_size(json_object_get(v, "items")) > 0,
                  "customer %lld listed to %s without a home or a visit at %s", id, login, store);
    json_decref(v);
    free(vp);
  }
  json_decref(items);
}

START_TEST(test_list_pagination_and_scope) {
  char *tag = it_uniq("分页");
  char *etag = it_escape(tag);
  long long ids[5];
  for (int i = 0; i < 5; i++) {
    char *p = uniq_mobile("139");
    json_t *b = cust_body("分页客户", p, it_store_id("SH001"));
    json_object_set_new(b, "tags", json_pack("[s]", tag));
    ids[i] = create_customer(it_hq(), b);
    free(p);
  }
  char *q = it_fmt("tag=%s", etag);
  json_t *items = walk(q, it_hq(), 2); /* walk asserts ascending ids: each exactly once */
  ck_assert_int_eq((long long)json_array_size(items), 5);
  for (int i = 0; i < 5; i++)
    ck_assert_msg(has_id(items, ids[i]), "customer %lld missing from the pages", ids[i]);
  json_decref(items);
  /* a phone-prefix search pages in phone order: 5 customers sharing a
   * prefix, walked 2 at a time, each seen once */
  char prefix[16]; /* "13" and 6 digits unique to this run: 8 of a mobile's 11 */
  snprintf(prefix, sizeof prefix, "13%06d", (int)(getpid() % 1000000));
  long long pids[5];
  for (int i = 0; i < 5; i++) {
    char ph[32];
    snprintf(ph, sizeof ph, "%.8s%03d", prefix, 900 - i * 7); /* created in falling phone order */
    pids[i] = create_customer(it_hq(), cust_body("号段客户", ph, it_store_id("SH001")));
  }
  char *qph = it_fmt("q=%s", prefix);
  json_t *by_phone = walk(qph, it_hq(), 2); /* walk asserts ascending phones */
  for (int i = 0; i < 5; i++)
    ck_assert_msg(has_id(by_phone, pids[i]), "customer %lld missing from the phone pages", pids[i]);
  ck_assert_int_eq((long long)json_array_size(by_phone), 5);
  json_decref(by_phone);
  free(qph);
  /* the whole list walked at limit 2 equals the walk at limit 200 */
  json_t *a = walk("", it_hq(), 2), *b = walk("", it_hq(), 200);
  ck_assert_msg(json_equal(a, b), "limit=2 and limit=200 walks differ");
  json_decref(a);

  /* erased customers are absent from lists */
  char *p0 = cust_path(ids[0]);
  it_resp r;
  it_req(IT_PROXY, "DELETE", p0, it_hq(), NULL, NULL, &r);
  it_assert_status(&r, 204);
  it_resp_free(&r);
  json_t *after = walk("", it_hq(), 200);
  ck_assert_msg(!has_id(after, ids[0]), "erased customer listed");
  ck_assert_int_eq((long long)json_array_size(after), (long long)json_array_size(b) - 1);
  json_decref(after);
  json_decref(b);
  char *en = it_escape(ERASED_NAME);
  char *qe = it_fmt("q=%s", en);
  items = walk(qe, it_hq(), 200);
  ck_assert_msg(json_array_size(items) == 0, "q=已注销客户 lists erased customers");
  json_decref(items);
  char *qs = it_fmt("store=%lld", it_store_id("SH001"));
  items = walk(qs, it_hq(), 200);
  ck_assert_msg(!has_id(items, ids[0]), "erased customer listed under store=");
  json_decref(items);
  free(qs);

  /* a rep's list holds only customers visible to the rep's store */
  char *ph = NULL;
  long long a1 = hq_customer("SH001", "范围一", NULL);
  long long a2 = hq_customer("SH002", "范围二", NULL);
  long long a3 = hq_customer("BJ001", "范围三", &ph);
  long long a4 = hq_customer("BJ001", "范围四", NULL);
  post_visit(it_hq(), a4, it_store_id("SH002"), NULL, NULL);
  items = walk("", it_token("sh002.rep"), 200);
  ck_assert_msg(has_id(items, a2) && has_id(items, a4), "SH002 rep misses its customers");
  ck_assert_msg(!has_id(items, a1) && !has_id(items, a3), "SH002 rep sees other stores'");
  json_decref(items);
  assert_rep_scope("sh002.rep", "SH002");
  /* east.supervisor (SH001, SH002) sees both, not BJ001 */
  items = walk("", it_token("east.supervisor"), 200);
  ck_assert_msg(has_id(items, a1) && has_id(items, a2) && has_id(items, a4) && !has_id(items, a3),
                "east.supervisor scope");
  json_decref(items);
  /* bj001.rep: a3 and a4 */
  items = walk("", it_token("bj001.rep"), 200);
  ck_assert_msg(has_id(items, a3) && has_id(items, a4) && !has_id(items, a1) && !has_id(items, a2),
                "bj001.rep scope");
  json_decref(items);
  assert_rep_scope("bj001.rep", "BJ001");

  free(ph);
  free(qe);
  free(en);
  free(p0);
  free(q);
  free(etag);
  free(tag);
}
END_TEST

/* ------------------------------------------------------------------------- */
/* erasure */

START_TEST(test_erasure) {
  long long sh001 = it_store_id("SH001"), sh002 = it_store_id("SH002");
  char *name = it_uniq("注销对象");
  char *phone = uniq_mobile("139");
  char *notes = it_uniq("私密备注");
  char *marker = it_uniq("profile-marker-");
  json_t *b = cust_body(name, phone, sh001);
  json_object_set_new(b, "birthday", json_string("1903-02-17"));
  json_object_set_new(b, "notes", json_string(notes));
  json_object_set_new(b, "profile", json_pack("{s:s}", "allergies", marker));
  json_object_set_new(b, "tags", json_pack("[s]", "待注销"));
  json_object_set_new(b, "marketing_opt_in", json_true());
  long long id = create_customer(it_hq(), b);
  char *path = cust_path(id);
  post_visit(it_token("sh001.rep"), id, sh001, NULL, NULL);
  post_visit(it_token("sh002.rep"), id, sh002, NULL, phone);
  ck_assert_int_eq(count_visits(id), 2);
  it_resp r;

  /* rep and supervisor: 403; another store's manager: 404; nothing erased */
  it_req(IT_PROXY, "DELETE", path, it_token("sh001.rep"), NULL, NULL, &r);
  it_assert_problem(&r, 403, "forbidden", NULL);
  it_resp_free(&r);
  it_req(IT_PROXY, "DELETE", path, it_token("sh001.supervisor"), NULL, NULL, &r);
  it_assert_problem(&r, 403, "forbidden", NULL);
  it_resp_free(&r);
  it_req(IT_PROXY, "DELETE", path, it_token("bj001.manager"), NULL, NULL, &r);
  it_assert_problem(&r, 404, "not_found", NULL);
  it_resp_free(&r);
  json_t *c = get_json(path, it_hq(), 200);
  ck_assert_str_eq(json_string_value(json_object_get(c, "name")), name);
  json_decref(c);

  /* the manager erases */
  it_req(IT_PROXY, "DELETE", path, it_token("sh001.manager"), NULL, NULL, &r);
  it_assert_status(&r, 204);
  it_resp_free(&r);
  it_req(IT_PROXY, "GET", path, it_token("sh001.manager"), NULL, NULL, &r);
  it_assert_status(&r, 200);
  ck_assert_str_eq(it_jstr(&r, "name"), ERASED_NAME);
  ck_assert_msg(json_is_null(jget(&r, "phone")), "phone: %s", it_desc(&r));
  ck_assert_msg(json_is_null(jget(&r, "birthday")), "birthday: %s", it_desc(&r));
  ck_assert_msg(json_is_null(jget(&r, "notes")), "notes: %s", it_desc(&r));
  ck_assert_msg(json_is_object(jget(&r, "profile")) && json_object_size(jget(&r, "profile")) == 0,
                "profile: %s", it_desc(&r));
  ck_assert_msg(json_is_array(jget(&r, "tags")) && json_array_size(jget(&r, "tags")) == 0,
                "tags: %s", it_desc(&r));
  ck_assert_msg(json_is_false(jget(&r, "marketing_opt_in")), "opt-in: %s", it_desc(&r));
  assert_time_member(r.json, "erased_at");
  ck_assert_int_eq(it_jint(&r, "home_store_id"), sh001);
  ck_assert_msg(!strstr(r.body, name) && !strstr(r.body, phone) && !strstr(r.body, notes) &&
                    !strstr(r.body, marker) && !strstr(r.body, "1903-02-17"),
                "personal data readable after erasure: %s", it_desc(&r));
  json_t *erased = json_incref(r.json);
  char *im = it_if_match(&r);
  it_resp_free(&r);

  /* no longer found by phone, by anyone */
  char *q = it_fmt("/v1/customers?phone=%s", phone);
  static const char *const who[] = {"hq.admin", "sh001.manager", "sh002.rep", "bj001.rep"};
  for (size_t i = 0; i < sizeof who / sizeof *who; i++) {
    it_req(IT_PROXY, "GET", q, it_token(who[i]), NULL, NULL, &r);
    it_assert_status(&r, 200);
    ck_assert_msg(json_array_size(jget(&r, "items")) == 0, "%s finds the erased phone: %s", who[i],
                  it_desc(&r));
    it_resp_free(&r);
  }
  /* nor by name or phone prefix */
  char *en = it_escape(name);
  char *qn = it_fmt("q=%s", en);
  json_t *items = walk(qn, it_hq(), 200);
  ck_assert_int_eq((long long)json_array_size(items), 0);
  json_decref(items);
  char *qp = it_fmt("q=%s", phone);
  items = walk(qp, it_hq(), 200);
  ck_assert_int_eq((long long)json_array_size(items), 0);
  json_decref(items);

  /* the tables hold none of it: every row of every table, as JSON text (the
   * scan itself is checked on the anonymised name, which must be found) */
  char *control = tables_containing(ERASED_NAME);
  ck_assert_msg(strstr(control, "customers") != NULL, "table scan found no erased row: [%s]",
                control);
  free(control);
  const char *needles[] = {name, phone, notes, marker};
  for (size_t i = 0; i < 4; i++) {
    char *hits = tables_containing(needles[i]);
    ck_assert_msg(*hits == 0, "after erasure \"%s\" is still stored in: %s", needles[i], hits);
    free(hits);
  }
  char *sid = it_fmt("%lld", id);
  ck_assert_int_eq(it_db_count("SELECT count(*) FROM customers c WHERE c.id = $1::bigint AND "
                               "strpos(row_to_json(c)::text, '1903-02-17') > 0",
                               sid, IT_END),
                   0);
  /* the row itself is still there (statistics survive) */
  ck_assert_int_eq(it_db_count("SELECT count(*) FROM customers WHERE id = $1::bigint", sid, IT_END),
                   1);
  /* an event records who erased it */
  ck_assert_msg(erased_event_rows(id, it_staff_id("sh001.manager")) >= 1,
                "no event row (table named *event*) with \"erased\", the customer and the actor");

  /* visits stay, and the timeline still shows them */
  ck_assert_int_eq(count_visits(id), 2);
  char *vp = it_fmt("%s/visits", path);
  json_t *v = get_json(vp, it_hq(), 200);
  ck_assert_int_eq((long long)json_array_size(json_object_get(v, "items")), 2);
  json_decref(v);
  char *tp = it_fmt("%s/timeline", path);
  json_t *tl = get_json(tp, it_hq(), 200);
  ck_assert_msg(json_array_size(json_object_get(tl, "items")) >= 2, "timeline lost the visits");
  json_decref(tl);

  /* it cannot be changed: PATCH 409 customer_erased; a visit 409 too */
  it_req(IT_PROXY, "PATCH", path, it_hq(), IT_HDRS(im), "{\"name\":\"复活\"}", &r);
  it_assert_problem(&r, 409, "customer_erased", NULL);
  it_resp_free(&r);
  char *vb =
      it_fmt("{\"store_id\":%lld,\"service_code\":\"FACIAL-01\",\"service_name\":\"护理\"}", sh001);
  it_req(IT_PROXY, "POST", vp, it_hq(), NULL, vb, &r);
  it_assert_problem(&r, 409, "customer_erased", NULL);
  it_resp_free(&r);
  ck_assert_int_eq(count_visits(id), 2);

  /* erasing again: 204, nothing changes */
  it_req(IT_PROXY, "DELETE", path, it_hq(), NULL, NULL, &r);
  it_assert_status(&r, 204);
  it_resp_free(&r);
  c = get_json(path, it_hq(), 200);
  ck_assert_msg(json_equal(c, erased), "a second erasure changed the customer");
  json_decref(c);

  /* the phone is free again: a new customer may take it */
  long long again = create_customer(it_token("sh001.rep"), cust_body("新客户", phone, 0));
  ck_assert_msg(again != id, "new customer got the erased id");

  json_decref(erased);
  free(vb);
  free(tp);
  free(vp);
  free(sid);
  free(qp);
  free(qn);
  free(en);
  free(q);
  free(im);
  free(path);
  free(marker);
  free(notes);
  free(phone);
  free(name);
}
END_TEST

/* ------------------------------------------------------------------------- */
/* visits */

static void expect_invalid_visit(const char *token, const char *path, long long customer,
                                 const char *body, const char *field) {
  long long before = count_visits(customer);
  it_resp r;
  it_req(IT_DIRECT, "POST", path, token, NULL, body, &r);
  ck_assert_msg(r.status == 400, "visit %s: expected 400 on %s, got %s", body, field, it_desc(&r));
  it_assert_problem(&r, 400, "validation_failed", field);
  it_resp_free(&r);
  ck_assert_msg(count_visits(customer) == before, "visit written for %s", body);
}

START_TEST(test_visit_validation) {
  long long sh001 = it_store_id("SH001"), sh002 = it_store_id("SH002");
  long long id = hq_customer("SH001", "来访校验", NULL);
  char *path = it_fmt("/v1/customers/%lld/visits", id);
  const char *rep = it_token("sh001.rep");
  char *future = fmt_time(time(NULL) + 3600);
  char *soon = fmt_time(time(NULL) + 60);
  struct {
    char *body;
    const char *field;
  } cases[] = {
      {it_fmt("{\"store_id\":%lld,\"service_code\":\"A1\",\"service_name\":\"护理\"}", sh002),
       "store_id"},
      {it_fmt("{\"store_id\":%lld,\"service_code\":\"A1\",\"service_name\":\"护理\"}",
              it_store_id("BJ001")),
       "store_id"},
      {it_fmt("{\"service_code\":\"A1\",\"service_name\":\"护理\"}"), "store_id"},
      {it_fmt("{\"store_id\":%lld,\"service_code\":\"A1\",\"service_name\":\"护理\","
              "\"staff_id\":%lld}",
              sh001, it_staff_id("sh002.rep")),
       "staff_id"},
      {it_fmt("{\"store_id\":%lld,\"service_code\":\"A1\",\"service_name\":\"护理\","
              "\"performed_at\":\"%s\"}",
              sh001, future),
       "performed_at"},
      {it_fmt("{\"store_id\":%lld,\"service_code\":\"A1\",\"service_name\":\"护理\","
              "\"performed_at\":\"yesterday\"}",
              sh001),
       "performed_at"},
      {it_fmt("{\"store_id\":%lld,\"service_code\":\"A1\",\"service_name\":\"护理\","
              "\"amount_cents\":-1}",
              sh001),
       "amount_cents"},
      {it_fmt("{\"store_id\":%lld,\"service_code\":\"A1\",\"service_name\":\"护理\","
              "\"amount_cents\":\"100\"}",
              sh001),
       "amount_cents"},
      {it_fmt("{\"store_id\":%lld,\"service_code\":\"有 空格\",\"service_name\":\"护理\"}", sh001),
       "service_code"},
      {it_fmt("{\"store_id\":%lld,\"service_name\":\"护理\"}", sh001), "service_code"},
      {it_fmt("{\"store_id\":%lld,\"service_code\":\"A1\"}", sh001), "service_name"},
      {it_fmt("{\"store_id\":%lld,\"service_code\":\"A1\",\"service_name\":\"" ZH65 "\"}", sh001),
       "service_name"},
      {it_fmt("{\"store_id\":%lld,\"service_code\":\"A1\",\"service_name\":\"护理\","
              "\"converted\":\"no\"}",
              sh001),
       "converted"},
      {it_fmt("{\"store_id\":%lld,\"service_code\":\"A1\",\"service_name\":\"护理\","
              "\"room\":3}",
              sh001),
       "room"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    expect_invalid_visit(rep, path, id, cases[i].body, cases[i].field);
    free(cases[i].body);
  }
  ck_assert_int_eq(count_visits(id), 0);
  json_t *c = get_json(cust_path(id), rep, 200);
  ck_assert_msg(json_is_null(json_object_get(c, "last_visit_at")), "last_visit_at moved");
  json_decref(c);

  /* a minute ahead is within the 5-minute allowance; defaults */
  char *ok = it_fmt("{\"store_id\":%lld,\"service_code\":\"A1\",\"service_name\":\"护理\","
                    "\"performed_at\":\"%s\"}",
                    sh001, soon);
  it_resp r;
  it_req(IT_PROXY, "POST", path, rep, NULL, ok, &r);
  it_assert_status(&r, 201);
  ck_assert_int_eq(it_jint(&r, "staff_id"), it_staff_id("sh001.rep"));
  ck_assert_int_eq(it_jint(&r, "created_by"), it_staff_id("sh001.rep"));
  ck_assert_int_eq(it_jint(&r, "amount_cents"), 0);
  ck_assert_msg(json_is_true(jget(&r, "converted")), "converted default true: %s", it_desc(&r));
  ck_assert_msg(parse_time(it_jstr(&r, "performed_at")) == parse_time(soon), "performed_at");
  it_resp_free(&r);
  /* a staff member of the store, named: accepted; the store's supervisor too */
  char *ok2 = it_fmt("{\"store_id\":%lld,\"service_code\":\"A.2_b-3\",\"service_name\":\"护理\","
                     "\"staff_id\":%lld,\"amount_cents\":0,\"converted\":false}",
                     sh001, it_staff_id("sh001.manager"));
  it_req(IT_PROXY, "POST", path, rep, NULL, ok2, &r);
  it_assert_status(&r, 201);
  ck_assert_int_eq(it_jint(&r, "staff_id"), it_staff_id("sh001.manager"));
  ck_assert_msg(json_is_false(jget(&r, "converted")), "converted: %s", it_desc(&r));
  it_resp_free(&r);
  ck_assert_int_eq(count_visits(id), 2);
  /* unknown customer: 404 */
  it_req(IT_PROXY, "POST", "/v1/customers/999999999/visits", rep, NULL, ok2, &r);
  it_assert_problem(&r, 404, "not_found", NULL);
  it_resp_free(&r);
  free(ok);
  free(ok2);
  free(soon);
  free(future);
  free(path);
}
END_TEST

START_TEST(test_visits_order_last_visit_timeline) {
  long long sh001 = it_store_id("SH001"), sh002 = it_store_id("SH002");
  long long id = hq_customer("SH001", "来访顺序", NULL);
  char *path = it_fmt("/v1/customers/%lld/visits", id);
  const char *rep = it_token("sh001.rep");
  time_t now = time(NULL);
  char *t3 = fmt_time(now - 3 * 86400), *t1 = fmt_time(now - 1 * 86400),
       *t2 = fmt_time(now - 2 * 86400), *t10 = fmt_time(now - 10 * 86400);

  /* the first visit: Location works */
  json_t *b =
      json_pack("{s:I, s:s, s:s, s:s, s:I, s:I}", "store_id", (json_int_t)sh001, "service_code",
                "FACIAL-01", "service_name", "深层补水护理", "performed_at", t3, "amount_cents",
                (json_int_t)39900, "staff_id", (json_int_t)it_staff_id("sh001.supervisor"));
  it_resp r;
  it_req_json(IT_PROXY, "POST", path, rep, NULL, b, &r);
  it_assert_status(&r, 201);
  long long v3 = it_jint(&r, "id");
  char *vprefix = it_fmt("/v1/customers/%lld/visits", id);
  char *loc = location_path(&r, vprefix, v3);
  ck_assert_int_eq(it_jint(&r, "customer_id"), id);
  ck_assert_int_eq(it_jint(&r, "store_id"), sh001);
  ck_assert_str_eq(it_jstr(&r, "service_code"), "FACIAL-01");
  ck_assert_str_eq(it_jstr(&r, "service_name"), "深层补水护理");
  ck_assert_int_eq(it_jint(&r, "amount_cents"), 39900);
  ck_assert_int_eq(it_jint(&r, "staff_id"), it_staff_id("sh001.supervisor"));
  ck_assert_int_eq(it_jint(&r, "created_by"), it_staff_id("sh001.rep"));
  assert_time_member(r.json, "created_at");
  json_t *first = json_incref(r.json);
  it_resp_free(&r);
  json_t *got = get_json(loc, rep, 200);
  ck_assert_msg(json_equal(got, first), "GET Location differs from the create answer");
  json_decref(got);
  json_t *c = get_json(cust_path(id), rep, 200);
  ck_assert_msg(parse_time(json_string_value(json_object_get(c, "last_visit_at"))) ==
                    parse_time(t3),
                "last_visit_at after the first visit");
  json_decref(c);

  long long v1 = post_visit(rep, id, sh001, t1, NULL);
  long long v2 = post_visit(rep, id, sh001, t2, NULL); /* backdated: before v1 */
  c = get_json(cust_path(id), rep, 200);
  ck_assert_msg(parse_time(json_string_value(json_object_get(c, "last_visit_at"))) ==
                    parse_time(t1),
                "last_visit_at must be the latest performed_at (%s): %s", t1,
                json_string_value(json_object_get(c, "last_visit_at")));
  json_decref(c);
  long long v10 = post_visit(rep, id, sh001, t10, NULL);
  c = get_json(cust_path(id), rep, 200);
  ck_assert_msg(parse_time(json_string_value(json_object_get(c, "last_visit_at"))) ==
                    parse_time(t1),
                "a backdated visit moved last_visit_at back");
  json_decref(c);
  /* a SH002 visit (hq), not shown to the SH001 rep */
  long long vs2 = post_visit(it_hq(), id, sh002, t2, NULL);

  /* newest first: performed_at desc, id desc */
  long long want_hq[] = {v1, vs2, v2, v3, v10}; /* vs2 and v2 share t2: higher id first */
  long long want_rep[] = {v1, v2, v3, v10};
  json_t *list = get_json(path, it_hq(), 200);
  json_t *items = json_object_get(list, "items");
  ck_assert_int_eq((long long)json_array_size(items), 5);
  for (size_t i = 0; i < 5; i++)
    ck_assert_msg(json_integer_value(json_object_get(json_array_get(items, i), "id")) == want_hq[i],
                  "hq visits[%zu] is %lld, expected %lld", i,
                  json_integer_value(json_object_get(json_array_get(items, i), "id")), want_hq[i]);
  ck_assert_msg(json_object_get(list, "next_cursor") &&
                    json_is_null(json_object_get(list, "next_cursor")),
                "next_cursor null at the end");
  json_decref(list);
  list = get_json(path, rep, 200);
  items = json_object_get(list, "items");
  ck_assert_int_eq((long long)json_array_size(items), 4);
  for (size_t i = 0; i < 4; i++)
    ck_assert_int_eq(json_integer_value(json_object_get(json_array_get(items, i), "id")),
                     want_rep[i]);
  json_decref(list);
  /* paginated at limit 2: the same order */
  {
    char *cursor = NULL;
    size_t seen = 0;
    for (int page = 0; page < 10; page++) {
      char *pp;
      if (cursor) {
        char *e = it_escape(cursor);
        pp = it_fmt("%s?limit=2&cursor=%s", path, e);
        free(e);
      } else {
        pp = it_fmt("%s?limit=2", path);
      }
      list = get_json(pp, it_hq(), 200);
      size_t i;
      json_t *it;
      json_array_foreach(json_object_get(list, "items"), i, it) {
        ck_assert_msg(seen < 5 && json_integer_value(json_object_get(it, "id")) == want_hq[seen],
                      "paged visits out of order");
        seen++;
      }
      json_t *next = json_object_get(list, "next_cursor");
      free(cursor);
      cursor = json_is_string(next) ? strdup(json_string_value(next)) : NULL;
      json_decref(list);
      free(pp);
      if (!cursor)
        break;
    }
    ck_assert_int_eq((long long)seen, 5);
  }
  /* a visit at another store is not readable at its Location by the SH001 rep */
  char *other = it_fmt("%s/%lld", path, vs2);
  it_req(IT_PROXY, "GET", other, rep, NULL, NULL, &r);
  it_assert_problem(&r, 404, "not_found", NULL);
  it_resp_free(&r);
  json_decref(get_json(other, it_token("sh002.rep"), 200));

  /* the timeline: visits newest first; the callbacks the visits scheduled
   * (default rules) are entries of their own, checked in it_callbacks */
  char *tp = it_fmt("/v1/customers/%lld/timeline?limit=200", id);
  json_t *tl = get_json(tp, it_hq(), 200);
  items = json_object_get(tl, "items");
  size_t nvisits = 0, i;
  json_t *e;
  json_array_foreach(items, i, e) {
    const char *type = json_string_value(json_object_get(e, "type"));
    ck_assert_msg(type && (strcmp(type, "visit") == 0 || strcmp(type, "callback") == 0),
                  "timeline[%zu] has type %s", i, type ? type : "(none)");
    if (strcmp(type, "callback") == 0)
      continue;
    json_t *vv = json_object_get(e, "visit");
    ck_assert_msg(nvisits < 5 && json_is_object(vv) &&
                      json_integer_value(json_object_get(vv, "id")) == want_hq[nvisits],
                  "timeline visit %zu is not visit %lld", nvisits, nvisits < 5 ? want_hq[nvisits] : -1);
    ck_assert_msg(parse_time(json_string_value(json_object_get(e, "at"))) ==
                      parse_time(json_string_value(json_object_get(vv, "performed_at"))),
                  "timeline at differs from performed_at");
    ck_assert_int_eq(json_integer_value(json_object_get(e, "store_id")),
                     json_integer_value(json_object_get(vv, "store_id")));
    nvisits++;
  }
  ck_assert_int_eq((long long)nvisits, 5);
  json_decref(tl);
  tl = get_json(tp, rep, 200);
  nvisits = 0;
  json_array_foreach(json_object_get(tl, "items"), i, e) {
    nvisits += strcmp(json_string_value(json_object_get(e, "type")), "visit") == 0;
    ck_assert_int_ne(json_integer_value(json_object_get(e, "store_id")), it_store_id("SH002"));
  }
  ck_assert_int_eq((long long)nvisits, 4);
  json_decref(tl);
  it_req(IT_PROXY, "GET", tp, it_token("bj001.rep"), NULL, NULL, &r);
  it_assert_problem(&r, 404, "not_found", NULL);
  it_resp_free(&r);

  json_decref(first);
  free(tp);
  free(other);
  free(loc);
  free(vprefix);
  free(t3);
  free(t1);
  free(t2);
  free(t10);
  free(path);
}
END_TEST

START_TEST(test_visit_idempotency) {
  long long sh001 = it_store_id("SH001");
  long long id = hq_customer("SH001", "幂等来访", NULL);
  char *path = it_fmt("/v1/customers/%lld/visits", id);
  char *key = it_uniq("Idempotency-Key: it-visit-");
  char *body = it_fmt("{\"store_id\":%lld,\"service_code\":\"FACIAL-01\","
                      "\"service_name\":\"护理\",\"amount_cents\":100}",
                      sh001);
  char *body2 = it_fmt("{\"store_id\":%lld,\"service_code\":\"FACIAL-01\","
                       "\"service_name\":\"护理\",\"amount_cents\":200}",
                       sh001);
  const char *rep = it_token("sh001.rep");
  it_resp a, b;
  it_req(IT_PROXY, "POST", path, rep, IT_HDRS(key), body, &a);
  it_assert_status(&a, 201);
  it_req(IT_PROXY, "POST", path, rep, IT_HDRS(key), body, &b);
  it_assert_status(&b, 201);
  ck_assert_msg(json_equal(a.json, b.json), "replay differs:\n%s\n%s", a.body, b.body);
  ck_assert_str_eq(it_header(&a, "Location"), it_header(&b, "Location"));
  it_resp_free(&a);
  it_resp_free(&b);
  ck_assert_int_eq(count_visits(id), 1);
  it_req(IT_PROXY, "POST", path, rep, IT_HDRS(key), body2, &a);
  it_assert_problem(&a, 422, "idempotency_key_reused", NULL);
  it_resp_free(&a);
  ck_assert_int_eq(count_visits(id), 1);
  /* without the key: a second visit */
  it_req(IT_PROXY, "POST", path, rep, NULL, body, &a);
  it_assert_status(&a, 201);
  it_resp_free(&a);
  ck_assert_int_eq(count_visits(id), 2);

  /* customer create honours the key too */
  char *ckey = it_uniq("Idempotency-Key: it-cust-");
  char *p = uniq_mobile("139");
  char *cb = it_fmt("{\"name\":\"幂等客户\",\"phone\":\"%s\"}", p);
  it_req(IT_PROXY, "POST", "/v1/customers", rep, IT_HDRS(ckey), cb, &a);
  it_assert_status(&a, 201);
  it_req(IT_PROXY, "POST", "/v1/customers", rep, IT_HDRS(ckey), cb, &b);
  it_assert_status(&b, 201);
  ck_assert_msg(json_equal(a.json, b.json), "customer replay differs");
  it_resp_free(&a);
  it_resp_free(&b);
  char *e164 = e164_of(p);
  ck_assert_int_eq(customers_with_phone(e164), 1);
  free(e164);
  free(cb);
  free(p);
  free(ckey);
  free(body);
  free(body2);
  free(key);
  free(path);
}
END_TEST

static Suite *suite(void) {
  Suite *s = suite_create("it_customers");
  TCase *tc = tcase_create("customers");
  tcase_set_timeout(tc, 180);
  tcase_add_test(tc, test_crud_per_role);
  tcase_add_test(tc, test_create_all_fields_and_home_store);
  tcase_add_test(tc, test_visibility_and_phone_card);
  tcase_add_test(tc, test_phone_spellings);
  tcase_add_test(tc, test_duplicates);
  tcase_add_test(tc, test_validation);
  tcase_add_test(tc, test_list_query_validation);
  tcase_add_test(tc, test_patch);
  tcase_add_test(tc, test_list_filters);
  tcase_add_test(tc, test_list_pagination_and_scope);
  tcase_add_test(tc, test_erasure);
  tcase_add_test(tc, test_visit_validation);
  tcase_add_test(tc, test_visits_order_last_visit_timeline);
  tcase_add_test(tc, test_visit_idempotency);
  suite_add_tcase(s, tc);
  return s;
}

int main(void) {
  it_config cfg = {.name = "it_customers"};
  return it_main(&cfg, suite());
}
