/* Tickets (SPEC §3 "Tickets", §6 "Tickets", "Closing", "Compensation",
 * "Comments", "Events", "Allowed ticket moves", "Text limits";
 * docs/contract.md "Tickets (issue 4)"; issue 4 "Must show"): the status
 * machine with its timestamps, ETags and event log; SLA due times on the
 * calendar, in business hours and under store overrides; the pause of
 * pending_customer; assignment; comments and first response; compensation
 * and approval limits; satisfaction; cross-store 404; concurrent PATCHes;
 * atomicity; validation; list filters, sorting and cursors.
 *
 * Written from the contract only. The sweeper runs every second here
 * (AFTERCARE_SWEEP_SECONDS=1) so that `breached=true` can be shown; it has
 * its own tests in it_sweeper.c. */
#include "harness.h"
#include "ticket_fixtures.h"

#include <curl/curl.h>
#include <libpq-fe.h>
#include <pthread.h>

#include <math.h>
#include <stdio.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* Chinese text: lengths count characters (3 bytes each in UTF-8). */
#define ZH8 "售后投诉工单测试"
#define ZH40 ZH8 ZH8 ZH8 ZH8 ZH8
#define ZH200 ZH40 ZH40 ZH40 ZH40 ZH40
#define ZH201 ZH200 "单"
#define ZH32 ZH8 ZH8 ZH8 ZH8
#define ZH33 ZH32 "签"

/* The fixtures of this suite (ticket_fixtures.h). */
static const fx_profile FXP = {.password = "it-tickets-password",
                               .login_prefix = "itt.",
                               .staff_name = "工单员工",
                               .code_prefix = "T",
                               .store_name = "工单测试门店",
                               .industry = "beauty",
                               .customer_name = "投诉客户",
                               .mobile_prefix = "139",
                               .rep2 = true};

/* ------------------------------------------------------------------------- */
/* generic helpers */

/* |got - want| <= tol seconds */
static void assert_time_near(json_t *o, const char *path, double want, double tol) {
  double got = jt(o, path);
  if (fabs(got - want) > tol) {
    char *w = fmt_time(want);
    ck_abort_msg("%s = %s, expected %s (±%.0f s) in %s", path, js(o, path), w, tol, jdump(o));
  }
}



static long long count_events(long long ticket) {
  char *id = it_fmt("%lld", ticket);
  long long n =
      it_db_count("SELECT count(*) FROM ticket_events WHERE ticket_id = $1::bigint", id, IT_END);
  free(id);
  return n;
}
static long long count_store_tickets(long long store) {
  char *id = it_fmt("%lld", store);
  long long n = it_db_count("SELECT count(*) FROM tickets WHERE store_id = $1::bigint", id, IT_END);
  free(id);
  return n;
}

/* ------------------------------------------------------------------------- */
/* ticket helpers */

/* Index of the first event of type at or after from, or -1. */
static int find_event(json_t *evs, const char *type, size_t from) {
  for (size_t i = from; i < json_array_size(evs); i++)
    if (strcmp(js(json_array_get(evs, i), "type"), type) == 0)
      return (int)i;
  return -1;
}
/* The status change to `to` (a status_changed event, or for closing also a
 * `closed` event), from index from; -1 when none. */
static int find_status_event(json_t *evs, const char *to, size_t from) {
  for (size_t i = from; i < json_array_size(evs); i++) {
    json_t *e = json_array_get(evs, i);
    const char *type = js(e, "type");
    if (strcmp(type, "status_changed") != 0 && strcmp(type, "closed") != 0 &&
        strcmp(type, "reopened") != 0)
      continue;
    json_t *st = jp(e, "after.status");
    if (json_is_string(st) && strcmp(json_string_value(st), to) == 0)
      return (int)i;
  }
  return -1;
}

static void assert_problem_extra_moves(const it_resp *r, const char *const *moves) {
  json_t *am = json_object_get(r->json, "allowed_moves");
  ck_assert_msg(json_is_array(am), "no allowed_moves array: %s", it_desc(r));
  size_t n = 0;
  for (; moves[n]; n++) {
    int found = 0;
    for (size_t i = 0; i < json_array_size(am); i++)
      if (json_is_string(json_array_get(am, i)) &&
          strcmp(json_string_value(json_array_get(am, i)), moves[n]) == 0)
        found = 1;
    ck_assert_msg(found, "allowed_moves lacks %s: %s", moves[n], it_desc(r));
  }
  ck_assert_msg(json_array_size(am) == n, "allowed_moves has %zu entries, expected %zu: %s",
                json_array_size(am), n, it_desc(r));
}

/* PATCH /v1/tickets/{id} with body text; ifm may be NULL. */
static long tk_patch(int target, const char *tok, long long id, const char *ifm, const char *body,
                     it_resp *r) {
  char *path = it_fmt("/v1/tickets/%lld", id);
  long st = it_req(target, "PATCH", path, tok, ifm ? IT_HDRS(ifm) : NULL, body, r);
  free(path);
  return st;
}

static long tk_assign(const char *tok, long long id, long long assignee, it_resp *r) {
  char *path = it_fmt("/v1/tickets/%lld/assign", id);
  json_t *b = assignee > 0 ? json_pack("{s:I}", "assignee_id", (json_int_t)assignee)
                           : json_pack("{s:n}", "assignee_id");
  long st = it_req_json(IT_PROXY, "POST", path, tok, NULL, b, r);
  free(path);
  return st;
}

static long tk_comment(const char *tok, long long id, const char *body, const char *vis,
                       it_resp *r) {
  char *path = it_fmt("/v1/tickets/%lld/comments", id);
  json_t *b = json_pack("{s:s, s:s}", "body", body, "visibility", vis);
  long st = it_req_json(IT_PROXY, "POST", path, tok, NULL, b, r);
  free(path);
  return st;
}

static long tk_satisfaction(int target, const char *tok, long long id, int score,
                            const char *comment, it_resp *r) {
  char *path = it_fmt("/v1/tickets/%lld/satisfaction", id);
  json_t *b = json_pack("{s:i, s:s}", "score", score, "comment", comment);
  long st = it_req_json(target, "POST", path, tok, NULL, b, r);
  free(path);
  return st;
}

/* Proposes compensation; returns the proposal id (asserts 201). */
static long long comp_propose(const char *tok, long long ticket, const char *kind,
                              long long cents) {
  char *path = it_fmt("/v1/tickets/%lld/compensations", ticket);
  json_t *b = json_pack("{s:s, s:I, s:i, s:s}", "kind", kind, "amount_cents", (json_int_t)cents,
                        "sessions", 0, "note", "顾客要求补偿");
  it_resp r;
  it_req_json(IT_PROXY, "POST", path, tok, NULL, b, &r);
  ck_assert_msg(r.status == 201, "POST %s: %s", path, it_desc(&r));
  long long id = it_jint(&r, "id");
  ck_assert_str_eq(js(r.json, "status"), "proposed");
  ck_assert_str_eq(js(r.json, "kind"), kind);
  ck_assert_int_eq(ji(r.json, "amount_cents"), cents);
  ck_assert_int_eq(ji(r.json, "ticket_id"), ticket);
  /* SPEC §6: a create answers Location, and it names a readable resource */
  const char *loc = it_header(&r, "Location");
  char *want = it_fmt("/v1/compensations/%lld", id);
  ck_assert_msg(loc && strcmp(loc, want) == 0, "Location %s, want %s", loc ? loc : "(none)", want);
  it_resp got;
  it_req(IT_PROXY, "GET", want, tok, NULL, NULL, &got);
  ck_assert_msg(got.status == 200, "GET %s: %s", want, it_desc(&got));
  ck_assert_int_eq(ji(got.json, "id"), id);
  ck_assert_str_eq(js(got.json, "status"), "proposed");
  it_resp_free(&got);
  char *tid = it_fmt("%lld", ticket);
  bool at_sh002 = it_db_count("SELECT count(*) FROM tickets t JOIN stores s ON s.id = t.store_id "
                              "WHERE t.id = $1 AND s.code = 'SH002'",
                              tid, IT_END) == 1;
  free(tid);
  if (!at_sh002) { /* another store's rep: 404 */
    it_req(IT_PROXY, "GET", want, it_token("sh002.rep"), NULL, NULL, &got);
    it_assert_problem(&got, 404, "not_found", NULL);
    it_resp_free(&got);
  }
  free(want);
  it_resp_free(&r);
  free(path);
  return id;
}
static long comp_act(int target, const char *tok, long long comp, const char *action, it_resp *r) {
  char *path = it_fmt("/v1/compensations/%lld/%s", comp, action);
  long st = it_req(target, "POST", path, tok, NULL, NULL, r);
  free(path);
  return st;
}

/* A ticket walked to resolved by tok (ack, in_progress, resolved). */
static long long tk_resolved(fx *f, const char *tok) {
  long long id = tk_new(f, tok, "normal", "service_attitude");
  tk_move_ok(tok, id, "acknowledged", NULL);
  tk_move_ok(tok, id, "in_progress", NULL);
  tk_move_ok(tok, id, "resolved", "已为顾客重做护理");
  return id;
}

/* ------------------------------------------------------------------------- */
/* the happy path */

static void assert_status_event(json_t *evs, int idx, const char *from, const char *to,
                                long long actor) {
  ck_assert_msg(idx >= 0, "no event for the move %s -> %s in %s", from, to, jdump(evs));
  json_t *e = json_array_get(evs, (size_t)idx);
  ck_assert_msg(json_is_object(jp(e, "before")) && json_is_object(jp(e, "after")),
                "status event without before/after objects: %s", jdump(e));
  ck_assert_msg(strcmp(js(e, "before.status"), from) == 0,
                "event before.status %s, expected %s: %s", js(e, "before.status"), from, jdump(e));
  ck_assert_msg(strcmp(js(e, "after.status"), to) == 0, "event after.status: %s", jdump(e));
  ck_assert_msg(ji(e, "actor_id") == actor, "event actor %lld, expected %lld: %s",
                ji(e, "actor_id"), actor, jdump(e));
  (void)jt(e, "at");
}

