/* Ticket fixtures shared by it_tickets.c and it_sweeper.c; see
 * ticket_fixtures.h. Written from the contract only. */
#include "ticket_fixtures.h"

#include <libpq-fe.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* ---- JSON ---------------------------------------------------------------- */

json_t *jp(json_t *o, const char *path) {
  char buf[256];
  snprintf(buf, sizeof buf, "%s", path);
  json_t *cur = o;
  char *save = NULL;
  for (char *t = strtok_r(buf, ".", &save); t && cur; t = strtok_r(NULL, ".", &save)) {
    if (json_is_array(cur))
      cur = json_array_get(cur, strtoul(t, NULL, 10));
    else
      cur = json_object_get(cur, t);
  }
  return cur;
}

const char *jdump(json_t *o) {
  static char buf[3000];
  char *d = o ? json_dumps(o, JSON_COMPACT) : NULL;
  snprintf(buf, sizeof buf, "%.2990s", d ? d : "(null)");
  free(d);
  return buf;
}

const char *js(json_t *o, const char *path) {
  json_t *v = jp(o, path);
  ck_assert_msg(json_is_string(v), "%s missing or not a string in %s", path, jdump(o));
  return json_string_value(v);
}

long long ji(json_t *o, const char *path) {
  json_t *v = jp(o, path);
  ck_assert_msg(json_is_integer(v), "%s missing or not an integer in %s", path, jdump(o));
  return json_integer_value(v);
}

void jnull(json_t *o, const char *path) {
  ck_assert_msg(json_is_null(jp(o, path)), "%s must be present and null in %s", path, jdump(o));
}

/* ---- time ---------------------------------------------------------------- */

double parse_time(const char *s) {
  struct tm tm;
  memset(&tm, 0, sizeof tm);
  const char *e = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
  ck_assert_msg(e, "not an RFC 3339 time: %s", s);
  double frac = 0;
  if (*e == '.') {
    double scale = 0.1;
    for (e++; *e >= '0' && *e <= '9'; e++, scale /= 10)
      frac += (*e - '0') * scale;
  }
  ck_assert_msg(strcmp(e, "Z") == 0, "time not in UTC (Z): %s", s);
  return (double)timegm(&tm) + frac;
}

double jt(json_t *o, const char *path) {
  return parse_time(js(o, path));
}

char *fmt_time(double t) {
  time_t s = (time_t)t;
  struct tm tm;
  gmtime_r(&s, &tm);
  char buf[32];
  strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return strdup(buf);
}

/* ---- database ------------------------------------------------------------ */

void db_exec(const char *sql) {
  PGconn *c = PQconnectdb(it_db_url);
  ck_assert_msg(PQstatus(c) == CONNECTION_OK, "db connect: %s", PQerrorMessage(c));
  PGresult *res = PQexec(c, sql);
  ExecStatusType st = PQresultStatus(res);
  ck_assert_msg(st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK, "db %s: %s", sql,
                PQerrorMessage(c));
  PQclear(res);
  PQfinish(c);
}

long long count_outbox(const char *kind, long long ticket, const char *role) {
  char *id = it_fmt("%lld", ticket);
  long long n = role ? it_db_count("SELECT count(*) FROM outbox WHERE kind = $1 AND "
                                   "ticket_id = $2::bigint AND recipient_role = $3",
                                   kind, id, role, IT_END)
                     : it_db_count("SELECT count(*) FROM outbox WHERE kind = $1 AND "
                                   "ticket_id = $2::bigint",
                                   kind, id, IT_END);
  free(id);
  return n;
}

/* ---- fixtures ------------------------------------------------------------ */

char *uniq_mobile(const char *prefix) {
  static unsigned counter;
  counter++;
  unsigned long long v =
      ((unsigned long long)(getpid() % 100000) * 1000ULL + counter) % 100000000ULL;
  return it_fmt("%s%08llu", prefix, v);
}

long long new_store(const fx_profile *p, const char *code, const char *tz) {
  json_t *b = json_pack("{s:s, s:s, s:s, s:s}", "code", code, "name", p->store_name, "industry",
                        p->industry, "timezone", tz);
  it_resp r;
  it_req_json(IT_PROXY, "POST", "/v1/stores", it_hq(), NULL, b, &r);
  ck_assert_msg(r.status == 201, "create store %s: %s", code, it_desc(&r));
  long long id = it_jint(&r, "id");
  it_resp_free(&r);
  return id;
}

long long new_staff(const fx_profile *p, const char *role, long long store, char **token) {
  char *login = it_uniq(p->login_prefix);
  json_t *b = json_pack("{s:s, s:s, s:s, s:[I], s:s}", "login", login, "name", p->staff_name,
                        "role", role, "store_ids", (json_int_t)store, "password", p->password);
  it_resp r;
  it_req_json(IT_PROXY, "POST", "/v1/staff", it_hq(), NULL, b, &r);
  ck_assert_msg(r.status == 201, "create staff %s: %s", login, it_desc(&r));
  long long id = it_jint(&r, "id");
  it_resp_free(&r);
  if (token)
    *token = it_login(login, p->password);
  free(login);
  return id;
}

