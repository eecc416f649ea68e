/* Callbacks (SPEC §1 roles, §3 "Callbacks", §6 "Callback rules",
 * "Callbacks", "Closing", "Create"; docs/contract.md "Callbacks (issue 5)"
 * and "Tickets (issue 4)"; issue 5 "Must show"): the default rules; visit
 * rules with the most specific pattern winning and exact due times;
 * post-resolution tasks, their cancellation on a reopen and the score taken
 * on them (reopen below the threshold, close at or above it); attempts and
 * `unreachable`; store scope, the rep's queue and assignment; validation with
 * nothing written; rule permissions and preconditions; the customer
 * timeline; queue order, filters and cursors; Idempotency-Key; the daily
 * sweep (birthdays, win-back, consent, erasure, reruns and concurrent
 * processes).
 *
 * Written from the contract only, never from the server's code. Every test
 * binary has its own database; the migration's chain-wide default rules are
 * in force, so a visit also yields default tasks: assertions filter by kind
 * or rule. Rules made here use unique service patterns or stores of their
 * own so that the tests do not disturb each other. */
#include "harness.h"
#include "ticket_fixtures.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define DAY 86400.0
#define HOUR 3600.0

/* The fixtures of this suite (ticket_fixtures.h). */
static const fx_profile FXP = {.password = "it-callbacks-password",
                               .login_prefix = "itc.",
                               .staff_name = "回访专员",
                               .code_prefix = "C",
                               .store_name = "回访测试门店",
                               .industry = "beauty",
                               .customer_name = "回访客户",
                               .mobile_prefix = "136",
                               .rep2 = true};

/* ------------------------------------------------------------------------- */
/* generic helpers */

static long long rows(const char *table) {
  char *sql = it_fmt("SELECT count(*) FROM %s", table);
  long long n = it_db_count(sql, IT_END);
  free(sql);
  return n;
}

/* Tasks in the callbacks table of customer (and kind, when not NULL). */
static long long db_tasks(long long cust, const char *kind) {
  char *c = it_fmt("%lld", cust);
  long long n =
      kind ? it_db_count("SELECT count(*) FROM callbacks WHERE customer_id = $1::bigint AND "
                         "kind::text = $2",
                         c, kind, IT_END)
           : it_db_count("SELECT count(*) FROM callbacks WHERE customer_id = $1::bigint", c, IT_END);
  free(c);
  return n;
}

static void assert_near(json_t *o, const char *path, double want, double tol) {
  double got = jt(o, path);
  if (fabs(got - want) > tol) {
    char *w = fmt_time(want);
    ck_abort_msg("%s = %s, expected %s (±%.0f s) in %s", path, js(o, path), w, tol, jdump(o));
  }
}

/* The member of items whose id is id (borrowed), or NULL. */
static json_t *find_id(json_t *items, long long id) {
  for (size_t i = 0; i < json_array_size(items); i++) {
    json_t *x = json_array_get(items, i);
    if (json_is_integer(json_object_get(x, "id")) &&
        json_integer_value(json_object_get(x, "id")) == id)
      return x;
  }
  return NULL;
}

/* now, whole seconds */
static double now_s(void) {
  return (double)time(NULL);
}

/* Shanghai (UTC+8, no DST) calendar: the local date of t shifted by
 * days_back days back, as "1992-MM-DD" (a birthday that is surely in the
 * past), and 10:00 local of today's date as UTC seconds. Waits out the last
 * 90 s before local midnight so that the date cannot change under a test. */
static void shanghai_today(double *ten_local, char **birthday_today, char **birthday_other) {
  time_t now = time(NULL);
  long sod = (long)((now + 8 * 3600) % 86400);
  if (sod > 86400 - 90) {
    it_sleep((double)(86400 - sod + 2));
    now = time(NULL);
  }
  time_t local = now + 8 * 3600;
  struct tm tm;
  gmtime_r(&local, &tm);
  if (birthday_today)
    *birthday_today = it_fmt("1992-%02d-%02d", tm.tm_mon + 1, tm.tm_mday);
  struct tm mid = tm;
  mid.tm_hour = mid.tm_min = mid.tm_sec = 0;
  double midnight_as_utc = (double)timegm(&mid); /* local midnight, read as if UTC */
  if (ten_local)
    *ten_local = midnight_as_utc - 8 * HOUR + 10 * HOUR;
  if (birthday_other) {
    time_t other = local - 15 * 86400;
    struct tm o;
    gmtime_r(&other, &o);
    *birthday_other = it_fmt("1992-%02d-%02d", o.tm_mon + 1, o.tm_mday);
  }
}

/* ------------------------------------------------------------------------- */
/* customers and visits */

/* A customer of home store store, created by HQ; birthday may be NULL. */
static long long cust_new(long long store, const char *birthday, bool opt_in) {
  char *m = uniq_mobile("136");
  json_t *b = json_pack("{s:s, s:s, s:I, s:b}", "name", "回访测试顾客", "phone", m,
                        "home_store_id", (json_int_t)store, "marketing_opt_in", opt_in);
  if (birthday)
    json_object_set_new(b, "birthday", json_string(birthday));
  it_resp r;
  it_req_json(IT_PROXY, "POST", "/v1/customers", it_hq(), NULL, b, &r);
  ck_assert_msg(r.status == 201, "create customer: %s", it_desc(&r));
  long long id = it_jint(&r, "id");
  ck_assert_msg(json_is_boolean(json_object_get(r.json, "marketing_opt_in")) &&
                    json_boolean_value(json_object_get(r.json, "marketing_opt_in")) == opt_in,
                "marketing_opt_in not kept: %s", it_desc(&r));
  it_resp_free(&r);
  free(m);
  return id;
}

/* Records a visit (tok, proxy) performed at the whole second performed;
 * returns the visit id. */
static long long visit_new(const char *tok, long long cust, long long store, const char *code,
                           double performed, bool converted) {
  char *pa = fmt_time(performed);
  json_t *b = json_pack("{s:I, s:s, s:s, s:s, s:b, s:i}", "store_id", (json_int_t)store,
                        "service_code", code, "service_name", "光子嫩肤护理", "performed_at", pa,
                        "converted", converted, "amount_cents", 39900);
  char *path = it_fmt("/v1/customers/%lld/visits", cust);
  it_resp r;
  it_req_json(IT_PROXY, "POST", path, tok, NULL, b, &r);
  ck_assert_msg(r.status == 201, "POST %s: %s", path, it_desc(&r));
  long long id = it_jint(&r, "id");
  it_resp_free(&r);
  free(path);
  free(pa);
  return id;
}

/* ------------------------------------------------------------------------- */
/* callbacks */

static char *cb_path(long long id, const char *action) {
  return action ? it_fmt("/v1/callbacks/%lld/%s", id, action) : it_fmt("/v1/callbacks/%lld", id);
}

/* Every field of a task (contract "Callbacks (issue 5)") is present. */
static void assert_task_shape(json_t *t) {
  static const char *const keys[] = {
      "id",          "store_id", "customer_id", "ticket_id", "visit_id",     "rule_id",
      "kind",        "status",   "due_at",      "due_by",    "assignee_id",  "note",
      "attempts",    "result",   "cancel_reason", "version", "created_by",   "created_at",
      "updated_at",  "completed_at"};
  for (size_t i = 0; i < sizeof keys / sizeof *keys; i++)
    ck_assert_msg(json_object_get(t, keys[i]) != NULL, "task lacks %s: %s", keys[i], jdump(t));
  ck_assert_msg(json_is_array(json_object_get(t, "attempts")), "attempts not an array: %s",
                jdump(t));
  (void)jt(t, "due_at");
  (void)jt(t, "due_by");
  (void)jt(t, "created_at");
}

/* GET /v1/callbacks/{id}; asserts 200 with an ETag. New reference. */
static json_t *cb_get(const char *tok, long long id) {
  char *path = cb_path(id, NULL);
  it_resp r;
  it_req(IT_PROXY, "GET", path, tok, NULL, NULL, &r);
  ck_assert_msg(r.status == 200, "GET %s: %s", path, it_desc(&r));
  ck_assert_msg(it_header(&r, "ETag"), "GET %s without ETag", path);
  ck_assert_int_eq(it_jint(&r, "id"), id);
  assert_task_shape(r.json);
  json_t *j = json_incref(r.json);
  it_resp_free(&r);
  free(path);
  return j;
}

/* POST /v1/callbacks with body (stolen) as tok; asserts 201, Location
 * /v1/callbacks/{id} and an ETag. Returns the task (new reference). */
static json_t *cb_create(const char *tok, json_t *body) {
  it_resp r;
  it_req_json(IT_PROXY, "POST", "/v1/callbacks", tok, NULL, body, &r);
  ck_assert_msg(r.status == 201, "POST /v1/callbacks: %s", it_desc(&r));
  long long id = it_jint(&r, "id");
  const char *loc = it_header(&r, "Location");
  char *want = cb_path(id, NULL);
  ck_assert_msg(loc && strstr(loc, "/v1/") && strcmp(strstr(loc, "/v1/"), want) == 0,
                "Location %s, expected %s", loc ? loc : "(none)", want);
  ck_assert_msg(it_header(&r, "ETag"), "201 without ETag: %s", it_desc(&r));
  assert_task_shape(r.json);
  json_t *j = json_incref(r.json);
  it_resp_free(&r);
  free(want);
  return j;
}

/* The body of a manual task. */
static json_t *manual(long long store, long long cust, const char *kind, double due_at) {
  char *d = fmt_time(due_at);
  json_t *b = json_pack("{s:I, s:I, s:s, s:s}", "store_id", (json_int_t)store, "customer_id",
                        (json_int_t)cust, "kind", kind, "due_at", d);
  free(d);
  return b;
}

/* A manual reminder task; returns its id. extra (stolen, may be NULL) is
 * merged into the body. */
static long long cb_new(const char *tok, long long store, long long cust, double due_at,
                        json_t *extra) {
  json_t *b = manual(store, cust, "reminder", due_at);
  json_object_set_new(b, "note", json_string("提醒顾客预约下次护理"));
  if (extra) {
    json_object_update(b, extra);
    json_decref(extra);
  }
  json_t *t = cb_create(tok, b);
  long long id = ji(t, "id");
  json_decref(t);
  return id;
}

/* POST /v1/callbacks/{id}/<action> with body (stolen, may be NULL) and an
 * optional header line; fills r; returns the status. */
static long cb_act(int target, const char *tok, long long id, const char *action, json_t *body,
                   const char *hdr, it_resp *r) {
  char *path = cb_path(id, action);
  long st;
  if (body)
    st = it_req_json(target, "POST", path, tok, hdr ? IT_HDRS(hdr) : NULL, body, r);
  else
    st = it_req(target, "POST", path, tok, hdr ? IT_HDRS(hdr) : NULL, "{}", r);
  free(path);
  return st;
}

/* An attempt that must succeed: 201, Location the task; returns the task. */
static json_t *cb_attempt(const char *tok, long long id, const char *outcome, const char *note) {
  json_t *b = json_pack("{s:s}", "outcome", outcome);
  if (note)
    json_object_set_new(b, "note", json_string(note));
  it_resp r;
  cb_act(IT_PROXY, tok, id, "attempts", b, NULL, &r);
  ck_assert_msg(r.status == 201, "attempt %s on %lld: %s", outcome, id, it_desc(&r));
  char *want = cb_path(id, NULL);
  const char *loc = it_header(&r, "Location");
  ck_assert_msg(loc && strstr(loc, "/v1/") && strcmp(strstr(loc, "/v1/"), want) == 0,
                "attempt Location %s, expected %s", loc ? loc : "(none)", want);
  ck_assert_int_eq(it_jint(&r, "id"), id);
  assert_task_shape(r.json);
  json_t *j = json_incref(r.json);
  it_resp_free(&r);
  free(want);
  return j;
}

/* A completion that must succeed (200); sat < 0 sends null. Returns the task. */
static json_t *cb_complete(const char *tok, long long id, int sat, bool follow_up) {
  json_t *b = json_pack("{s:s, s:b}", "summary", "顾客表示满意，无其他诉求", "follow_up_needed",
                        follow_up);
  json_object_set_new(b, "satisfaction", sat < 0 ? json_null() : json_integer(sat));
  it_resp r;
  cb_act(IT_PROXY, tok, id, "complete", b, NULL, &r);
  ck_assert_msg(r.status == 200, "complete %lld: %s", id, it_desc(&r));
  ck_assert_int_eq(it_jint(&r, "id"), id);
  ck_assert_str_eq(it_jstr(&r, "status"), "completed");
  assert_task_shape(r.json);
  json_t *j = json_incref(r.json);
  it_resp_free(&r);
  return j;
}