START_TEST(test_happy_path) {
  fx f;
  fx_make(&f, &FXP, "Asia/Shanghai");
  json_t *t = tk_create(
      f.rep, f.store, f.cust, "important", "treatment_effect", "护理效果不理想",
      json_pack("{s:s, s:s, s:[s,s], s:[{s:s, s:s, s:s}]}", "description", "做完水光针后没有效果",
                "customer_expectation", "免费重做一次", "tags", "水光针", "复购客户", "evidence",
                "url", "https://img.example.com/a.jpg", "kind", "photo", "note", "顾客提供的照片"));
  long long id = ji(t, "id");
  ck_assert_str_eq(js(t, "status"), "open");
  ck_assert_int_eq(ji(t, "store_id"), f.store);
  ck_assert_int_eq(ji(t, "customer_id"), f.cust);
  ck_assert_str_eq(js(t, "channel"), "phone");
  ck_assert_str_eq(js(t, "category"), "treatment_effect");
  ck_assert_str_eq(js(t, "severity"), "important");
  ck_assert_str_eq(js(t, "subject"), "护理效果不理想");
  ck_assert_str_eq(js(t, "description"), "做完水光针后没有效果");
  ck_assert_str_eq(js(t, "customer_expectation"), "免费重做一次");
  ck_assert_str_eq(js(t, "tags.1"), "复购客户");
  ck_assert_str_eq(js(t, "evidence.0.url"), "https://img.example.com/a.jpg");
  ck_assert_str_eq(js(t, "evidence.0.kind"), "photo");
  ck_assert_int_eq(ji(t, "escalation_level"), 0);
  ck_assert_int_eq(ji(t, "reopen_count"), 0);
  ck_assert_int_eq(ji(t, "created_by"), f.rep_id);
  (void)ji(t, "version");
  jnull(t, "assignee_id");
  jnull(t, "satisfaction");
  jnull(t, "closed_at");
  jnull(t, "sla.first_responded_at");
  jnull(t, "sla.resolved_at");
  jnull(t, "sla.paused_at");
  ck_assert_msg(json_is_array(jp(t, "sla.breaches")) && json_array_size(jp(t, "sla.breaches")) == 0,
                "breaches must be []: %s", jdump(t));
  double created = jt(t, "created_at");
  (void)jt(t, "updated_at");
  json_decref(t);

  char *e0;
  json_t *g = tk_get(f.rep, id, &e0);
  ck_assert_str_eq(js(g, "status"), "open");
  json_decref(g);

  /* open -> acknowledged (rep): first response */
  it_resp r;
  tk_move_r(IT_PROXY, f.rep, id, "acknowledged", "已致电顾客致歉", e0, &r);
  it_assert_status(&r, 200);
  ck_assert_str_eq(js(r.json, "status"), "acknowledged");
  double fr = jt(r.json, "sla.first_responded_at");
  ck_assert_msg(fr >= created - 1 && fr <= created + 120, "first_responded_at %s", jdump(r.json));
  jnull(r.json, "sla.resolved_at");
  jnull(r.json, "closed_at");
  it_resp_free(&r);
  char *e1;
  g = tk_get(f.rep, id, &e1);
  ck_assert_msg(strcmp(e0, e1) != 0, "ETag unchanged by a transition: %s", e1);
  ck_assert_msg(jt(g, "sla.first_responded_at") == fr, "first_responded_at changed");
  json_decref(g);
  /* the old ETag is stale now */
  tk_move_r(IT_PROXY, f.rep, id, "in_progress", NULL, e0, &r);
  it_assert_problem(&r, 412, "version_conflict", NULL);
  it_resp_free(&r);

  /* acknowledged -> in_progress -> resolved */
  tk_move_r(IT_PROXY, f.rep, id, "in_progress", "安排重做", e1, &r);
  it_assert_status(&r, 200);
  it_resp_free(&r);
  char *e2;
  g = tk_get(f.rep, id, &e2);
  ck_assert_msg(strcmp(e1, e2) != 0, "ETag unchanged");
  json_decref(g);
  t = tk_move(f.rep, id, "resolved", "已免费重做");
  double resolved = jt(t, "sla.resolved_at");
  ck_assert_msg(resolved >= fr, "resolved_at before first response: %s", jdump(t));
  ck_assert_msg(jt(t, "sla.first_responded_at") == fr, "first_responded_at changed: %s", jdump(t));
  jnull(t, "sla.next_update_due_at");
  jnull(t, "closed_at");
  json_decref(t);
  char *e3;
  g = tk_get(f.rep, id, &e3);
  ck_assert_msg(strcmp(e2, e3) != 0, "ETag unchanged");
  json_decref(g);

  /* resolved -> closed by the supervisor, with a note */
  t = tk_move(f.sup, id, "closed", "顾客电话无法接通，主管关闭");
  double closed = jt(t, "closed_at");
  ck_assert_msg(closed >= resolved, "closed_at before resolved_at: %s", jdump(t));
  ck_assert_msg(jt(t, "sla.resolved_at") == resolved, "resolved_at changed: %s", jdump(t));
  jnull(t, "satisfaction");
  json_decref(t);
  char *e4;
  g = tk_get(f.rep, id, &e4);
  ck_assert_msg(strcmp(e3, e4) != 0, "ETag unchanged");
  ck_assert_str_eq(js(g, "status"), "closed");
  json_decref(g);

  /* the event log: oldest first, actor, before/after */
  json_t *evs = tk_events(f.rep, id);
  ck_assert_msg(json_array_size(evs) >= 5, "too few events: %s", jdump(evs));
  json_t *e = json_array_get(evs, 0);
  ck_assert_str_eq(js(e, "type"), "created");
  ck_assert_int_eq(ji(e, "actor_id"), f.rep_id);
  jnull(e, "before");
  double prev = 0;
  long long prev_id = 0;
  for (size_t i = 0; i < json_array_size(evs); i++) {
    json_t *x = json_array_get(evs, i);
    ck_assert_msg(jt(x, "at") >= prev && ji(x, "id") > prev_id, "events not oldest first: %s",
                  jdump(evs));
    prev = jt(x, "at");
    prev_id = ji(x, "id");
    ck_assert_msg(json_object_get(x, "before") && json_object_get(x, "after") &&
                      json_object_get(x, "note"),
                  "event lacks before/after/note: %s", jdump(x));
  }
  int a = find_status_event(evs, "acknowledged", 1);
  assert_status_event(evs, a, "open", "acknowledged", f.rep_id);
  ck_assert_str_eq(js(json_array_get(evs, (size_t)a), "note"), "已致电顾客致歉");
  int b = find_status_event(evs, "in_progress", (size_t)a + 1);
  assert_status_event(evs, b, "acknowledged", "in_progress", f.rep_id);
  int c = find_status_event(evs, "resolved", (size_t)b + 1);
  assert_status_event(evs, c, "in_progress", "resolved", f.rep_id);
  int d = find_status_event(evs, "closed", (size_t)c + 1);
  assert_status_event(evs, d, "resolved", "closed", f.sup_id);
  ck_assert_str_eq(js(json_array_get(evs, (size_t)d), "note"), "顾客电话无法接通，主管关闭");
  json_decref(evs);

  /* automatic close by a score at or above the threshold */
  long long id2 = tk_resolved(&f, f.rep);
  double res2 = jt(tk_get(f.rep, id2, NULL), "sla.resolved_at");
  tk_satisfaction(IT_PROXY, f.rep, id2, 8, "满意，服务周到", &r);
  it_assert_status(&r, 200);
  ck_assert_str_eq(js(r.json, "status"), "closed");
  ck_assert_int_eq(ji(r.json, "satisfaction.score"), 8);
  ck_assert_str_eq(js(r.json, "satisfaction.comment"), "满意，服务周到");
  (void)jt(r.json, "satisfaction.at");
  ck_assert_msg(jt(r.json, "closed_at") >= res2, "closed_at: %s", it_desc(&r));
  ck_assert_int_eq(ji(r.json, "reopen_count"), 0);
  it_resp_free(&r);
  evs = tk_events(f.rep, id2);
  int s = find_event(evs, "satisfaction_recorded", 0);
  ck_assert_msg(s >= 0, "no satisfaction_recorded event: %s", jdump(evs));
  ck_assert_msg(find_status_event(evs, "closed", 0) >= 0, "no event for the close: %s", jdump(evs));
  json_decref(evs);
  free(e0);
  free(e1);
  free(e2);
  free(e3);
  free(e4);
}
END_TEST

/* ------------------------------------------------------------------------- */
/* SLA due times */

static void assert_due(json_t *t, int fr_min, int res_min, int upd_min) {
  double c = jt(t, "created_at");
  assert_time_near(t, "sla.first_response_due_at", c + fr_min * 60.0, 1);
  assert_time_near(t, "sla.resolution_due_at", c + res_min * 60.0, 1);
  assert_time_near(t, "sla.next_update_due_at", c + upd_min * 60.0, 1);
}

START_TEST(test_sla_calendar) {
  fx f;
  fx_make(&f, &FXP, "Asia/Shanghai");
  static const struct {
    const char *sev, *cat;
    int fr, res, upd;
  } cases[] = {
      {"urgent", "service_attitude", 120, 1440, 1440},
      {"important", "billing", 120, 1440, 1440},
      {"normal", "other", 120, 2880, 1440},
      {"normal", "medical_legal", 120, 4320, 1440},
      {"urgent", "injury", 120, 4320, 1440},
      {"important", "medical_legal", 120, 4320, 1440},
  };
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    json_t *t = tk_create(f.rep, f.store, f.cust, cases[i].sev, cases[i].cat, NULL, NULL);
    assert_due(t, cases[i].fr, cases[i].res, cases[i].upd);
    json_decref(t);
  }
  /* a severity change recomputes from created_at */
  json_t *t = tk_create(f.rep, f.store, f.cust, "normal", "billing", NULL, NULL);
  long long id = ji(t, "id");
  json_decref(t);
  char *ifm;
  json_decref(tk_get(f.rep, id, &ifm));
  it_resp r;
  tk_patch(IT_PROXY, f.rep, id, ifm, "{\"severity\":\"urgent\"}", &r);
  it_assert_status(&r, 200);
  double c = jt(r.json, "created_at");
  assert_time_near(r.json, "sla.resolution_due_at", c + 1440 * 60.0, 1);
  assert_time_near(r.json, "sla.first_response_due_at", c + 120 * 60.0, 1);
  it_resp_free(&r);
  free(ifm);
}
END_TEST

/* Business hours in UTC: every day the same 5-hour window, chosen so that
 * now is outside it. Due times run from the next opening. */
START_TEST(test_sla_business_hours) {
  fx f;
  fx_make(&f, &FXP, "UTC");
  time_t now = time(NULL);
  struct tm g;
  gmtime_r(&now, &g);
  int open_h = g.tm_hour <= 17 ? g.tm_hour + 2 : 1;
  int close_h = open_h + 5;
  json_t *hours = json_object();
  static const char *const days[] = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};
  char op[16], cl[16];
  snprintf(op, sizeof op, "%02d:00", open_h);
  snprintf(cl, sizeof cl, "%02d:00", close_h);
  for (int i = 0; i < 7; i++)
    json_object_set_new(hours, days[i], json_pack("{s:s, s:s}", "open", op, "close", cl));
  char *spath = it_fmt("/v1/stores/%lld", f.store);
  it_resp r;
  it_req(IT_PROXY, "GET", spath, it_hq(), NULL, NULL, &r);
  char *ifm = it_if_match(&r);
  it_resp_free(&r);
  json_t *pb = json_pack("{s:O}", "business_hours", hours);
  it_req_json(IT_PROXY, "PATCH", spath, it_hq(), IT_HDRS(ifm), pb, &r);
  ck_assert_msg(r.status == 200, "PATCH store hours: %s", it_desc(&r));
  it_resp_free(&r);

  static const struct {
    const char *sev, *cat;
    int res;
  } cases[] = {{"normal", "other", 2880},
               {"urgent", "appointment", 1440},
               {"normal", "medical_legal", 4320}};
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    json_t *t = tk_create(f.rep, f.store, f.cust, cases[i].sev, cases[i].cat, NULL, NULL);
    double c = jt(t, "created_at");
    long long cs = (long long)c;
    long long day0 = cs - cs % 86400, tod = cs % 86400;
    ck_assert_msg(tod < open_h * 3600 || tod >= close_h * 3600,
                  "test set-up: now inside the hours (%d-%d)", open_h, close_h);
    double open = (double)(tod < open_h * 3600 ? day0 : day0 + 86400) + open_h * 3600.0;
    /* each day gives 300 minutes; none of the targets is a multiple of 300 */
#define BIZ(min) (open + (double)((min) / 300) * 86400.0 + (double)((min) % 300) * 60.0)
    assert_time_near(t, "sla.first_response_due_at", BIZ(120), 1);
    assert_time_near(t, "sla.resolution_due_at", BIZ(cases[i].res), 1);
    assert_time_near(t, "sla.next_update_due_at", BIZ(1440), 1);
#undef BIZ
    json_decref(t);
  }
  json_decref(hours);
  free(ifm);
  free(spath);
}
END_TEST

/* ------------------------------------------------------------------------- */
/* per-store SLA policy */

static json_t *policy_row(const char *sev, const char *cat, int fr, int res, int upd) {
  return json_pack("{s:s?, s:s?, s:i, s:i, s:i}", "severity", sev, "category", cat,
                   "first_response_minutes", fr, "resolution_minutes", res, "update_minutes", upd);
}
/* The body of PUT /v1/stores/{id}/sla-policy from its rows (stolen). */
static json_t *policy_body(json_t *rows) {
  return json_pack("{s:o}", "rules", rows);
}
static json_t *policy_rows_of(json_t *body) {
  json_t *rows = json_is_array(body) ? body : json_object_get(body, "rules");
  ck_assert_msg(json_is_array(rows), "sla-policy answer without rules: %s", jdump(body));
  return rows;
}

