/* Stores and staff (SPEC §3, §4, §6; docs/contract.md "Stores and staff"):
 * create/read/patch/list, scope and role rules, validation, ETags,
 * idempotency, duplicates and passwords. */
#include "harness.h"

#include <curl/curl.h>
#include <pthread.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* 64 and 65 Chinese characters (3 bytes each in UTF-8): lengths count characters. */
#define ZH8 "售后服务门店测试"
#define ZH64 ZH8 ZH8 ZH8 ZH8 ZH8 ZH8 ZH8 ZH8
#define ZH65 ZH64 "店"

static long long count_stores(void) {
  return it_db_count("SELECT count(*) FROM stores", IT_END);
}
static long long count_staff(void) {
  return it_db_count("SELECT count(*) FROM staff", IT_END);
}
static long long stores_with_code(const char *code) {
  return it_db_count("SELECT count(*) FROM stores WHERE code = $1", code, IT_END);
}
static long long staff_with_login(const char *login) {
  return it_db_count("SELECT count(*) FROM staff WHERE login = $1", login, IT_END);
}

/* The path part of a Location header ("/v1/..."), checked to be prefix + id. */
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


static void assert_time(const it_resp *r, const char *key) {
  const char *t = it_jstr(r, key);
  size_t n = strlen(t);
  ck_assert_msg(n >= 20 && t[4] == '-' && t[10] == 'T' && t[n - 1] == 'Z',
                "%s is not RFC 3339 UTC: %s", key, t);
}

static int id_array_has(json_t *a, long long id) {
  size_t i;
  json_t *v;
  json_array_foreach(a, i, v) if (json_is_integer(v) && json_integer_value(v) == id) return 1;
  return 0;
}

/* POST /v1/stores as hq; asserts 201; returns the id. */
static long long create_store(const char *code, const char *name) {
  json_t *b = json_pack("{s:s, s:s, s:s}", "code", code, "name", name, "industry", "other");
  it_resp r;
  it_req_json(IT_PROXY, "POST", "/v1/stores", it_hq(), NULL, b, &r);
  ck_assert_msg(r.status == 201, "create store %s: %s", code, it_desc(&r));
  long long id = it_jint(&r, "id");
  it_resp_free(&r);
  return id;
}

static long long create_staff(const char *token, const char *login, const char *role,
                              long long store, const char *password) {
  json_t *ids = json_array();
  if (store > 0)
    json_array_append_new(ids, json_integer(store));
  json_t *b = json_pack("{s:s, s:s, s:s, s:o, s:s}", "login", login, "name", "测试员工", "role",
                        role, "store_ids", ids, "password", password);
  it_resp r;
  it_req_json(IT_PROXY, "POST", "/v1/staff", token, NULL, b, &r);
  ck_assert_msg(r.status == 201, "create staff %s: %s", login, it_desc(&r));
  long long id = it_jint(&r, "id");
  it_resp_free(&r);
  return id;
}