/* 409 invalid_transition with allowed_moves []. */
static void assert_not_pending(const it_resp *r) {
  it_assert_problem(r, 409, "invalid_transition", NULL);
  json_t *am = json_object_get(r->json, "allowed_moves");
  ck_assert_msg(json_is_array(am) && json_array_size(am) == 0,
                "allowed_moves must be an empty array: %s", it_desc(r));
}

/* GET /v1/callbacks?query as tok, following next_cursor with limit per page
 * (0: 200); asserts 200 and a next_cursor member on every page, at most
 * limit items a page, and no id twice. *pages (may be NULL) gets the number
 * of pages. Returns the items (new reference). */
static json_t *cb_list_pages(const char *tok, const char *query, int limit, int *pages) {
  json_t *all = json_array();
  char *cursor = NULL;
  if (limit <= 0)
    limit = 200;
  for (int page = 1; page <= 200; page++) {
    char *path;
    if (cursor) {
      char *e = it_escape(cursor);
      path = it_fmt("/v1/callbacks?%s%slimit=%d&cursor=%s", query, *query ? "&" : "", limit, e);
      free(e);
    } else {
      path = it_fmt("/v1/callbacks?%s%slimit=%d", query, *query ? "&" : "", limit);
    }
    it_resp r;
    it_req(IT_PROXY, "GET", path, tok, NULL, NULL, &r);
    ck_assert_msg(r.status == 200, "GET %s: %s", path, it_desc(&r));
    json_t *items = json_object_get(r.json, "items");
    ck_assert_msg(json_is_array(items), "GET %s: no items array: %s", path, it_desc(&r));
    ck_assert_msg(json_array_size(items) <= (size_t)limit, "GET %s: %zu items over limit %d", path,
                  json_array_size(items), limit);
    json_t *nc = json_object_get(r.json, "next_cursor");
    ck_assert_msg(nc && (json_is_null(nc) || json_is_string(nc)),
                  "GET %s: next_cursor must be a string or null: %s", path, it_desc(&r));
    for (size_t i = 0; i < json_array_size(items); i++) {
      json_t *x = json_array_get(items, i);
      long long id = ji(x, "id");
      ck_assert_msg(!find_id(all, id), "GET %s: task %lld listed twice across pages", path, id);
      json_array_append(all, x);
    }
    free(cursor);
    cursor = json_is_string(nc) ? strdup(json_string_value(nc)) : NULL;
    it_resp_free(&r);
    free(path);
    if (!cursor) {
      if (pages)
        *pages = page;
      return all;
    }
  }
  ck_abort_msg("GET /v1/callbacks?%s: more than 200 pages", query);
  return NULL;
}

static json_t *cb_list(const char *tok, const char *query) {
  return cb_list_pages(tok, query, 0, NULL);
}

/* HQ's list of the tasks of customer of kind (NULL: any kind). */
static json_t *tasks_of(long long cust, const char *kind) {
  char *q = kind ? it_fmt("customer=%lld&kind=%s", cust, kind) : it_fmt("customer=%lld", cust);
  json_t *items = cb_list(it_hq(), q);
  free(q);
  return items;
}

/* Asserts items hold exactly the ids (n of them), in any order. */
static void assert_ids(json_t *items, const long long *ids, size_t n, const char *what) {
  ck_assert_msg(json_array_size(items) == n, "%s: %zu tasks, expected %zu: %s", what,
                json_array_size(items), n, jdump(items));
  for (size_t i = 0; i < n; i++)
    ck_assert_msg(find_id(items, ids[i]), "%s: task %lld missing: %s", what, ids[i],
                  jdump(items));
}

/* ------------------------------------------------------------------------- */
/* rules */

/* POST /v1/callback-rules with body (stolen) at target; fills r. */
static long rule_post(int target, const char *tok, json_t *body, it_resp *r) {
  return it_req_json(target, "POST", "/v1/callback-rules", tok, NULL, body, r);
}

/* GET /v1/callback-rules?query as HQ, all pages. New reference. */
static json_t *rules_list(const char *tok, const char *query) {
  json_t *all = json_array();
  char *cursor = NULL;
  for (int page = 0; page < 100; page++) {
    char *path;
    if (cursor) {
      char *e = it_escape(cursor);
      path = it_fmt("/v1/callback-rules?%s%slimit=200&cursor=%s", query, *query ? "&" : "", e);
      free(e);
    } else {
      path = it_fmt("/v1/callback-rules?%s%slimit=200", query, *query ? "&" : "");
    }
    it_resp r;
    it_req(IT_PROXY, "GET", path, tok, NULL, NULL, &r);
    ck_assert_msg(r.status == 200, "GET %s: %s", path, it_desc(&r));
    json_t *items = json_object_get(r.json, "items");
    ck_assert_msg(json_is_array(items), "GET %s: no items: %s", path, it_desc(&r));
    json_array_extend(all, items);
    json_t *nc = json_object_get(r.json, "next_cursor");
    free(cursor);
    cursor = json_is_string(nc) ? strdup(json_string_value(nc)) : NULL;
    it_resp_free(&r);
    free(path);
    if (!cursor)
      return all;
  }
  ck_abort_msg("GET /v1/callback-rules: too many pages");
  return NULL;
}

static bool int_array_is(json_t *a, const int *v, size_t n) {
  if (!json_is_array(a) || json_array_size(a) != n)
    return false;
  for (size_t i = 0; i < n; i++)
    if (!json_is_integer(json_array_get(a, i)) || json_integer_value(json_array_get(a, i)) != v[i])
      return false;
  return true;
}

/* ------------------------------------------------------------------------- */
/* the sweep */

/* The N of the {"created": N} line of a sweep's stdout; asserts it is there. */
static long long created_of(const char *out) {
  char *copy = strdup(out ? out : "");
  long long found = -1;
  char *save = NULL;
  for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
    json_t *j = json_loads(line, 0, NULL);
    if (json_is_object(j) && json_is_integer(json_object_get(j, "created")))
      found = json_integer_value(json_object_get(j, "created"));
    json_decref(j);
  }
  free(copy);
  ck_assert_msg(found >= 0, "no {\"created\": N} line in the output of sweep-callbacks: [%s]",
                out ? out : "");
  return found;
}

/* Runs `aftercare sweep-callbacks` once; asserts exit 0; returns N. */
static long long sweep_once(void) {
  char *env0 = it_fmt("AFTERCARE_DATABASE_URL=%s", it_db_url);
  const char *env[] = {env0, NULL};
  char *out = NULL;
  int rc = it_run(&out, env, IT_HDRS("sweep-callbacks"));
  ck_assert_msg(rc == 0, "aftercare sweep-callbacks exited %d: [%s]", rc, out ? out : "");
  long long n = created_of(out);
  free(out);
  free(env0);
  return n;
}

/* ========================================================================= */

/* The chain-wide defaults of the migration, and what they generate. */
START_TEST(test_default_rules) {
  json_t *rules = rules_list(it_hq(), "");
  struct {
    const char *trigger, *kind;
    int offset, window, inactivity;
  } want[] = {{"visit", "post_service", 3, 24, 0},
              {"visit", "routine", 30, 24, 0},
              {"ticket_resolved", "post_resolution", 0, 48, 0},
              {"birthday", "birthday", 0, 24, 0},
              {"inactivity", "win_back", 0, 24, 90},
              {"unconverted", "unconverted", 1, 24, 0}};
  for (size_t w = 0; w < sizeof want / sizeof *want; w++) {
    bool found = false;
    for (size_t i = 0; i < json_array_size(rules) && !found; i++) {
      json_t *x = json_array_get(rules, i);
      json_t *pat = json_object_get(x, "service_pattern");
      json_t *inact = json_object_get(x, "inactivity_days");
      found = json_is_null(json_object_get(x, "store_id")) &&
              strcmp(js(x, "trigger"), want[w].trigger) == 0 &&
              strcmp(js(x, "kind"), want[w].kind) == 0 &&
              json_is_true(json_object_get(x, "active")) &&
              int_array_is(json_object_get(x, "offsets_days"), &want[w].offset, 1) &&
              json_is_integer(json_object_get(x, "window_hours")) &&
              json_integer_value(json_object_get(x, "window_hours")) == want[w].window &&
              json_is_null(json_object_get(x, "tiers")) &&
              json_is_integer(json_object_get(x, "sample_pct")) &&
              json_integer_value(json_object_get(x, "sample_pct")) == 100 &&
              (want[w].inactivity
                   ? json_is_integer(inact) && json_integer_value(inact) == want[w].inactivity
                   : true) &&
              (strcmp(want[w].trigger, "visit") == 0 || strcmp(want[w].trigger, "unconverted") == 0
                   ? json_is_null(pat) ||
                         (json_is_string(pat) && strcmp(json_string_value(pat), "*") == 0)
                   : true);
    }
    ck_assert_msg(found, "no chain-wide default rule %s/%s offset %d window %d: %s",
                  want[w].trigger, want[w].kind, want[w].offset, want[w].window, jdump(rules));
  }
  json_decref(rules);
  /* filters */
  rules = rules_list(it_token("sh001.rep"), "trigger=birthday");
  ck_assert_msg(json_array_size(rules) >= 1, "trigger=birthday lists nothing");
  for (size_t i = 0; i < json_array_size(rules); i++)
    ck_assert_str_eq(js(json_array_get(rules, i), "trigger"), "birthday");
  json_decref(rules);

  fx f;
  fx_make(&f, &FXP, "Asia/Shanghai");
  /* a converted visit: post_service day 3 and routine day 30, unassigned */
  double perf = now_s() - 2 * HOUR;
  long long v = visit_new(f.rep, f.cust, f.store, "FACIAL-01", perf, true);
  json_t *ps = tasks_of(f.cust, "post_service");
  ck_assert_msg(json_array_size(ps) == 1, "one post_service task expected: %s", jdump(ps));
  json_t *t = json_array_get(ps, 0);
  assert_near(t, "due_at", perf + 3 * DAY, 0.5);
  assert_near(t, "due_by", perf + 3 * DAY + 24 * HOUR, 0.5);
  ck_assert_int_eq(ji(t, "visit_id"), v);
  ck_assert_int_eq(ji(t, "store_id"), f.store);
  ck_assert_int_eq(ji(t, "customer_id"), f.cust);
  ck_assert_str_eq(js(t, "status"), "pending");
  (void)ji(t, "rule_id");
  jnull(t, "created_by");
  jnull(t, "assignee_id");
  jnull(t, "ticket_id");
  jnull(t, "result");
  jnull(t, "cancel_reason");
  ck_assert_int_eq(json_array_size(json_object_get(t, "attempts")), 0);
  long long ps_id = ji(t, "id");
  json_t *rt = tasks_of(f.cust, "routine");
  ck_assert_msg(json_array_size(rt) == 1, "one routine task expected: %s", jdump(rt));
  assert_near(json_array_get(rt, 0), "due_at", perf + 30 * DAY, 0.5);
  long long routine1 = ji(json_array_get(rt, 0), "id");
  ck_assert_int_eq(db_tasks(f.cust, "unconverted"), 0);
  json_decref(rt);
  json_decref(ps);
  /* generated tasks sit in the store reps' queue */
  json_t *q = cb_list(f.rep, "");
  ck_assert_msg(find_id(q, ps_id) && find_id(q, routine1), "the rep's queue lacks them: %s",
                jdump(q));
  json_decref(q);
  json_decref(cb_get(f.rep, ps_id));

  /* a later visit: its routine call supersedes the pending earlier one */
  double perf2 = now_s() - 1 * HOUR;
  visit_new(f.rep, f.cust, f.store, "FACIAL-01", perf2, true);
  t = cb_get(it_hq(), routine1);
  ck_assert_msg(strcmp(js(t, "status"), "cancelled") == 0 &&
                    json_is_string(json_object_get(t, "cancel_reason")) &&
                    strcmp(js(t, "cancel_reason"), "superseded") == 0,
                "the earlier routine task must be cancelled as superseded: %s", jdump(t));
  json_decref(t);
  rt = cb_list(it_hq(), it_fmt("customer=%lld&kind=routine&status=pending", f.cust));
  ck_assert_msg(json_array_size(rt) == 1, "one pending routine task expected: %s", jdump(rt));
  assert_near(json_array_get(rt, 0), "due_at", perf2 + 30 * DAY, 0.5);
  json_decref(rt);

  /* a consultation without a sale: only the unconverted call, day 1 */
  long long c2 = new_customer(&FXP, f.store);
  double perf3 = now_s() - 3 * HOUR;
  long long v3 = visit_new(f.rep, c2, f.store, "CONSULT-01", perf3, false);
  json_t *un = tasks_of(c2, "unconverted");
  ck_assert_msg(json_array_size(un) == 1, "one unconverted task expected: %s", jdump(un));
  assert_near(json_array_get(un, 0), "due_at", perf3 + 1 * DAY, 0.5);
  assert_near(json_array_get(un, 0), "due_by", perf3 + 1 * DAY + 24 * HOUR, 0.5);
  ck_assert_int_eq(ji(json_array_get(un, 0), "visit_id"), v3);
  json_decref(un);
  ck_assert_msg(db_tasks(c2, "post_service") == 0 && db_tasks(c2, "routine") == 0,
                "an unconverted visit fired visit rules");

  /* a visit recorded late: tasks whose window has passed are not created */
  long long c3 = new_customer(&FXP, f.store);
  visit_new(f.rep, c3, f.store, "FACIAL-01", now_s() - 10 * DAY, true);
  ck_assert_int_eq(db_tasks(c3, "post_service"), 0);
  ck_assert_int_eq(db_tasks(c3, "routine"), 1);
}
END_TEST