START_TEST(test_sla_policy) {
  fx f;
  fx_make(&f, &FXP, "Asia/Shanghai");
  char *path = it_fmt("/v1/stores/%lld/sla-policy", f.store);
  json_t *rows = json_array();
  json_array_append_new(rows, policy_row(NULL, NULL, 30, 600, 300));
  json_array_append_new(rows, policy_row("urgent", NULL, 10, 100, 50));
  json_array_append_new(rows, policy_row(NULL, "billing", 20, 200, 100));
  json_array_append_new(rows, policy_row("urgent", "billing", 15, 150, 75));
  char *body = json_dumps(policy_body(rows), JSON_COMPACT);
  it_resp r;

  /* a rep may not; another store's manager sees nothing; the manager may */
  it_req(IT_PROXY, "PUT", path, f.rep, NULL, body, &r);
  it_assert_problem(&r, 403, "forbidden", NULL);
  it_resp_free(&r);
  it_req(IT_PROXY, "PUT", path, f.sup, NULL, body, &r);
  it_assert_problem(&r, 403, "forbidden", NULL);
  it_resp_free(&r);
  it_req(IT_PROXY, "PUT", path, it_token("sh002.manager"), NULL, body, &r);
  it_assert_problem(&r, 404, "not_found", NULL);
  it_resp_free(&r);
  it_req(IT_PROXY, "GET", path, it_token("sh002.manager"), NULL, NULL, &r);
  it_assert_problem(&r, 404, "not_found", NULL);
  it_resp_free(&r);
  it_req(IT_PROXY, "PUT", path, f.mgr, NULL, body, &r);
  ck_assert_msg(r.status == 200, "PUT %s as manager: %s", path, it_desc(&r));
  ck_assert_int_eq(json_array_size(policy_rows_of(r.json)), 4);
  it_resp_free(&r);
  /* anyone of the store reads it */
  it_req(IT_PROXY, "GET", path, f.rep, NULL, NULL, &r);
  it_assert_status(&r, 200);
  ck_assert_int_eq(json_array_size(policy_rows_of(r.json)), 4);
  it_resp_free(&r);
  /* out-of-range minutes */
  json_t *bad = json_array();
  json_array_append_new(bad, policy_row(NULL, NULL, 0, 600, 300));
  char *badb = json_dumps(policy_body(bad), JSON_COMPACT);
  it_req(IT_DIRECT, "PUT", path, f.mgr, NULL, badb, &r);
  ck_assert_msg(r.status == 400, "first_response_minutes 0 accepted: %s", it_desc(&r));
  it_resp_free(&r);
  free(badb);
  bad = json_array();
  json_array_append_new(bad, policy_row("purple", NULL, 10, 600, 300));
  badb = json_dumps(policy_body(bad), JSON_COMPACT);
  it_req(IT_DIRECT, "PUT", path, f.mgr, NULL, badb, &r);
  ck_assert_msg(r.status == 400, "severity purple accepted: %s", it_desc(&r));
  it_resp_free(&r);
  free(badb);

  /* the most specific row wins */
  static const struct {
    const char *sev, *cat;
    int fr, res, upd;
  } cases[] = {
      {"normal", "other", 30, 600, 300},      /* store-wide */
      {"important", "injury", 30, 600, 300},  /* store-wide beats the 72 h default */
      {"urgent", "other", 10, 100, 50},       /* severity */
      {"normal", "billing", 20, 200, 100},    /* category beats store-wide */
      {"important", "billing", 20, 200, 100}, /* category */
      {"urgent", "billing", 15, 150, 75},     /* severity + category */
  };
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    json_t *t = tk_create(f.rep, f.store, f.cust, cases[i].sev, cases[i].cat, NULL, NULL);
    assert_due(t, cases[i].fr, cases[i].res, cases[i].upd);
    json_decref(t);
  }
  /* other stores keep the defaults */
  long long sh002 = it_store_id("SH002");
  long long c2 = new_customer(&FXP, sh002);
  json_t *t = tk_create(it_token("sh002.rep"), sh002, c2, "normal", "other", NULL, NULL);
  assert_due(t, 120, 2880, 1440);
  json_decref(t);

  /* an empty policy restores the defaults; HQ may set it */
  char *empty = json_dumps(policy_body(json_array()), JSON_COMPACT);
  it_req(IT_PROXY, "PUT", path, it_hq(), NULL, empty, &r);
  it_assert_status(&r, 200);
  it_resp_free(&r);
  t = tk_create(f.rep, f.store, f.cust, "important", "injury", NULL, NULL);
  assert_due(t, 120, 4320, 1440);
  json_decref(t);
  free(empty);
  free(body);
  free(path);
}
END_TEST

/* ------------------------------------------------------------------------- */
/* transition rules */

START_TEST(test_transition_rules) {
  fx f;
  fx_make(&f, &FXP, "Asia/Shanghai");
  long long id = tk_new(&f, f.rep, "normal", "environment");
  long long before = count_events(id);
  it_resp r;
  tk_move_r(IT_PROXY, f.rep, id, "resolved", NULL, NULL, &r);
  it_assert_problem(&r, 409, "invalid_transition", NULL);
  assert_problem_extra_moves(&r, IT_HDRS("acknowledged"));
  it_resp_free(&r);
  /* a supervisor cannot skip either: the machine comes before the role */
  tk_move_r(IT_PROXY, f.sup, id, "closed", "直接关闭", NULL, &r);
  it_assert_problem(&r, 409, "invalid_transition", NULL);
  assert_problem_extra_moves(&r, IT_HDRS("acknowledged"));
  it_resp_free(&r);
  tk_move_r(IT_DIRECT, f.rep, id, "open", NULL, NULL, &r);
  it_assert_problem(&r, 409, "invalid_transition", NULL);
  it_resp_free(&r);
  ck_assert_int_eq(count_events(id), before);
  ck_assert_str_eq(js(tk_get(f.rep, id, NULL), "status"), "open");

  tk_move_ok(f.rep, id, "acknowledged", NULL);
  tk_move_r(IT_PROXY, f.rep, id, "pending_customer", NULL, NULL, &r);
  it_assert_problem(&r, 409, "invalid_transition", NULL);
  assert_problem_extra_moves(&r, IT_HDRS("in_progress", "resolved"));
  it_resp_free(&r);
  tk_move_ok(f.rep, id, "resolved", NULL); /* acknowledged -> resolved is allowed */

  /* a rep may not close a resolved ticket */
  tk_move_r(IT_PROXY, f.rep, id, "closed", "顾客满意", NULL, &r);
  it_assert_problem(&r, 403, "forbidden", NULL);
  it_resp_free(&r);
  /* closing needs a note */
  tk_move_r(IT_PROXY, f.sup, id, "closed", NULL, NULL, &r);
  it_assert_problem(&r, 400, "validation_failed", "note");
  it_resp_free(&r);
  tk_move_r(IT_PROXY, f.sup, id, "closed", "", NULL, &r);
  it_assert_problem(&r, 400, "validation_failed", "note");
  it_resp_free(&r);
  ck_assert_str_eq(js(tk_get(f.rep, id, NULL), "status"), "resolved");
  json_t *t = tk_move(f.mgr, id, "closed", "顾客确认无需跟进");
  (void)jt(t, "closed_at");
  json_decref(t);

  /* closed: only a reopen, and only by supervisor or above */
  tk_move_r(IT_PROXY, f.rep, id, "resolved", NULL, NULL, &r);
  it_assert_problem(&r, 409, "invalid_transition", NULL);
  assert_problem_extra_moves(&r, IT_HDRS("in_progress"));
  it_resp_free(&r);
  tk_move_r(IT_PROXY, f.rep, id, "in_progress", "顾客再次投诉", NULL, &r);
  it_assert_problem(&r, 403, "forbidden", NULL);
  it_resp_free(&r);
  t = tk_move(f.sup, id, "in_progress", "顾客再次投诉");
  ck_assert_int_eq(ji(t, "reopen_count"), 1);
  double reopened = jt(t, "updated_at");
  /* the resolution clock restarts from the reopen (normal: 48 h) */
  assert_time_near(t, "sla.resolution_due_at", reopened + 2880 * 60.0, 2);
  jnull(t, "sla.resolved_at");
  json_decref(t);
  /* resolved -> in_progress (reopen by a rep is allowed) */
  tk_move_ok(f.rep, id, "resolved", NULL);
  t = tk_move(f.rep, id, "in_progress", "顾客反馈仍有问题");
  ck_assert_int_eq(ji(t, "reopen_count"), 2);
  json_decref(t);
  /* a stale If-Match on a transition */
  tk_move_r(IT_PROXY, f.rep, id, "pending_customer", NULL, "If-Match: \"1\"", &r);
  it_assert_problem(&r, 412, "version_conflict", NULL);
  it_resp_free(&r);
  /* unknown ticket */
  tk_move_r(IT_PROXY, f.rep, 999999999, "acknowledged", NULL, NULL, &r);
  it_assert_problem(&r, 404, "not_found", NULL);
  it_resp_free(&r);
}
END_TEST

/* ------------------------------------------------------------------------- */
/* pending_customer pauses the resolution clock */

START_TEST(test_pending_pause) {
  fx f;
  fx_make(&f, &FXP, "Asia/Shanghai");
  long long id = tk_new(&f, f.rep, "normal", "appointment");
  tk_move_ok(f.rep, id, "acknowledged", NULL);
  json_t *t = tk_move(f.rep, id, "in_progress", NULL);
  double due0 = jt(t, "sla.resolution_due_at");
  jnull(t, "sla.paused_at");
  json_decref(t);
  t = tk_move(f.rep, id, "pending_customer", "等待顾客提供照片");
  double paused = jt(t, "sla.paused_at");
  ck_assert_msg(fabs(paused - jt(t, "updated_at")) <= 2, "paused_at: %s", jdump(t));
  long long remaining = ji(t, "sla.remaining_minutes");
  double expect_rem = (due0 - paused) / 60.0;
  ck_assert_msg(remaining >= (long long)expect_rem - 1 && remaining <= (long long)expect_rem + 1,
                "remaining_minutes %lld, expected about %.1f: %s", remaining, expect_rem, jdump(t));
  jnull(t, "sla.next_update_due_at");
  json_decref(t);
  t = tk_get(f.sup, id, NULL);
  ck_assert_msg(jt(t, "sla.paused_at") == paused, "paused_at changed on GET");
  ck_assert_int_eq(ji(t, "sla.remaining_minutes"), remaining);
  json_decref(t);

  /* over a minute in the pause, then resume */
  it_sleep(62);
  t = tk_move(f.rep, id, "in_progress", "顾客已回复");
  jnull(t, "sla.paused_at");
  json_t *rm = jp(t, "sla.remaining_minutes");
  ck_assert_msg(!rm || json_is_null(rm), "remaining_minutes after the pause: %s", jdump(t));
  double resumed = jt(t, "updated_at");
  double due1 = jt(t, "sla.resolution_due_at");
  ck_assert_msg(due1 > due0, "resolution_due_at did not move: %s", jdump(t));
  ck_assert_msg(fabs(due1 - (resumed + remaining * 60.0)) <= 60,
                "resolution_due_at %s is not the resume + %lld minutes: %s",
                js(t, "sla.resolution_due_at"), remaining, jdump(t));
  /* a transition is a customer-visible update */
  assert_time_near(t, "sla.next_update_due_at", resumed + 1440 * 60.0, 2);
  json_decref(t);
  /* pending_customer -> resolved is allowed */
  tk_move_ok(f.rep, id, "pending_customer", NULL);
  t = tk_move(f.rep, id, "resolved", NULL);
  jnull(t, "sla.paused_at");
  (void)jt(t, "sla.resolved_at");
  json_decref(t);
}
END_TEST

/* ------------------------------------------------------------------------- */
/* assignment */