/* Walks a list with limit 2 through the proxy; returns every item (new ref). */
static json_t *walk(const char *collection, const char *query, const char *token) {
  json_t *all = json_array();
  char *cursor = NULL;
  long long last_id = 0;
  for (int page = 0; page < 1000; page++) {
    char *path;
    if (cursor) {
      char *esc = curl_easy_escape(NULL, cursor, 0);
      path = it_fmt("/v1/%s?limit=2%s%s&cursor=%s", collection, *query ? "&" : "", query, esc);
      curl_free(esc);
    } else {
      path = it_fmt("/v1/%s?limit=2%s%s", collection, *query ? "&" : "", query);
    }
    it_resp r;
    it_req(IT_PROXY, "GET", path, token, NULL, NULL, &r);
    ck_assert_msg(r.status == 200, "GET %s: %s", path, it_desc(&r));
    json_t *items = json_object_get(r.json, "items");
    ck_assert_msg(json_is_array(items) && json_array_size(items) <= 2, "page %d of %s: %s", page,
                  path, it_desc(&r));
    ck_assert_msg(json_object_get(r.json, "next_cursor") != NULL,
                  "next_cursor must be present (null at the end): %s", it_desc(&r));
    size_t i;
    json_t *it;
    json_array_foreach(items, i, it) {
      long long id = json_integer_value(json_object_get(it, "id"));
      ck_assert_msg(id > last_id, "ids not ascending: %lld after %lld", id, last_id);
      last_id = id;
      json_array_append(all, it);
    }
    json_t *next = json_object_get(r.json, "next_cursor");
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
  ck_abort_msg("pagination of %s did not end", collection);
  return NULL;
}

static int list_has_id(json_t *items, long long id) {
  size_t i;
  json_t *it;
  json_array_foreach(items, i,
                     it) if (json_integer_value(json_object_get(it, "id")) == id) return 1;
  return 0;
}

/* ------------------------------------------------------------------------- */
/* stores */

START_TEST(test_store_create_read) {
  char *code = it_uniq("CR");
  json_t *b =
      json_pack("{s:s, s:s, s:s}", "code", code, "name", "静安美容一店", "industry", "beauty");
  it_resp r;
  it_req_json(IT_PROXY, "POST", "/v1/stores", it_hq(), NULL, b, &r);
  it_assert_status(&r, 201);
  long long id = it_jint(&r, "id");
  char *loc = location_path(&r, "/v1/stores", id);
  const char *etag = it_header(&r, "ETag");
  ck_assert_msg(etag && *etag, "no ETag on create");
  char *etag1 = strdup(etag);
  ck_assert_str_eq(it_jstr(&r, "code"), code);
  ck_assert_str_eq(it_jstr(&r, "name"), "静安美容一店");
  ck_assert_str_eq(it_jstr(&r, "industry"), "beauty");
  ck_assert_str_eq(it_jstr(&r, "timezone"), "Asia/Shanghai");
  ck_assert_msg(json_is_null(json_object_get(r.json, "business_hours")),
                "business_hours default must be null: %s", it_desc(&r));
  ck_assert_msg(json_is_true(json_object_get(r.json, "active")), "active: %s", it_desc(&r));
  ck_assert_msg(json_is_integer(json_object_get(r.json, "version")), "no version: %s", it_desc(&r));
  char *quoted = it_fmt("\"%lld\"", it_jint(&r, "version"));
  ck_assert_msg(strcmp(etag, quoted) == 0, "ETag %s is not the version %s", etag, quoted);
  free(quoted);
  assert_time(&r, "created_at");
  assert_time(&r, "updated_at");
  json_t *created = json_incref(r.json);
  it_resp_free(&r);

  it_req(IT_PROXY, "GET", loc, it_hq(), NULL, NULL, &r);
  it_assert_status(&r, 200);
  ck_assert_msg(json_equal(r.json, created), "GET differs from the create answer: %s", it_desc(&r));
  ck_assert_str_eq(it_header(&r, "ETag"), etag1);
  it_resp_free(&r);
  ck_assert_int_eq(stores_with_code(code), 1);

  /* with every optional field; a 64-character Chinese name is within the limit */
  char *code2 = it_uniq("CR");
  b = json_pack("{s:s, s:s, s:s, s:s, s:{s:{s:s, s:s}, s:{s:s, s:s}}}", "code", code2, "name", ZH64,
                "industry", "bridal", "timezone", "Europe/Paris", "business_hours", "mon", "open",
                "09:00", "close", "21:00", "sun", "open", "10:00", "close", "24:00");
  json_t *sent = json_deep_copy(b);
  it_req_json(IT_PROXY, "POST", "/v1/stores", it_hq(), NULL, b, &r);
  it_assert_status(&r, 201);
  ck_assert_str_eq(it_jstr(&r, "name"), ZH64);
  ck_assert_str_eq(it_jstr(&r, "timezone"), "Europe/Paris");
  ck_assert_msg(json_equal(json_object_get(r.json, "business_hours"),
                           json_object_get(sent, "business_hours")),
                "business_hours not kept: %s", it_desc(&r));
  it_resp_free(&r);
  json_decref(sent);
  json_decref(created);
  free(etag1);
  free(loc);
  free(code);
  free(code2);
}
END_TEST

START_TEST(test_store_patch_etag) {
  char *code = it_uniq("PA");
  long long id = create_store(code, "补丁前");
  char *path = it_fmt("/v1/stores/%lld", id);
  it_resp r;
  it_req(IT_PROXY, "GET", path, it_hq(), NULL, NULL, &r);
  it_assert_status(&r, 200);
  char *if1 = it_if_match(&r);
  it_resp_free(&r);

  /* without If-Match: 428 (direct: the OpenAPI requires the header) */
  it_req(IT_DIRECT, "PATCH", path, it_hq(), NULL, "{\"name\":\"无条件\"}", &r);
  it_assert_problem(&r, 428, "precondition_required", NULL);
  it_resp_free(&r);

  it_req(IT_PROXY, "PATCH", path, it_hq(), IT_HDRS(if1), "{\"name\":\"补丁后\"}", &r);
  it_assert_status(&r, 200);
  ck_assert_str_eq(it_jstr(&r, "name"), "补丁后");
  ck_assert_str_eq(it_jstr(&r, "code"), code);
  char *if2 = it_if_match(&r);
  ck_assert_msg(strcmp(if1, if2) != 0, "ETag did not change on PATCH: %s", if2);
  it_resp_free(&r);

  it_req(IT_PROXY, "GET", path, it_hq(), NULL, NULL, &r);
  ck_assert_str_eq(it_jstr(&r, "name"), "补丁后");
  char *if3 = it_if_match(&r);
  ck_assert_str_eq(if2, if3);
  it_resp_free(&r);

  /* stale If-Match: 412, nothing changed */
  it_req(IT_PROXY, "PATCH", path, it_hq(), IT_HDRS(if1), "{\"name\":\"过期版本\"}", &r);
  it_assert_problem(&r, 412, "version_conflict", NULL);
  it_resp_free(&r);
  it_req(IT_DIRECT, "PATCH", path, it_hq(), IT_HDRS("If-Match: \"no-such-version\""),
         "{\"name\":\"过期版本\"}", &r);
  it_assert_problem(&r, 412, "version_conflict", NULL);
  it_resp_free(&r);
  ck_assert_int_eq(
      it_db_count("SELECT count(*) FROM stores WHERE code = $1 AND name = '补丁后'", code, IT_END),
      1);

  /* validation on PATCH names the field */
  it_req(IT_DIRECT, "PATCH", path, it_hq(), IT_HDRS(if2), "{\"name\":\"" ZH65 "\"}", &r);
  it_assert_problem(&r, 400, "validation_failed", "name");
  it_resp_free(&r);
  it_req(IT_DIRECT, "PATCH", path, it_hq(), IT_HDRS(if2), "{\"colour\":\"red\"}", &r);
  it_assert_problem(&r, 400, "validation_failed", "colour");
  it_resp_free(&r);
  it_req(IT_DIRECT, "PATCH", path, it_hq(), IT_HDRS(if2), "{\"industry\":\"spa\"}", &r);
  it_assert_problem(&r, 400, "validation_failed", "industry");
  it_resp_free(&r);
  /* the code is immutable (openapi.yaml StoreCode) */
  it_req(IT_DIRECT, "PATCH", path, it_hq(), IT_HDRS(if2), "{\"code\":\"NEWCODE1\"}", &r);
  it_assert_problem(&r, 400, "validation_failed", "code");
  it_resp_free(&r);
  ck_assert_int_eq(stores_with_code("NEWCODE1"), 0);

  /* deactivate, with the current ETag */
  it_req(IT_PROXY, "PATCH", path, it_hq(), IT_HDRS(if2), "{\"active\":false}", &r);
  it_assert_status(&r, 200);
  ck_assert_msg(json_is_false(json_object_get(r.json, "active")), "active: %s", it_desc(&r));
  it_resp_free(&r);

  /* only HQ patches stores: a manager of SH001 in scope gets 403, another store's 404 */
  char *p1 = it_fmt("/v1/stores/%lld", it_store_id("SH001"));
  it_req(IT_PROXY, "GET", p1, it_token("sh001.manager"), NULL, NULL, &r);
  it_assert_status(&r, 200);
  char *ifs = it_if_match(&r);
  it_resp_free(&r);
  it_req(IT_PROXY, "PATCH", p1, it_token("sh001.manager"), IT_HDRS(ifs), "{\"name\":\"越权\"}", &r);
  it_assert_problem(&r, 403, "forbidden", NULL);
  it_resp_free(&r);
  it_req(IT_PROXY, "PATCH", p1, it_token("sh002.manager"), IT_HDRS(ifs), "{\"name\":\"越权\"}", &r);
  it_assert_problem(&r, 404, "not_found", NULL);
  it_resp_free(&r);
  free(ifs);
  free(p1);
  free(if1);
  free(if2);
  free(if3);
  free(path);
  free(code);
}
END_TEST

START_TEST(test_store_if_match_any) {
  /* RFC 9110: If-Match: * matches whatever version is current. */
  char *code = it_uniq("IM");
  long long id = create_store(code, "任意版本");
  char *path = it_fmt("/v1/stores/%lld", id);
  it_resp r;
  it_req(IT_PROXY, "PATCH", path, it_hq(), IT_HDRS("If-Match: *"), "{\"name\":\"星号匹配\"}", &r);
  it_assert_status(&r, 200);
  ck_assert_str_eq(it_jstr(&r, "name"), "星号匹配");
  ck_assert_int_eq(it_jint(&r, "version"), 2);
  it_resp_free(&r);
  /* still 404 for a store that does not exist */
  it_req(IT_PROXY, "PATCH", "/v1/stores/999999999", it_hq(), IT_HDRS("If-Match: *"),
         "{\"name\":\"无\"}", &r);
  it_assert_problem(&r, 404, "not_found", NULL);
  it_resp_free(&r);
  free(path);
  free(code);
}
END_TEST

START_TEST(test_store_list_pagination) {
  long long made[5];
  for (int i = 0; i < 5; i++) {
    char *code = it_uniq("PG");
    made[i] = create_store(code, "分页门店");
    free(code);
  }
  json_t *all = walk("stores", "", it_hq());
  ck_assert_int_eq((long long)json_array_size(all), count_stores());
  ck_assert_msg(json_array_size(all) >= 8, "expected 3 demo + 5 new stores");
  for (int i = 0; i < 5; i++)
    ck_assert_msg(list_has_id(all, made[i]), "store %lld not listed", made[i]);
  static const char *const demo[] = {"SH001", "SH002", "BJ001"};
  for (int i = 0; i < 3; i++)
    ck_assert_msg(list_has_id(all, it_store_id(demo[i])), "%s not listed", demo[i]);
  json_decref(all);

  /* a bad limit or cursor names the parameter */
  it_resp r;
  it_req(IT_DIRECT, "GET", "/v1/stores?limit=abc", it_hq(), NULL, NULL, &r);
  it_assert_problem(&r, 400, "validation_failed", "limit");
  it_resp_free(&r);
  it_req(IT_DIRECT, "GET", "/v1/stores?cursor=not-a-cursor!!", it_hq(), NULL, NULL, &r);
  it_assert_problem(&r, 400, "validation_failed", "cursor");
  it_resp_free(&r);
  static const char *const bad_queries[][2] = {
      {"/v1/stores?limit=0", "limit"},      {"/v1/stores?limit=201", "limit"},
      {"/v1/stores?limit=-1", "limit"},     {"/v1/staff?limit=201", "limit"},
      {"/v1/staff?role=boss", "role"},      {"/v1/staff?store=abc", "store"},
      {"/v1/staff?active=maybe", "active"}, {"/v1/staff?cursor=%%%%", "cursor"},
  };
  for (size_t i = 0; i < sizeof bad_queries / sizeof *bad_queries; i++) {
    it_req(IT_DIRECT, "GET", bad_queries[i][0], it_hq(), NULL, NULL, &r);
    ck_assert_msg(r.status == 400, "%s: %s", bad_queries[i][0], it_desc(&r));
    it_assert_problem(&r, 400, "validation_failed", bad_queries[i][1]);
    it_resp_free(&r);
  }
  /* limit 200 is allowed */
  it_req(IT_PROXY, "GET", "/v1/stores?limit=200", it_hq(), NULL, NULL, &r);
  it_assert_status(&r, 200);
  it_resp_free(&r);
  /* default limit 50: one page here */
  it_req(IT_PROXY, "GET", "/v1/stores", it_hq(), NULL, NULL, &r);
  it_assert_status(&r, 200);
  ck_assert_msg(json_is_null(json_object_get(r.json, "next_cursor")), "%s", it_desc(&r));
  it_resp_free(&r);
}
END_TEST

/* Stable order under concurrent inserts: a store created between pages is
 * seen once (at the end), and nothing is skipped or repeated. */
START_TEST(test_store_list_stable_under_insert) {
  long long total = count_stores();
  it_resp r;
  it_req(IT_PROXY, "GET", "/v1/stores?limit=2", it_hq(), NULL, NULL, &r);
  it_assert_status(&r, 200);
  json_t *seen = json_array();
  json_array_extend(seen, json_object_get(r.json, "items"));
  json_t *next = json_object_get(r.json, "next_cursor");
  ck_assert_msg(json_is_string(next), "expected a second page: %s", it_desc(&r));
  char *cursor = strdup(json_string_value(next));
  it_resp_free(&r);
  char *code = it_uniq("MID");
  long long mid = create_store(code, "翻页中新增");
  free(code);
  while (cursor) {
    char *esc = curl_easy_escape(NULL, cursor, 0);
    char *path = it_fmt("/v1/stores?limit=2&cursor=%s", esc);
    curl_free(esc);
    it_req(IT_PROXY, "GET", path, it_hq(), NULL, NULL, &r);
    it_assert_status(&r, 200);
    json_array_extend(seen, json_object_get(r.json, "items"));
    next = json_object_get(r.json, "next_cursor");
    free(cursor);
    cursor = json_is_string(next) ? strdup(json_string_value(next)) : NULL;
    it_resp_free(&r);
    free(path);
  }
  ck_assert_int_eq((long long)json_array_size(seen), total + 1);
  ck_assert_msg(list_has_id(seen, mid), "store created mid-walk not seen");
  size_t i;
  json_t *it;
  long long last = 0;
  json_array_foreach(seen, i, it) {
    long long id = json_integer_value(json_object_get(it, "id"));
    ck_assert_msg(id > last, "repeated or out of order: %lld after %lld", id, last);
    last = id;
  }
  json_decref(seen);
}
END_TEST

START_TEST(test_store_scope) {
  long long before = count_stores();
  static const char *const not_hq[] = {"sh001.rep", "sh001.supervisor", "sh001.manager",
                                       "east.supervisor"};
  for (int i = 0; i < 4; i++) {
    char *code = it_uniq("RO");
    json_t *b = json_pack("{s:s, s:s, s:s}", "code", code, "name", "越权门店", "industry", "other");
    it_resp r;
    it_req_json(IT_PROXY, "POST", "/v1/stores", it_token(not_hq[i]), NULL, b, &r);
    ck_assert_msg(r.status == 403, "%s creating a store: %s", not_hq[i], it_desc(&r));
    it_assert_problem(&r, 403, "forbidden", NULL);
    it_resp_free(&r);
    ck_assert_int_eq(stores_with_code(code), 0);
    free(code);
  }
  ck_assert_int_eq(count_stores(), before);

  long long sh001 = it_store_id("SH001"), sh002 = it_store_id("SH002"),
            bj001 = it_store_id("BJ001");
  it_resp r;
  char *p2 = it_fmt("/v1/stores/%lld", sh002);
  it_req(IT_PROXY, "GET", p2, it_token("sh001.rep"), NULL, NULL, &r);
  it_assert_problem(&r, 404, "not_found", NULL);
  it_resp_free(&r);
  it_req(IT_PROXY, "GET", p2, it_token("east.supervisor"), NULL, NULL, &r);
  it_assert_status(&r, 200);
  it_resp_free(&r);
  it_req(IT_PROXY, "GET", "/v1/stores/987654", it_hq(), NULL, NULL, &r);
  it_assert_problem(&r, 404, "not_found", NULL);
  it_resp_free(&r);
  free(p2);

  json_t *l = walk("stores", "", it_token("sh001.rep"));
  ck_assert_msg(json_array_size(l) == 1 && list_has_id(l, sh001), "sh001.rep sees %s",
                json_dumps(l, JSON_COMPACT));
  json_decref(l);
  l = walk("stores", "", it_token("east.supervisor"));
  ck_assert_msg(json_array_size(l) == 2 && list_has_id(l, sh001) && list_has_id(l, sh002),
                "east.supervisor sees %s", json_dumps(l, JSON_COMPACT));
  json_decref(l);
  l = walk("stores", "", it_token("bj001.manager"));
  ck_assert_msg(json_array_size(l) == 1 && list_has_id(l, bj001), "bj001.manager sees %s",
                json_dumps(l, JSON_COMPACT));
  json_decref(l);
}
END_TEST

START_TEST(test_store_validation) {
  long long before = count_stores();
  struct {
    const char *body;
    const char *field;
  } cases[] = {
      {"{\"code\":123,\"name\":\"类型\",\"industry\":\"other\"}", "code"},
      {"{\"code\":\"VAL01\",\"name\":123,\"industry\":\"other\"}", "name"},
      {"{\"code\":\"VAL02\",\"name\":\"未知字段\",\"industry\":\"other\",\"colour\":\"red\"}",
       "colour"},
      {"{\"code\":\"VAL03\",\"industry\":\"other\"}", "name"},
      {"{\"name\":\"缺代码\",\"industry\":\"other\"}", "code"},
      {"{\"code\":\"VAL04\",\"name\":\"" ZH65 "\",\"industry\":\"other\"}", "name"},
      {"{\"code\":\"VAL05\",\"name\":\"\",\"industry\":\"other\"}", "name"},
      {"{\"code\":\"VAL06\",\"name\":\"行业\",\"industry\":\"spa\"}", "industry"},
      {"{\"code\":\"VAL07\",\"name\":\"行业\",\"industry\":null}", "industry"},
      {"{\"code\":\"it 01\",\"name\":\"代码\",\"industry\":\"other\"}", "code"},
      {"{\"code\":\"val08\",\"name\":\"代码\",\"industry\":\"other\"}", "code"},
      {"{\"code\":\"ABCDEFGHIJKLMNOPQ\",\"name\":\"代码\",\"industry\":\"other\"}", "code"},
      {"{\"code\":\"\",\"name\":\"代码\",\"industry\":\"other\"}", "code"},
      {"{\"code\":\"VAL09\",\"name\":\"时区\",\"industry\":\"other\",\"timezone\":\"Mars/"
       "Olympus\"}",
       "timezone"},
      {"{\"code\":\"VAL10\",\"name\":\"营业\",\"industry\":\"other\",\"business_hours\":"
       "{\"mon\":{\"open\":\"18:00\",\"close\":\"09:00\"}}}",
       "business_hours*"},
      {"{\"code\":\"VAL11\",\"name\":\"营业\",\"industry\":\"other\",\"business_hours\":"
       "{\"xyz\":{\"open\":\"09:00\",\"close\":\"18:00\"}}}",
       "business_hours*"},
      {"{\"code\":\"VAL12\",\"name\":\"营业\",\"industry\":\"other\",\"business_hours\":"
       "{\"mon\":{\"open\":\"9am\",\"close\":\"18:00\"}}}",
       "business_hours*"},
      {"{\"code\":\"VAL13\",\"name\":\"营业\",\"industry\":\"other\",\"business_hours\":"
       "\"always\"}",
       "business_hours*"},
      {"{\"code\":\"VAL14\",\"name\":\"启用\",\"industry\":\"other\",\"active\":\"yes\"}",
       "active"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    it_resp r;
    it_req(IT_DIRECT, "POST", "/v1/stores", it_hq(), NULL, cases[i].body, &r);
    ck_assert_msg(r.status == 400, "case %zu %s: %s", i, cases[i].body, it_desc(&r));
    it_assert_problem(&r, 400, "validation_failed", cases[i].field);
    it_resp_free(&r);
  }
  ck_assert_int_eq(count_stores(), before);
}
END_TEST

START_TEST(test_store_duplicate) {
  long long before = count_stores();
  it_resp r;
  it_req(IT_PROXY, "POST", "/v1/stores", it_hq(), NULL,
         "{\"code\":\"SH001\",\"name\":\"重复代码\",\"industry\":\"beauty\"}", &r);
  it_assert_problem(&r, 409, "already_exists", NULL);
  it_resp_free(&r);
  ck_assert_int_eq(stores_with_code("SH001"), 1);
  ck_assert_int_eq(count_stores(), before);
}
END_TEST

START_TEST(test_store_idempotency) {
  char *code = it_uniq("ID");
  char *code2 = it_uniq("ID");
  char *key = it_uniq("Idempotency-Key: it-store-");
  char *body = it_fmt("{\"code\":\"%s\",\"name\":\"幂等门店\",\"industry\":\"fitness\"}", code);
  char *body2 = it_fmt("{\"code\":\"%s\",\"name\":\"幂等门店\",\"industry\":\"fitness\"}", code2);
  it_resp a, b;
  it_req(IT_PROXY, "POST", "/v1/stores", it_hq(), IT_HDRS(key), body, &a);
  it_assert_status(&a, 201);
  it_req(IT_PROXY, "POST", "/v1/stores", it_hq(), IT_HDRS(key), body, &b);
  it_assert_status(&b, 201);
  ck_assert_msg(json_equal(a.json, b.json), "replay body differs:\n%s\n%s", a.body, b.body);
  ck_assert_str_eq(it_header(&a, "Location"), it_header(&b, "Location"));
  ck_assert_str_eq(it_header(&a, "ETag"), it_header(&b, "ETag"));
  ck_assert_int_eq(stores_with_code(code), 1);
  it_resp_free(&a);
  it_resp_free(&b);

  it_req(IT_PROXY, "POST", "/v1/stores", it_hq(), IT_HDRS(key), body2, &a);
  it_assert_problem(&a, 422, "idempotency_key_reused", NULL);
  it_resp_free(&a);
  ck_assert_int_eq(stores_with_code(code2), 0);

  /* keys belong to the staff member: another one's use of the key is new */
  char *login = it_uniq("it.key.");
  char *sb = it_fmt("{\"login\":\"%s\",\"name\":\"钥匙\",\"role\":\"rep\",\"store_ids\":[%lld],"
                    "\"password\":\"Secret-Pass-2026\"}",
                    login, it_store_id("SH001"));
  it_req(IT_PROXY, "POST", "/v1/staff", it_token("sh001.manager"), IT_HDRS(key), sb, &a);
  ck_assert_msg(a.status == 201, "the same key from another staff member: %s", it_desc(&a));
  it_resp_free(&a);
  ck_assert_int_eq(staff_with_login(login), 1);
  free(sb);
  free(login);

  /* without the key the same body is a second create: the code is taken */
  it_req(IT_PROXY, "POST", "/v1/stores", it_hq(), NULL, body, &a);
  it_assert_problem(&a, 409, "already_exists", NULL);
  it_resp_free(&a);
  ck_assert_int_eq(stores_with_code(code), 1);
  free(code);
  free(code2);
  free(key);
  free(body);
  free(body2);
}
END_TEST


START_TEST(test_store_races) {
  /* the same If-Match from everyone: exactly one PATCH wins */
  char *code = it_uniq("RC");
  long long id = create_store(code, "并发");
  char *path = it_fmt("/v1/stores/%lld", id);
  it_resp r;
  it_req(IT_PROXY, "GET", path, it_hq(), NULL, NULL, &r);
  char *ifm = it_if_match(&r);
  it_resp_free(&r);
  it_racer xs[IT_RACERS];
  char *names[IT_RACERS];
  for (int i = 0; i < IT_RACERS; i++) {
    names[i] = it_fmt("{\"name\":\"并发%d\"}", i);
    xs[i] = (it_racer){.method = "PATCH",
                    .path = path,
                    .token = it_hq(),
                    .body = names[i],
                    .headers = {ifm, "Content-Type: application/json", NULL}};
  }
  it_race(xs, IT_RACERS);
  int ok = 0, conflict = 0;
  for (int i = 0; i < IT_RACERS; i++) {
    if (xs[i].r.status == 200)
      ok++;
    else if (xs[i].r.status == 412) {
      it_assert_problem(&xs[i].r, 412, "version_conflict", NULL);
      conflict++;
    } else
      ck_abort_msg("concurrent PATCH answered %s", it_desc(&xs[i].r));
    it_resp_free(&xs[i].r);
    free(names[i]);
  }
  ck_assert_msg(ok == 1 && conflict == IT_RACERS - 1, "%d x 200, %d x 412", ok, conflict);
  ck_assert_int_eq(it_db_count("SELECT version FROM stores WHERE code = $1", code, IT_END), 2);

  /* the same new code from everyone: one 201, the rest 409 */
  char *code2 = it_uniq("RC");
  char *body = it_fmt("{\"code\":\"%s\",\"name\":\"抢注\",\"industry\":\"other\"}", code2);
  for (int i = 0; i < IT_RACERS; i++)
    xs[i] = (it_racer){
        .method = "POST", .path = "/v1/stores", .token = it_hq(), .body = body, .headers = {NULL}};
  it_race(xs, IT_RACERS);
  int created = 0, taken = 0;
  for (int i = 0; i < IT_RACERS; i++) {
    if (xs[i].r.status == 201)
      created++;
    else if (xs[i].r.status == 409) {
      it_assert_problem(&xs[i].r, 409, "already_exists", NULL);
      taken++;
    } else
      ck_abort_msg("concurrent duplicate create answered %s", it_desc(&xs[i].r));
    it_resp_free(&xs[i].r);
  }
  ck_assert_msg(created == 1 && taken == IT_RACERS - 1, "%d x 201, %d x 409", created, taken);
  ck_assert_int_eq(stores_with_code(code2), 1);

  /* the same Idempotency-Key and body from everyone: one store; every 201 is the same one */
  char *code3 = it_uniq("RC");
  char *body3 = it_fmt("{\"code\":\"%s\",\"name\":\"幂等并发\",\"industry\":\"other\"}", code3);
  char *key = it_uniq("Idempotency-Key: it-race-");
  for (int i = 0; i < IT_RACERS; i++)
    xs[i] = (it_racer){.method = "POST",
                    .path = "/v1/stores",
                    .token = it_hq(),
                    .body = body3,
                    .headers = {key, NULL}};
  it_race(xs, IT_RACERS);
  long long first = -1;
  for (int i = 0; i < IT_RACERS; i++) {
    ck_assert_msg(xs[i].r.status == 201 || xs[i].r.status == 409,
                  "concurrent idempotent create answered %s", it_desc(&xs[i].r));
    if (xs[i].r.status == 201) {
      long long got = it_jint(&xs[i].r, "id");
      ck_assert_msg(first < 0 || got == first, "two stores for one key: %lld, %lld", first, got);
      first = got;
    }
    it_resp_free(&xs[i].r);
  }
  ck_assert_msg(first > 0, "no 201 among the racers");
  ck_assert_int_eq(stores_with_code(code3), 1);
  free(key);
  free(body3);
  free(code3);
  free(body);
  free(code2);
  free(ifm);
  free(path);
  free(code);
}
END_TEST

/* ------------------------------------------------------------------------- */
/* staff */

START_TEST(test_staff_create_read) {
  char *login = it_uniq("it.rep.");
  long long sh001 = it_store_id("SH001"), sh002 = it_store_id("SH002");
  json_t *b = json_pack("{s:s, s:s, s:s, s:[I], s:s}", "login", login, "name", "王小美", "role",
                        "rep", "store_ids", (json_int_t)sh001, "password", "Secret-Pass-2026");
  it_resp r;
  it_req_json(IT_PROXY, "POST", "/v1/staff", it_hq(), NULL, b, &r);
  it_assert_status(&r, 201);
  long long id = it_jint(&r, "id");
  char *loc = location_path(&r, "/v1/staff", id);
  char *etag = it_if_match(&r);
  ck_assert_str_eq(it_jstr(&r, "login"), login);
  ck_assert_str_eq(it_jstr(&r, "name"), "王小美");
  ck_assert_str_eq(it_jstr(&r, "role"), "rep");
  json_t *ids = json_object_get(r.json, "store_ids");
  ck_assert_msg(json_is_array(ids) && json_array_size(ids) == 1 && id_array_has(ids, sh001),
                "store_ids: %s", it_desc(&r));
  ck_assert_msg(json_is_true(json_object_get(r.json, "active")), "active");
  ck_assert_msg(json_object_get(r.json, "version"), "version");
  assert_time(&r, "created_at");
  assert_time(&r, "updated_at");
  ck_assert_msg(!json_object_get(r.json, "password") && !strstr(r.body, "Secret-Pass-2026") &&
                    !strstr(r.body, "argon2"),
                "password or hash in the answer: %s", r.body);
  json_t *created = json_incref(r.json);
  it_resp_free(&r);
  it_req(IT_PROXY, "GET", loc, it_hq(), NULL, NULL, &r);
  it_assert_status(&r, 200);
  ck_assert_msg(json_equal(r.json, created), "GET differs from create: %s", it_desc(&r));
  ck_assert_msg(!strstr(r.body, "argon2") && !json_object_get(r.json, "password"), "hash leaked");
  char *etag2 = it_if_match(&r);
  ck_assert_str_eq(etag, etag2);
  it_resp_free(&r);
  free(it_login(login, "Secret-Pass-2026"));

  /* supervisor of two stores; hq with no store */
  char *sup = it_uniq("it.sup.");
  b = json_pack("{s:s, s:s, s:s, s:[I,I], s:s}", "login", sup, "name", "督导", "role", "supervisor",
                "store_ids", (json_int_t)sh002, (json_int_t)sh001, "password", "Secret-Pass-2026");
  it_req_json(IT_PROXY, "POST", "/v1/staff", it_hq(), NULL, b, &r);
  it_assert_status(&r, 201);
  ids = json_object_get(r.json, "store_ids");
  ck_assert_msg(json_array_size(ids) == 2 && id_array_has(ids, sh001) && id_array_has(ids, sh002),
                "%s", it_desc(&r));
  it_resp_free(&r);
  char *hq = it_uniq("it.hq.");
  b = json_pack("{s:s, s:s, s:s, s:[], s:s}", "login", hq, "name", "总部", "role", "hq",
                "store_ids", "password", "Secret-Pass-2026");
  it_req_json(IT_PROXY, "POST", "/v1/staff", it_hq(), NULL, b, &r);
  it_assert_status(&r, 201);
  ck_assert_msg(json_array_size(json_object_get(r.json, "store_ids")) == 0, "%s", it_desc(&r));
  it_resp_free(&r);
  json_decref(created);
  free(etag);
  free(etag2);
  free(loc);
  free(login);
  free(sup);
  free(hq);
}
END_TEST

START_TEST(test_staff_patch) {
  char *login = it_uniq("it.pat.");
  long long sh001 = it_store_id("SH001"), sh002 = it_store_id("SH002");
  long long id = create_staff(it_hq(), login, "rep", sh001, "Secret-Pass-2026");
  char *path = it_fmt("/v1/staff/%lld", id);
  it_resp r;
  it_req(IT_PROXY, "GET", path, it_hq(), NULL, NULL, &r);
  char *if1 = it_if_match(&r);
  it_resp_free(&r);

  it_req(IT_DIRECT, "PATCH", path, it_hq(), NULL, "{\"name\":\"改名\"}", &r);
  it_assert_problem(&r, 428, "precondition_required", NULL);
  it_resp_free(&r);

  it_req(IT_PROXY, "PATCH", path, it_hq(), IT_HDRS(if1), "{\"name\":\"改名\"}", &r);
  it_assert_status(&r, 200);
  ck_assert_str_eq(it_jstr(&r, "name"), "改名");
  char *if2 = it_if_match(&r);
  ck_assert_msg(strcmp(if1, if2) != 0, "ETag unchanged after PATCH");
  it_resp_free(&r);

  it_req(IT_PROXY, "PATCH", path, it_hq(), IT_HDRS(if1), "{\"name\":\"过期\"}", &r);
  it_assert_problem(&r, 412, "version_conflict", NULL);
  it_resp_free(&r);

  /* login is immutable; password is not a PATCH field; unknown fields named */
  it_req(IT_DIRECT, "PATCH", path, it_hq(), IT_HDRS(if2), "{\"login\":\"it.renamed\"}", &r);
  it_assert_problem(&r, 400, "validation_failed", "login");
  it_resp_free(&r);
  it_req(IT_DIRECT, "PATCH", path, it_hq(), IT_HDRS(if2), "{\"password\":\"Another-Pass-1\"}", &r);
  it_assert_problem(&r, 400, "validation_failed", "password");
  it_resp_free(&r);
  it_req(IT_DIRECT, "PATCH", path, it_hq(), IT_HDRS(if2), "{\"role\":\"boss\"}", &r);
  it_assert_problem(&r, 400, "validation_failed", "role");
  it_resp_free(&r);
  it_req(IT_DIRECT, "PATCH", path, it_hq(), IT_HDRS(if2), "{\"active\":\"no\"}", &r);
  it_assert_problem(&r, 400, "validation_failed", "active");
  it_resp_free(&r);
  ck_assert_int_eq(staff_with_login("it.renamed"), 0);

  /* promote to supervisor of two stores */
  char *body = it_fmt("{\"role\":\"supervisor\",\"store_ids\":[%lld,%lld]}", sh001, sh002);
  it_req(IT_PROXY, "PATCH", path, it_hq(), IT_HDRS(if2), body, &r);
  it_assert_status(&r, 200);
  ck_assert_str_eq(it_jstr(&r, "role"), "supervisor");
  ck_assert_int_eq((long long)json_array_size(json_object_get(r.json, "store_ids")), 2);
  it_resp_free(&r);
  free(body);

  /* nobody deactivates themselves */
  char *self = it_fmt("/v1/staff/%lld", it_staff_id("hq.admin"));
  it_req(IT_PROXY, "GET", self, it_hq(), NULL, NULL, &r);
  char *ifs = it_if_match(&r);
  it_resp_free(&r);
  it_req(IT_DIRECT, "PATCH", self, it_hq(), IT_HDRS(ifs), "{\"active\":false}", &r);
  it_assert_problem(&r, 400, "validation_failed", "active");
  it_resp_free(&r);
  ck_assert_int_eq(
      it_db_count("SELECT count(*) FROM staff WHERE login = 'hq.admin' AND active", IT_END), 1);
  free(ifs);
  free(self);
  free(if1);
  free(if2);
  free(path);
  free(login);
}
END_TEST

START_TEST(test_staff_list) {
  for (int i = 0; i < 3; i++) {
    char *login = it_uniq("it.list.");
    create_staff(it_hq(), login, "rep", it_store_id("BJ001"), "Secret-Pass-2026");
    free(login);
  }
  json_t *all = walk("staff", "", it_hq());
  ck_assert_int_eq((long long)json_array_size(all), count_staff());
  ck_assert_msg(json_array_size(all) >= 12, "9 demo + 3 new staff expected");
  size_t i;
  json_t *it;
  json_array_foreach(all, i, it) {
    ck_assert_msg(!json_object_get(it, "password") && !json_object_get(it, "password_hash"),
                  "password in a list item");
  }
  ck_assert_msg(list_has_id(all, it_staff_id("east.supervisor")), "east.supervisor not listed");
  json_decref(all);

  /* filters: store and role */
  long long sh001 = it_store_id("SH001");
  char *q = it_fmt("store=%lld&role=rep", sh001);
  json_t *reps = walk("staff", q, it_hq());
  ck_assert_msg(json_array_size(reps) >= 1 && list_has_id(reps, it_staff_id("sh001.rep")),
                "store/role filter lost sh001.rep");
  json_array_foreach(reps, i, it) {
    ck_assert_str_eq(json_string_value(json_object_get(it, "role")), "rep");
    ck_assert_msg(id_array_has(json_object_get(it, "store_ids"), sh001), "not in SH001");
  }
  json_decref(reps);
  free(q);

  /* active=false lists exactly the inactive ones */
  char *gone = it_uniq("it.gone.");
  long long gid = create_staff(it_hq(), gone, "rep", sh001, "Secret-Pass-2026");
  char *path = it_fmt("/v1/staff/%lld", gid);
  it_resp r;
  it_req(IT_PROXY, "GET", path, it_hq(), NULL, NULL, &r);
  char *ifm = it_if_match(&r);
  it_resp_free(&r);
  it_req(IT_PROXY, "PATCH", path, it_hq(), IT_HDRS(ifm), "{\"active\":false}", &r);
  it_assert_status(&r, 200);
  it_resp_free(&r);
  json_t *inactive = walk("staff", "active=false", it_hq());
  ck_assert_msg(list_has_id(inactive, gid), "inactive staff not in active=false");
  ck_assert_int_eq((long long)json_array_size(inactive),
                   it_db_count("SELECT count(*) FROM staff WHERE NOT active", IT_END));
  json_array_foreach(inactive, i, it) {
    ck_assert_msg(json_is_false(json_object_get(it, "active")), "active item in active=false");
  }
  json_decref(inactive);
  json_t *active = walk("staff", "active=true", it_hq());
  ck_assert_msg(!list_has_id(active, gid), "inactive staff in active=true");
  json_decref(active);
  free(ifm);
  free(path);
  free(gone);
}
END_TEST

START_TEST(test_staff_scope_read) {
  const char *rep = it_token("sh001.rep");
  struct {
    const char *login;
    long status;
  } cases[] = {
      {"sh001.rep", 200},       {"sh001.manager", 200}, {"sh001.supervisor", 200},
      {"east.supervisor", 200}, {"sh002.rep", 404},     {"sh002.manager", 404},
      {"bj001.manager", 404},   {"hq.admin", 404},
  };
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    char *path = it_fmt("/v1/staff/%lld", it_staff_id(cases[i].login));
    it_resp r;
    it_req(IT_PROXY, "GET", path, rep, NULL, NULL, &r);
    ck_assert_msg(r.status == cases[i].status, "sh001.rep GET %s: %s", cases[i].login, it_desc(&r));
    if (cases[i].status == 404)
      it_assert_problem(&r, 404, "not_found", NULL);
    it_resp_free(&r);
    free(path);
  }
  /* the rep's list holds only staff sharing SH001 */
  long long sh001 = it_store_id("SH001");
  json_t *l = walk("staff", "", rep);
  size_t i;
  json_t *it;
  json_array_foreach(l, i, it) {
    ck_assert_msg(id_array_has(json_object_get(it, "store_ids"), sh001),
                  "sh001.rep sees staff outside SH001: %s", json_dumps(it, JSON_COMPACT));
  }
  ck_assert_msg(list_has_id(l, it_staff_id("sh001.manager")), "own manager missing");
  ck_assert_msg(!list_has_id(l, it_staff_id("sh002.rep")), "sh002.rep visible");
  json_decref(l);
  /* a store filter outside scope shows nothing of it */
  char *q = it_fmt("store=%lld", it_store_id("SH002"));
  l = walk("staff", q, rep);
  ck_assert_msg(!list_has_id(l, it_staff_id("sh002.rep")) &&
                    !list_has_id(l, it_staff_id("sh002.manager")),
                "store filter leaks SH002 staff");
  json_decref(l);
  free(q);
}
END_TEST

/* POST /v1/staff body for role in stores (ids). */
static char *staff_body(const char *login, const char *role, const long long *stores, int n) {
  json_t *ids = json_array();
  for (int i = 0; i < n; i++)
    json_array_append_new(ids, json_integer(stores[i]));
  json_t *b = json_pack("{s:s, s:s, s:s, s:o, s:s}", "login", login, "name", "新员工", "role", role,
                        "store_ids", ids, "password", "Secret-Pass-2026");
  char *s = json_dumps(b, JSON_COMPACT);
  json_decref(b);
  return s;
}

START_TEST(test_staff_manager_rules) {
  const char *mgr = it_token("sh001.manager");
  long long sh001 = it_store_id("SH001"), sh002 = it_store_id("SH002");
  long long both[2] = {sh001, sh002};
  it_resp r;

  char *ok1 = it_uniq("it.mrep.");
  char *b = staff_body(ok1, "rep", &sh001, 1);
  it_req(IT_PROXY, "POST", "/v1/staff", mgr, NULL, b, &r);
  it_assert_status(&r, 201);
  long long rep_id = it_jint(&r, "id");
  it_resp_free(&r);
  free(b);
  char *ok2 = it_uniq("it.msup.");
  b = staff_body(ok2, "supervisor", &sh001, 1);
  it_req(IT_PROXY, "POST", "/v1/staff", mgr, NULL, b, &r);
  it_assert_status(&r, 201);
  it_resp_free(&r);
  free(b);

  /* another store, or a store set not all the manager's: refused, nothing written */
  struct {
    const char *role;
    const long long *stores;
    int n;
    const char *why;
  } refused[] = {
      {"rep", &sh002, 1, "rep in another store"},
      {"supervisor", both, 2, "supervisor also in another store"},
  };
  for (size_t i = 0; i < 2; i++) {
    char *login = it_uniq("it.mno.");
    b = staff_body(login, refused[i].role, refused[i].stores, refused[i].n);
    it_req(IT_PROXY, "POST", "/v1/staff", mgr, NULL, b, &r);
    ck_assert_msg(r.status == 403 || r.status == 404, "manager creating %s: %s", refused[i].why,
                  it_desc(&r));
    it_assert_problem(&r, r.status, r.status == 403 ? "forbidden" : "not_found", NULL);
    it_resp_free(&r);
    ck_assert_int_eq(staff_with_login(login), 0);
    free(b);
    free(login);
  }
  /* roles a manager may not create, in their own store */
  static const char *const roles[] = {"manager", "hq"};
  for (int i = 0; i < 2; i++) {
    char *login = it_uniq("it.mno.");
    b = staff_body(login, roles[i], &sh001, strcmp(roles[i], "hq") == 0 ? 0 : 1);
    it_req(IT_PROXY, "POST", "/v1/staff", mgr, NULL, b, &r);
    ck_assert_msg(r.status == 403, "manager creating a %s: %s", roles[i], it_desc(&r));
    it_assert_problem(&r, 403, "forbidden", NULL);
    it_resp_free(&r);
    ck_assert_int_eq(staff_with_login(login), 0);
    free(b);
    free(login);
  }
  /* reps and supervisors create nobody */
  static const char *const nobody[] = {"sh001.rep", "sh001.supervisor", "east.supervisor"};
  for (int i = 0; i < 3; i++) {
    char *login = it_uniq("it.rno.");
    b = staff_body(login, "rep", &sh001, 1);
    it_req(IT_PROXY, "POST", "/v1/staff", it_token(nobody[i]), NULL, b, &r);
    ck_assert_msg(r.status == 403, "%s creating staff: %s", nobody[i], it_desc(&r));
    it_assert_problem(&r, 403, "forbidden", NULL);
    it_resp_free(&r);
    ck_assert_int_eq(staff_with_login(login), 0);
    free(b);
    free(login);
  }

  /* the manager patches their store's rep; another store's rep is not found */
  char *path = it_fmt("/v1/staff/%lld", rep_id);
  it_req(IT_PROXY, "GET", path, mgr, NULL, NULL, &r);
  it_assert_status(&r, 200);
  char *ifm = it_if_match(&r);
  it_resp_free(&r);
  it_req(IT_PROXY, "PATCH", path, mgr, IT_HDRS(ifm), "{\"name\":\"店长改名\"}", &r);
  it_assert_status(&r, 200);
  free(ifm);
  ifm = it_if_match(&r);
  it_resp_free(&r);
  /* ...but cannot move them to another store */
  char *mv = it_fmt("{\"store_ids\":[%lld]}", sh002);
  it_req(IT_PROXY, "PATCH", path, mgr, IT_HDRS(ifm), mv, &r);
  ck_assert_msg(r.status == 403 || r.status == 404, "manager moving a rep away: %s", it_desc(&r));
  it_resp_free(&r);
  ck_assert_int_eq(it_db_count("SELECT count(*) FROM staff_stores WHERE staff_id = $1::bigint AND "
                               "store_id = $2::bigint",
                               it_fmt("%lld", rep_id), it_fmt("%lld", sh001), IT_END),
                   1);
  free(mv);
  free(ifm);
  char *other = it_fmt("/v1/staff/%lld", it_staff_id("sh002.rep"));
  it_req(IT_PROXY, "PATCH", other, mgr, IT_HDRS("If-Match: \"1\""), "{\"name\":\"越权\"}", &r);
  it_assert_problem(&r, 404, "not_found", NULL);
  it_resp_free(&r);
  /* a supervisor in scope lacks the permission: 403 */
  it_req(IT_PROXY, "GET", path, it_token("sh001.supervisor"), NULL, NULL, &r);
  it_assert_status(&r, 200);
  ifm = it_if_match(&r);
  it_resp_free(&r);
  it_req(IT_PROXY, "PATCH", path, it_token("sh001.supervisor"), IT_HDRS(ifm),
         "{\"name\":\"督导改名\"}", &r);
  it_assert_problem(&r, 403, "forbidden", NULL);
  it_resp_free(&r);
  free(ifm);
  free(other);
  free(path);
  free(ok1);
  free(ok2);
}
END_TEST

START_TEST(test_staff_validation) {
  long long before = count_staff();
  long long sh001 = it_store_id("SH001"), sh002 = it_store_id("SH002");
  char *ids1 = it_fmt("[%lld]", sh001);
  char *ids2 = it_fmt("[%lld,%lld]", sh001, sh002);
  struct {
    const char *login;
    const char *role;
    const char *store_ids;
    const char *password;
    const char *extra;
    const char *field;
  } cases[] = {
      {"IT.Upper", "rep", ids1, "Secret-Pass-2026", "", "login"},
      {"ab", "rep", ids1, "Secret-Pass-2026", "", "login"},
      {"it bad", "rep", ids1, "Secret-Pass-2026", "", "login"},
      {"it.short.pw", "rep", ids1, "123456789", "", "password"},
      {"it.role", "boss", ids1, "Secret-Pass-2026", "", "role"},
      {"it.rep.two", "rep", ids2, "Secret-Pass-2026", "", "store_ids"},
      {"it.rep.none", "rep", "[]", "Secret-Pass-2026", "", "store_ids"},
      {"it.mgr.two", "manager", ids2, "Secret-Pass-2026", "", "store_ids"},
      {"it.sup.none", "supervisor", "[]", "Secret-Pass-2026", "", "store_ids"},
      {"it.hq.store", "hq", ids1, "Secret-Pass-2026", "", "store_ids"},
      {"it.nostore", "rep", "[987654]", "Secret-Pass-2026", "", "store_ids"},
      {"it.ids.str", "rep", "\"1\"", "Secret-Pass-2026", "", "store_ids"},
      {"it.unknown", "rep", ids1, "Secret-Pass-2026", ",\"email\":\"a@b.c\"", "email"},
      {"it.name.long", "rep", ids1, "Secret-Pass-2026", ",\"name\":\"" ZH65 "\"", "name"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    int has_name = strstr(cases[i].extra, "\"name\"") != NULL;
    char *body =
        it_fmt("{\"login\":\"%s\",%s\"role\":\"%s\",\"store_ids\":%s,\"password\":\"%s\"%s}",
               cases[i].login, has_name ? "" : "\"name\":\"校验\",", cases[i].role,
               cases[i].store_ids, cases[i].password, cases[i].extra);
    it_resp r;
    it_req(IT_DIRECT, "POST", "/v1/staff", it_hq(), NULL, body, &r);
    ck_assert_msg(r.status == 400, "case %zu %s: %s", i, body, it_desc(&r));
    it_assert_problem(&r, 400, "validation_failed", cases[i].field);
    it_resp_free(&r);
    free(body);
  }
  /* missing required fields */
  static const struct {
    const char *body;
    const char *field;
  } missing[] = {
      {"{\"login\":\"it.miss.pw\",\"name\":\"缺\",\"role\":\"hq\",\"store_ids\":[]}", "password"},
      {"{\"login\":\"it.miss.name\",\"role\":\"hq\",\"store_ids\":[],\"password\":\"Secret-Pass-"
       "2026\"}",
       "name"},
      {"{\"name\":\"缺\",\"role\":\"hq\",\"store_ids\":[],\"password\":\"Secret-Pass-2026\"}",
       "login"},
      {"{\"login\":\"it.miss.role\",\"name\":\"缺\",\"store_ids\":[],\"password\":\"Secret-Pass-"
       "2026\"}",
       "role"},
  };
  for (size_t i = 0; i < sizeof missing / sizeof *missing; i++) {
    it_resp r;
    it_req(IT_DIRECT, "POST", "/v1/staff", it_hq(), NULL, missing[i].body, &r);
    it_assert_problem(&r, 400, "validation_failed", missing[i].field);
    it_resp_free(&r);
  }
  ck_assert_int_eq(count_staff(), before);
  free(ids1);
  free(ids2);
}
END_TEST

START_TEST(test_staff_duplicate_and_idempotency) {
  long long sh001 = it_store_id("SH001");
  long long before = count_staff();
  char *b = staff_body("sh001.rep", "rep", &sh001, 1);
  it_resp r;
  it_req(IT_PROXY, "POST", "/v1/staff", it_hq(), NULL, b, &r);
  it_assert_problem(&r, 409, "already_exists", NULL);
  it_resp_free(&r);
  free(b);
  ck_assert_int_eq(count_staff(), before);

  char *login = it_uniq("it.idem.");
  char *login2 = it_uniq("it.idem.");
  char *key = it_uniq("Idempotency-Key: it-staff-");
  b = staff_body(login, "rep", &sh001, 1);
  char *b2 = staff_body(login2, "rep", &sh001, 1);
  it_resp a;
  it_req(IT_PROXY, "POST", "/v1/staff", it_hq(), IT_HDRS(key), b, &a);
  it_assert_status(&a, 201);
  it_req(IT_PROXY, "POST", "/v1/staff", it_hq(), IT_HDRS(key), b, &r);
  it_assert_status(&r, 201);
  ck_assert_msg(json_equal(a.json, r.json), "replay differs:\n%s\n%s", a.body, r.body);
  ck_assert_str_eq(it_header(&a, "Location"), it_header(&r, "Location"));
  it_resp_free(&a);
  it_resp_free(&r);
  ck_assert_int_eq(staff_with_login(login), 1);
  it_req(IT_PROXY, "POST", "/v1/staff", it_hq(), IT_HDRS(key), b2, &r);
  it_assert_problem(&r, 422, "idempotency_key_reused", NULL);
  it_resp_free(&r);
  ck_assert_int_eq(staff_with_login(login2), 0);
  ck_assert_int_eq(count_staff(), before + 1);
  free(b);
  free(b2);
  free(key);
  free(login);
  free(login2);
}
END_TEST

static void change_password(const char *token, long long id, const char *pw, long expect) {
  char *path = it_fmt("/v1/staff/%lld/password", id);
  json_t *b = json_pack("{s:s}", "password", pw);
  it_resp r;
  it_req_json(IT_PROXY, "POST", path, token, NULL, b, &r);
  ck_assert_msg(r.status == expect, "POST %s: expected %ld, got %s", path, expect, it_desc(&r));
  if (expect == 204)
    ck_assert_msg(r.body_len == 0, "204 with a body: %s", r.body);
  if (expect == 403)
    it_assert_problem(&r, 403, "forbidden", NULL);
  if (expect == 404)
    it_assert_problem(&r, 404, "not_found", NULL);
  it_resp_free(&r);
  free(path);
}

static void login_fails(const char *login, const char *pw) {
  json_t *b = json_pack("{s:s, s:s}", "login", login, "password", pw);
  it_resp r;
  it_req_json(IT_PROXY, "POST", "/v1/auth/token", NULL, NULL, b, &r);
  it_assert_problem(&r, 401, "invalid_credentials", NULL);
  it_resp_free(&r);
}

START_TEST(test_password_change) {
  long long sh001 = it_store_id("SH001");
  char *login = it_uniq("it.pw.");
  long long id = create_staff(it_hq(), login, "rep", sh001, "First-Pass-001");
  char *tok = it_login(login, "First-Pass-001");

  /* self */
  change_password(tok, id, "Second-Pass-002", 204);
  login_fails(login, "First-Pass-001");
  free(it_login(login, "Second-Pass-002"));
  /* hq */
  change_password(it_hq(), id, "Third-Pass-003", 204);
  login_fails(login, "Second-Pass-002");
  free(it_login(login, "Third-Pass-003"));
  /* the manager of the staff member's store */
  change_password(it_token("sh001.manager"), id, "Fourth-Pass-004", 204);
  free(it_login(login, "Fourth-Pass-004"));
  /* not another store's manager (out of scope: 404), not a colleague (403) */
  change_password(it_token("sh002.manager"), id, "Hacked-Pass-005", 404);
  change_password(it_token("sh001.rep"), id, "Hacked-Pass-005", 403);
  change_password(it_token("sh001.supervisor"), id, "Hacked-Pass-005", 403);
  login_fails(login, "Hacked-Pass-005");
  /* too short, unknown field */
  char *path = it_fmt("/v1/staff/%lld/password", id);
  it_resp r;
  it_req(IT_DIRECT, "POST", path, tok, NULL, "{\"password\":\"short-pw1\"}", &r);
  it_assert_problem(&r, 400, "validation_failed", "password");
  it_resp_free(&r);
  it_req(IT_DIRECT, "POST", path, tok, NULL, "{\"password\":\"Long-Enough-006\",\"old\":\"x\"}",
         &r);
  it_assert_problem(&r, 400, "validation_failed", "old");
  it_resp_free(&r);
  it_req(IT_DIRECT, "POST", path, tok, NULL, "{}", &r);
  it_assert_problem(&r, 400, "validation_failed", "password");
  it_resp_free(&r);
  free(it_login(login, "Fourth-Pass-004"));
  free(path);
  free(tok);
  free(login);
}
END_TEST

static Suite *suite(void) {
  Suite *s = suite_create("it_stores_staff");
  TCase *tc = tcase_create("stores_staff");
  tcase_set_timeout(tc, 180);
  tcase_add_test(tc, test_store_create_read);
  tcase_add_test(tc, test_store_patch_etag);
  tcase_add_test(tc, test_store_if_match_any);
  tcase_add_test(tc, test_store_list_pagination);
  tcase_add_test(tc, test_store_list_stable_under_insert);
  tcase_add_test(tc, test_store_scope);
  tcase_add_test(tc, test_store_validation);
  tcase_add_test(tc, test_store_duplicate);
  tcase_add_test(tc, test_store_idempotency);
  tcase_add_test(tc, test_store_races);
  tcase_add_test(tc, test_staff_create_read);
  tcase_add_test(tc, test_staff_patch);
  tcase_add_test(tc, test_staff_list);
  tcase_add_test(tc, test_staff_scope_read);
  tcase_add_test(tc, test_staff_manager_rules);
  tcase_add_test(tc, test_staff_validation);
  tcase_add_test(tc, test_staff_duplicate_and_idempotency);
  tcase_add_test(tc, test_password_change);
  suite_add_tcase(s, tc);
  return s;
}

int main(void) {
  it_config cfg = {.name = "it_stores_staff"};
  return it_main(&cfg, suite());
}