/* Issue 5 must-show 1: a LASER-* rule with days 1/3/7 replaces the `*`
 * default for laser visits only. */
START_TEST(test_visit_rule_most_specific) {
  fx f;
  fx_make(&f, &FXP, "Asia/Shanghai");
  char *u = it_uniq("LASER");
  char *pat = it_fmt("%s-*", u);
  long long r0 = rows("callback_rules");
  json_t *rb = json_pack("{s:n, s:s, s:s, s:s, s:[i,i,i], s:i}", "store_id", "trigger", "visit",
                         "kind", "post_service", "service_pattern", pat, "offsets_days", 1, 3, 7,
                         "window_hours", 36);
  it_resp r;
  rule_post(IT_PROXY, it_hq(), rb, &r);
  ck_assert_msg(r.status == 201, "create rule: %s", it_desc(&r));
  long long rule = it_jint(&r, "id");
  char *want = it_fmt("/v1/callback-rules/%lld", rule);
  const char *loc = it_header(&r, "Location");
  ck_assert_msg(loc && strstr(loc, "/v1/") && strcmp(strstr(loc, "/v1/"), want) == 0,
                "rule Location %s, expected %s", loc ? loc : "(none)", want);
  ck_assert_msg(it_header(&r, "ETag"), "rule 201 without ETag");
  jnull(r.json, "store_id");
  ck_assert_str_eq(it_jstr(&r, "trigger"), "visit");
  ck_assert_str_eq(it_jstr(&r, "kind"), "post_service");
  ck_assert_str_eq(it_jstr(&r, "service_pattern"), pat);
  static const int offs[] = {1, 3, 7};
  ck_assert_msg(int_array_is(json_object_get(r.json, "offsets_days"), offs, 3), "offsets: %s",
                it_desc(&r));
  ck_assert_int_eq(it_jint(&r, "window_hours"), 36);
  ck_assert_int_eq(it_jint(&r, "sample_pct"), 100);
  jnull(r.json, "tiers");
  ck_assert_msg(json_is_true(json_object_get(r.json, "active")), "active: %s", it_desc(&r));
  (void)it_jint(&r, "version");
  it_resp_free(&r);
  ck_assert_int_eq(rows("callback_rules"), r0 + 1);

  /* a laser visit: three post_service tasks, days 1, 3, 7, same time of day */
  double perf = now_s() - 2 * HOUR;
  char *code = it_fmt("%s-FACE", u);
  long long v = visit_new(f.rep, f.cust, f.store, code, perf, true);
  json_t *ps = tasks_of(f.cust, "post_service");
  ck_assert_msg(json_array_size(ps) == 3, "three post_service tasks expected (the * default must "
                "not add a fourth): %s", jdump(ps));
  for (size_t i = 0; i < 3; i++) {
    json_t *t = json_array_get(ps, i);
    assert_near(t, "due_at", perf + offs[i] * DAY, 0.5);
    assert_near(t, "due_by", perf + offs[i] * DAY + 36 * HOUR, 0.5);
    ck_assert_int_eq(ji(t, "rule_id"), rule);
    ck_assert_int_eq(ji(t, "visit_id"), v);
    ck_assert_int_eq(ji(t, "customer_id"), f.cust);
    ck_assert_int_eq(ji(t, "store_id"), f.store);
    ck_assert_str_eq(js(t, "kind"), "post_service");
    ck_assert_str_eq(js(t, "status"), "pending");
    jnull(t, "ticket_id");
    jnull(t, "assignee_id");
    jnull(t, "created_by");
  }
  json_decref(ps);
  char *vs = it_fmt("%lld", v), *rs = it_fmt("%lld", rule);
  ck_assert_int_eq(it_db_count("SELECT count(*) FROM callbacks WHERE visit_id = $1::bigint AND "
                               "kind::text = 'post_service'",
                               vs, IT_END),
                   3);
  ck_assert_int_eq(it_db_count("SELECT count(*) FROM callbacks WHERE visit_id = $1::bigint AND "
                               "rule_id = $2::bigint",
                               vs, rs, IT_END),
                   3);
  ck_assert_int_eq(it_db_count("SELECT count(*) FROM callbacks WHERE visit_id = $1::bigint AND "
                               "kind::text = 'post_service' AND due_by - due_at = interval "
                               "'36 hours'",
                               vs, IT_END),
                   3);
  /* other kinds keep their default rules: routine day 30 */
  json_t *rt = tasks_of(f.cust, "routine");
  ck_assert_msg(json_array_size(rt) == 1, "one routine task expected: %s", jdump(rt));
  assert_near(json_array_get(rt, 0), "due_at", perf + 30 * DAY, 0.5);
  ck_assert_msg(ji(json_array_get(rt, 0), "rule_id") != rule, "routine task from the laser rule");
  json_decref(rt);

  /* patterns compare without regard to ASCII case */
  long long c2 = new_customer(&FXP, f.store);
  char *lower = strdup(code);
  for (char *p = lower; *p; p++)
    if (*p >= 'A' && *p <= 'Z')
      *p = (char)(*p - 'A' + 'a');
  visit_new(f.rep, c2, f.store, lower, perf, true);
  ps = tasks_of(c2, "post_service");
  ck_assert_msg(json_array_size(ps) == 3, "a lower-case laser code must match: %s", jdump(ps));
  for (size_t i = 0; i < 3; i++)
    ck_assert_int_eq(ji(json_array_get(ps, i), "rule_id"), rule);
  json_decref(ps);

  /* control: another service keeps the default day-3 call */
  long long c3 = new_customer(&FXP, f.store);
  char *other = it_fmt("%sFACE", u); /* no dash: not LASER...-* */
  visit_new(f.rep, c3, f.store, other, perf, true);
  ps = tasks_of(c3, "post_service");
  ck_assert_msg(json_array_size(ps) == 1, "the default post_service rule expected: %s", jdump(ps));
  assert_near(json_array_get(ps, 0), "due_at", perf + 3 * DAY, 0.5);
  assert_near(json_array_get(ps, 0), "due_by", perf + 4 * DAY, 0.5);
  ck_assert_msg(ji(json_array_get(ps, 0), "rule_id") != rule, "the laser rule matched %s", other);
  json_decref(ps);
  free(other);
  free(lower);
  free(vs);
  free(rs);
  free(code);
  free(want);
  free(pat);
  free(u);
}
END_TEST

/* Issue 5 must-show 2: a resolution schedules one post_resolution call,
 * due at the resolution within 48 h; a reopen cancels it; the next
 * resolution is a new occasion. */
START_TEST(test_post_resolution) {
  fx f;
  fx_make(&f, &FXP, "Asia/Shanghai");
  long long tid = tk_new(&f, f.rep, "normal", "service_attitude");
  tk_move_ok(f.rep, tid, "acknowledged", NULL);
  ck_assert_int_eq(db_tasks(f.cust, "post_resolution"), 0);
  json_t *tk = tk_move(f.rep, tid, "resolved", NULL);
  double res = jt(tk, "sla.resolved_at");
  json_decref(tk);
  char *q = it_fmt("ticket=%lld", tid);
  json_t *items = cb_list(it_hq(), q);
  ck_assert_msg(json_array_size(items) == 1, "one task for the resolved ticket: %s",
                jdump(items));
  json_t *t = json_array_get(items, 0);
  long long first = ji(t, "id");
  ck_assert_str_eq(js(t, "kind"), "post_resolution");
  ck_assert_int_eq(ji(t, "ticket_id"), tid);
  ck_assert_int_eq(ji(t, "customer_id"), f.cust);
  ck_assert_int_eq(ji(t, "store_id"), f.store);
  ck_assert_str_eq(js(t, "status"), "pending");
  assert_near(t, "due_at", res, 1);
  double due = jt(t, "due_at"), by = jt(t, "due_by");
  ck_assert_msg(by > due && by - due <= 48 * HOUR + 0.5, "due_by not within 48 h: %s", jdump(t));
  assert_near(t, "due_by", due + 48 * HOUR, 0.5); /* the default window is 48 h */
  (void)ji(t, "rule_id");
  jnull(t, "assignee_id");
  json_decref(items);
  char *ts = it_fmt("%lld", tid);
  ck_assert_int_eq(it_db_count("SELECT count(*) FROM callbacks WHERE ticket_id = $1::bigint AND "
                               "kind::text = 'post_resolution'",
                               ts, IT_END),
                   1);
  /* the rep of the store reads it */
  json_decref(cb_get(f.rep, first));

  /* a reopen cancels the pending post-resolution call */
  tk_move_ok(f.sup, tid, "in_progress", "顾客来电表示问题仍在");
  t = cb_get(f.rep, first);
  ck_assert_str_eq(js(t, "status"), "cancelled");
  ck_assert_msg(json_is_string(json_object_get(t, "cancel_reason")) &&
                    strcmp(js(t, "cancel_reason"), "ticket_reopened") == 0,
                "cancel_reason must be ticket_reopened: %s", jdump(t));
  json_decref(t);

  /* the next resolution: a new occasion, a new task */
  tk = tk_move(f.sup, tid, "resolved", NULL);
  double res2 = jt(tk, "sla.resolved_at");
  json_decref(tk);
  char *q2 = it_fmt("ticket=%lld&status=pending", tid);
  items = cb_list(it_hq(), q2);
  ck_assert_msg(json_array_size(items) == 1, "one pending task after the second resolution: %s",
                jdump(items));
  t = json_array_get(items, 0);
  ck_assert_msg(ji(t, "id") != first, "the second resolution reused the first task");
  assert_near(t, "due_at", res2, 1);
  json_decref(items);
  ck_assert_int_eq(it_db_count("SELECT count(*) FROM callbacks WHERE ticket_id = $1::bigint AND "
                               "kind::text = 'post_resolution'",
                               ts, IT_END),
                   2);
  free(q2);
  free(ts);
  free(q);
}
END_TEST

/* The pending post_resolution task of ticket (asserted to be exactly one). */
static long long pending_pr_task(long long tid) {
  char *q = it_fmt("ticket=%lld&status=pending&kind=post_resolution", tid);
  json_t *items = cb_list(it_hq(), q);
  ck_assert_msg(json_array_size(items) == 1, "ticket %lld: one pending post_resolution task: %s",
                tid, jdump(items));
  long long id = ji(json_array_get(items, 0), "id");
  json_decref(items);
  free(q);
  return id;
}

/* A ticket of f walked to resolved by the rep. */
static long long resolved_ticket(fx *f) {
  long long tid = tk_new(f, f->rep, "normal", "treatment_effect");
  tk_move_ok(f->rep, tid, "acknowledged", NULL);
  tk_move_ok(f->rep, tid, "resolved", NULL);
  return tid;
}

/* Issue 5 must-show 6: the score taken on the post-resolution call reopens
 * (5) or closes (9) the ticket; completion records a `reached` attempt. */