START_TEST(test_assign) {
  fx f;
  fx_make(&f, &FXP, "Asia/Shanghai");
  long long id = tk_new(&f, f.rep, "normal", "service_attitude");
  long long other = it_staff_id("sh002.rep");
  it_resp r;
  tk_assign(f.sup, id, f.rep_id, &r);
  it_assert_status(&r, 200);
  ck_assert_int_eq(ji(r.json, "assignee_id"), f.rep_id);
  it_resp_free(&r);
  tk_assign(f.sup, id, other, &r);
  it_assert_problem(&r, 400, "validation_failed", "assignee_id");
  it_resp_free(&r);
  tk_assign(f.sup, id, 999999999, &r);
  it_assert_problem(&r, 400, "validation_failed", "assignee_id");
  it_resp_free(&r);
  ck_assert_int_eq(ji(tk_get(f.rep, id, NULL), "assignee_id"), f.rep_id);

  /* a rep may not assign someone else, nor take another's ticket */
  tk_assign(f.rep, id, f.rep2_id, &r);
  it_assert_problem(&r, 403, "forbidden", NULL);
  it_resp_free(&r);
  tk_assign(f.rep2, id, f.rep2_id, &r);
  it_assert_problem(&r, 403, "forbidden", NULL);
  it_resp_free(&r);
  /* a rep works only their own or unassigned tickets */
  tk_move_r(IT_PROXY, f.rep2, id, "acknowledged", NULL, NULL, &r);
  it_assert_problem(&r, 403, "forbidden", NULL);
  it_resp_free(&r);
  ck_assert_str_eq(js(tk_get(f.rep, id, NULL), "status"), "open");
  tk_move_ok(f.rep, id, "acknowledged", NULL);
  /* the manager reassigns to rep2, who may now work it */
  tk_assign(f.mgr, id, f.rep2_id, &r);
  it_assert_status(&r, 200);
  it_resp_free(&r);
  tk_move_r(IT_PROXY, f.rep, id, "in_progress", NULL, NULL, &r);
  it_assert_problem(&r, 403, "forbidden", NULL);
  it_resp_free(&r);
  tk_move_ok(f.rep2, id, "in_progress", NULL);
  /* null unassigns */
  tk_assign(f.sup, id, 0, &r);
  it_assert_status(&r, 200);
  jnull(r.json, "assignee_id");
  it_resp_free(&r);

  /* a rep may take an unassigned ticket for themselves only */
  long long id2 = tk_new(&f, f.rep, "normal", "billing");
  tk_assign(f.rep2, id2, f.rep_id, &r);
  it_assert_problem(&r, 403, "forbidden", NULL);
  it_resp_free(&r);
  tk_assign(f.rep2, id2, f.rep2_id, &r);
  it_assert_status(&r, 200);
  ck_assert_int_eq(ji(r.json, "assignee_id"), f.rep2_id);
  it_resp_free(&r);

  /* creating with an assignee of another store */
  long long n = count_store_tickets(f.store);
  json_t *b =
      json_pack("{s:I, s:I, s:s, s:s, s:s, s:s, s:I}", "store_id", (json_int_t)f.store,
                "customer_id", (json_int_t)f.cust, "channel", "wechat", "severity", "normal",
                "category", "other", "subject", "指派他店", "assignee_id", (json_int_t)other);
  it_req_json(IT_PROXY, "POST", "/v1/tickets", f.sup, NULL, b, &r);
  it_assert_problem(&r, 400, "validation_failed", "assignee_id");
  it_resp_free(&r);
  ck_assert_int_eq(count_store_tickets(f.store), n);

  json_t *evs = tk_events(f.sup, id);
  ck_assert_msg(count_type(evs, "assigned") == 3, "expected 3 assigned events: %s", jdump(evs));
  json_t *e = json_array_get(evs, (size_t)find_event(evs, "assigned", 0));
  ck_assert_int_eq(ji(e, "actor_id"), f.sup_id);
  json_decref(evs);
}
END_TEST

/* ------------------------------------------------------------------------- */
/* comments and first response */

START_TEST(test_comments) {
  fx f;
  fx_make(&f, &FXP, "Asia/Shanghai");
  long long id = tk_new(&f, f.rep, "normal", "product_quality");
  double created = jt(tk_get(f.rep, id, NULL), "created_at");
  it_resp r;
  tk_comment(f.rep, id, "内部备注：先查批次号", "internal", &r);
  it_assert_status(&r, 201);
  long long c1 = it_jint(&r, "id");
  ck_assert_int_eq(ji(r.json, "ticket_id"), id);
  ck_assert_int_eq(ji(r.json, "author_id"), f.rep_id);
  ck_assert_str_eq(js(r.json, "body"), "内部备注：先查批次号");
  ck_assert_str_eq(js(r.json, "visibility"), "internal");
  (void)jt(r.json, "at");
  it_resp_free(&r);
  json_t *t = tk_get(f.rep, id, NULL);
  jnull(t, "sla.first_responded_at");
  /* an internal note is no customer-visible update */
  assert_time_near(t, "sla.next_update_due_at", created + 1440 * 60.0, 1);
  ck_assert_str_eq(js(t, "status"), "open");
  json_decref(t);

  it_sleep(1.1);
  tk_comment(f.sup, id, "您好，我们已收到您的反馈，正在核查产品批次。", "customer", &r);
  it_assert_status(&r, 201);
  long long c2 = it_jint(&r, "id");
  double at2 = jt(r.json, "at");
  ck_assert_int_eq(ji(r.json, "author_id"), f.sup_id);
  it_resp_free(&r);
  t = tk_get(f.rep, id, NULL);
  assert_time_near(t, "sla.first_responded_at", at2, 1);
  assert_time_near(t, "sla.next_update_due_at", at2 + 1440 * 60.0, 1);
  json_decref(t);

  it_sleep(1.1);
  tk_comment(f.rep, id, "第二次回复顾客", "customer", &r);
  it_assert_status(&r, 201);
  long long c3 = it_jint(&r, "id");
  it_resp_free(&r);
  /* the first response stays the first; acknowledging keeps it */
  t = tk_move(f.rep, id, "acknowledged", NULL);
  assert_time_near(t, "sla.first_responded_at", at2, 1);
  json_decref(t);

  char *path = it_fmt("/v1/tickets/%lld/comments", id);
  it_req(IT_PROXY, "GET", path, f.rep, NULL, NULL, &r);
  it_assert_status(&r, 200);
  json_t *items = json_object_get(r.json, "items");
  ck_assert_msg(json_is_array(items) && json_array_size(items) == 3, "comments: %s", it_desc(&r));
  ck_assert_int_eq(ji(items, "0.id"), c1);
  ck_assert_int_eq(ji(items, "1.id"), c2);
  ck_assert_int_eq(ji(items, "2.id"), c3);
  ck_assert_str_eq(js(items, "0.visibility"), "internal");
  ck_assert_str_eq(js(items, "1.visibility"), "customer");
  it_resp_free(&r);

  /* validation */
  it_req(IT_DIRECT, "POST", path, f.rep, NULL, "{\"body\":\"x\",\"visibility\":\"public\"}", &r);
  it_assert_problem(&r, 400, "validation_failed", "visibility");
  it_resp_free(&r);
  it_req(IT_DIRECT, "POST", path, f.rep, NULL, "{\"body\":\"\",\"visibility\":\"internal\"}", &r);
  it_assert_problem(&r, 400, "validation_failed", "body");
  it_resp_free(&r);
  it_req(IT_DIRECT, "POST", path, f.rep, NULL,
         "{\"body\":\"x\",\"visibility\":\"internal\",\"pinned\":true}", &r);
  it_assert_problem(&r, 400, "validation_failed", "pinned");
  it_resp_free(&r);

  json_t *evs = tk_events(f.rep, id);
  ck_assert_msg(count_type(evs, "comment_added") == 3, "comment_added events: %s", jdump(evs));
  json_decref(evs);
  free(path);
}
END_TEST

/* ------------------------------------------------------------------------- */
/* compensation */

static void assert_limit(const it_resp *r, long long limit) {
  it_assert_problem(r, 403, "approval_limit_exceeded", NULL);
  json_t *l = json_object_get(r->json, "limit_cents");
  ck_assert_msg(json_is_integer(l) && json_integer_value(l) == limit,
                "limit_cents should be %lld: %s", limit, it_desc(r));
}

START_TEST(test_compensation) {
  fx f;
  fx_make(&f, &FXP, "Asia/Shanghai");
  long long id = tk_new(&f, f.rep, "important", "treatment_effect");
  it_resp r;

  /* a rep approves 150.00 CNY */
  long long p1 = comp_propose(f.rep, id, "stored_value_credit", 15000);
  comp_act(IT_PROXY, f.rep, p1, "approve", &r);
  it_assert_status(&r, 200);
  ck_assert_str_eq(js(r.json, "status"), "approved");
  ck_assert_int_eq(ji(r.json, "decided_by"), f.rep_id);
  (void)jt(r.json, "decided_at");
  jnull(r.json, "fulfilled_at");
  it_resp_free(&r);
  /* approving twice: 409 */
  comp_act(IT_PROXY, f.sup, p1, "approve", &r);
  it_assert_problem(&r, 409, "invalid_transition", NULL);
  ck_assert_msg(json_is_array(json_object_get(r.json, "allowed_moves")), "allowed_moves: %s",
                it_desc(&r));
  it_resp_free(&r);
  comp_act(IT_PROXY, f.rep, p1, "reject", &r);
  it_assert_problem(&r, 409, "invalid_transition", NULL);
  it_resp_free(&r);
  /* fulfil after approval */
  comp_act(IT_PROXY, f.rep2, p1, "fulfill", &r);
  it_assert_status(&r, 200);
  ck_assert_str_eq(js(r.json, "status"), "fulfilled");
  ck_assert_int_eq(ji(r.json, "fulfilled_by"), f.rep2_id);
  (void)jt(r.json, "fulfilled_at");
  it_resp_free(&r);
  comp_act(IT_PROXY, f.rep2, p1, "fulfill", &r);
  it_assert_problem(&r, 409, "invalid_transition", NULL);
  it_resp_free(&r);

  /* 300.00 CNY is above the rep's limit: 403, nothing written */
  long long p2 = comp_propose(f.rep, id, "gift", 30000);
  long long ev = count_events(id);
  comp_act(IT_PROXY, f.rep, p2, "approve", &r);
  assert_limit(&r, 20000);
  it_resp_free(&r);
  ck_assert_int_eq(count_events(id), ev);
  /* fulfil before approval: 409 */
  comp_act(IT_PROXY, f.rep, p2, "fulfill", &r);
  it_assert_problem(&r, 409, "invalid_transition", NULL);
  it_resp_free(&r);
  ck_assert_int_eq(count_events(id), ev);
  comp_act(IT_PROXY, f.sup, p2, "approve", &r);
  it_assert_status(&r, 200);
  ck_assert_int_eq(ji(r.json, "decided_by"), f.sup_id);
  it_resp_free(&r);

  /* refunds: never a rep; full_refund needs a manager */
  long long p3 = comp_propose(f.rep, id, "partial_refund", 100);
  comp_act(IT_PROXY, f.rep, p3, "approve", &r);
  assert_limit(&r, 0);
  it_resp_free(&r);
  comp_act(IT_PROXY, f.sup, p3, "approve", &r);
  it_assert_status(&r, 200);
  it_resp_free(&r);
  long long p4 = comp_propose(f.rep, id, "full_refund", 59900);
  comp_act(IT_PROXY, f.sup, p4, "approve", &r);
  assert_limit(&r, 0);
  it_resp_free(&r);
  long long p5 = comp_propose(f.sup, id, "medical_expense", 100);
  comp_act(IT_PROXY, f.sup, p5, "approve", &r);
  assert_limit(&r, 0);
  it_resp_free(&r);
  comp_act(IT_PROXY, f.mgr, p4, "approve", &r);
  it_assert_status(&r, 200);
  ck_assert_int_eq(ji(r.json, "decided_by"), f.mgr_id);
  it_resp_free(&r);
  comp_act(IT_PROXY, it_hq(), p5, "approve", &r);
  it_assert_status(&r, 200);
  it_resp_free(&r);
  /* the supervisor's limit */
  long long p6 = comp_propose(f.rep, id, "free_sessions", 250000);
  comp_act(IT_PROXY, f.sup, p6, "approve", &r);
  assert_limit(&r, 200000);
  it_resp_free(&r);
  /* rejecting needs the same authority as approving */
  comp_act(IT_PROXY, f.sup, p6, "reject", &r);
  assert_limit(&r, 200000);
  it_resp_free(&r);
  comp_act(IT_PROXY, f.mgr, p6, "reject", &r);
  it_assert_status(&r, 200);
  ck_assert_int_eq(ji(r.json, "decided_by"), f.mgr_id);
  ck_assert_str_eq(js(r.json, "status"), "rejected");
  it_resp_free(&r);
  comp_act(IT_PROXY, f.mgr, p6, "fulfill", &r);
  it_assert_problem(&r, 409, "invalid_transition", NULL);
  it_resp_free(&r);

  /* validation of a proposal */
  char *path = it_fmt("/v1/tickets/%lld/compensations", id);
  it_req(IT_DIRECT, "POST", path, f.rep, NULL, "{\"kind\":\"cash_bonus\",\"amount_cents\":1}", &r);
  it_assert_problem(&r, 400, "validation_failed", "kind");
  it_resp_free(&r);
  it_req(IT_DIRECT, "POST", path, f.rep, NULL, "{\"kind\":\"gift\",\"amount_cents\":-1}", &r);
  it_assert_problem(&r, 400, "validation_failed", "amount_cents");
  it_resp_free(&r);
  it_req(IT_DIRECT, "POST", path, f.rep, NULL, "{\"kind\":\"gift\"}", &r);
  it_assert_problem(&r, 400, "validation_failed", "amount_cents");
  it_resp_free(&r);
  /* another store's staff sees nothing */
  comp_act(IT_PROXY, it_token("sh002.manager"), p2, "fulfill", &r);
  it_assert_problem(&r, 404, "not_found", NULL);
  it_resp_free(&r);

  /* store settings: the manager raises the rep limit to 500.00 */
  char *spath = it_fmt("/v1/stores/%lld/settings", f.store);
  it_req(IT_PROXY, "GET", spath, f.rep, NULL, NULL, &r);
  it_assert_status(&r, 200);
  ck_assert_int_eq(ji(r.json, "rep_limit_cents"), 20000);
  ck_assert_int_eq(ji(r.json, "supervisor_limit_cents"), 200000);
  ck_assert_int_eq(ji(r.json, "reopen_threshold"), 8);
  char *ifm = it_if_match(&r);
  it_resp_free(&r);
  it_req(IT_PROXY, "PATCH", spath, f.mgr, NULL, "{\"rep_limit_cents\":50000}", &r);
  it_assert_problem(&r, 428, "precondition_required", NULL);
  it_resp_free(&r);
  it_req(IT_PROXY, "PATCH", spath, f.rep, IT_HDRS(ifm), "{\"rep_limit_cents\":50000}", &r);
  it_assert_problem(&r, 403, "forbidden", NULL);
  it_resp_free(&r);
  it_req(IT_PROXY, "PATCH", spath, f.sup, IT_HDRS(ifm), "{\"rep_limit_cents\":50000}", &r);
  it_assert_problem(&r, 403, "forbidden", NULL);
  it_resp_free(&r);
  it_req(IT_PROXY, "PATCH", spath, it_token("sh002.manager"), IT_HDRS(ifm),
         "{\"rep_limit_cents\":50000}", &r);
  it_assert_problem(&r, 404, "not_found", NULL);
  it_resp_free(&r);
  it_req(IT_DIRECT, "PATCH", spath, f.mgr, IT_HDRS(ifm), "{\"reopen_threshold\":11}", &r);
  it_assert_problem(&r, 400, "validation_failed", "reopen_threshold");
  it_resp_free(&r);
  it_req(IT_PROXY, "PATCH", spath, f.mgr, IT_HDRS(ifm), "{\"rep_limit_cents\":50000}", &r);
  it_assert_status(&r, 200);
  ck_assert_int_eq(ji(r.json, "rep_limit_cents"), 50000);
  ck_assert_int_eq(ji(r.json, "supervisor_limit_cents"), 200000);
  it_resp_free(&r);
  it_req(IT_PROXY, "PATCH", spath, f.mgr, IT_HDRS(ifm), "{\"rep_limit_cents\":60000}", &r);
  it_assert_problem(&r, 412, "version_conflict", NULL);
  it_resp_free(&r);
  long long p7 = comp_propose(f.rep, id, "gift", 30000);
  comp_act(IT_PROXY, f.rep, p7, "approve", &r);
  it_assert_status(&r, 200);
  it_resp_free(&r);
  long long p8 = comp_propose(f.rep, id, "gift", 60000);
  comp_act(IT_PROXY, f.rep, p8, "approve", &r);
  assert_limit(&r, 50000);
  it_resp_free(&r);

  json_t *evs = tk_events(f.rep, id);
  ck_assert_msg(count_type(evs, "compensation_proposed") == 8, "proposed events: %s", jdump(evs));
  ck_assert_msg(count_type(evs, "compensation_approved") == 6, "approved events: %s", jdump(evs));
  ck_assert_msg(count_type(evs, "compensation_rejected") == 1, "rejected events: %s", jdump(evs));
  ck_assert_msg(count_type(evs, "compensation_fulfilled") == 1, "fulfilled events: %s", jdump(evs));
  json_decref(evs);
  free(ifm);
  free(spath);
  free(path);
}
END_TEST