long long new_customer(const fx_profile *p, long long store) {
  char *m = uniq_mobile(p->mobile_prefix);
  json_t *b = json_pack("{s:s, s:s, s:I}", "name", p->customer_name, "phone", m, "home_store_id",
                        (json_int_t)store);
  it_resp r;
  it_req_json(IT_PROXY, "POST", "/v1/customers", it_hq(), NULL, b, &r);
  ck_assert_msg(r.status == 201, "create customer: %s", it_desc(&r));
  long long id = it_jint(&r, "id");
  it_resp_free(&r);
  free(m);
  return id;
}

void fx_make(fx *f, const fx_profile *p, const char *tz) {
  memset(f, 0, sizeof *f);
  f->prof = p;
  f->code = it_uniq(p->code_prefix);
  f->store = new_store(p, f->code, tz);
  f->mgr_id = new_staff(p, "manager", f->store, &f->mgr);
  f->sup_id = new_staff(p, "supervisor", f->store, &f->sup);
  f->rep_id = new_staff(p, "rep", f->store, &f->rep);
  if (p->rep2)
    f->rep2_id = new_staff(p, "rep", f->store, &f->rep2);
  f->cust = new_customer(p, f->store);
}

/* ---- tickets ------------------------------------------------------------- */

json_t *tk_create(const char *tok, long long store, long long cust, const char *sev,
                  const char *cat, const char *subject, json_t *extra) {
  json_t *b = json_pack("{s:I, s:I, s:s, s:s, s:s, s:s}", "store_id", (json_int_t)store,
                        "customer_id", (json_int_t)cust, "channel", "phone", "severity", sev,
                        "category", cat, "subject", subject ? subject : "护理后皮肤泛红");
  if (extra) {
    json_object_update(b, extra);
    json_decref(extra);
  }
  it_resp r;
  it_req_json(IT_PROXY, "POST", "/v1/tickets", tok, NULL, b, &r);
  ck_assert_msg(r.status == 201, "create ticket: %s", it_desc(&r));
  long long id = it_jint(&r, "id");
  const char *loc = it_header(&r, "Location");
  ck_assert_msg(loc && strstr(loc, "/v1/tickets/"), "201 without Location: %s", it_desc(&r));
  char *want = it_fmt("/v1/tickets/%lld", id);
  ck_assert_msg(strcmp(strstr(loc, "/v1/"), want) == 0, "Location %s, expected %s", loc, want);
  free(want);
  ck_assert_msg(it_header(&r, "ETag"), "201 without ETag: %s", it_desc(&r));
  json_t *j = json_incref(r.json);
  it_resp_free(&r);
  return j;
}

json_t *tk_create_fx(fx *f, const char *tok, const char *sev, const char *cat) {
  const fx_profile *p = f->prof;
  json_t *extra = p->channel ? json_pack("{s:s}", "channel", p->channel) : NULL;
  return tk_create(tok, f->store, f->cust, sev, cat, p->subject, extra);
}

long long tk_new(fx *f, const char *tok, const char *sev, const char *cat) {
  json_t *t = tk_create_fx(f, tok, sev, cat);
  long long id = ji(t, "id");
  json_decref(t);
  return id;
}

json_t *tk_get(const char *tok, long long id, char **ifm) {
  char *path = it_fmt("/v1/tickets/%lld", id);
  it_resp r;
  it_req(IT_PROXY, "GET", path, tok, NULL, NULL, &r);
  ck_assert_msg(r.status == 200, "GET %s: %s", path, it_desc(&r));
  if (ifm) {
    const char *e = it_header(&r, "ETag");
    ck_assert_msg(e && *e, "no ETag: %s", it_desc(&r));
    *ifm = it_fmt("If-Match: %s", e);
  }
  json_t *j = json_incref(r.json);
  it_resp_free(&r);
  free(path);
  return j;
}

long tk_move_r(int target, const char *tok, long long id, const char *to, const char *note,
               const char *ifm, it_resp *r) {
  json_t *b = json_pack("{s:s}", "to", to);
  if (note)
    json_object_set_new(b, "note", json_string(note));
  char *path = it_fmt("/v1/tickets/%lld/transitions", id);
  long st = it_req_json(target, "POST", path, tok, ifm ? IT_HDRS(ifm) : NULL, b, r);
  free(path);
  return st;
}

json_t *tk_move(const char *tok, long long id, const char *to, const char *note) {
  it_resp r;
  tk_move_r(IT_PROXY, tok, id, to, note, NULL, &r);
  ck_assert_msg(r.status == 200, "transition of %lld to %s: %s", id, to, it_desc(&r));
  ck_assert_str_eq(js(r.json, "status"), to);
  json_t *j = json_incref(r.json);
  it_resp_free(&r);
  return j;
}

void tk_move_ok(const char *tok, long long id, const char *to, const char *note) {
  json_decref(tk_move(tok, id, to, note));
}

json_t *tk_events(const char *tok, long long id) {
  char *path = it_fmt("/v1/tickets/%lld/events", id);
  it_resp r;
  it_req(IT_PROXY, "GET", path, tok, NULL, NULL, &r);
  ck_assert_msg(r.status == 200, "GET %s: %s", path, it_desc(&r));
  json_t *items = json_object_get(r.json, "items");
  ck_assert_msg(json_is_array(items), "events list without items: %s", it_desc(&r));
  json_incref(items);
  it_resp_free(&r);
  free(path);
  return items;
}

int count_type(json_t *evs, const char *type) {
  int n = 0;
  for (size_t i = 0; i < json_array_size(evs); i++)
    if (strcmp(js(json_array_get(evs, i), "type"), type) == 0)
      n++;
  return n;
}