START_TEST(test_completion_satisfaction) {
  fx f;
  fx_make(&f, &FXP, "Asia/Shanghai");
  long long tid = resolved_ticket(&f);
  json_t *tk = tk_get(f.rep, tid, NULL);
  long long esc0 = ji(tk, "escalation_level");
  ck_assert_int_eq(ji(tk, "reopen_count"), 0);
  json_decref(tk);
  long long cb = pending_pr_task(tid);
  long long a0 = rows("callback_attempts");

  /* score 5, no attempt before: a reached attempt is added, the ticket reopens */
  json_t *t = cb_complete(f.rep, cb, 5, true);
  ck_assert_int_eq(ji(t, "result.satisfaction"), 5);
  ck_assert_msg(json_is_true(jp(t, "result.follow_up_needed")), "follow_up_needed: %s", jdump(t));
  (void)js(t, "result.summary");
  (void)jt(t, "result.at");
  ck_assert_int_eq(ji(t, "result.by"), f.rep_id);
  (void)jt(t, "completed_at");
  json_t *att = json_object_get(t, "attempts");
  ck_assert_msg(json_array_size(att) == 1, "completion must add one reached attempt: %s",
                jdump(t));
  ck_assert_str_eq(js(t, "attempts.0.outcome"), "reached");
  ck_assert_int_eq(ji(t, "attempts.0.by"), f.rep_id);
  (void)jt(t, "attempts.0.at");
  ck_assert_int_eq(ji(t, "assignee_id"), f.rep_id); /* completing an unassigned task takes it */
  json_decref(t);
  ck_assert_int_eq(rows("callback_attempts"), a0 + 1);
  tk = tk_get(f.rep, tid, NULL);
  ck_assert_msg(strcmp(js(tk, "status"), "in_progress") == 0, "score 5 must reopen: %s",
                jdump(tk));
  ck_assert_int_eq(ji(tk, "reopen_count"), 1);
  ck_assert_msg(ji(tk, "escalation_level") == esc0 + 1, "escalation_level not raised: %s",
                jdump(tk));
  ck_assert_int_eq(ji(tk, "satisfaction.score"), 5);
  json_decref(tk);
  json_t *evs = tk_events(f.rep, tid);
  ck_assert_msg(count_type(evs, "reopened") == 1, "one reopened event expected: %s", jdump(evs));
  json_decref(evs);
  ck_assert_int_eq(count_outbox("low_satisfaction", tid, NULL), 1);
  /* the completed task is not touched by the reopen */
  t = cb_get(f.rep, cb);
  ck_assert_str_eq(js(t, "status"), "completed");
  json_decref(t);

  /* resolved again: a new call; score 9 closes the ticket */
  tk_move_ok(f.rep, tid, "resolved", NULL);
  long long cb2 = pending_pr_task(tid);
  ck_assert_msg(cb2 != cb, "no new post-resolution call after the second resolution");
  json_decref(cb_attempt(f.sup, cb2, "reached", "顾客接听"));
  t = cb_complete(f.sup, cb2, 9, false);
  ck_assert_msg(json_array_size(json_object_get(t, "attempts")) == 1,
                "completion after a reached attempt must add none: %s", jdump(t));
  json_decref(t);
  tk = tk_get(f.rep, tid, NULL);
  ck_assert_msg(strcmp(js(tk, "status"), "closed") == 0, "score 9 must close: %s", jdump(tk));
  ck_assert_int_eq(ji(tk, "satisfaction.score"), 9);
  ck_assert_int_eq(ji(tk, "reopen_count"), 1);
  json_decref(tk);

  /* another ticket, first call scored 9: closed at once */
  long long tid2 = resolved_ticket(&f);
  long long cb3 = pending_pr_task(tid2);
  json_decref(cb_complete(f.rep, cb3, 9, false));
  tk = tk_get(f.rep, tid2, NULL);
  ck_assert_msg(strcmp(js(tk, "status"), "closed") == 0, "score 9 must close: %s", jdump(tk));
  ck_assert_int_eq(ji(tk, "satisfaction.score"), 9);
  ck_assert_int_eq(ji(tk, "reopen_count"), 0);
  (void)jt(tk, "closed_at");
  json_decref(tk);

  /* a ticket no longer resolved keeps its state; the score stays on the task */
  long long tid3 = tk_new(&f, f.rep, "normal", "treatment_effect");
  tk_move_ok(f.rep, tid3, "acknowledged", NULL);
  tk_move_ok(f.rep, tid3, "in_progress", NULL);
  json_t *b = manual(f.store, f.cust, "post_resolution", now_s() + HOUR);
  json_object_set_new(b, "ticket_id", json_integer(tid3));
  t = cb_create(f.sup, b);
  long long cb4 = ji(t, "id");
  ck_assert_int_eq(ji(t, "ticket_id"), tid3);
  jnull(t, "rule_id");
  json_decref(t);
  t = cb_complete(f.rep, cb4, 3, false);
  ck_assert_int_eq(ji(t, "result.satisfaction"), 3);
  json_decref(t);
  tk = tk_get(f.rep, tid3, NULL);
  ck_assert_msg(strcmp(js(tk, "status"), "in_progress") == 0 && ji(tk, "reopen_count") == 0 &&
                    json_is_null(json_object_get(tk, "satisfaction")),
                "a ticket not resolved must keep its state: %s", jdump(tk));
  json_decref(tk);
}
END_TEST

/* Issue 5 must-show 5: attempts, unreachable, and work on tasks no longer
 * pending. */
START_TEST(test_attempts_and_unreachable) {
  fx f;
  fx_make(&f, &FXP, "Asia/Shanghai");
  double due = now_s() + HOUR;
  json_t *b = manual(f.store, f.cust, "reminder", due);
  json_object_set_new(b, "note", json_string("提醒顾客复诊"));
  json_t *t = cb_create(f.sup, b);
  long long id = ji(t, "id");
  /* a manual task: no rule, created_by the caller, window 24 h by default */
  jnull(t, "rule_id");
  ck_assert_int_eq(ji(t, "created_by"), f.sup_id);
  ck_assert_str_eq(js(t, "status"), "pending");
  ck_assert_str_eq(js(t, "kind"), "reminder");
  ck_assert_str_eq(js(t, "note"), "提醒顾客复诊");
  assert_near(t, "due_at", due, 0.5);
  assert_near(t, "due_by", due + 24 * HOUR, 0.5);
  jnull(t, "result");
  jnull(t, "cancel_reason");
  jnull(t, "assignee_id");
  jnull(t, "completed_at");
  ck_assert_int_eq(json_array_size(json_object_get(t, "attempts")), 0);
  json_decref(t);
  long long a0 = rows("callback_attempts");

  static const char *const fails[] = {"no_answer", "busy", "left_message"};
  for (int i = 0; i < 3; i++) {
    t = cb_attempt(f.rep, id, fails[i], "无人接听");
    json_t *att = json_object_get(t, "attempts");
    ck_assert_msg(json_array_size(att) == (size_t)i + 1, "attempts after %d: %s", i + 1, jdump(t));
    json_t *last = json_array_get(att, (size_t)i);
    ck_assert_str_eq(js(last, "outcome"), fails[i]);
    ck_assert_int_eq(ji(last, "by"), f.rep_id);
    (void)ji(last, "id");
    (void)jt(last, "at");
    ck_assert_str_eq(js(last, "note"), "无人接听");
    if (i > 0)
      ck_assert_str_eq(js(att, "0.outcome"), fails[0]); /* oldest first */
    ck_assert_int_eq(ji(t, "assignee_id"), f.rep_id);   /* the attempt took the task */
    ck_assert_str_eq(js(t, "status"), i < 2 ? "pending" : "unreachable");
    json_decref(t);
  }
  ck_assert_int_eq(rows("callback_attempts"), a0 + 3);
  t = cb_get(f.rep, id);
  ck_assert_str_eq(js(t, "status"), "unreachable");
  json_decref(t);

  /* nothing more on an unreachable task */
  it_resp r;
  cb_act(IT_PROXY, f.rep, id, "attempts", json_pack("{s:s}", "outcome", "reached"), NULL, &r);
  assert_not_pending(&r);
  it_resp_free(&r);
  cb_act(IT_PROXY, f.rep, id, "complete",
         json_pack("{s:n, s:s, s:b}", "satisfaction", "summary", "补录", "follow_up_needed", 0),
         NULL, &r);
  assert_not_pending(&r);
  it_resp_free(&r);
  cb_act(IT_PROXY, f.sup, id, "cancel", json_pack("{s:s}", "note", "无法联系"), NULL, &r);
  assert_not_pending(&r);
  it_resp_free(&r);
  ck_assert_int_eq(rows("callback_attempts"), a0 + 3);

  /* a reached attempt keeps the task pending however many attempts follow */
  long long id2 = cb_new(f.sup, f.store, f.cust, due, NULL);
  json_decref(cb_attempt(f.rep, id2, "no_answer", NULL));
  json_decref(cb_attempt(f.rep, id2, "reached", "顾客说稍后再聊"));
  t = cb_attempt(f.rep, id2, "busy", NULL);
  ck_assert_str_eq(js(t, "status"), "pending");
  json_decref(t);
  t = cb_attempt(f.rep, id2, "wrong_number", NULL);
  ck_assert_str_eq(js(t, "status"), "pending");
  ck_assert_int_eq(json_array_size(json_object_get(t, "attempts")), 4);
  json_decref(t);
  t = cb_complete(f.rep, id2, -1, false);
  ck_assert_msg(json_array_size(json_object_get(t, "attempts")) == 4,
                "completion after a reached attempt must add none: %s", jdump(t));
  jnull(t, "result.satisfaction");
  json_decref(t);
  /* nothing more on a completed task */
  cb_act(IT_PROXY, f.rep, id2, "attempts", json_pack("{s:s}", "outcome", "busy"), NULL, &r);
  assert_not_pending(&r);
  it_resp_free(&r);
  cb_act(IT_PROXY, f.rep, id2, "complete",
         json_pack("{s:i, s:s, s:b}", "satisfaction", 8, "summary", "再次完成", "follow_up_needed",
                   0),
         NULL, &r);
  assert_not_pending(&r);
  it_resp_free(&r);

  /* cancel: supervisor and above, note kept as the reason; reps 403 */
  long long id3 = cb_new(f.sup, f.store, f.cust, due, NULL);
  cb_act(IT_PROXY, f.rep, id3, "cancel", json_pack("{s:s}", "note", "顾客已搬离本市"), NULL, &r);
  it_assert_problem(&r, 403, "forbidden", NULL);
  it_resp_free(&r);
  cb_act(IT_PROXY, f.sup, id3, "cancel", json_pack("{s:s}", "note", "顾客已搬离本市"), NULL, &r);
  ck_assert_msg(r.status == 200, "cancel: %s", it_desc(&r));
  ck_assert_str_eq(it_jstr(&r, "status"), "cancelled");
  ck_assert_str_eq(it_jstr(&r, "cancel_reason"), "顾客已搬离本市");
  it_resp_free(&r);
  cb_act(IT_PROXY, f.rep, id3, "attempts", json_pack("{s:s}", "outcome", "reached"), NULL, &r);
  assert_not_pending(&r);
  it_resp_free(&r);

  /* If-Match is honoured when sent */
  long long id4 = cb_new(f.sup, f.store, f.cust, due, NULL);
  char *p4 = cb_path(id4, NULL);
  it_req(IT_PROXY, "GET", p4, f.rep, NULL, NULL, &r);
  char *ifm = it_if_match(&r);
  it_resp_free(&r);
  json_decref(cb_attempt(f.rep, id4, "busy", NULL));
  long long a1 = rows("callback_attempts");
  cb_act(IT_PROXY, f.rep, id4, "attempts", json_pack("{s:s}", "outcome", "busy"), ifm, &r);
  it_assert_problem(&r, 412, "version_conflict", NULL);
  it_resp_free(&r);
  ck_assert_int_eq(rows("callback_attempts"), a1);
  free(ifm);
  free(p4);
}
END_TEST