/* ------------------------------------------------------------------------- */
/* satisfaction */

START_TEST(test_satisfaction) {
  fx f;
  fx_make(&f, &FXP, "Asia/Shanghai");
  long long id = tk_resolved(&f, f.rep);
  it_resp r;
  /* out of range */
  tk_satisfaction(IT_DIRECT, f.rep, id, 11, "很好", &r);
  it_assert_problem(&r, 400, "validation_failed", "score");
  it_resp_free(&r);
  tk_satisfaction(IT_DIRECT, f.rep, id, -1, "很差", &r);
  it_assert_problem(&r, 400, "validation_failed", "score");
  it_resp_free(&r);
  ck_assert_str_eq(js(tk_get(f.rep, id, NULL), "status"), "resolved");

  /* 6: second remediation */
  ck_assert_int_eq(count_outbox("low_satisfaction", id, NULL), 0);
  tk_satisfaction(IT_PROXY, f.rep, id, 6, "效果一般，还是有点红", &r);
  it_assert_status(&r, 200);
  ck_assert_str_eq(js(r.json, "status"), "in_progress");
  ck_assert_int_eq(ji(r.json, "reopen_count"), 1);
  ck_assert_int_eq(ji(r.json, "escalation_level"), 1);
  ck_assert_int_eq(ji(r.json, "satisfaction.score"), 6);
  jnull(r.json, "sla.resolved_at");
  jnull(r.json, "closed_at");
  it_resp_free(&r);
  ck_assert_int_eq(count_outbox("low_satisfaction", id, NULL), 1);
  json_t *evs = tk_events(f.rep, id);
  int s = find_event(evs, "satisfaction_recorded", 0);
  ck_assert_msg(s >= 0, "no satisfaction_recorded event: %s", jdump(evs));
  int ro = find_event(evs, "reopened", 0);
  ck_assert_msg(ro >= 0, "no reopened event: %s", jdump(evs));
  const char *note = js(json_array_get(evs, (size_t)ro), "note");
  ck_assert_msg(strstr(note, "6") && strstr(note, "8"),
                "the reopened event must say why (score 6, threshold 8): %s", note);
  json_decref(evs);

  /* not resolved now: 409 */
  tk_satisfaction(IT_PROXY, f.rep, id, 9, "好", &r);
  it_assert_problem(&r, 409, "invalid_transition", NULL);
  it_resp_free(&r);

  /* resolve again, score 9 closes */
  tk_move_ok(f.rep, id, "resolved", "二次处理完成");
  tk_satisfaction(IT_PROXY, f.rep, id, 9, "非常满意", &r);
  it_assert_status(&r, 200);
  ck_assert_str_eq(js(r.json, "status"), "closed");
  ck_assert_int_eq(ji(r.json, "satisfaction.score"), 9);
  ck_assert_int_eq(ji(r.json, "reopen_count"), 1);
  (void)jt(r.json, "closed_at");
  it_resp_free(&r);
  ck_assert_int_eq(count_outbox("low_satisfaction", id, NULL), 1);
  /* closed: 409 */
  tk_satisfaction(IT_PROXY, f.rep, id, 10, "再评", &r);
  it_assert_problem(&r, 409, "invalid_transition", NULL);
  it_resp_free(&r);
  /* open: 409 */
  long long id2 = tk_new(&f, f.rep, "normal", "other");
  tk_satisfaction(IT_PROXY, f.rep, id2, 10, "好", &r);
  it_assert_problem(&r, 409, "invalid_transition", NULL);
  it_resp_free(&r);

  /* escalation stops at 2; a low score twice */
  long long id3 = tk_resolved(&f, f.rep);
  tk_satisfaction(IT_PROXY, f.rep, id3, 0, "很差", &r);
  it_assert_status(&r, 200);
  ck_assert_int_eq(ji(r.json, "escalation_level"), 1);
  it_resp_free(&r);
  tk_move_ok(f.rep, id3, "resolved", NULL);
  tk_satisfaction(IT_PROXY, f.rep, id3, 7, "还行", &r);
  it_assert_status(&r, 200);
  ck_assert_int_eq(ji(r.json, "escalation_level"), 2);
  ck_assert_int_eq(ji(r.json, "reopen_count"), 2);
  it_resp_free(&r);
  tk_move_ok(f.rep, id3, "resolved", NULL);
  tk_satisfaction(IT_PROXY, f.rep, id3, 5, "不满意", &r);
  it_assert_status(&r, 200);
  ck_assert_int_eq(ji(r.json, "escalation_level"), 2);
  ck_assert_int_eq(ji(r.json, "reopen_count"), 3);
  it_resp_free(&r);
  ck_assert_int_eq(count_outbox("low_satisfaction", id3, NULL), 3);

  /* the threshold is a store setting */
  char *spath = it_fmt("/v1/stores/%lld/settings", f.store);
  it_req(IT_PROXY, "GET", spath, f.mgr, NULL, NULL, &r);
  char *ifm = it_if_match(&r);
  it_resp_free(&r);
  it_req(IT_PROXY, "PATCH", spath, f.mgr, IT_HDRS(ifm), "{\"reopen_threshold\":6}", &r);
  it_assert_status(&r, 200);
  it_resp_free(&r);
  long long id4 = tk_resolved(&f, f.rep);
  tk_satisfaction(IT_PROXY, f.rep, id4, 6, "一般", &r);
  it_assert_status(&r, 200);
  ck_assert_str_eq(js(r.json, "status"), "closed");
  it_resp_free(&r);
  long long id5 = tk_resolved(&f, f.rep);
  tk_satisfaction(IT_PROXY, f.rep, id5, 5, "不太满意", &r);
  it_assert_status(&r, 200);
  ck_assert_str_eq(js(r.json, "status"), "in_progress");
  it_resp_free(&r);
  evs = tk_events(f.rep, id5);
  ro = find_event(evs, "reopened", 0);
  ck_assert_msg(ro >= 0, "no reopened event: %s", jdump(evs));
  note = js(json_array_get(evs, (size_t)ro), "note");
  ck_assert_msg(strstr(note, "5") && strstr(note, "6"), "reopened note: %s", note);
  json_decref(evs);
  free(ifm);
  free(spath);
}
END_TEST

/* ------------------------------------------------------------------------- */
/* cross-store */