/* Issue 5 must-show 7: store scope (404), the rep's queue, assignment. */
START_TEST(test_scope_queue_assignment) {
  long long sh001 = it_store_id("SH001");
  long long c1 = cust_new(sh001, NULL, false);
  long long s1 = cb_new(it_token("sh001.manager"), sh001, c1, now_s() + 2 * HOUR, NULL);
  const char *r2 = it_token("sh002.rep");
  long long sh002rep = it_staff_id("sh002.rep");
  long long a0 = rows("callback_attempts");
  char *path = cb_path(s1, NULL);
  it_resp r;
  it_req(IT_PROXY, "GET", path, r2, NULL, NULL, &r);
  it_assert_problem(&r, 404, "not_found", NULL);
  it_resp_free(&r);
  cb_act(IT_PROXY, r2, s1, "attempts", json_pack("{s:s}", "outcome", "reached"), NULL, &r);
  it_assert_problem(&r, 404, "not_found", NULL);
  it_resp_free(&r);
  cb_act(IT_PROXY, r2, s1, "complete",
         json_pack("{s:i, s:s, s:b}", "satisfaction", 9, "summary", "越权", "follow_up_needed", 0),
         NULL, &r);
  it_assert_problem(&r, 404, "not_found", NULL);
  it_resp_free(&r);
  cb_act(IT_PROXY, r2, s1, "assign", json_pack("{s:I}", "assignee_id", (json_int_t)sh002rep), NULL,
         &r);
  it_assert_problem(&r, 404, "not_found", NULL);
  it_resp_free(&r);
  cb_act(IT_PROXY, it_token("sh002.manager"), s1, "cancel", json_pack("{s:s}", "note", "越权"),
         NULL, &r);
  it_assert_problem(&r, 404, "not_found", NULL);
  it_resp_free(&r);
  ck_assert_int_eq(rows("callback_attempts"), a0);
  json_t *t = cb_get(it_hq(), s1);
  ck_assert_str_eq(js(t, "status"), "pending");
  jnull(t, "assignee_id");
  json_decref(t);
  /* sh002.rep's queue never shows SH001 tasks; sh001.rep's shows it */
  json_t *all = cb_list(r2, "");
  ck_assert_msg(!find_id(all, s1), "sh002.rep lists SH001 task %lld", s1);
  for (size_t i = 0; i < json_array_size(all); i++)
    ck_assert_msg(ji(json_array_get(all, i), "store_id") != sh001,
                  "sh002.rep lists a SH001 task: %s", jdump(json_array_get(all, i)));
  json_decref(all);
  all = cb_list(it_token("sh001.rep"), "");
  ck_assert_msg(find_id(all, s1), "sh001.rep does not see the unassigned SH001 task %lld", s1);
  json_decref(all);

  /* the rep's queue at a store of our own */
  fx f;
  fx_make(&f, &FXP, "Asia/Shanghai");
  double due = now_s() + 3 * HOUR;
  long long own = cb_new(f.sup, f.store, f.cust, due, json_pack("{s:I}", "assignee_id", (json_int_t)f.rep_id));
  long long un = cb_new(f.sup, f.store, f.cust, due + 60, NULL);
  long long other =
      cb_new(f.sup, f.store, f.cust, due + 120, json_pack("{s:I}", "assignee_id", (json_int_t)f.rep2_id));
  t = cb_get(f.sup, own);
  ck_assert_int_eq(ji(t, "assignee_id"), f.rep_id);
  json_decref(t);
  char *q = it_fmt("customer=%lld", f.cust);
  all = cb_list(f.rep, q);
  long long want_rep[] = {own, un};
  assert_ids(all, want_rep, 2, "rep's queue (own + unassigned)");
  json_decref(all);
  char *qme = it_fmt("customer=%lld&assignee=me", f.cust);
  all = cb_list(f.rep, qme);
  assert_ids(all, &own, 1, "rep's queue with assignee=me");
  json_decref(all);
  all = cb_list(f.sup, q);
  long long want_sup[] = {own, un, other};
  assert_ids(all, want_sup, 3, "supervisor's list");
  json_decref(all);
  char *qnone = it_fmt("customer=%lld&assignee=none", f.cust);
  all = cb_list(f.sup, qnone);
  assert_ids(all, &un, 1, "assignee=none");
  json_decref(all);
  char *qid = it_fmt("customer=%lld&assignee=%lld", f.cust, f.rep2_id);
  all = cb_list(f.sup, qid);
  assert_ids(all, &other, 1, "assignee=<rep2>");
  json_decref(all);

  /* a rep works only their own or unassigned tasks */
  a0 = rows("callback_attempts");
  cb_act(IT_PROXY, f.rep, other, "attempts", json_pack("{s:s}", "outcome", "busy"), NULL, &r);
  it_assert_problem(&r, 403, "forbidden", NULL);
  it_resp_free(&r);
  cb_act(IT_PROXY, f.rep, other, "complete",
         json_pack("{s:n, s:s, s:b}", "satisfaction", "summary", "代办", "follow_up_needed", 0), NULL,
         &r);
  it_assert_problem(&r, 403, "forbidden", NULL);
  it_resp_free(&r);
  ck_assert_int_eq(rows("callback_attempts"), a0);
  /* assignment: a rep cannot give a task away nor take another's */
  cb_act(IT_PROXY, f.rep, un, "assign", json_pack("{s:I}", "assignee_id", (json_int_t)f.rep2_id),
         NULL, &r);
  it_assert_problem(&r, 403, "forbidden", NULL);
  it_resp_free(&r);
  cb_act(IT_PROXY, f.rep, other, "assign", json_pack("{s:I}", "assignee_id", (json_int_t)f.rep_id),
         NULL, &r);
  it_assert_problem(&r, 403, "forbidden", NULL);
  it_resp_free(&r);
  t = cb_get(f.sup, un);
  jnull(t, "assignee_id");
  json_decref(t);
  /* ... but may claim an unassigned one */
  cb_act(IT_PROXY, f.rep, un, "assign", json_pack("{s:I}", "assignee_id", (json_int_t)f.rep_id),
         NULL, &r);
  ck_assert_msg(r.status == 200, "a rep claiming an unassigned task: %s", it_desc(&r));
  ck_assert_int_eq(it_jint(&r, "assignee_id"), f.rep_id);
  it_resp_free(&r);
  all = cb_list(f.rep, qme);
  long long mine[] = {own, un};
  assert_ids(all, mine, 2, "rep's own tasks after the claim");
  json_decref(all);
  /* staff of another store: 400 on assignee_id */
  cb_act(IT_PROXY, f.mgr, other, "assign", json_pack("{s:I}", "assignee_id", (json_int_t)sh002rep),
         NULL, &r);
  it_assert_problem(&r, 400, "validation_failed", "assignee_id");
  it_resp_free(&r);
  t = cb_get(f.sup, other);
  ck_assert_int_eq(ji(t, "assignee_id"), f.rep2_id);
  json_decref(t);
  /* supervisors reassign and unassign */
  cb_act(IT_PROXY, f.sup, other, "assign", json_pack("{s:I}", "assignee_id", (json_int_t)f.rep_id),
         NULL, &r);
  ck_assert_msg(r.status == 200, "supervisor reassigns: %s", it_desc(&r));
  ck_assert_int_eq(it_jint(&r, "assignee_id"), f.rep_id);
  it_resp_free(&r);
  cb_act(IT_PROXY, f.sup, other, "assign", json_pack("{s:n}", "assignee_id"), NULL, &r);
  ck_assert_msg(r.status == 200, "supervisor unassigns: %s", it_desc(&r));
  jnull(r.json, "assignee_id");
  it_resp_free(&r);
  /* another store's rep cannot read our task either */
  char *po = cb_path(own, NULL);
  it_req(IT_PROXY, "GET", po, r2, NULL, NULL, &r);
  it_assert_problem(&r, 404, "not_found", NULL);
  it_resp_free(&r);
  free(po);
  free(qid);
  free(qnone);
  free(qme);
  free(q);
  free(path);
}
END_TEST

/* Issue 5 must-show 8: bad inputs are 400 naming the field, and nothing is
 * written. */
START_TEST(test_validation_nothing_written) {
  fx f;
  fx_make(&f, &FXP, "Asia/Shanghai");
  long long other_cust = new_customer(&FXP, f.store);
  json_t *otk = tk_create(f.rep, f.store, other_cust, "normal", "billing", NULL, NULL);
  long long other_ticket = ji(otk, "id");
  json_decref(otk);
  long long sh002c = cust_new(it_store_id("SH002"), NULL, true);
  long long sh002rep = it_staff_id("sh002.rep");
  long long task = cb_new(f.sup, f.store, f.cust, now_s() + HOUR, NULL);
  double due = now_s() + 2 * HOUR;
  char *due_s = fmt_time(due), *before_s = fmt_time(due - 60);
  long long C0 = rows("callbacks"), A0 = rows("callback_attempts"), R0 = rows("callback_rules");
  it_resp r;

  /* attempts and completion */
  struct {
    const char *action, *body, *field;
  } work[] = {
      {"attempts", "{\"outcome\":\"hung_up\"}", "outcome"},
      {"attempts", "{\"note\":\"没有结果\"}", "outcome"},
      {"attempts", "{\"outcome\":\"reached\",\"duration\":30}", "duration"},
      {"complete", "{\"satisfaction\":11,\"summary\":\"满分\"}", "satisfaction"},
      {"complete", "{\"satisfaction\":-1,\"summary\":\"负分\"}", "satisfaction"},
      {"complete", "{\"satisfaction\":9,\"stars\":5}", "stars"},
  };
  for (size_t i = 0; i < sizeof work / sizeof *work; i++) {
    char *p = cb_path(task, work[i].action);
    it_req(IT_DIRECT, "POST", p, f.rep, NULL, work[i].body, &r);
    it_assert_problem(&r, 400, "validation_failed", work[i].field);
    it_resp_free(&r);
    free(p);
  }
  json_t *t = cb_get(f.rep, task);
  ck_assert_str_eq(js(t, "status"), "pending");
  ck_assert_int_eq(json_array_size(json_object_get(t, "attempts")), 0);
  jnull(t, "assignee_id");
  json_decref(t);

  /* manual create */
  char *note = malloc(2001 * 3 + 1); /* 2,001 characters */
  for (size_t i = 0; i < 2001; i++)
    memcpy(note + i * 3, "访", 3);
  note[2001 * 3] = 0;
  struct {
    char *body;
    const char *field;
    bool sup; /* sent by the supervisor (a rep may not assign to others at all) */
  } bodies[] = {
      {it_fmt("{\"store_id\":%lld,\"customer_id\":%lld,\"kind\":\"reminder\",\"due_at\":\"%s\","
              "\"priority\":\"high\"}",
              f.store, f.cust, due_s),
       "priority"},
      {it_fmt("{\"store_id\":%lld,\"customer_id\":%lld,\"kind\":\"reminder\",\"due_at\":\"%s\","
              "\"due_by\":\"%s\"}",
              f.store, f.cust, due_s, before_s),
       "due_by"},
      {it_fmt("{\"store_id\":%lld,\"customer_id\":%lld,\"kind\":\"courtesy\",\"due_at\":\"%s\"}",
              f.store, f.cust, due_s),
       "kind"},
      {it_fmt("{\"store_id\":%lld,\"customer_id\":%lld,\"kind\":\"reminder\",\"due_at\":\"%s\","
              "\"assignee_id\":%lld}",
              f.store, f.cust, due_s, sh002rep),
       "assignee_id", true},
      {it_fmt("{\"store_id\":%lld,\"customer_id\":%lld,\"kind\":\"post_resolution\","
              "\"due_at\":\"%s\",\"ticket_id\":%lld}",
              f.store, f.cust, due_s, other_ticket),
       "ticket_id"},
      {it_fmt("{\"store_id\":%lld,\"customer_id\":%lld,\"kind\":\"reminder\",\"due_at\":\"%s\"}",
              f.store, sh002c, due_s),
       "customer_id"},
      {it_fmt("{\"store_id\":%lld,\"customer_id\":%lld,\"kind\":\"reminder\",\"due_at\":\"%s\","
              "\"note\":\"%s\"}",
              f.store, f.cust, due_s, note),
       "note"},
  };
  free(note);
  for (size_t i = 0; i < sizeof bodies / sizeof *bodies; i++) {
    it_req(IT_DIRECT, "POST", "/v1/callbacks", bodies[i].sup ? f.sup : f.rep, NULL,
           bodies[i].body, &r);
    it_assert_problem(&r, 400, "validation_failed", bodies[i].field);
    it_resp_free(&r);
    free(bodies[i].body);
  }
  /* marketing kinds for a customer without consent: 409 customer_opted_out */
  static const char *const mk[] = {"birthday", "win_back", "holiday"};
  for (size_t i = 0; i < 3; i++) {
    it_req_json(IT_PROXY, "POST", "/v1/callbacks", f.sup, NULL,
                manual(f.store, f.cust, mk[i], due), &r);
    it_assert_problem(&r, 409, "customer_opted_out", NULL);
    it_resp_free(&r);
  }

  /* rules (HQ: every permission, so only the body is at fault) */
  struct {
    const char *body, *field;
  } rb[] = {
      {"{\"store_id\":null,\"trigger\":\"inactivity\",\"kind\":\"win_back\",\"offsets_days\":[0]}",
       "inactivity_days"},
      {"{\"store_id\":null,\"trigger\":\"birthday\",\"kind\":\"birthday\","
       "\"service_pattern\":\"LASER-*\",\"offsets_days\":[0]}",
       "service_pattern"},
      {"{\"store_id\":null,\"trigger\":\"visit\",\"kind\":\"post_service\","
       "\"service_pattern\":\"VALID0-*\",\"inactivity_days\":30}",
       "inactivity_days"},
      {"{\"store_id\":null,\"trigger\":\"visit\",\"kind\":\"post_service\","
       "\"service_pattern\":\"VALID1-*\",\"sample_pct\":0}",
       "sample_pct"},
      {"{\"store_id\":null,\"trigger\":\"visit\",\"kind\":\"post_service\","
       "\"service_pattern\":\"VALID2-*\",\"sample_pct\":101}",
       "sample_pct"},
      {"{\"store_id\":null,\"trigger\":\"visit\",\"kind\":\"post_service\","
       "\"service_pattern\":\"VALID3-*\",\"offsets_days\":[]}",
       "offsets_days*"},
      {"{\"store_id\":null,\"trigger\":\"visit\",\"kind\":\"post_service\","
       "\"service_pattern\":\"VALID4-*\",\"offsets_days\":[366]}",
       "offsets_days*"},
      {"{\"store_id\":null,\"trigger\":\"visit\",\"kind\":\"post_service\","
       "\"service_pattern\":\"VALID5-*\",\"offsets_days\":[-1]}",
       "offsets_days*"},
      {"{\"store_id\":null,\"trigger\":\"visit\",\"kind\":\"post_service\","
       "\"service_pattern\":\"VALID6-*\",\"window_hours\":0}",
       "window_hours"},
      {"{\"store_id\":null,\"trigger\":\"visit\",\"kind\":\"post_service\","
       "\"service_pattern\":\"VALID7-*\",\"window_hours\":721}",
       "window_hours"},
      {"{\"store_id\":null,\"trigger\":\"visit\",\"kind\":\"post_service\","
       "\"service_pattern\":\"VALID8-*\",\"tiers\":[]}",
       "tiers"},
      {"{\"store_id\":null,\"trigger\":\"visit\",\"kind\":\"post_service\","
       "\"service_pattern\":\"VALID9-*\",\"priority\":1}",
       "priority"},
      {"{\"store_id\":null,\"trigger\":\"weather\",\"kind\":\"post_service\"}", "trigger"},
  };
  for (size_t i = 0; i < sizeof rb / sizeof *rb; i++) {
    it_req(IT_DIRECT, "POST", "/v1/callback-rules", it_hq(), NULL, rb[i].body, &r);
    ck_assert_msg(r.status == 400, "rule body %s: %s", rb[i].body, it_desc(&r));
    it_assert_problem(&r, 400, "validation_failed", rb[i].field);
    it_resp_free(&r);
  }

  ck_assert_int_eq(rows("callbacks"), C0);
  ck_assert_int_eq(rows("callback_attempts"), A0);
  ck_assert_int_eq(rows("callback_rules"), R0);

  /* controls: the same requests made right are accepted */
  long long optin = cust_new(f.store, NULL, true);
  t = cb_create(f.sup, manual(f.store, optin, "birthday", due));
  ck_assert_str_eq(js(t, "kind"), "birthday");
  json_decref(t);
  char *p = cb_path(task, "attempts");
  it_req(IT_PROXY, "POST", p, f.rep, NULL, "{\"outcome\":\"reached\",\"note\":\"接通\"}", &r);
  it_assert_status(&r, 201);
  it_resp_free(&r);
  free(p);
  ck_assert_int_eq(rows("callbacks"), C0 + 1);
  ck_assert_int_eq(rows("callback_attempts"), A0 + 1);
  free(due_s);
  free(before_s);
}
END_TEST