START_TEST(test_cross_store) {
  long long sh001 = it_store_id("SH001");
  long long cust = new_customer(&FXP, sh001);
  const char *rep1 = it_token("sh001.rep");
  const char *rep2 = it_token("sh002.rep");
  json_t *t = tk_create(rep1, sh001, cust, "normal", "environment", "包间卫生差", NULL);
  long long id = ji(t, "id");
  json_decref(t);
  long long comp = comp_propose(rep1, id, "gift", 5000);
  long long before = count_events(id);
  it_resp r;
  char *p = it_fmt("/v1/tickets/%lld", id);
  it_req(IT_PROXY, "GET", p, rep2, NULL, NULL, &r);
  it_assert_problem(&r, 404, "not_found", NULL);
  it_resp_free(&r);
  it_req(IT_PROXY, "PATCH", p, rep2, IT_HDRS("If-Match: *"), "{\"subject\":\"改\"}", &r);
  it_assert_problem(&r, 404, "not_found", NULL);
  it_resp_free(&r);
  tk_move_r(IT_PROXY, rep2, id, "acknowledged", NULL, NULL, &r);
  it_assert_problem(&r, 404, "not_found", NULL);
  it_resp_free(&r);
  tk_comment(rep2, id, "越权评论", "customer", &r);
  it_assert_problem(&r, 404, "not_found", NULL);
  it_resp_free(&r);
  static const char *const subs[] = {"events", "comments"};
  for (size_t i = 0; i < 2; i++) {
    char *sp = it_fmt("/v1/tickets/%lld/%s", id, subs[i]);
    it_req(IT_PROXY, "GET", sp, rep2, NULL, NULL, &r);
    it_assert_problem(&r, 404, "not_found", NULL);
    it_resp_free(&r);
    free(sp);
  }
  tk_assign(it_token("sh002.manager"), id, it_staff_id("sh002.rep"), &r);
  it_assert_problem(&r, 404, "not_found", NULL);
  it_resp_free(&r);
  char *cp = it_fmt("/v1/tickets/%lld/compensations", id);
  it_req(IT_PROXY, "POST", cp, rep2, NULL, "{\"kind\":\"gift\",\"amount_cents\":100}", &r);
  it_assert_problem(&r, 404, "not_found", NULL);
  it_resp_free(&r);
  comp_act(IT_PROXY, it_token("sh002.manager"), comp, "approve", &r);
  it_assert_problem(&r, 404, "not_found", NULL);
  it_resp_free(&r);
  tk_satisfaction(IT_PROXY, rep2, id, 9, "好", &r);
  it_assert_problem(&r, 404, "not_found", NULL);
  it_resp_free(&r);
  ck_assert_int_eq(count_events(id), before);
  /* not in another store's list */
  char *lp = it_fmt("/v1/tickets?customer=%lld", cust);
  it_req(IT_PROXY, "GET", lp, rep2, NULL, NULL, &r);
  it_assert_status(&r, 200);
  ck_assert_int_eq(json_array_size(json_object_get(r.json, "items")), 0);
  it_resp_free(&r);
  /* a supervisor of both stores, and HQ, see it */
  json_decref(tk_get(it_token("east.supervisor"), id, NULL));
  json_decref(tk_get(it_hq(), id, NULL));
  it_req(IT_PROXY, "GET", lp, rep1, NULL, NULL, &r);
  it_assert_status(&r, 200);
  ck_assert_int_eq(json_array_size(json_object_get(r.json, "items")), 1);
  it_resp_free(&r);
  /* a rep cannot open a ticket in another store */
  long long n = count_store_tickets(it_store_id("SH002"));
  json_t *b =
      json_pack("{s:I, s:I, s:s, s:s, s:s, s:s}", "store_id", (json_int_t)it_store_id("SH002"),
                "customer_id", (json_int_t)cust, "channel", "phone", "severity", "normal",
                "category", "other", "subject", "他店工单");
  it_req_json(IT_PROXY, "POST", "/v1/tickets", rep1, NULL, b, &r);
  it_assert_problem(&r, 400, "validation_failed", "store_id");
  it_resp_free(&r);
  ck_assert_int_eq(count_store_tickets(it_store_id("SH002")), n);
  free(lp);
  free(cp);
  free(p);
}
END_TEST

/* ------------------------------------------------------------------------- */
/* concurrency */


START_TEST(test_concurrent_patch) {
  fx f;
  fx_make(&f, &FXP, "Asia/Shanghai");
  long long id = tk_new(&f, f.rep, "normal", "other");
  char *ifm;
  json_t *t = tk_get(f.rep, id, &ifm);
  long long v0 = ji(t, "version");
  json_decref(t);
  long long ev0 = count_events(id);
  char *path = it_fmt("/v1/tickets/%lld", id);
  it_racer xs[IT_RACERS];
  char *bodies[IT_RACERS];
  for (int i = 0; i < IT_RACERS; i++) {
    bodies[i] = it_fmt("{\"subject\":\"并发修改%d\"}", i);
    xs[i] = (it_racer){.method = "PATCH",
                    .path = path,
                    .token = f.rep,
                    .body = bodies[i],
                    .headers = {ifm, "Content-Type: application/json", NULL}};
  }
  it_race(xs, IT_RACERS);
  int ok = 0, conflict = 0, winner = -1;
  for (int i = 0; i < IT_RACERS; i++) {
    if (xs[i].r.status == 200) {
      ok++;
      winner = i;
    } else if (xs[i].r.status == 412) {
      it_assert_problem(&xs[i].r, 412, "version_conflict", NULL);
      conflict++;
    } else
      ck_abort_msg("concurrent PATCH answered %s", it_desc(&xs[i].r));
  }
  ck_assert_msg(ok == 1 && conflict == IT_RACERS - 1, "%d x 200, %d x 412", ok, conflict);
  t = tk_get(f.rep, id, NULL);
  char *want = it_fmt("并发修改%d", winner);
  ck_assert_str_eq(js(t, "subject"), want);
  ck_assert_msg(ji(t, "version") > v0, "version did not move");
  json_decref(t);
  ck_assert_int_eq(count_events(id), ev0 + 1);
  json_t *evs = tk_events(f.rep, id);
  ck_assert_int_eq(count_type(evs, "updated"), 1);
  json_decref(evs);

  /* the same for transitions with If-Match */
  json_decref(tk_get(f.rep, id, NULL));
  char *ifm2;
  json_decref(tk_get(f.rep, id, &ifm2));
  char *tpath = it_fmt("/v1/tickets/%lld/transitions", id);
  for (int i = 0; i < IT_RACERS; i++) {
    it_resp_free(&xs[i].r);
    xs[i] = (it_racer){.method = "POST",
                    .path = tpath,
                    .token = f.rep,
                    .body = "{\"to\":\"acknowledged\"}",
                    .headers = {ifm2, NULL}};
  }
  it_race(xs, IT_RACERS);
  ok = 0;
  for (int i = 0; i < IT_RACERS; i++) {
    if (xs[i].r.status == 200)
      ok++;
    else
      ck_assert_msg(xs[i].r.status == 412 || xs[i].r.status == 409,
                    "concurrent transition answered %s", it_desc(&xs[i].r));
    it_resp_free(&xs[i].r);
  }
  ck_assert_int_eq(ok, 1);
  evs = tk_events(f.rep, id);
  ck_assert_msg(find_status_event(evs, "acknowledged", 0) >= 0 &&
                    find_status_event(evs, "acknowledged",
                                      (size_t)find_status_event(evs, "acknowledged", 0) + 1) < 0,
                "exactly one acknowledged event expected: %s", jdump(evs));
  json_decref(evs);
  for (int i = 0; i < IT_RACERS; i++)
    free(bodies[i]);
  free(tpath);
  free(ifm2);
  free(want);
  free(path);
  free(ifm);
}
END_TEST

/* ------------------------------------------------------------------------- */
/* atomicity */

START_TEST(test_atomicity) {
  fx f;
  fx_make(&f, &FXP, "Asia/Shanghai");
  long long id = tk_new(&f, f.rep, "normal", "product_quality");
  char *ifm;
  json_t *t0 = tk_get(f.rep, id, &ifm);
  long long ev0 = count_events(id);
  it_resp r;

  /* a PATCH with an invalid evidence item: 400, nothing written */
  tk_patch(IT_DIRECT, f.rep, id, ifm,
           "{\"subject\":\"不应写入\",\"evidence\":[{\"url\":\"ftp://files.example.com/a.jpg\","
           "\"kind\":\"photo\"}]}",
           &r);
  it_assert_problem(&r, 400, "validation_failed", "evidence*");
  it_resp_free(&r);
  json_t *t1 = tk_get(f.rep, id, NULL);
  ck_assert_msg(json_equal(t0, t1), "a failed PATCH changed the ticket: %s", jdump(t1));
  json_decref(t1);
  ck_assert_int_eq(count_events(id), ev0);

  /* an approval beyond authority writes no event and leaves the proposal */
  long long comp = comp_propose(f.rep, id, "full_refund", 10000);
  long long ev1 = count_events(id);
  comp_act(IT_PROXY, f.sup, comp, "approve", &r);
  it_resp_free(&r);
  ck_assert_int_eq(count_events(id), ev1);
  char *cid = it_fmt("%lld", comp);
  ck_assert_int_eq(it_db_count("SELECT count(*) FROM ticket_events WHERE ticket_id = $1::bigint "
                               "AND type = 'compensation_approved'",
                               it_fmt("%lld", id), IT_END),
                   0);

  /* a failure inside the transaction: the database refuses the event row
   * (a check violation raised by a trigger installed for this ticket only).
   * The change and its event must both be absent afterwards. */
  json_t *before = tk_get(f.rep, id, &ifm);
  long long ev2 = count_events(id);
  db_exec("CREATE OR REPLACE FUNCTION it_tickets_fail() RETURNS trigger LANGUAGE plpgsql AS $$ "
          "BEGIN RAISE EXCEPTION 'it_tickets: forced failure' USING ERRCODE = 'check_violation'; "
          "END $$");
  char *trg = it_fmt("CREATE TRIGGER it_fail_ev_%lld BEFORE INSERT ON ticket_events FOR EACH ROW "
                     "WHEN (NEW.ticket_id = %lld) EXECUTE FUNCTION it_tickets_fail()",
                     id, id);
  db_exec(trg);
  tk_move_r(IT_DIRECT, f.rep, id, "acknowledged", NULL, NULL, &r);
  long s1 = r.status;
  it_resp_free(&r);
  tk_patch(IT_DIRECT, f.rep, id, ifm, "{\"subject\":\"半截写入\",\"severity\":\"urgent\"}", &r);
  long s2 = r.status;
  it_resp_free(&r);
  char *cpath = it_fmt("/v1/tickets/%lld/comments", id);
  it_req(IT_DIRECT, "POST", cpath, f.rep, NULL, "{\"body\":\"您好\",\"visibility\":\"customer\"}",
         &r);
  long s3 = r.status;
  it_resp_free(&r);
  char *apath = it_fmt("/v1/tickets/%lld/assign", id);
  char *abody = it_fmt("{\"assignee_id\":%lld}", f.rep_id);
  it_req(IT_DIRECT, "POST", apath, f.sup, NULL, abody, &r);
  long s4 = r.status;
  it_resp_free(&r);
  comp_act(IT_DIRECT, f.mgr, comp, "approve", &r);
  long s5 = r.status;
  it_resp_free(&r);
  char *drop = it_fmt("DROP TRIGGER it_fail_ev_%lld ON ticket_events", id);
  db_exec(drop);
  ck_assert_msg(s1 >= 400 && s2 >= 400 && s3 >= 400 && s4 >= 400 && s5 >= 400,
                "a refused event row must fail the request: transition %ld, patch %ld, comment "
                "%ld, assign %ld, approve %ld",
                s1, s2, s3, s4, s5);
  json_t *after = tk_get(f.rep, id, NULL);
  ck_assert_msg(json_equal(before, after), "half-written ticket:\nbefore %s", jdump(before));
  json_decref(after);
  ck_assert_int_eq(count_events(id), ev2);
  it_req(IT_PROXY, "GET", cpath, f.rep, NULL, NULL, &r);
  it_assert_status(&r, 200);
  ck_assert_int_eq(json_array_size(json_object_get(r.json, "items")), 0);
  it_resp_free(&r);
  ck_assert_int_eq(it_db_count("SELECT count(*) FROM ticket_events WHERE ticket_id = $1::bigint "
                               "AND type = 'compensation_approved'",
                               it_fmt("%lld", id), IT_END),
                   0);
  /* and the same steps work once the database accepts them */
  tk_move_ok(f.rep, id, "acknowledged", NULL);
  comp_act(IT_PROXY, f.mgr, comp, "approve", &r);
  it_assert_status(&r, 200);
  it_resp_free(&r);

  /* an urgent ticket whose manager notification the database refuses: no ticket */
  char *otrg = it_fmt("CREATE TRIGGER it_fail_ob_%lld BEFORE INSERT ON outbox FOR EACH ROW "
                      "WHEN (NEW.store_id = %lld) EXECUTE FUNCTION it_tickets_fail()",
                      f.store, f.store);
  db_exec(otrg);
  long long n = count_store_tickets(f.store);
  json_t *b = json_pack("{s:I, s:I, s:s, s:s, s:s, s:s}", "store_id", (json_int_t)f.store,
                        "customer_id", (json_int_t)f.cust, "channel", "phone", "severity", "urgent",
                        "category", "injury", "subject", "烫伤");
  char *bt = json_dumps(b, JSON_COMPACT);
  json_decref(b);
  it_req(IT_DIRECT, "POST", "/v1/tickets", f.rep, NULL, bt, &r);
  long s6 = r.status;
  it_resp_free(&r);
  char *odrop = it_fmt("DROP TRIGGER it_fail_ob_%lld ON outbox", f.store);
  db_exec(odrop);
  ck_assert_msg(s6 >= 400, "a refused outbox row must fail the create: %ld", s6);
  ck_assert_int_eq(count_store_tickets(f.store), n);
  it_req(IT_PROXY, "POST", "/v1/tickets", f.rep, NULL, bt, &r);
  it_assert_status(&r, 201);
  ck_assert_int_eq(count_outbox("urgent_ticket", it_jint(&r, "id"), NULL), 1);
  it_resp_free(&r);
  json_decref(before);
  json_decref(t0);
  free(bt);
  free(odrop);
  free(otrg);
  free(drop);
  free(cpath);
  free(trg);
  free(cid);
  free(apath);
  free(abody);
  free(ifm);
}
END_TEST