/* Issue 5 must-show 8 (permissions): who creates and edits rules. */
START_TEST(test_rule_permissions) {
  fx f;
  fx_make(&f, &FXP, "Asia/Shanghai");
  char *u = it_uniq("PEEL");
  char *pat = it_fmt("%s-*", u);
  long long R0 = rows("callback_rules");
  it_resp r;
  /* chain-wide: HQ only */
  const char *chain_wide[] = {f.rep, f.sup, f.mgr};
  for (int i = 0; i < 3; i++) {
    json_t *b = json_pack("{s:n, s:s, s:s, s:s, s:[i]}", "store_id", "trigger", "visit", "kind",
                          "post_service", "service_pattern", pat, "offsets_days", 2);
    rule_post(IT_PROXY, chain_wide[i], b, &r);
    it_assert_problem(&r, 403, "forbidden", NULL);
    it_resp_free(&r);
  }
  /* a store's rule: its manager, not reps or supervisors */
  const char *store_rule[] = {f.rep, f.sup};
  for (int i = 0; i < 2; i++) {
    json_t *b = json_pack("{s:I, s:s, s:s, s:s, s:[i]}", "store_id", (json_int_t)f.store,
                          "trigger", "visit", "kind", "post_service", "service_pattern", pat,
                          "offsets_days", 2);
    rule_post(IT_PROXY, store_rule[i], b, &r);
    it_assert_problem(&r, 403, "forbidden", NULL);
    it_resp_free(&r);
  }
  ck_assert_int_eq(rows("callback_rules"), R0);
  json_t *b = json_pack("{s:I, s:s, s:s, s:s, s:[i], s:i}", "store_id", (json_int_t)f.store,
                        "trigger", "visit", "kind", "post_service", "service_pattern", pat,
                        "offsets_days", 2, "window_hours", 12);
  rule_post(IT_PROXY, f.mgr, b, &r);
  ck_assert_msg(r.status == 201, "manager creates a store rule: %s", it_desc(&r));
  long long rule = it_jint(&r, "id");
  ck_assert_int_eq(it_jint(&r, "store_id"), f.store);
  long long v1 = it_jint(&r, "version");
  it_resp_free(&r);
  ck_assert_int_eq(rows("callback_rules"), R0 + 1);
  char *rp = it_fmt("/v1/callback-rules/%lld", rule);
  /* anyone of the store reads it (with an ETag); another store's staff: 404 */
  it_req(IT_PROXY, "GET", rp, f.rep, NULL, NULL, &r);
  ck_assert_msg(r.status == 200, "GET %s: %s", rp, it_desc(&r));
  ck_assert_int_eq(it_jint(&r, "id"), rule);
  char *ifm = it_if_match(&r);
  it_resp_free(&r);
  it_req(IT_PROXY, "GET", rp, it_token("sh002.rep"), NULL, NULL, &r);
  it_assert_problem(&r, 404, "not_found", NULL);
  it_resp_free(&r);
  json_t *l = rules_list(it_token("sh002.manager"), "");
  ck_assert_msg(!find_id(l, rule), "sh002.manager lists another store's rule");
  json_decref(l);
  char *ql = it_fmt("store=%lld", f.store);
  l = rules_list(f.rep, ql);
  ck_assert_msg(find_id(l, rule), "the store's rep does not list its rule");
  json_decref(l);

  /* the store rule applies to its own store's peel visits */
  double perf = now_s() - HOUR;
  char *code = it_fmt("%s-A", u);
  visit_new(f.rep, f.cust, f.store, code, perf, true);
  json_t *ps = tasks_of(f.cust, "post_service");
  ck_assert_msg(json_array_size(ps) == 1, "one post_service task from the store rule: %s",
                jdump(ps));
  ck_assert_int_eq(ji(json_array_get(ps, 0), "rule_id"), rule);
  assert_near(json_array_get(ps, 0), "due_at", perf + 2 * DAY, 0.5);
  assert_near(json_array_get(ps, 0), "due_by", perf + 2 * DAY + 12 * HOUR, 0.5);
  json_decref(ps);
  /* ... and not to another store's */
  long long sh002 = it_store_id("SH002");
  long long c2 = cust_new(sh002, NULL, false);
  visit_new(it_token("sh002.rep"), c2, sh002, code, perf, true);
  ps = tasks_of(c2, "post_service");
  ck_assert_msg(json_array_size(ps) == 1 && ji(json_array_get(ps, 0), "rule_id") != rule,
                "SH002 must keep the default rule: %s", jdump(ps));
  assert_near(json_array_get(ps, 0), "due_at", perf + 3 * DAY, 0.5);
  json_decref(ps);

  /* PATCH: If-Match required; another store's manager 404; reps 403 */
  it_req(IT_DIRECT, "PATCH", rp, f.mgr, NULL, "{\"window_hours\":48}", &r);
  it_assert_problem(&r, 428, "precondition_required", NULL);
  it_resp_free(&r);
  it_req(IT_PROXY, "PATCH", rp, it_token("sh002.manager"), IT_HDRS(ifm), "{\"window_hours\":48}",
         &r);
  it_assert_problem(&r, 404, "not_found", NULL);
  it_resp_free(&r);
  it_req(IT_PROXY, "PATCH", rp, it_token("sh002.manager"), IT_HDRS("If-Match: *"),
         "{\"window_hours\":48}", &r);
  it_assert_problem(&r, 404, "not_found", NULL);
  it_resp_free(&r);
  it_req(IT_PROXY, "PATCH", rp, f.rep, IT_HDRS(ifm), "{\"window_hours\":48}", &r);
  it_assert_problem(&r, 403, "forbidden", NULL);
  it_resp_free(&r);
  it_req(IT_PROXY, "GET", rp, f.mgr, NULL, NULL, &r);
  ck_assert_int_eq(it_jint(&r, "window_hours"), 12);
  ck_assert_int_eq(it_jint(&r, "version"), v1);
  it_resp_free(&r);
  it_req(IT_PROXY, "PATCH", rp, f.mgr, IT_HDRS(ifm), "{\"window_hours\":48}", &r);
  ck_assert_msg(r.status == 200, "manager PATCHes the store rule: %s", it_desc(&r));
  ck_assert_int_eq(it_jint(&r, "window_hours"), 48);
  ck_assert_msg(it_jint(&r, "version") != v1, "version unchanged: %s", it_desc(&r));
  char *ifm2 = it_if_match(&r);
  it_resp_free(&r);
  it_req(IT_PROXY, "PATCH", rp, f.mgr, IT_HDRS(ifm), "{\"window_hours\":72}", &r);
  it_assert_problem(&r, 412, "version_conflict", NULL);
  it_resp_free(&r);
  /* retired by HQ: peel visits fall back to the default rule */
  it_req(IT_PROXY, "PATCH", rp, it_hq(), IT_HDRS(ifm2), "{\"active\":false}", &r);
  ck_assert_msg(r.status == 200, "HQ retires the rule: %s", it_desc(&r));
  ck_assert_msg(json_is_false(json_object_get(r.json, "active")), "active: %s", it_desc(&r));
  it_resp_free(&r);
  char *qa = it_fmt("store=%lld&active=false", f.store);
  l = rules_list(f.mgr, qa);
  ck_assert_msg(find_id(l, rule), "active=false does not list the retired rule: %s", jdump(l));
  for (size_t i = 0; i < json_array_size(l); i++)
    ck_assert_msg(json_is_false(json_object_get(json_array_get(l, i), "active")),
                  "active=false lists an active rule: %s", jdump(l));
  json_decref(l);
  long long c3 = new_customer(&FXP, f.store);
  visit_new(f.rep, c3, f.store, code, perf, true);
  ps = tasks_of(c3, "post_service");
  ck_assert_msg(json_array_size(ps) == 1 && ji(json_array_get(ps, 0), "rule_id") != rule,
                "a retired rule still fires: %s", jdump(ps));
  assert_near(json_array_get(ps, 0), "due_at", perf + 3 * DAY, 0.5);
  json_decref(ps);
  ck_assert_int_eq(rows("callback_rules"), R0 + 1); /* never deleted */
  free(qa);
  free(ifm2);
  free(code);
  free(ql);
  free(ifm);
  free(rp);
  free(pat);
  free(u);
}
END_TEST

/* Issue 5 must-show 9: the customer timeline lists callbacks. */
START_TEST(test_timeline) {
  fx f;
  fx_make(&f, &FXP, "Asia/Shanghai");
  double perf = now_s() - HOUR;
  long long v = visit_new(f.rep, f.cust, f.store, "FACIAL-01", perf, true);
  long long manual_id = cb_new(f.sup, f.store, f.cust, now_s() + 5 * HOUR, NULL);
  json_t *tasks = tasks_of(f.cust, NULL);
  ck_assert_msg(json_array_size(tasks) >= 3, "post_service, routine and the manual task expected: %s",
                jdump(tasks));
  char *path = it_fmt("/v1/customers/%lld/timeline?limit=200", f.cust);
  it_resp r;
  it_req(IT_PROXY, "GET", path, f.rep, NULL, NULL, &r);
  ck_assert_msg(r.status == 200, "GET %s: %s", path, it_desc(&r));
  json_t *items = json_object_get(r.json, "items");
  ck_assert_msg(json_is_array(items), "timeline without items: %s", it_desc(&r));
  size_t ncb = 0;
  bool visit_seen = false;
  double prev = INFINITY;
  for (size_t i = 0; i < json_array_size(items); i++) {
    json_t *x = json_array_get(items, i);
    double at = jt(x, "at");
    ck_assert_msg(at <= prev + 0.001, "timeline not newest first at %zu: %s", i, jdump(items));
    prev = at;
    const char *type = js(x, "type");
    if (strcmp(type, "visit") == 0 && ji(x, "visit.id") == v)
      visit_seen = true;
    if (strcmp(type, "callback") != 0)
      continue;
    ncb++;
    json_t *cb = json_object_get(x, "callback");
    ck_assert_msg(json_is_object(cb), "callback entry without callback: %s", jdump(x));
    long long id = ji(cb, "id");
    json_t *known = find_id(tasks, id);
    ck_assert_msg(known, "timeline callback %lld is not the customer's: %s", id, jdump(x));
    ck_assert_msg(fabs(at - jt(cb, "due_at")) < 0.001, "a callback entry's at is its due_at: %s",
                  jdump(x));
    ck_assert_int_eq(ji(x, "store_id"), f.store);
    ck_assert_str_eq(js(cb, "kind"), js(known, "kind"));
  }
  ck_assert_msg(visit_seen, "the visit is missing from the timeline: %s", jdump(items));
  ck_assert_msg(ncb == json_array_size(tasks), "timeline has %zu callbacks, the customer %zu: %s",
                ncb, json_array_size(tasks), jdump(items));
  bool manual_seen = false;
  for (size_t i = 0; i < json_array_size(items); i++) {
    json_t *x = json_array_get(items, i);
    if (strcmp(js(x, "type"), "callback") == 0 && ji(x, "callback.id") == manual_id)
      manual_seen = true;
  }
  ck_assert_msg(manual_seen, "the manual task is missing from the timeline");
  it_resp_free(&r);
  json_decref(tasks);
  free(path);
}
END_TEST

/* Issue 5 must-show 10: the queue order, filters and cursors. */
START_TEST(test_queue_order_filters_pages) {
  fx f;
  fx_make(&f, &FXP, "Asia/Shanghai");
  double base = now_s() + HOUR;
  static const int hours[] = {5, 1, 3, 2, 4, 3}; /* two share a due time */
  long long id[6];
  for (int i = 0; i < 6; i++)
    id[i] = cb_new(f.sup, f.store, f.cust, base + hours[i] * HOUR, NULL);
  /* oldest due first, ties by id */
  const long long order[] = {id[1], id[3], id[2], id[5], id[4], id[0]};
  char *q = it_fmt("store=%lld&customer=%lld", f.store, f.cust);
  const char *who[] = {it_hq(), f.sup, f.rep};
  for (int w = 0; w < 3; w++) {
    json_t *items = cb_list(who[w], q);
    ck_assert_msg(json_array_size(items) == 6, "6 tasks expected: %s", jdump(items));
    for (size_t i = 0; i < 6; i++)
      ck_assert_msg(ji(json_array_get(items, i), "id") == order[i],
                    "position %zu: task %lld, expected %lld (oldest due first): %s", i,
                    ji(json_array_get(items, i), "id"), order[i], jdump(items));
    json_decref(items);
  }
  /* limit=2: every task once, in the same order */
  int pages = 0;
  char *qp = it_fmt("store=%lld&customer=%lld", f.store, f.cust);
  json_t *walked = cb_list_pages(f.rep, qp, 2, &pages);
  ck_assert_msg(json_array_size(walked) == 6, "limit=2 walk: %s", jdump(walked));
  for (size_t i = 0; i < 6; i++)
    ck_assert_int_eq(ji(json_array_get(walked, i), "id"), order[i]);
  ck_assert_msg(pages >= 3 && pages <= 4, "%d pages for 6 tasks at limit 2", pages);
  json_decref(walked);
  /* due_before */
  char *cut = fmt_time(base + 2.5 * HOUR);
  char *cute = it_escape(cut);
  char *qd = it_fmt("%s&due_before=%s", q, cute);
  json_t *items = cb_list(f.sup, qd);
  long long early[] = {id[1], id[3]};
  assert_ids(items, early, 2, "due_before");
  json_decref(items);

  /* statuses */
  json_decref(cb_complete(f.rep, id[1], 9, true));
  it_resp r;
  cb_act(IT_PROXY, f.sup, id[3], "cancel", json_pack("{s:s}", "note", "顾客要求不再回访"), NULL,
         &r);
  ck_assert_msg(r.status == 200, "cancel: %s", it_desc(&r));
  it_resp_free(&r);
  struct {
    const char *status;
    size_t n;
  } st[] = {{"pending", 4}, {"completed", 1}, {"cancelled", 1}, {"pending,completed", 5},
            {"completed,cancelled", 2}, {"unreachable", 0}};
  for (size_t i = 0; i < sizeof st / sizeof *st; i++) {
    char *qs = it_fmt("%s&status=%s", q, st[i].status);
    items = cb_list(f.sup, qs);
    ck_assert_msg(json_array_size(items) == st[i].n, "status=%s: %zu tasks, expected %zu: %s",
                  st[i].status, json_array_size(items), st[i].n, jdump(items));
    for (size_t k = 0; k < json_array_size(items); k++)
      ck_assert_msg(strstr(st[i].status, js(json_array_get(items, k), "status")),
                    "status=%s lists %s", st[i].status, jdump(json_array_get(items, k)));
    json_decref(items);
    free(qs);
  }
  char *qs = it_fmt("%s&status=pending,completed", q);
  items = cb_list(f.sup, qs);
  ck_assert_msg(!find_id(items, id[3]) && find_id(items, id[1]), "pending,completed: %s",
                jdump(items));
  for (size_t i = 1; i < json_array_size(items); i++)
    ck_assert_msg(jt(json_array_get(items, i - 1), "due_at") <= jt(json_array_get(items, i), "due_at"),
                  "filtered list not oldest due first: %s", jdump(items));
  json_decref(items);
  free(qs);
  /* kind (comma list) and follow_up_needed */
  qs = it_fmt("%s&kind=reminder,post_service", q);
  items = cb_list(f.sup, qs);
  ck_assert_int_eq(json_array_size(items), 6);
  json_decref(items);
  free(qs);
  qs = it_fmt("%s&kind=post_service", q);
  items = cb_list(f.sup, qs);
  ck_assert_int_eq(json_array_size(items), 0);
  json_decref(items);
  free(qs);
  qs = it_fmt("%s&follow_up_needed=true", q);
  items = cb_list(f.sup, qs);
  assert_ids(items, &id[1], 1, "follow_up_needed=true");
  json_decref(items);
  free(qs);
  /* bad filters: 400 naming them */
  const char *bad[] = {"status=asleep", "due_before=yesterday", "kind=gossip"};
  const char *badf[] = {"status", "due_before", "kind"};
  for (int i = 0; i < 3; i++) {
    char *p = it_fmt("/v1/callbacks?%s", bad[i]);
    it_req(IT_DIRECT, "GET", p, f.sup, NULL, NULL, &r);
    it_assert_problem(&r, 400, "validation_failed", badf[i]);
    it_resp_free(&r);
    free(p);
  }
  free(qd);
  free(cute);
  free(cut);
  free(qp);
  free(q);
}
END_TEST

/* Issue 5 must-show 11: Idempotency-Key on creates and attempts. */
START_TEST(test_idempotency) {
  fx f;
  fx_make(&f, &FXP, "Asia/Shanghai");
  char *key = it_uniq("Idempotency-Key: it-cb-");
  char *due = fmt_time(now_s() + 4 * HOUR);
  char *body = it_fmt("{\"store_id\":%lld,\"customer_id\":%lld,\"kind\":\"reminder\","
                      "\"due_at\":\"%s\",\"note\":\"幂等\"}",
                      f.store, f.cust, due);
  char *body2 = it_fmt("{\"store_id\":%lld,\"customer_id\":%lld,\"kind\":\"reminder\","
                       "\"due_at\":\"%s\",\"note\":\"另一个\"}",
                       f.store, f.cust, due);
  it_resp a, b;
  it_req(IT_PROXY, "POST", "/v1/callbacks", f.rep, IT_HDRS(key), body, &a);
  it_assert_status(&a, 201);
  it_req(IT_PROXY, "POST", "/v1/callbacks", f.rep, IT_HDRS(key), body, &b);
  it_assert_status(&b, 201);
  ck_assert_msg(json_equal(a.json, b.json), "replay differs:\n%s\n%s", a.body, b.body);
  ck_assert_msg(it_header(&a, "Location") && it_header(&b, "Location") &&
                    strcmp(it_header(&a, "Location"), it_header(&b, "Location")) == 0,
                "replay Location differs");
  long long id = it_jint(&a, "id");
  it_resp_free(&a);
  it_resp_free(&b);
  ck_assert_int_eq(db_tasks(f.cust, NULL), 1);
  it_req(IT_PROXY, "POST", "/v1/callbacks", f.rep, IT_HDRS(key), body2, &a);
  it_assert_problem(&a, 422, "idempotency_key_reused", NULL);
  it_resp_free(&a);
  ck_assert_int_eq(db_tasks(f.cust, NULL), 1);

  /* attempts */
  char *akey = it_uniq("Idempotency-Key: it-cba-");
  char *p = cb_path(id, "attempts");
  long long A0 = rows("callback_attempts");
  it_req(IT_PROXY, "POST", p, f.rep, IT_HDRS(akey), "{\"outcome\":\"no_answer\",\"note\":\"一\"}",
         &a);
  it_assert_status(&a, 201);
  it_req(IT_PROXY, "POST", p, f.rep, IT_HDRS(akey), "{\"outcome\":\"no_answer\",\"note\":\"一\"}",
         &b);
  it_assert_status(&b, 201);
  ck_assert_msg(json_equal(a.json, b.json), "attempt replay differs:\n%s\n%s", a.body, b.body);
  it_resp_free(&a);
  it_resp_free(&b);
  ck_assert_int_eq(rows("callback_attempts"), A0 + 1);
  json_t *t = cb_get(f.rep, id);
  ck_assert_int_eq(json_array_size(json_object_get(t, "attempts")), 1);
  ck_assert_str_eq(js(t, "status"), "pending");
  json_decref(t);
  it_req(IT_PROXY, "POST", p, f.rep, IT_HDRS(akey), "{\"outcome\":\"busy\",\"note\":\"二\"}", &a);
  it_assert_problem(&a, 422, "idempotency_key_reused", NULL);
  it_resp_free(&a);
  ck_assert_int_eq(rows("callback_attempts"), A0 + 1);
  /* without the key, the same body is a second attempt */
  it_req(IT_PROXY, "POST", p, f.rep, NULL, "{\"outcome\":\"no_answer\",\"note\":\"一\"}", &a);
  it_assert_status(&a, 201);
  ck_assert_int_eq(json_array_size(json_object_get(a.json, "attempts")), 2);
  it_resp_free(&a);
  ck_assert_int_eq(rows("callback_attempts"), A0 + 2);
  free(p);
  free(akey);
  free(body2);
  free(body);
  free(due);
  free(key);
}
END_TEST