/* ------------------------------------------------------------------------- */
/* validation, outbox at creation, idempotency, timeline, visibility */

/* POST /v1/tickets directly with body text: 400 naming field, nothing written. */
static void bad_create(fx *f, const char *token, json_t *body, const char *field) {
  long long n = count_store_tickets(f->store);
  char *text = json_dumps(body, JSON_COMPACT);
  json_decref(body);
  it_resp r;
  it_req(IT_DIRECT, "POST", "/v1/tickets", token, NULL, text, &r);
  it_assert_problem(&r, 400, "validation_failed", field);
  it_resp_free(&r);
  ck_assert_msg(count_store_tickets(f->store) == n, "a refused create wrote a ticket: %s", text);
  free(text);
}
static json_t *base_body(fx *f) {
  return json_pack("{s:I, s:I, s:s, s:s, s:s, s:s}", "store_id", (json_int_t)f->store,
                   "customer_id", (json_int_t)f->cust, "channel", "wechat", "severity", "normal",
                   "category", "other", "subject", "基础工单");
}
static json_t *with(json_t *b, const char *key, json_t *v) {
  json_object_set_new(b, key, v);
  return b;
}
static json_t *without(json_t *b, const char *key) {
  json_object_del(b, key);
  return b;
}

START_TEST(test_validation) {
  fx f;
  fx_make(&f, &FXP, "Asia/Shanghai");
  bad_create(&f, f.rep, with(base_body(&f), "severity", json_string("critical")), "severity");
  bad_create(&f, f.rep, with(base_body(&f), "channel", json_string("fax")), "channel");
  bad_create(&f, f.rep, with(base_body(&f), "category", json_string("weather")), "category");
  bad_create(&f, f.rep, with(base_body(&f), "subject", json_string(ZH201)), "subject");
  bad_create(&f, f.rep, with(base_body(&f), "subject", json_string("")), "subject");
  bad_create(&f, f.rep, without(base_body(&f), "subject"), "subject");
  bad_create(&f, f.rep, without(base_body(&f), "severity"), "severity");
  bad_create(&f, f.rep, without(base_body(&f), "customer_id"), "customer_id");
  json_t *tags = json_array();
  for (int i = 0; i < 21; i++)
    json_array_append_new(tags, json_string(it_fmt("标签%d", i)));
  bad_create(&f, f.rep, with(base_body(&f), "tags", tags), "tags*");
  bad_create(&f, f.rep, with(base_body(&f), "tags", json_pack("[s]", ZH33)), "tags*");
  bad_create(
      &f, f.rep,
      with(base_body(&f), "evidence",
           json_pack("[{s:s, s:s}]", "url", "ftp://files.example.com/x.jpg", "kind", "photo")),
      "evidence*");
  bad_create(&f, f.rep,
             with(base_body(&f), "evidence",
                  json_pack("[{s:s, s:s}]", "url", "javascript:alert(1)", "kind", "photo")),
             "evidence*");
  bad_create(&f, f.rep,
             with(base_body(&f), "evidence",
                  json_pack("[{s:s, s:s}]", "url", "https://a.example.com/x", "kind", "hologram")),
             "evidence*");
  json_t *ev21 = json_array();
  for (int i = 0; i < 21; i++)
    json_array_append_new(
        ev21, json_pack("{s:s, s:s}", "url", "https://img.example.com/p.jpg", "kind", "photo"));
  bad_create(&f, f.rep, with(base_body(&f), "evidence", ev21), "evidence*");
  bad_create(&f, f.rep, with(base_body(&f), "priority", json_string("high")), "priority");
  bad_create(&f, f.rep,
             with(base_body(&f), "customer_id", json_integer(new_customer(&FXP, it_store_id("SH001")))),
             "customer_id");
  bad_create(&f, f.rep, with(base_body(&f), "customer_id", json_integer(999999999)), "customer_id");
  bad_create(&f, f.rep, with(base_body(&f), "store_id", json_integer(it_store_id("SH002"))),
             "store_id");
  bad_create(&f, f.rep, with(base_body(&f), "assignee_id", json_integer(it_staff_id("sh001.rep"))),
             "assignee_id");
  /* the limits themselves pass: 200 characters, 20 tags of 32, 20 evidence items */
  tags = json_array();
  for (int i = 0; i < 19; i++)
    json_array_append_new(tags, json_string(it_fmt("标签%d", i)));
  json_array_append_new(tags, json_string(ZH32));
  json_t *ev20 = json_array();
  for (int i = 0; i < 20; i++)
    json_array_append_new(ev20, json_pack("{s:s, s:s}", "url", "http://img.example.com/p.jpg",
                                          "kind", i % 2 ? "chat" : "video"));
  json_t *ok = base_body(&f);
  json_object_set_new(ok, "subject", json_string(ZH200));
  json_object_set_new(ok, "tags", tags);
  json_object_set_new(ok, "evidence", ev20);
  json_t *t = tk_create(f.rep, f.store, f.cust, "normal", "other", ZH200, json_incref(ok));
  ck_assert_int_eq(json_array_size(jp(t, "tags")), 20);
  ck_assert_int_eq(json_array_size(jp(t, "evidence")), 20);
  long long normal_id = ji(t, "id");
  json_decref(t);
  json_decref(ok);
  ck_assert_int_eq(count_outbox("urgent_ticket", normal_id, NULL), 0);

  /* PATCH validation */
  char *ifm;
  json_t *t0 = tk_get(f.rep, normal_id, &ifm);
  it_resp r;
  tk_patch(IT_DIRECT, f.rep, normal_id, ifm, "{\"severity\":\"red\"}", &r);
  it_assert_problem(&r, 400, "validation_failed", "severity");
  it_resp_free(&r);
  tk_patch(IT_DIRECT, f.rep, normal_id, ifm, "{\"status\":\"closed\"}", &r);
  it_assert_problem(&r, 400, "validation_failed", "status");
  it_resp_free(&r);
  tk_patch(IT_DIRECT, f.rep, normal_id, ifm, "{\"subject\":\"" ZH201 "\"}", &r);
  it_assert_problem(&r, 400, "validation_failed", "subject");
  it_resp_free(&r);
  tk_patch(IT_PROXY, f.rep, normal_id, NULL, "{\"subject\":\"无条件\"}", &r);
  it_assert_problem(&r, 428, "precondition_required", NULL);
  it_resp_free(&r);
  json_t *t1 = tk_get(f.rep, normal_id, NULL);
  ck_assert_msg(json_equal(t0, t1), "refused PATCHes changed the ticket");
  json_decref(t0);
  json_decref(t1);
  tk_patch(IT_PROXY, f.rep, normal_id, ifm,
           "{\"subject\":\"改后的主题\",\"tags\":[\"甲\",\"乙\",\"甲\"],\"channel\":\"sms\"}", &r);
  it_assert_status(&r, 200);
  ck_assert_str_eq(js(r.json, "subject"), "改后的主题");
  ck_assert_int_eq(json_array_size(jp(r.json, "tags")), 2); /* a set */
  ck_assert_str_eq(js(r.json, "channel"), "sms");
  it_resp_free(&r);
  json_t *evs = tk_events(f.rep, normal_id);
  int u = find_event(evs, "updated", 0);
  ck_assert_msg(u >= 0, "no updated event: %s", jdump(evs));
  ck_assert_str_eq(js(json_array_get(evs, (size_t)u), "before.subject"), ZH200);
  ck_assert_str_eq(js(json_array_get(evs, (size_t)u), "after.subject"), "改后的主题");
  json_decref(evs);

  /* an urgent ticket notifies the store manager at creation */
  t = tk_create(f.rep, f.store, f.cust, "urgent", "allergy_reaction", "过敏红肿", NULL);
  long long uid = ji(t, "id");
  json_decref(t);
  ck_assert_int_eq(count_outbox("urgent_ticket", uid, NULL), 1);
  char *us = it_fmt("%lld", uid);
  char *ss = it_fmt("%lld", f.store);
  ck_assert_int_eq(it_db_count("SELECT count(*) FROM outbox WHERE kind = 'urgent_ticket' AND "
                               "ticket_id = $1::bigint AND store_id = $2::bigint AND "
                               "recipient_role = 'manager'",
                               us, ss, IT_END),
                   1);

  /* Idempotency-Key: a replay answers the first ticket, writes one row */
  char *key = it_uniq("Idempotency-Key: it-ticket-");
  char *subj = it_uniq("幂等工单");
  json_t *ib = base_body(&f);
  json_object_set_new(ib, "subject", json_string(subj));
  char *ibt = json_dumps(ib, JSON_COMPACT);
  json_object_set_new(ib, "description", json_string("不同的正文"));
  char *ibt2 = json_dumps(ib, JSON_COMPACT);
  json_decref(ib);
  it_resp a, b;
  it_req(IT_PROXY, "POST", "/v1/tickets", f.rep, IT_HDRS(key), ibt, &a);
  it_assert_status(&a, 201);
  it_req(IT_PROXY, "POST", "/v1/tickets", f.rep, IT_HDRS(key), ibt, &b);
  it_assert_status(&b, 201);
  ck_assert_int_eq(it_jint(&a, "id"), it_jint(&b, "id"));
  ck_assert_msg(json_equal(a.json, b.json), "replay differs:\n%s", it_desc(&b));
  long long iid = it_jint(&a, "id");
  it_resp_free(&a);
  it_resp_free(&b);
  ck_assert_int_eq(it_db_count("SELECT count(*) FROM tickets WHERE subject = $1", subj, IT_END), 1);
  it_req(IT_PROXY, "POST", "/v1/tickets", f.rep, IT_HDRS(key), ibt2, &a);
  it_assert_problem(&a, 422, "idempotency_key_reused", NULL);
  it_resp_free(&a);
  ck_assert_int_eq(it_db_count("SELECT count(*) FROM tickets WHERE subject = $1", subj, IT_END), 1);
  char *is = it_fmt("%lld", iid);
  ck_assert_int_eq(
      it_db_count("SELECT count(*) FROM ticket_events WHERE ticket_id = $1::bigint", is, IT_END),
      1);

  /* a ticket makes the customer visible to its store */
  long long far = new_customer(&FXP, it_store_id("SH002"));
  char *cp = it_fmt("/v1/customers/%lld", far);
  it_req(IT_PROXY, "GET", cp, f.rep, NULL, NULL, &r);
  it_assert_problem(&r, 404, "not_found", NULL);
  it_resp_free(&r);
  json_decref(tk_create(it_hq(), f.store, far, "normal", "other", "他店会员投诉", NULL));
  it_req(IT_PROXY, "GET", cp, f.rep, NULL, NULL, &r);
  it_assert_status(&r, 200);
  it_resp_free(&r);
  /* the customer's timeline lists the ticket */
  char *tl = it_fmt("/v1/customers/%lld/timeline", f.cust);
  it_req(IT_PROXY, "GET", tl, f.rep, NULL, NULL, &r);
  it_assert_status(&r, 200);
  json_t *items = json_object_get(r.json, "items");
  int found = 0;
  for (size_t i = 0; i < json_array_size(items); i++) {
    json_t *it = json_array_get(items, i);
    if (strcmp(js(it, "type"), "ticket") == 0 && json_is_integer(jp(it, "ticket.id")) &&
        ji(it, "ticket.id") == uid) {
      found = 1;
      ck_assert_int_eq(ji(it, "store_id"), f.store);
      (void)jt(it, "at");
    }
  }
  ck_assert_msg(found, "timeline lacks the ticket %lld: %s", uid, it_desc(&r));
  it_resp_free(&r);

  free(cp);
  free(tl);
  free(is);
  free(ibt);
  free(ibt2);
  free(subj);
  free(key);
  free(us);
  free(ss);
  free(ifm);
}
END_TEST

/* ------------------------------------------------------------------------- */
/* list */

/* Walks GET /v1/tickets?query with limit; ids in order (new array). */
static json_t *walk(const char *tok, const char *query, int limit, json_t **objs) {
  json_t *ids = json_array();
  if (objs)
    *objs = json_array();
  char *cursor = NULL;
  for (int page = 0; page < 100; page++) {
    char *path;
    if (cursor) {
      char *c = it_escape(cursor);
      path = it_fmt("/v1/tickets?%s&limit=%d&cursor=%s", query, limit, c);
      free(c);
    } else {
      path = it_fmt("/v1/tickets?%s&limit=%d", query, limit);
    }
    it_resp r;
    it_req(IT_PROXY, "GET", path, tok, NULL, NULL, &r);
    ck_assert_msg(r.status == 200, "GET %s: %s", path, it_desc(&r));
    json_t *items = json_object_get(r.json, "items");
    ck_assert_msg(json_is_array(items) && (int)json_array_size(items) <= limit, "page: %s",
                  it_desc(&r));
    for (size_t i = 0; i < json_array_size(items); i++) {
      json_array_append_new(ids, json_integer(ji(json_array_get(items, i), "id")));
      if (objs)
        json_array_append(*objs, json_array_get(items, i));
    }
    json_t *nc = json_object_get(r.json, "next_cursor");
    ck_assert_msg(json_is_null(nc) || json_is_string(nc), "next_cursor: %s", it_desc(&r));
    free(cursor);
    cursor = json_is_string(nc) ? strdup(json_string_value(nc)) : NULL;
    it_resp_free(&r);
    free(path);
    if (!cursor)
      return ids;
  }
  ck_abort_msg("more than 100 pages for %s", query);
  return ids;
}

/* The ids of a list must be exactly want (any order unless ordered). */
static void assert_ids(json_t *got, const long long *want, size_t n, int ordered,
                       const char *what) {
  char *g = json_dumps(got, JSON_COMPACT);
  ck_assert_msg(json_array_size(got) == n, "%s: got %s, expected %zu ids", what, g, n);
  for (size_t i = 0; i < n; i++) {
    if (ordered) {
      ck_assert_msg(json_integer_value(json_array_get(got, i)) == want[i],
                    "%s: got %s, position %zu should be %lld", what, g, i, want[i]);
    } else {
      int found = 0;
      for (size_t j = 0; j < n; j++)
        if (json_integer_value(json_array_get(got, j)) == want[i])
          found = 1;
      ck_assert_msg(found, "%s: got %s, %lld missing", what, g, want[i]);
    }
  }
  free(g);
}
static void list_is(const char *tok, const char *query, const long long *want, size_t n,
                    const char *what) {
  json_t *ids = walk(tok, query, 50, NULL);
  assert_ids(ids, want, n, 0, what);
  json_decref(ids);
}

/* Soonest unmet due time of a listed ticket, or INFINITY. */
static double due_key(json_t *t) {
  double k = INFINITY;
  json_t *sla = jp(t, "sla");
  if (json_is_null(json_object_get(sla, "first_responded_at")) &&
      json_is_string(json_object_get(sla, "first_response_due_at")))
    k = fmin(k, jt(sla, "first_response_due_at"));
  const char *st = js(t, "status");
  if (json_is_null(json_object_get(sla, "resolved_at")) &&
      json_is_string(json_object_get(sla, "resolution_due_at")) &&
      strcmp(st, "pending_customer") != 0 && strcmp(st, "closed") != 0)
    k = fmin(k, jt(sla, "resolution_due_at"));
  if (json_is_string(json_object_get(sla, "next_update_due_at")))
    k = fmin(k, jt(sla, "next_update_due_at"));
  return k;
}

START_TEST(test_list) {
  fx f;
  fx_make(&f, &FXP, "Asia/Shanghai");
  long long cust2 = new_customer(&FXP, f.store);
  json_t *t;
  t = tk_create(f.rep, f.store, f.cust, "urgent", "environment", "门店空调温度太低顾客着凉",
                json_pack("{s:[s]}", "tags", "空调"));
  long long A = ji(t, "id");
  json_decref(t);
  t = tk_create(f.rep, f.store, f.cust, "normal", "billing", "账单金额有误", NULL);
  long long B = ji(t, "id");
  json_decref(t);
  tk_move_ok(f.rep, B, "acknowledged", NULL);
  t = tk_create(f.rep, f.store, f.cust, "important", "treatment_effect", "护理效果不明显", NULL);
  long long C = ji(t, "id");
  json_decref(t);
  it_resp r;
  tk_assign(f.sup, C, f.rep_id, &r);
  it_assert_status(&r, 200);
  it_resp_free(&r);
  tk_move_ok(f.rep, C, "acknowledged", NULL);
  tk_move_ok(f.rep, C, "in_progress", NULL);
  t = tk_create(f.rep, f.store, f.cust, "normal", "product_quality", "精华液过敏", NULL);
  long long D = ji(t, "id");
  json_decref(t);
  tk_move_ok(f.rep, D, "acknowledged", NULL);
  tk_move_ok(f.rep, D, "resolved", NULL);
  t = tk_create(f.rep, f.store, cust2, "normal", "other", "预约时间冲突",
                json_pack("{s:s}", "description", "顾客说包间空调噪音大，影响休息"));
  long long E = ji(t, "id");
  json_decref(t);
  t = tk_create(f.rep, f.store, f.cust, "normal", "appointment", "预约被取消", NULL);
  long long F = ji(t, "id");
  json_decref(t);
  /* F: its first response is overdue (the database clock moved back) */
  char *upd = it_fmt("UPDATE tickets SET first_response_due_at = now() - interval '1 minute' "
                     "WHERE id = %lld",
                     F);
  db_exec(upd);
  free(upd);

  const char *tok = f.sup;
  char *sq = it_fmt("store=%lld", f.store);
#define Q(...) it_fmt("store=%lld&" __VA_ARGS__)
#define IDS(...)                                                                                   \
  ((const long long[]){__VA_ARGS__}), sizeof((const long long[]){__VA_ARGS__}) / sizeof(long long)
  char *q;
  list_is(tok, sq, IDS(A, B, C, D, E, F), "store");
  list_is(tok, q = Q("status=open,acknowledged", f.store), IDS(A, B, E, F), "status list");
  free(q);
  list_is(tok, q = Q("status=resolved", f.store), IDS(D), "status resolved");
  free(q);
  list_is(tok, q = Q("severity=urgent", f.store), IDS(A), "severity");
  free(q);
  list_is(tok, q = Q("category=billing", f.store), IDS(B), "category");
  free(q);
  list_is(f.rep, q = Q("assignee=me", f.store), IDS(C), "assignee=me");
  free(q);
  list_is(tok, q = it_fmt("store=%lld&assignee=%lld", f.store, f.rep_id), IDS(C), "assignee id");
  free(q);
  list_is(tok, q = it_fmt("store=%lld&customer=%lld", f.store, cust2), IDS(E), "customer");
  free(q);
  char *tag = it_escape("空调");
  list_is(tok, q = it_fmt("store=%lld&tag=%s", f.store, tag), IDS(A), "tag");
  free(q);
  list_is(tok, q = it_fmt("store=%lld&q=%s", f.store, tag), IDS(A, E), "q subject+description");
  free(q);
  char *zq = it_escape("账单");
  list_is(tok, q = it_fmt("store=%lld&q=%s", f.store, zq), IDS(B), "q Chinese");
  free(q);
  free(zq);
  free(tag);
  list_is(tok, q = it_fmt("store=%lld&q=%s", f.store, "nothing-like-this"), NULL, 0, "q none");
  free(q);
  list_is(tok, q = Q("overdue=true", f.store), IDS(F), "overdue");
  free(q);
  /* created_from / created_to */
  list_is(tok, q = Q("created_from=2099-01-01T00:00:00Z", f.store), NULL, 0, "created_from");
  free(q);
  list_is(tok, q = Q("created_to=2000-01-01T00:00:00Z", f.store), NULL, 0, "created_to");
  free(q);
  list_is(tok, q = Q("created_from=2000-01-01T00:00:00Z&created_to=2099-01-01T00:00:00Z", f.store),
          IDS(A, B, C, D, E, F), "created range");
  free(q);

  /* breached: the sweeper records F's breach within seconds */
  double deadline = it_now() + 20;
  json_t *ids = NULL;
  q = Q("breached=true", f.store);
  while (it_now() < deadline) {
    ids = walk(tok, q, 50, NULL);
    if (json_array_size(ids) > 0)
      break;
    json_decref(ids);
    ids = NULL;
    it_sleep(0.5);
  }
  ck_assert_msg(ids, "breached=true stayed empty for 20 s");
  assert_ids(ids, IDS(F), 0, "breached=true");
  json_decref(ids);
  free(q);
  list_is(tok, q = Q("breached=false", f.store), IDS(A, B, C, D, E), "breached=false");
  free(q);

  /* sort=created: newest first; every page size walks each ticket once */
  for (int lim = 1; lim <= 4; lim++) {
    ids = walk(tok, sq, lim, NULL);
    assert_ids(ids, IDS(F, E, D, C, B, A), 1, "sort=created (default)");
    json_decref(ids);
  }
  q = Q("sort=created", f.store);
  ids = walk(tok, q, 2, NULL);
  assert_ids(ids, IDS(F, E, D, C, B, A), 1, "sort=created");
  json_decref(ids);
  free(q);
  /* sort=due: soonest unmet due first, none last */
  q = Q("sort=due", f.store);
  json_t *objs;
  json_t *all = walk(tok, q, 50, &objs);
  ck_assert_int_eq(json_array_size(all), 6);
  ck_assert_int_eq(json_integer_value(json_array_get(all, 0)), F);
  ck_assert_int_eq(json_integer_value(json_array_get(all, 5)), D);
  for (size_t i = 1; i < json_array_size(objs); i++)
    ck_assert_msg(due_key(json_array_get(objs, i - 1)) <= due_key(json_array_get(objs, i)),
                  "sort=due out of order at %zu: %s", i, jdump(objs));
  for (int lim = 1; lim <= 4; lim++) {
    ids = walk(tok, q, lim, NULL);
    ck_assert_msg(json_equal(ids, all), "sort=due pages of %d differ", lim);
    json_decref(ids);
  }
  json_decref(all);
  json_decref(objs);
  free(q);

  /* bad filters */
  static const char *const bad[] = {"status=flying",  "severity=red",           "sort=random",
                                    "breached=maybe", "created_from=yesterday", "limit=0",
                                    "limit=201"};
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    char *p = it_fmt("/v1/tickets?%s", bad[i]);
    it_req(IT_DIRECT, "GET", p, tok, NULL, NULL, &r);
    it_assert_problem(&r, 400, "validation_failed", NULL);
    it_resp_free(&r);
    free(p);
  }
  /* another store's rep sees none of them */
  list_is(it_token("sh002.rep"), q = it_fmt("customer=%lld", f.cust), NULL, 0, "other store");
  free(q);
  free(sq);
#undef Q
#undef IDS
}
END_TEST

static Suite *suite(void) {
  Suite *s = suite_create("it_tickets");
  TCase *tc = tcase_create("tickets");
  tcase_set_timeout(tc, 300);
  tcase_add_test(tc, test_happy_path);
  tcase_add_test(tc, test_sla_calendar);
  tcase_add_test(tc, test_sla_business_hours);
  tcase_add_test(tc, test_sla_policy);
  tcase_add_test(tc, test_transition_rules);
  tcase_add_test(tc, test_assign);
  tcase_add_test(tc, test_comments);
  tcase_add_test(tc, test_compensation);
  tcase_add_test(tc, test_satisfaction);
  tcase_add_test(tc, test_cross_store);
  tcase_add_test(tc, test_concurrent_patch);
  tcase_add_test(tc, test_atomicity);
  tcase_add_test(tc, test_validation);
  tcase_add_test(tc, test_list);
  tcase_add_test(tc, test_pending_pause);
  suite_add_tcase(s, tc);
  return s;
}

int main(void) {
  static const char *const env[] = {"AFTERCARE_SWEEP_SECONDS=1", NULL};
  it_config cfg = {.name = "it_tickets", .server_env = env};
  return it_main(&cfg, suite());
}