/* Issue 5 must-shows 3 and 4: the daily sweep's birthday and win-back
 * calls, consent, erasure, and a rerun that creates nothing. */
START_TEST(test_sweep_birthday_winback) {
  double ten;
  char *bday = NULL, *bother = NULL;
  shanghai_today(&ten, &bday, &bother);
  fx f;
  fx_make(&f, &FXP, "Asia/Shanghai");
  double now = now_s();
  long long a = cust_new(f.store, bday, true);   /* birthday today, opted in, never visited */
  long long b = cust_new(f.store, NULL, true);   /* lapsed 100 days, opted in */
  visit_new(f.rep, b, f.store, "FACIAL-01", now - 100 * DAY, true);
  long long d = cust_new(f.store, bday, false);  /* both, but opted out */
  visit_new(f.rep, d, f.store, "FACIAL-01", now - 100 * DAY, true);
  long long e = cust_new(f.store, bday, true);   /* both, opted in, then erased */
  visit_new(f.rep, e, f.store, "FACIAL-01", now - 100 * DAY, true);
  long long g = cust_new(f.store, bother, true); /* birthday another day */
  long long h = cust_new(f.store, NULL, true);   /* last visit 80 days ago */
  visit_new(f.rep, h, f.store, "FACIAL-01", now - 80 * DAY, true);
  char *ep = it_fmt("/v1/customers/%lld", e);
  it_resp r;
  it_req(IT_PROXY, "DELETE", ep, f.mgr, NULL, NULL, &r);
  it_assert_status(&r, 204);
  it_resp_free(&r);
  /* the late visits made no task whose window had passed */
  ck_assert_int_eq(db_tasks(b, NULL), 0);

  long long n1 = sweep_once();
  ck_assert_msg(n1 >= 2, "the sweep created %lld tasks, at least 2 expected", n1);
  json_t *bt = tasks_of(a, "birthday");
  ck_assert_msg(json_array_size(bt) == 1, "one birthday call expected: %s", jdump(bt));
  json_t *t = json_array_get(bt, 0);
  assert_near(t, "due_at", ten, 0.5); /* 10:00 Asia/Shanghai */
  assert_near(t, "due_by", ten + 24 * HOUR, 0.5);
  ck_assert_int_eq(ji(t, "store_id"), f.store);
  ck_assert_str_eq(js(t, "status"), "pending");
  (void)ji(t, "rule_id");
  jnull(t, "created_by");
  jnull(t, "assignee_id");
  json_decref(bt);
  ck_assert_msg(db_tasks(a, "win_back") == 0, "a customer who never visited is not lapsed");
  json_t *wb = tasks_of(b, "win_back");
  ck_assert_msg(json_array_size(wb) == 1, "one win_back call expected: %s", jdump(wb));
  t = json_array_get(wb, 0);
  assert_near(t, "due_at", ten, 0.5); /* 10:00 local on the day of the sweep */
  assert_near(t, "due_by", ten + 24 * HOUR, 0.5);
  ck_assert_int_eq(ji(t, "store_id"), f.store);
  ck_assert_str_eq(js(t, "status"), "pending");
  json_decref(wb);
  ck_assert_int_eq(db_tasks(b, "birthday"), 0);
  ck_assert_msg(db_tasks(d, "birthday") == 0 && db_tasks(d, "win_back") == 0,
                "an opted-out customer got a marketing call");
  ck_assert_msg(db_tasks(e, NULL) == 0, "an erased customer got a generated task");
  ck_assert_msg(db_tasks(g, "birthday") == 0, "a birthday on another day got a call");
  ck_assert_msg(db_tasks(h, "win_back") == 0, "80 days is not 90");
  /* the store's rep sees them in the queue */
  json_t *q = cb_list(f.rep, "kind=birthday,win_back");
  size_t mine = 0;
  for (size_t i = 0; i < json_array_size(q); i++) {
    long long c = ji(json_array_get(q, i), "customer_id");
    if (c == a || c == b)
      mine++;
  }
  ck_assert_msg(mine == 2, "the rep's queue shows %zu of the 2 sweep tasks", mine);
  json_decref(q);

  /* a rerun creates nothing */
  long long total = rows("callbacks");
  long long n2 = sweep_once();
  ck_assert_msg(n2 == 0, "the second sweep created %lld tasks", n2);
  ck_assert_int_eq(rows("callbacks"), total);
  ck_assert_int_eq(db_tasks(a, "birthday"), 1);
  ck_assert_int_eq(db_tasks(b, "win_back"), 1);
  free(ep);
  free(bday);
  free(bother);
}
END_TEST

/* Issue 5 must-show 3: several sweeps at once: one task per customer and kind. */
#define SWEEPERS 4
#define NCUST 8
START_TEST(test_sweep_concurrent) {
  double ten;
  char *bday = NULL;
  shanghai_today(&ten, &bday, NULL);
  fx f;
  fx_make(&f, &FXP, "Asia/Shanghai");
  long long bc[NCUST], lc[NCUST];
  double now = now_s();
  for (int i = 0; i < NCUST; i++) {
    bc[i] = cust_new(f.store, bday, true);
    lc[i] = cust_new(f.store, NULL, true);
    visit_new(f.rep, lc[i], f.store, "FACIAL-01", now - (120 + i) * DAY, true);
  }
  long long before = rows("callbacks");
  /* SWEEPERS processes started together */
  char *cmd = it_fmt("cd '%s' || exit 1; ", it_tmpdir);
  for (int i = 0; i < SWEEPERS; i++) {
    char *next = it_fmt("%s\"$AFTERCARE_BIN\" sweep-callbacks >sweep%d.out 2>sweep%d.err & p%d=$!; ",
                        cmd, i, i, i);
    free(cmd);
    cmd = next;
  }
  for (int i = 0; i < SWEEPERS; i++) {
    char *next = it_fmt("%swait $p%d; echo \"rc%d=$?\"; ", cmd, i, i);
    free(cmd);
    cmd = next;
  }
  char *out = NULL;
  int rc = it_shell(cmd, &out);
  ck_assert_msg(rc == 0, "shell: %d [%s]", rc, out ? out : "");
  long long sum = 0;
  for (int i = 0; i < SWEEPERS; i++) {
    char *want = it_fmt("rc%d=0", i);
    char *errp = it_fmt("%s/sweep%d.err", it_tmpdir, i);
    char *err = it_read_file(errp, NULL);
    ck_assert_msg(strstr(out, want), "sweeper %d failed: [%s] stderr: %s", i, out,
                  err ? err : "");
    char *outp = it_fmt("%s/sweep%d.out", it_tmpdir, i);
    char *o = it_read_file(outp, NULL);
    ck_assert_msg(o, "no output file %s", outp);
    sum += created_of(o);
    free(o);
    free(outp);
    free(err);
    free(errp);
    free(want);
  }
  for (int i = 0; i < NCUST; i++) {
    ck_assert_msg(db_tasks(bc[i], "birthday") == 1, "customer %lld: %lld birthday tasks", bc[i],
                  db_tasks(bc[i], "birthday"));
    ck_assert_msg(db_tasks(lc[i], "win_back") == 1, "customer %lld: %lld win_back tasks", lc[i],
                  db_tasks(lc[i], "win_back"));
  }
  long long after = rows("callbacks");
  ck_assert_msg(sum == after - before,
                "the sweeps reported %lld created in all, the table grew by %lld", sum,
                after - before);
  ck_assert_msg(after - before >= 2 * NCUST, "the table grew by %lld only", after - before);
  /* the API shows the same */
  for (int i = 0; i < NCUST; i++) {
    json_t *l = tasks_of(bc[i], "birthday");
    ck_assert_int_eq(json_array_size(l), 1);
    assert_near(json_array_get(l, 0), "due_at", ten, 0.5);
    json_decref(l);
  }
  /* and once more: nothing */
  ck_assert_int_eq(sweep_once(), 0);
  ck_assert_int_eq(rows("callbacks"), after);
  free(out);
  free(cmd);
  free(bday);
}
END_TEST

/* Issue 5 must-show 4: erasure cancels the pending tasks. */
START_TEST(test_erasure_cancels) {
  fx f;
  fx_make(&f, &FXP, "Asia/Shanghai");
  long long c = cust_new(f.store, "1990-05-06", true);
  visit_new(f.rep, c, f.store, "FACIAL-01", now_s() - HOUR, true);
  long long m1 = cb_new(f.sup, f.store, c, now_s() + HOUR, NULL);
  long long done = cb_new(f.sup, f.store, c, now_s() + HOUR, NULL);
  json_decref(cb_complete(f.rep, done, 10, false));
  long long wb = ji(cb_create(f.sup, manual(f.store, c, "win_back", now_s() + HOUR)), "id");
  ck_assert_msg(db_tasks(c, NULL) >= 5, "post_service, routine and three manual tasks expected");
  char *cs = it_fmt("%lld", c);
  long long pending =
      it_db_count("SELECT count(*) FROM callbacks WHERE customer_id = $1::bigint AND "
                  "status::text = 'pending'",
                  cs, IT_END);
  ck_assert_int_ge(pending, 4);
  char *ep = it_fmt("/v1/customers/%lld", c);
  it_resp r;
  it_req(IT_PROXY, "DELETE", ep, f.sup, NULL, NULL, &r);
  it_assert_problem(&r, 403, "forbidden", NULL); /* erasure is for managers and HQ */
  it_resp_free(&r);
  it_req(IT_PROXY, "DELETE", ep, f.mgr, NULL, NULL, &r);
  it_assert_status(&r, 204);
  it_resp_free(&r);
  ck_assert_int_eq(it_db_count("SELECT count(*) FROM callbacks WHERE customer_id = $1::bigint AND "
                               "status::text = 'pending'",
                               cs, IT_END),
                   0);
  ck_assert_int_eq(it_db_count("SELECT count(*) FROM callbacks WHERE customer_id = $1::bigint AND "
                               "status::text = 'cancelled' AND cancel_reason = 'customer_erased'",
                               cs, IT_END),
                   pending);
  json_t *items = tasks_of(c, NULL);
  for (size_t i = 0; i < json_array_size(items); i++) {
    json_t *t = json_array_get(items, i);
    if (ji(t, "id") == done) {
      ck_assert_str_eq(js(t, "status"), "completed");
      continue;
    }
    ck_assert_msg(strcmp(js(t, "status"), "cancelled") == 0 &&
                      json_is_string(json_object_get(t, "cancel_reason")) &&
                      strcmp(js(t, "cancel_reason"), "customer_erased") == 0,
                  "a pending task of an erased customer must be cancelled (customer_erased): %s",
                  jdump(t));
  }
  ck_assert_msg(find_id(items, m1) && find_id(items, wb), "tasks missing: %s", jdump(items));
  json_decref(items);
  cb_act(IT_PROXY, f.rep, m1, "attempts", json_pack("{s:s}", "outcome", "reached"), NULL, &r);
  assert_not_pending(&r);
  it_resp_free(&r);
  /* the sweep gives the erased customer nothing */
  long long before = db_tasks(c, NULL);
  (void)sweep_once();
  ck_assert_int_eq(db_tasks(c, NULL), before);
  free(ep);
  free(cs);
}
END_TEST

static Suite *suite(void) {
  Suite *s = suite_create("it_callbacks");
  TCase *tc = tcase_create("callbacks");
  tcase_set_timeout(tc, 300);
  tcase_add_test(tc, test_default_rules);
  tcase_add_test(tc, test_visit_rule_most_specific);
  tcase_add_test(tc, test_post_resolution);
  tcase_add_test(tc, test_completion_satisfaction);
  tcase_add_test(tc, test_attempts_and_unreachable);
  tcase_add_test(tc, test_scope_queue_assignment);
  tcase_add_test(tc, test_validation_nothing_written);
  tcase_add_test(tc, test_rule_permissions);
  tcase_add_test(tc, test_timeline);
  tcase_add_test(tc, test_queue_order_filters_pages);
  tcase_add_test(tc, test_idempotency);
  tcase_add_test(tc, test_sweep_birthday_winback);
  tcase_add_test(tc, test_sweep_concurrent);
  tcase_add_test(tc, test_erasure_cancels);
  suite_add_tcase(s, tc);
  return s;
}

int main(void) {
  it_config cfg = {.name = "it_callbacks"};
  return it_main(&cfg, suite());
}
