/* Reports (SPEC §1 roles, §3 "Reports", §6 "Reports"; docs/contract.md
 * "Reports (issue 6)"; issue 6 "Must show"): the tickets, callbacks,
 * customers and overview reports over a FIXED dataset whose every expected
 * figure is computed by hand (the comments show the working) and, for the
 * tickets report, cross-checked by an independent SQL query against the raw
 * tables; day buckets in each store's time zone (one instant that falls on
 * 2026-10-05 in a UTC store and on 2026-10-06 in an Asia/Shanghai store);
 * every grouping; CSV equal to JSON row for row; scope per role; bad input.
 *
 * Written from the contract only, never from the server's code.
 *
 * The dataset lives in two stores of this suite's own (store A in
 * Asia/Shanghai, store B in UTC, with a comma and quotes in its name for the
 * CSV), created through the API with their staff, and is then written with
 * SQL in one transaction, in October 2026 (the period of most tests: from
 * 2026-10-01 to 2026-10-31, local dates). It is built once, before the
 * tests fork (an unchecked fixture), and no test changes it. Customers have
 * no birthday and no marketing consent, so the daily callback sweep adds
 * nothing to these stores; the SLA sweeper may record breaches on the open
 * tickets, which changes none of the figures.
 *
 * The dataset (UTC times; A's local time is UTC+8):
 *
 * Tickets (fr/res: minutes from creation to first response / resolution;
 * FR due = created + 120 min unless said; RD = resolution due, minutes):
 *  tag store cat/sev/channel            assignee created            fr   RD     res    score reopen status
 *  A1  A  treatment_effect urgent phone  repA1  10-05T17:30 (A 10-06) 30  1440   600    10  0 closed
 *  A2  A  service_attitude important wechat repA1 10-02T02:00         90  1440   1500   6   1 closed
 *  A3  A  treatment_effect normal phone  repA2  10-10T04:00           200 2880   2000   8   0 closed
 *  A4  A  product_quality urgent wechat  -      10-20T06:00           -   1440   -      -   0 open
 *  A5  A  service_attitude normal in_store repA2 10-28T08:00          10  1440   -      -   0 pending_customer
 *  A6  A  billing important phone        repA1  10-30T01:00     FR due 2027-06-01, RD +400000: neither due yet; open
 *  A7  A  other normal web               repA2  09-30T17:00 (A 10-01) 60 2880   3000   9   0 closed
 *  A8  A  treatment_effect normal phone  repA1  10-31T17:00 (A 11-01, after the period) 20 2880 1620 - closed
 *  A9  A  billing normal phone           repA1  09-20T02:00 (before) resolved 10-03T02:00, reopen 2, closed
 *  A10 A  billing normal phone           repA2  09-25T02:00 (before) resolved 11-05T02:00 (after), score 0
 *  B1  B  treatment_effect urgent phone  repB1  10-05T17:30 (B 10-05) 45  1440   300    3   0 closed
 *  B2  B  billing normal sms             repB1  10-31T17:00 (B 10-31) 150 2880   -      -   0 in_progress
 *  B3  B  treatment_effect normal phone  repB1  09-30T17:00 (B 09-30, before) 30 2880 180 - closed
 *  B4  B  rework important wechat        -      10-15T10:00           120 1440   1440   10  0 closed
 * Compensations: A1 approved 5000, fulfilled 3000, proposed 99900, rejected
 * 7700; A4 proposed 1000; A9 approved 11100 (not in the population); B1
 * rejected 500; B4 fulfilled 20000.
 *
 * Callbacks (due, window; attempts; completion):
 *  C1 A post_service  repA1 due 10-05T17:30 (A 10-06) +24h; no_answer, reached; completed 10-06T03:00 score 9
 *  C2 A post_service  repA1 due 10-08T02:00 +24h; busy, no_answer, no_answer; unreachable
 *  C3 A routine       repA2 due 10-12T02:00 +24h; reached; completed 10-14T02:00 (late) score 7
 *  C4 A post_resolution -   due 10-15T02:00 +48h; no attempt; pending (due_by passed)
 *  C5 A birthday      repA1 due 10-20T02:00; reached; cancelled (left out)
 *  C6 A routine       repA1 due 10-31T17:00 (A 11-01: out); completed score 1
 *  C7 A post_service  repA2 due 09-30T17:00 (A 10-01) +24h; reached; completed 10-01T03:00, no score
 *  C8 A win_back      repA1 due 10-25T02:00, due_by 2027-01-01; left_message; pending (not yet due_by)
 *  D1 B post_service  repB1 due 10-05T17:30 (B 10-05) +24h; reached; completed 10-05T18:00 score 10
 *  D2 B post_resolution repB1 due 10-31T20:00 +48h; refused; pending (due_by passed)
 *  D3 B routine       repB1 due 09-30T20:00 (B 09-30: out); completed score 2
 *
 * Customers (home, tier, created; visits at store by staff):
 *  K1  A gold    10-03T02:00  A 10-05 repA1, A 10-20 repA1, B 10-22 repB1
 *  K2  A regular 09-30T17:00 (A 10-01)  A 09-30T17:30 (A 10-01) repA2
 *  K3  A regular 10-31T17:00 (A 11-01)  no visit
 *  K4  A vip     03-01        A 06-01 repA1 (lapsed)
 *  K5  A gold    02-01        A 09-15 repA2
 *  K6  A regular 10-12        A 10-12 repA1; erased (its statistics survive: new, active)
 *  K7  B silver  10-05T17:30  B 10-05 repB1, B 10-25 repB1
 *  K8  B regular 01-10        B 05-10 repB1 (lapsed)
 *  K9  B regular 09-30T20:00  A 10-31T17:00 (A 11-01) repA1
 *  K10 A silver  04-01        A 10-15 repA1
 */
#include "harness.h"
#include "ticket_fixtures.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define PASSWORD "it-reports-password"
#define STORE_A_NAME "报表测试门店·上海"
#define STORE_B_NAME "伦敦店, \"UTC\" 报表"
#define OCT "from=2026-10-01&to=2026-10-31"
#define NIL NAN /* a figure expected to be null */

/* ------------------------------------------------------------------------- */
/* the dataset (built once in the parent process, inherited by every test) */

static long long g_a, g_b; /* store A (Asia/Shanghai), store B (UTC) */
static char *g_a_code, *g_b_code;
static char *g_ab; /* "A,B" (ids) */
static long long g_mgr_a, g_mgr_b, g_rep_a1, g_rep_a2, g_rep_b1, g_sup_ab;
static char *t_mgr_a, *t_mgr_b, *t_rep_a1, *t_rep_a2, *t_rep_b1, *t_sup_ab;

static long long mk_store(const char *code, const char *name, const char *tz) {
  json_t *b = json_pack("{s:s, s:s, s:s, s:s}", "code", code, "name", name, "industry", "beauty",
                        "timezone", tz);
  it_resp r;
  it_req_json(IT_PROXY, "POST", "/v1/stores", it_hq(), NULL, b, &r);
  ck_assert_msg(r.status == 201, "create store %s: %s", code, it_desc(&r));
  ck_assert_str_eq(it_jstr(&r, "name"), name);
  long long id = it_jint(&r, "id");
  it_resp_free(&r);
  return id;
}

static long long mk_staff(const char *role, const long long *stores, size_t n, const char *name,
                          char **tok) {
  char *login = it_uniq("itr.");
  json_t *ids = json_array();
  for (size_t i = 0; i < n; i++)
    json_array_append_new(ids, json_integer(stores[i]));
  json_t *b = json_pack("{s:s, s:s, s:s, s:o, s:s}", "login", login, "name", name, "role", role,
                        "store_ids", ids, "password", PASSWORD);
  it_resp r;
  it_req_json(IT_PROXY, "POST", "/v1/staff", it_hq(), NULL, b, &r);
  ck_assert_msg(r.status == 201, "create staff %s: %s", login, it_desc(&r));
  long long id = it_jint(&r, "id");
  it_resp_free(&r);
  *tok = it_login(login, PASSWORD);
  free(login);
  return id;
}

/* Everything below refers to stores and staff through pg_temp.st('a' |
 * 'rep_a1' | ...), to customers by number (their phone is +44770090NNNN),
 * to tickets by subject (ITR-<tag>) and to callbacks by note (ITR-<tag>). */
static const char DATASET_SQL[] =
    "CREATE FUNCTION pg_temp.st(k text) RETURNS bigint LANGUAGE sql AS "
    "  $$ SELECT current_setting('itr.' || k)::bigint $$;\n"
    "CREATE FUNCTION pg_temp.cu(n int) RETURNS bigint LANGUAGE sql AS "
    "  $$ SELECT id FROM customers WHERE phone = '+44770090' || lpad(n::text, 4, '0') $$;\n"
    /* customers */
    "INSERT INTO customers (home_store_id, name, phone, member_tier, created_at, updated_at, "
    "                       last_visit_at, marketing_opt_in) "
    "SELECT pg_temp.st(v.s), v.name, '+44770090' || lpad(v.n::text, 4, '0'), v.tier, "
    "       v.c::timestamptz, v.c::timestamptz, v.last::timestamptz, false "
    "  FROM (VALUES "
    "   (1, 'a', '报表客户甲', 'gold', '2026-10-03T02:00Z', '2026-10-22T10:00Z'),"
    "   (2, 'a', '报表客户乙', 'regular', '2026-09-30T17:00Z', '2026-09-30T17:30Z'),"
    "   (3, 'a', '报表客户丙', 'regular', '2026-10-31T17:00Z', NULL),"
    "   (4, 'a', '报表客户丁', 'vip', '2026-03-01T02:00Z', '2026-06-01T02:00Z'),"
    "   (5, 'a', '报表客户戊', 'gold', '2026-02-01T02:00Z', '2026-09-15T02:00Z'),"
    "   (6, 'a', '报表客户己', 'regular', '2026-10-12T02:00Z', '2026-10-12T03:00Z'),"
    "   (7, 'b', '报表客户庚', 'silver', '2026-10-05T17:30Z', '2026-10-25T10:00Z'),"
    "   (8, 'b', '报表客户辛', 'regular', '2026-01-10T02:00Z', '2026-05-10T10:00Z'),"
    "   (9, 'b', '报表客户壬', 'regular', '2026-09-30T20:00Z', '2026-10-31T17:00Z'),"
    "   (10, 'a', '报表客户癸', 'silver', '2026-04-01T02:00Z', '2026-10-15T03:00Z')"
    "  ) AS v (n, s, name, tier, c, last);\n"
    "INSERT INTO customer_stores (store_id, customer_id) "
    "SELECT pg_temp.st(v.s), pg_temp.cu(v.n) FROM (VALUES ('a', 1), ('b', 1), ('a', 2), "
    "  ('a', 3), ('a', 4), ('a', 5), ('a', 6), ('b', 7), ('b', 8), ('b', 9), ('a', 9), "
    "  ('a', 10)) AS v (s, n);\n"
    "INSERT INTO visits (customer_id, store_id, service_code, service_name, performed_at, "
    "                    staff_id, created_by, amount_cents) "
    "SELECT pg_temp.cu(v.n), pg_temp.st(v.s), 'ITR-FACIAL', '补水护理', v.at::timestamptz, "
    "       pg_temp.st(v.staff), pg_temp.st('mgr_' || v.s), 19900 "
    "  FROM (VALUES "
    "   (1, 'a', '2026-10-05T03:00Z', 'rep_a1'), (1, 'a', '2026-10-20T03:00Z', 'rep_a1'),"
    "   (1, 'b', '2026-10-22T10:00Z', 'rep_b1'), (2, 'a', '2026-09-30T17:30Z', 'rep_a2'),"
    "   (4, 'a', '2026-06-01T02:00Z', 'rep_a1'), (5, 'a', '2026-09-15T02:00Z', 'rep_a2'),"
    "   (6, 'a', '2026-10-12T03:00Z', 'rep_a1'), (7, 'b', '2026-10-05T18:00Z', 'rep_b1'),"
    "   (7, 'b', '2026-10-25T10:00Z', 'rep_b1'), (8, 'b', '2026-05-10T10:00Z', 'rep_b1'),"
    "   (9, 'a', '2026-10-31T17:00Z', 'rep_a1'), (10, 'a', '2026-10-15T03:00Z', 'rep_a1')"
    "  ) AS v (n, s, at, staff);\n"
    "UPDATE customers SET name = '已注销客户', phone = NULL, erased_at = '2026-10-13T00:00Z' "
    " WHERE phone = '+447700900006';\n"
    /* tickets */
    "INSERT INTO tickets (store_id, customer_id, channel, category, severity, status, subject, "
    "  assignee_id, created_by, created_at, updated_at, first_response_due_at, "
    "  first_responded_at, resolution_due_at, resolved_at, paused_at, remaining_minutes, "
    "  closed_at, satisfaction_score, satisfaction_at, reopen_count) "
    "SELECT pg_temp.st(v.s), pg_temp.cu(v.cust), v.ch, v.cat, v.sev, v.status, 'ITR-' || v.tag, "
    "       pg_temp.st(v.asg), pg_temp.st('mgr_' || v.s), x.c, x.c, "
    "       coalesce(v.frdue::timestamptz, x.c + interval '120 minutes'), "
    "       x.c + v.fr * interval '1 minute', x.c + v.rdue * interval '1 minute', y.res, "
    "       v.paused::timestamptz, CASE WHEN v.paused IS NOT NULL THEN 1380 END, "
    "       CASE WHEN v.status = 'closed' THEN y.res + interval '1 hour' END, "
    "       v.score, CASE WHEN v.score IS NOT NULL THEN y.res + interval '1 hour' END, v.reopen "
    "  FROM (VALUES "
    "   ('A1', 'a', 1, 'phone', 'treatment_effect', 'urgent', 'closed', 'rep_a1', "
    "    '2026-10-05T17:30Z', 30, 1440, 600, NULL, NULL, 10, 0),"
    "   ('A2', 'a', 1, 'wechat', 'service_attitude', 'important', 'closed', 'rep_a1', "
    "    '2026-10-02T02:00Z', 90, 1440, 1500, NULL, NULL, 6, 1),"
    "   ('A3', 'a', 1, 'phone', 'treatment_effect', 'normal', 'closed', 'rep_a2', "
    "    '2026-10-10T04:00Z', 200, 2880, 2000, NULL, NULL, 8, 0),"
    "   ('A4', 'a', 1, 'wechat', 'product_quality', 'urgent', 'open', NULL, "
    "    '2026-10-20T06:00Z', NULL, 1440, NULL, NULL, NULL, NULL, 0),"
    "   ('A5', 'a', 1, 'in_store', 'service_attitude', 'normal', 'pending_customer', 'rep_a2', "
    "    '2026-10-28T08:00Z', 10, 1440, NULL, NULL, '2026-10-28T09:00Z', NULL, 0),"
    "   ('A6', 'a', 1, 'phone', 'billing', 'important', 'open', 'rep_a1', "
    "    '2026-10-30T01:00Z', NULL, 400000, NULL, '2027-06-01T00:00Z', NULL, NULL, 0),"
    "   ('A7', 'a', 2, 'web', 'other', 'normal', 'closed', 'rep_a2', "
    "    '2026-09-30T17:00Z', 60, 2880, 3000, NULL, NULL, 9, 0),"
    "   ('A8', 'a', 2, 'phone', 'treatment_effect', 'normal', 'closed', 'rep_a1', "
    "    '2026-10-31T17:00Z', 20, 2880, 1620, NULL, NULL, NULL, 0),"
    "   ('A9', 'a', 2, 'phone', 'billing', 'normal', 'closed', 'rep_a1', "
    "    '2026-09-20T02:00Z', 60, 20160, 18720, NULL, NULL, NULL, 2),"
    "   ('A10', 'a', 2, 'phone', 'billing', 'normal', 'closed', 'rep_a2', "
    "    '2026-09-25T02:00Z', 60, 2880, 59040, NULL, NULL, 0, 0),"
    "   ('B1', 'b', 7, 'phone', 'treatment_effect', 'urgent', 'closed', 'rep_b1', "
    "    '2026-10-05T17:30Z', 45, 1440, 300, NULL, NULL, 3, 0),"
    "   ('B2', 'b', 7, 'sms', 'billing', 'normal', 'in_progress', 'rep_b1', "
    "    '2026-10-31T17:00Z', 150, 2880, NULL, NULL, NULL, NULL, 0),"
    "   ('B3', 'b', 7, 'phone', 'treatment_effect', 'normal', 'closed', 'rep_b1', "
    "    '2026-09-30T17:00Z', 30, 2880, 180, NULL, NULL, NULL, 0),"
    "   ('B4', 'b', 7, 'wechat', 'rework', 'important', 'closed', NULL, "
    "    '2026-10-15T10:00Z', 120, 1440, 1440, NULL, NULL, 10, 0)"
    "  ) AS v (tag, s, cust, ch, cat, sev, status, asg, c0, fr, rdue, res_min, frdue, paused, "
    "          score, reopen) "
    " CROSS JOIN LATERAL (SELECT v.c0::timestamptz AS c) AS x "
    " CROSS JOIN LATERAL (SELECT x.c + v.res_min * interval '1 minute' AS res) AS y;\n"
    "INSERT INTO compensations (ticket_id, store_id, kind, amount_cents, status, proposed_by, "
    "  proposed_at, decided_by, decided_at, fulfilled_by, fulfilled_at) "
    "SELECT t.id, t.store_id, v.kind, v.amount, v.status, t.created_by, "
    "       t.created_at + interval '1 hour', "
    "       CASE WHEN v.status <> 'proposed' THEN t.created_by END, "
    "       CASE WHEN v.status <> 'proposed' THEN t.created_at + interval '2 hours' END, "
    "       CASE WHEN v.status = 'fulfilled' THEN t.created_by END, "
    "       CASE WHEN v.status = 'fulfilled' THEN t.created_at + interval '3 hours' END "
    "  FROM (VALUES ('A1', 'gift', 5000, 'approved'), "
    "               ('A1', 'stored_value_credit', 3000, 'fulfilled'), "
    "               ('A1', 'partial_refund', 99900, 'proposed'), "
    "               ('A1', 'free_sessions', 7700, 'rejected'), "
    "               ('A4', 'gift', 1000, 'proposed'), "
    "               ('A9', 'gift', 11100, 'approved'), "
    "               ('B1', 'gift', 500, 'rejected'), "
    "               ('B4', 'full_refund', 20000, 'fulfilled')) AS v (tag, kind, amount, status) "
    "  JOIN tickets t ON t.subject = 'ITR-' || v.tag;\n"
    /* callbacks */
    "INSERT INTO callbacks (store_id, customer_id, kind, status, due_at, due_by, assignee_id, "
    "  note, result_satisfaction, completed_at, completed_by, cancel_reason, created_by, "
    "  created_at, updated_at) "
    "SELECT pg_temp.st(v.s), pg_temp.cu(v.cust), v.kind, v.status, v.due::timestamptz, "
    "       coalesce(v.by_at::timestamptz, v.due::timestamptz + v.win * interval '1 hour'), "
    "       pg_temp.st(v.asg), 'ITR-' || v.tag, v.sat, v.comp::timestamptz, "
    "       CASE WHEN v.comp IS NOT NULL THEN pg_temp.st(v.asg) END, "
    "       CASE WHEN v.status = 'cancelled' THEN '报表测试取消' END, pg_temp.st('mgr_' || v.s), "
    "       v.due::timestamptz - interval '3 days', v.due::timestamptz - interval '3 days' "
    "  FROM (VALUES "
    "   ('C1', 'a', 1, 'post_service', 'completed', '2026-10-05T17:30Z', 24, NULL, 'rep_a1', "
    "    '2026-10-06T03:00Z', 9),"
    "   ('C2', 'a', 1, 'post_service', 'unreachable', '2026-10-08T02:00Z', 24, NULL, 'rep_a1', "
    "    NULL, NULL),"
    "   ('C3', 'a', 2, 'routine', 'completed', '2026-10-12T02:00Z', 24, NULL, 'rep_a2', "
    "    '2026-10-14T02:00Z', 7),"
    "   ('C4', 'a', 1, 'post_resolution', 'pending', '2026-10-15T02:00Z', 48, NULL, NULL, "
    "    NULL, NULL),"
    "   ('C5', 'a', 1, 'birthday', 'cancelled', '2026-10-20T02:00Z', 24, NULL, 'rep_a1', "
    "    NULL, NULL),"
    "   ('C6', 'a', 1, 'routine', 'completed', '2026-10-31T17:00Z', 24, NULL, 'rep_a1', "
    "    '2026-10-31T18:00Z', 1),"
    "   ('C7', 'a', 2, 'post_service', 'completed', '2026-09-30T17:00Z', 24, NULL, 'rep_a2', "
    "    '2026-10-01T03:00Z', NULL),"
    "   ('C8', 'a', 10, 'win_back', 'pending', '2026-10-25T02:00Z', NULL, "
    "    '2027-01-01T00:00Z', 'rep_a1', NULL, NULL),"
    "   ('D1', 'b', 7, 'post_service', 'completed', '2026-10-05T17:30Z', 24, NULL, 'rep_b1', "
    "    '2026-10-05T18:00Z', 10),"
    "   ('D2', 'b', 7, 'post_resolution', 'pending', '2026-10-31T20:00Z', 48, NULL, 'rep_b1', "
    "    NULL, NULL),"
    "   ('D3', 'b', 7, 'routine', 'completed', '2026-09-30T20:00Z', 24, NULL, 'rep_b1', "
    "    '2026-09-30T21:00Z', 2)"
    "  ) AS v (tag, s, cust, kind, status, due, win, by_at, asg, comp, sat);\n"
    "INSERT INTO callback_attempts (callback_id, store_id, at, by_staff, outcome) "
    "SELECT c.id, c.store_id, v.at::timestamptz, coalesce(c.assignee_id, c.created_by), v.outcome "
    "  FROM (VALUES "
    "   ('C1', '2026-10-06T01:00Z', 'no_answer'), ('C1', '2026-10-06T03:00Z', 'reached'),"
    "   ('C2', '2026-10-08T03:00Z', 'busy'), ('C2', '2026-10-08T06:00Z', 'no_answer'),"
    "   ('C2', '2026-10-08T09:00Z', 'no_answer'), ('C3', '2026-10-14T02:00Z', 'reached'),"
    "   ('C5', '2026-10-20T03:00Z', 'reached'), ('C6', '2026-10-31T18:00Z', 'reached'),"
    "   ('C7', '2026-10-01T03:00Z', 'reached'), ('C8', '2026-10-25T03:00Z', 'left_message'),"
    "   ('D1', '2026-10-05T18:00Z', 'reached'), ('D2', '2026-11-01T01:00Z', 'refused'),"
    "   ('D3', '2026-09-30T21:00Z', 'reached')"
    "  ) AS v (tag, at, outcome) JOIN callbacks c ON c.note = 'ITR-' || v.tag;\n"
    "COMMIT;\n";

static void dataset(void) {
  g_a_code = it_uniq("RA");
  g_b_code = it_uniq("RB");
  g_a = mk_store(g_a_code, STORE_A_NAME, "Asia/Shanghai");
  g_b = mk_store(g_b_code, STORE_B_NAME, "UTC");
  ck_assert_int_lt(g_a, g_b);
  g_ab = it_fmt("%lld,%lld", g_a, g_b);
  /* names sort the same way as ids: A- < B- < C- */
  g_mgr_a = mk_staff("manager", &g_a, 1, "M-上海店长", &t_mgr_a);
  g_mgr_b = mk_staff("manager", &g_b, 1, "M-伦敦店长", &t_mgr_b);
  g_rep_a1 = mk_staff("rep", &g_a, 1, "A-报表专员甲", &t_rep_a1);
  g_rep_a2 = mk_staff("rep", &g_a, 1, "B-报表专员乙", &t_rep_a2);
  g_rep_b1 = mk_staff("rep", &g_b, 1, "C-报表专员丙", &t_rep_b1);
  long long ab[2] = {g_a, g_b};
  g_sup_ab = mk_staff("supervisor", ab, 2, "S-报表督导", &t_sup_ab);
  char *head = it_fmt("BEGIN;\nSELECT set_config('itr.a', '%lld', true), "
                      "set_config('itr.b', '%lld', true), set_config('itr.mgr_a', '%lld', true), "
                      "set_config('itr.mgr_b', '%lld', true), set_config('itr.rep_a1', '%lld', true), "
                      "set_config('itr.rep_a2', '%lld', true), set_config('itr.rep_b1', '%lld', true);\n",
                      g_a, g_b, g_mgr_a, g_mgr_b, g_rep_a1, g_rep_a2, g_rep_b1);
  char *sql = it_fmt("%s%s", head, DATASET_SQL);
  db_exec(sql);
  free(sql);
  free(head);
  ck_assert_int_eq(it_db_count("SELECT count(*) FROM tickets WHERE subject LIKE 'ITR-%'", IT_END),
                   14);
  ck_assert_int_eq(it_db_count("SELECT count(*) FROM callbacks WHERE note LIKE 'ITR-%'", IT_END),
                   11);
  ck_assert_int_eq(
      it_db_count("SELECT count(*) FROM callback_attempts a JOIN callbacks c ON c.id = "
                  "a.callback_id WHERE c.note LIKE 'ITR-%'",
                  IT_END),
      13);
  ck_assert_int_eq(it_db_count("SELECT count(*) FROM customers WHERE phone LIKE '+44770090%' OR "
                               "erased_at = '2026-10-13T00:00Z'",
                               IT_END),
                   10);
  ck_assert_int_eq(it_db_count("SELECT count(*) FROM compensations c JOIN tickets t ON t.id = "
                               "c.ticket_id WHERE t.subject LIKE 'ITR-%'",
                               IT_END),
                   8);
}

/* ------------------------------------------------------------------------- */
/* columns (docs/contract.md "Reports (issue 6)") */

static const char *const TK[] = {"created",
                                 "resolved",
                                 "open_at_end",
                                 "first_response_median_min",
                                 "first_response_p90_min",
                                 "resolution_median_min",
                                 "resolution_p90_min",
                                 "first_response_met_pct",
                                 "resolution_met_pct",
                                 "reopened_pct",
                                 "compensation_cents",
                                 "satisfaction_avg",
                                 "nps",
                                 "responses"};
#define TKN 14
static const char *const CB[] = {"due",          "completed",        "reached",
                                 "attempted",    "success_rate_pct", "on_time_pct",
                                 "satisfaction_avg"};
#define CBN 7
static const char *const CU[] = {"new", "active", "lapsed", "repeat_rate_pct"};
#define CUN 4
static const char *const OV[] = {"created",
                                 "resolved",
                                 "open_at_end",
                                 "first_response_met_pct",
                                 "resolution_met_pct",
                                 "compensation_cents",
                                 "satisfaction_avg",
                                 "nps",
                                 "callbacks_due",
                                 "success_rate_pct",
                                 "on_time_pct",
                                 "new_customers",
                                 "active_customers",
                                 "lapsed_customers"};
#define OVN 14
static const char *const K_STORE[] = {"store_id", "store_code", "store_name"};
static const char *const K_ASSIGNEE[] = {"assignee_id", "assignee_name"};
static const char *const K_DAY[] = {"day"};
static const char *const K_WEEK[] = {"week"};
static const char *const K_MONTH[] = {"month"};
static const char *const K_CATEGORY[] = {"category"};
static const char *const K_SEVERITY[] = {"severity"};
static const char *const K_CHANNEL[] = {"channel"};
static const char *const K_KIND[] = {"kind"};
static const char *const K_TIER[] = {"tier"};

/* Counts are integers; the other figures may be JSON reals. */
static bool is_count(const char *col) {
  static const char *const counts[] = {"created",       "resolved",       "open_at_end",
                                       "compensation_cents", "responses", "due",
                                       "completed",     "reached",        "attempted",
                                       "new",           "active",         "lapsed",
                                       "callbacks_due", "new_customers",  "active_customers",
                                       "lapsed_customers"};
  for (size_t i = 0; i < sizeof counts / sizeof *counts; i++)
    if (strcmp(col, counts[i]) == 0)
      return true;
  return false;
}

/* ------------------------------------------------------------------------- */
/* report requests */

/* GET path as tok at target; asserts 200 JSON with period, items and
 * total. New reference. */
static json_t *get_report_at(int target, const char *tok, const char *path) {
  it_resp r;
  it_req(target, "GET", path, tok, NULL, NULL, &r);
  ck_assert_msg(r.status == 200, "GET %s: %s", path, it_desc(&r));
  const char *ct = it_header(&r, "Content-Type");
  ck_assert_msg(ct && strncasecmp(ct, "application/json", 16) == 0, "GET %s: not JSON: %s", path,
                it_desc(&r));
  ck_assert_msg(json_is_object(r.json) && json_is_object(json_object_get(r.json, "period")) &&
                    json_is_array(json_object_get(r.json, "items")) &&
                    json_is_object(json_object_get(r.json, "total")),
                "GET %s: expected {period, group_by, items, total}: %s", path, it_desc(&r));
  json_t *j = json_incref(r.json);
  it_resp_free(&r);
  return j;
}

/* get_report_at through the proxy (which checks the answer against the
 * OpenAPI document). */
static json_t *get_report(const char *tok, const char *path) {
  return get_report_at(IT_PROXY, tok, path);
}

/* /v1/reports/<report>?from=2026-10-01&to=2026-10-31[&query]; caller frees. */
static char *oct_path(const char *report, const char *query) {
  return query && *query ? it_fmt("/v1/reports/%s?" OCT "&%s", report, query)
                         : it_fmt("/v1/reports/%s?" OCT, report);
}

/* The report for October 2026; asserts the period echoed and, when
 * group_by is not NULL, the group_by echoed. New reference. */
static json_t *oct(const char *tok, const char *report, const char *query, const char *group_by) {
  char *path = oct_path(report, query);
  json_t *j = get_report(tok, path);
  ck_assert_msg(strcmp(js(j, "period.from"), "2026-10-01") == 0 &&
                    strcmp(js(j, "period.to"), "2026-10-31") == 0,
                "GET %s: period %s", path, jdump(json_object_get(j, "period")));
  if (group_by)
    ck_assert_msg(json_is_string(json_object_get(j, "group_by")) &&
                      strcmp(js(j, "group_by"), group_by) == 0,
                  "GET %s: group_by should be %s: %s", path, group_by, jdump(j));
  free(path);
  return j;
}

static json_t *items(json_t *rep) {
  return json_object_get(rep, "items");
}

/* ------------------------------------------------------------------------- */
/* assertions */

/* o[key] equals want (NIL: null) within rounding noise; counts must be
 * integers. */
static void fig(json_t *o, const char *key, double want, const char *ctx) {
  json_t *v = json_object_get(o, key);
  ck_assert_msg(v != NULL, "%s: %s missing in %s", ctx, key, jdump(o));
  if (isnan(want)) {
    ck_assert_msg(json_is_null(v), "%s: %s should be null in %s", ctx, key, jdump(o));
    return;
  }
  ck_assert_msg(json_is_number(v), "%s: %s should be %g in %s", ctx, key, want, jdump(o));
  if (is_count(key))
    ck_assert_msg(json_is_integer(v), "%s: %s should be the integer %g in %s", ctx, key, want,
                  jdump(o));
  double got = json_number_value(v);
  ck_assert_msg(fabs(got - want) < 1e-6, "%s: %s = %.10g, expected %.10g in %s", ctx, key, got,
                want, jdump(o));
}

static void figs(json_t *o, const char *const *cols, size_t n, const double *want, const char *ctx) {
  ck_assert_msg(json_is_object(o), "%s: not an object: %s", ctx, jdump(o));
  for (size_t i = 0; i < n; i++)
    fig(o, cols[i], want[i], ctx);
}

/* o has exactly the members keys ++ cols. */
static void keys_exact(json_t *o, const char *const *keys, size_t nk, const char *const *cols,
                       size_t nc, const char *ctx) {
  for (size_t i = 0; i < nk; i++)
    ck_assert_msg(json_object_get(o, keys[i]) != NULL, "%s: key column %s missing in %s", ctx,
                  keys[i], jdump(o));
  for (size_t i = 0; i < nc; i++)
    ck_assert_msg(json_object_get(o, cols[i]) != NULL, "%s: column %s missing in %s", ctx, cols[i],
                  jdump(o));
  ck_assert_msg(json_object_size(o) == nk + nc, "%s: expected exactly %zu members in %s", ctx,
                nk + nc, jdump(o));
}

/* Every item has exactly the key columns and the figures; total the figures. */
static void shape(json_t *rep, const char *const *keys, size_t nk, const char *const *cols,
                  size_t nc, const char *ctx) {
  size_t i;
  json_t *it;
  json_array_foreach(items(rep), i, it) keys_exact(it, keys, nk, cols, nc, ctx);
  keys_exact(json_object_get(rep, "total"), NULL, 0, cols, nc, ctx);
}

/* The item whose integer key column is id (id < 0: null), or NULL. */
static json_t *item_id(json_t *rep, const char *key, long long id) {
  size_t i;
  json_t *it;
  json_array_foreach(items(rep), i, it) {
    json_t *k = json_object_get(it, key);
    if (id < 0 ? json_is_null(k) : (json_is_integer(k) && json_integer_value(k) == id))
      return it;
  }
  return NULL;
}

/* The item whose string key column is val, or NULL. */
static json_t *item_str(json_t *rep, const char *key, const char *val) {
  size_t i;
  json_t *it;
  json_array_foreach(items(rep), i, it) {
    json_t *k = json_object_get(it, key);
    if (json_is_string(k) && strcmp(json_string_value(k), val) == 0)
      return it;
  }
  return NULL;
}

/* A store row: the key columns and figures. */
static void store_row(json_t *rep, long long store, const char *code, const char *name,
                      const char *const *cols, size_t n, const double *want, const char *ctx) {
  json_t *it = item_id(rep, "store_id", store);
  ck_assert_msg(it, "%s: no row for store %lld in %s", ctx, store, jdump(rep));
  if (code)
    ck_assert_str_eq(js(it, "store_code"), code);
  if (name)
    ck_assert_str_eq(js(it, "store_name"), name);
  figs(it, cols, n, want, ctx);
}

/* Items keyed by a string column: each expected key in the given order, with
 * its figures; any other item must be idle (every column in idle_cols 0). */
typedef struct srow {
  const char *key;
  double v[TKN];
} srow;

static void str_rows(json_t *rep, const char *keycol, const srow *rows, size_t nrows,
                     const char *const *cols, size_t nc, const char *const *idle_cols,
                     const char *ctx) {
  size_t next = 0, i;
  json_t *it;
  json_array_foreach(items(rep), i, it) {
    const char *k = js(it, keycol);
    size_t j = 0;
    while (j < nrows && strcmp(rows[j].key, k) != 0)
      j++;
    if (j == nrows) {
      for (const char *const *c = idle_cols; *c; c++)
        fig(it, *c, 0, ctx);
      continue;
    }
    ck_assert_msg(j >= next, "%s: row %s out of order (ordered by %s expected) in %s", ctx, k,
                  keycol, jdump(items(rep)));
    next = j + 1;
    char *c2 = it_fmt("%s, %s %s", ctx, keycol, k);
    figs(it, cols, nc, rows[j].v, c2);
    free(c2);
  }
  for (size_t j = 0; j < nrows; j++)
    ck_assert_msg(item_str(rep, keycol, rows[j].key), "%s: no row %s=%s in %s", ctx, keycol,
                  rows[j].key, jdump(items(rep)));
}

/* Problem 400 validation_failed with an errors[] entry naming f1 or f2. */
static void bad_request(const char *path, const char *f1, const char *f2) {
  it_resp r;
  it_req(IT_DIRECT, "GET", path, it_hq(), NULL, NULL, &r);
  it_assert_problem(&r, 400, "validation_failed", NULL);
  json_t *errs = json_object_get(r.json, "errors");
  bool found = false;
  size_t i;
  json_t *e;
  json_array_foreach(errs, i, e) {
    const char *f = json_string_value(json_object_get(e, "field"));
    if (f && (strcmp(f, f1) == 0 || (f2 && strcmp(f, f2) == 0)))
      found = true;
  }
  ck_assert_msg(found, "GET %s: errors[] should name %s%s%s: %s", path, f1, f2 ? " or " : "",
                f2 ? f2 : "", it_desc(&r));
  it_resp_free(&r);
}

static void status_is(const char *tok, const char *path, long status, const char *code) {
  it_resp r;
  it_req(IT_PROXY, "GET", path, tok, NULL, NULL, &r);
  it_assert_problem(&r, status, code, NULL);
  it_resp_free(&r);
}

/* ------------------------------------------------------------------------- */
/* independent SQL for the tickets report (population by local date) */

#define POP_SQL                                                                                    \
  "WITH pop AS (SELECT t.* FROM tickets t JOIN stores s ON s.id = t.store_id "                     \
  "  WHERE t.store_id = ANY (string_to_array($1, ',')::bigint[]) "                                \
  "    AND (t.created_at AT TIME ZONE s.timezone)::date BETWEEN DATE '2026-10-01' "               \
  "        AND DATE '2026-10-31') "

/* Each answers 10 × the figure, rounded (-1: null). */
static const char *const SQL_FR_MED =
    POP_SQL "SELECT coalesce(round(10 * percentile_cont(0.5) WITHIN GROUP (ORDER BY "
            "extract(epoch FROM first_responded_at - created_at)::float8 / 60))::bigint, -1) "
            "FROM pop WHERE first_responded_at IS NOT NULL";
static const char *const SQL_FR_P90 =
    POP_SQL "SELECT coalesce(round(10 * percentile_cont(0.9) WITHIN GROUP (ORDER BY "
            "extract(epoch FROM first_responded_at - created_at)::float8 / 60))::bigint, -1) "
            "FROM pop WHERE first_responded_at IS NOT NULL";
static const char *const SQL_RES_MED =
    POP_SQL "SELECT coalesce(round(10 * percentile_cont(0.5) WITHIN GROUP (ORDER BY "
            "extract(epoch FROM resolved_at - created_at)::float8 / 60))::bigint, -1) "
            "FROM pop WHERE status IN ('resolved', 'closed')";
static const char *const SQL_RES_P90 =
    POP_SQL "SELECT coalesce(round(10 * percentile_cont(0.9) WITHIN GROUP (ORDER BY "
            "extract(epoch FROM resolved_at - created_at)::float8 / 60))::bigint, -1) "
            "FROM pop WHERE status IN ('resolved', 'closed')";
static const char *const SQL_FR_MET =
    POP_SQL "SELECT coalesce(round(1000.0 * count(*) FILTER (WHERE first_responded_at <= "
            "first_response_due_at) / nullif(count(*) FILTER (WHERE first_responded_at IS NOT "
            "NULL OR first_response_due_at < now()), 0))::bigint, -1) FROM pop";
static const char *const SQL_RES_MET =
    POP_SQL "SELECT coalesce(round(1000.0 * count(*) FILTER (WHERE resolved_at <= "
            "resolution_due_at) / nullif(count(*) FILTER (WHERE resolved_at IS NOT NULL OR "
            "(paused_at IS NULL AND resolution_due_at < now())), 0))::bigint, -1) FROM pop";
static const char *const SQL_CREATED = POP_SQL "SELECT count(*) FROM pop";

/* The row's figure equals the SQL's (10 × figure, -1 for null). */
static void sql_same(json_t *row, const char *col, const char *sql, const char *stores,
                     const char *ctx) {
  long long want = it_db_count(sql, stores, IT_END);
  json_t *v = json_object_get(row, col);
  if (want < 0) {
    ck_assert_msg(json_is_null(v), "%s: %s should be null (independent SQL) in %s", ctx, col,
                  jdump(row));
    return;
  }
  ck_assert_msg(json_is_number(v), "%s: %s missing in %s", ctx, col, jdump(row));
  long long got = llround(json_number_value(v) * 10);
  ck_assert_msg(got == want, "%s: %s = %g, the independent SQL says %.1f in %s", ctx, col,
                json_number_value(v), want / 10.0, jdump(row));
}

static void sql_cross_check(json_t *row, const char *stores, const char *ctx) {
  ck_assert_int_eq(ji(row, "created"), it_db_count(SQL_CREATED, stores, IT_END));
  sql_same(row, "first_response_median_min", SQL_FR_MED, stores, ctx);
  sql_same(row, "first_response_p90_min", SQL_FR_P90, stores, ctx);
  sql_same(row, "resolution_median_min", SQL_RES_MED, stores, ctx);
  sql_same(row, "resolution_p90_min", SQL_RES_P90, stores, ctx);
  sql_same(row, "first_response_met_pct", SQL_FR_MET, stores, ctx);
  sql_same(row, "resolution_met_pct", SQL_RES_MET, stores, ctx);
}

/* ------------------------------------------------------------------------- */
/* expected figures (worked out in the comments) */

/* Store A, population A1..A7 (A7 is 10-01 local; A8 is 11-01 local):
 * created 7; resolved in October: A1 (10-06), A2 (10-03), A3 (10-11), A7
 * (10-03 local), A9 (10-03) = 5; open at the end (10-31T16:00Z): A4, A5, A6,
 * A10 (resolved 11-05) = 4; first response minutes 10 30 60 90 200: median
 * 60, p90 at 3.6 = 90 + 0.6 × 110 = 156; resolution minutes 600 1500 2000
 * 3000: median 1750, p90 at 2.7 = 2000 + 0.7 × 1000 = 2700; first response
 * met A1 A2 A5 A7, missed A3 (late) and A4 (never, due passed), A6 not due:
 * 4/6 = 66.7; resolution met A1 A3, missed A2 A7 A4, A5 paused and A6 not
 * due left out: 2/5 = 40.0; reopened among the 5 resolved: A2, A9 = 40.0;
 * compensation A1 5000 + 3000 = 8000; scores 10 6 8 9: 8.25, NPS (2 − 1)/4
 * = 25.0, 4 responses. */
static const double TK_A[TKN] = {7, 5, 4, 60, 156, 1750, 2700, 66.7, 40, 40, 8000, 8.25, 25, 4};
/* Store B, population B1 B2 B4 (B2 is 10-31 local, B3 09-30): resolved B1,
 * B4 = 2; open at end B2 = 1; first response 45 120 150: median 120, p90
 * 144; resolution 300 1440: median 870, p90 300 + 0.9 × 1140 = 1326; met
 * B1 B4 (120 = due is met), missed B2 = 66.7 both; reopened 0/2; B4 20000
 * (B1's is rejected); scores 3 10: 6.50, NPS 0.0, 2 responses. */
static const double TK_B[TKN] = {3, 2, 1, 120, 144, 870, 1326, 66.7, 66.7, 0, 20000, 6.5, 0, 2};
/* A and B together: first response 10 30 45 60 90 120 150 200: median 75,
 * p90 at 6.3 = 150 + 0.3 × 50 = 165; resolution 300 600 1440 1500 2000 3000:
 * median 1470, p90 at 4.5 = 2500; met 6/9 = 66.7 and 4/8 = 50.0; reopened
 * 2/7 = 28.6; scores 10 6 8 9 3 10: 46/6 = 7.67, NPS (3 − 2)/6 = 16.7. */
static const double TK_AB[TKN] = {10,   7,     5,  75, 165, 1470, 2500,
                                  66.7, 50, 28.6, 28000, 7.67, 16.7, 6};
/* repA1's own tickets: A1 A2 A6 (and A9 resolved in October). */
static const double TK_REP_A1[TKN] = {3, 3, 1, 60, 84, 1050, 1410, 100, 50, 66.7, 8000, 8, 0, 2};
/* repA2's own tickets: A3 A5 A7 (A10 open at the end). */
static const double TK_REP_A2[TKN] = {3, 2, 2, 60, 172, 2500, 2900, 66.7, 50, 0, 0, 8.5, 50, 2};
/* repB1: B1 B2. */
static const double TK_REP_B1[TKN] = {2, 1, 1, 97.5, 139.5, 300, 300, 50, 50, 0, 0, 3, -100, 1};
/* unassigned: A4 B4. */
static const double TK_NONE[TKN] = {2, 1, 1, 120, 120, 1440, 1440, 50, 50, 0, 20000, 10, 100, 1};

/* Callbacks. A: due C1 C2 C3 C4 C7 C8 = 6 (C5 cancelled, C6 is 11-01
 * local); completed C1 C3 C7; attempted C1 C2 C3 C7 C8 = 5; reached C1 C3 C7
 * = 3: 60.0; on time C1 C7 over completed C1 C3 C7 plus due_by passed C2 C4
 * (C8's due_by is 2027): 2/5 = 40.0; scores 9 7: 8.00. B: D1 D2 (D3 is
 * 09-30): 1 completed, 2 attempted, 1 reached: 50.0, on time 1/2, score 10. */
static const double CB_A[CBN] = {6, 3, 3, 5, 60, 40, 8};
static const double CB_B[CBN] = {2, 1, 1, 2, 50, 50, 10};
static const double CB_AB[CBN] = {8, 4, 4, 7, 57.1, 42.9, 8.67};

/* Customers (an erased customer's statistics survive, SPEC §3: K6 counts as
 * new and active, never as lapsed). A: new K1, K2 (10-01 local), K6 = 3 (K3
 * is 11-01 local); active at A: K1 (2 visits), K2 (10-01 local), K6, K10 =
 * 4, repeat 1/4 = 25.0; lapsed K4 = 1. B: new K7; active K7 (2 visits), K1
 * = 2, repeat 50.0; lapsed K8. Together: new 4; active K1 K2 K6 K10 K7 = 5
 * (K1 once), repeat K1 K7 = 40.0. */
static const double CU_A[CUN] = {3, 4, 1, 25};
static const double CU_B[CUN] = {1, 2, 1, 50};
static const double CU_AB[CUN] = {4, 5, 2, 40};

/* ------------------------------------------------------------------------- */
/* 1. tickets by store */

START_TEST(test_tickets_by_store) {
  char *q = it_fmt("group_by=store&stores=%s", g_ab);
  json_t *rep = oct(it_hq(), "tickets", q, "store");
  shape(rep, K_STORE, 3, TK, TKN, "tickets by store");
  ck_assert_msg(json_array_size(items(rep)) == 2, "two stores asked, rows: %s", jdump(items(rep)));
  ck_assert_int_eq(ji(items(rep), "0.store_id"), g_a); /* ordered by store id */
  ck_assert_int_eq(ji(items(rep), "1.store_id"), g_b);
  store_row(rep, g_a, g_a_code, STORE_A_NAME, TK, TKN, TK_A, "tickets, store A");
  store_row(rep, g_b, g_b_code, STORE_B_NAME, TK, TKN, TK_B, "tickets, store B");
  figs(json_object_get(rep, "total"), TK, TKN, TK_AB, "tickets, total");

  /* the same figures from an independent SQL query over the raw tables */
  char *sa = it_fmt("%lld", g_a), *sb = it_fmt("%lld", g_b);
  sql_cross_check(item_id(rep, "store_id", g_a), sa, "SQL, store A");
  sql_cross_check(item_id(rep, "store_id", g_b), sb, "SQL, store B");
  sql_cross_check(json_object_get(rep, "total"), g_ab, "SQL, total");

  /* group_by defaults to store */
  char *q2 = it_fmt("stores=%s", g_ab);
  json_t *dflt = oct(it_hq(), "tickets", q2, "store");
  ck_assert_msg(json_equal(items(dflt), items(rep)) &&
                    json_equal(json_object_get(dflt, "total"), json_object_get(rep, "total")),
                "default group_by differs from store: %s", jdump(dflt));
  json_decref(dflt);
  json_decref(rep);
  free(q);
  free(q2);
  free(sa);
  free(sb);
}
END_TEST

/* ------------------------------------------------------------------------- */
/* 2. tickets by day: local dates, ordered, open at the end of each day */

/* Active days over A and B (A's local date is UTC+8). Quiet days may be
 * listed or not; when listed, they must show created 0, resolved 0 and the
 * open_at_end of QUIET_OAE. */
static const srow DAYS[] = {
    /* 10-01: A7 (09-30T17:00Z); open at 10-01T16:00Z: A9 A10 A7 */
    {"2026-10-01", {1, 0, 3, 60, 60, 3000, 3000, 100, 0, NIL, 0, 9, 100, 1}},
    /* 10-02: A2; open: A9 A10 A7 (resolved 10-02T19:00Z) A2 */
    {"2026-10-02", {1, 0, 4, 90, 90, 1500, 1500, 100, 0, NIL, 0, 6, -100, 1}},
    /* 10-03: resolutions of A2, A7 (local 10-03 03:00) and A9; open: A10 */
    {"2026-10-03", {0, 3, 1, NIL, NIL, NIL, NIL, NIL, NIL, 66.7, 0, NIL, NIL, 0}},
    /* 10-05: B1 only (17:30Z is still 10-05 in UTC), created and resolved */
    {"2026-10-05", {1, 1, 1, 45, 45, 300, 300, 100, 100, 0, 0, 3, -100, 1}},
    /* 10-06: A1 (the same instant is 10-06 01:30 in Shanghai) */
    {"2026-10-06", {1, 1, 1, 30, 30, 600, 600, 100, 100, 0, 8000, 10, 100, 1}},
    {"2026-10-10", {1, 0, 2, 200, 200, 2000, 2000, 0, 100, NIL, 0, 8, 0, 1}},
    {"2026-10-11", {0, 1, 1, NIL, NIL, NIL, NIL, NIL, NIL, 0, 0, NIL, NIL, 0}},
    {"2026-10-15", {1, 0, 2, 120, 120, 1440, 1440, 100, 100, NIL, 20000, 10, 100, 1}},
    {"2026-10-16", {0, 1, 1, NIL, NIL, NIL, NIL, NIL, NIL, 0, 0, NIL, NIL, 0}},
    {"2026-10-20", {1, 0, 2, NIL, NIL, NIL, NIL, 0, 0, NIL, 0, NIL, NIL, 0}},
    {"2026-10-28", {1, 0, 3, 10, 10, NIL, NIL, 100, NIL, NIL, 0, NIL, NIL, 0}},
    {"2026-10-30", {1, 0, 4, NIL, NIL, NIL, NIL, NIL, NIL, NIL, 0, NIL, NIL, 0}},
    /* 10-31: B2 (17:00Z, still 10-31 in UTC); open: A4 A5 A6 A10 B2 */
    {"2026-10-31", {1, 0, 5, 150, 150, NIL, NIL, 0, 0, NIL, 0, NIL, NIL, 0}},
};
/* open_at_end of the quiet days 1..31 (0: an active day) */
static const int QUIET_OAE[32] = {0, 0, 0, 0, 1, 0, 0, 1, 1, 1, 0, 0, 1, 1, 1, 0, 0,
                                  1, 1, 1, 0, 2, 2, 2, 2, 2, 2, 2, 0, 3, 0, 0};

START_TEST(test_tickets_by_day) {
  char *q = it_fmt("group_by=day&stores=%s", g_ab);
  json_t *rep = oct(it_hq(), "tickets", q, "day");
  shape(rep, K_DAY, 1, TK, TKN, "tickets by day");
  const char *prev = "";
  long long created = 0, resolved = 0;
  size_t i;
  json_t *it;
  json_array_foreach(items(rep), i, it) {
    const char *day = js(it, "day");
    ck_assert_msg(strcmp(prev, day) < 0, "days not ascending (%s then %s): %s", prev, day,
                  jdump(items(rep)));
    prev = day;
    ck_assert_msg(strncmp(day, "2026-10-", 8) == 0 && strlen(day) == 10,
                  "day %s outside the period", day);
    created += ji(it, "created");
    resolved += ji(it, "resolved");
    size_t j = 0;
    while (j < sizeof DAYS / sizeof *DAYS && strcmp(DAYS[j].key, day) != 0)
      j++;
    char *ctx = it_fmt("tickets, day %s", day);
    if (j < sizeof DAYS / sizeof *DAYS) {
      figs(it, TK, TKN, DAYS[j].v, ctx);
    } else {
      int d = atoi(day + 8);
      fig(it, "created", 0, ctx);
      fig(it, "resolved", 0, ctx);
      fig(it, "open_at_end", QUIET_OAE[d], ctx);
    }
    free(ctx);
  }
  for (size_t j = 0; j < sizeof DAYS / sizeof *DAYS; j++)
    ck_assert_msg(item_str(rep, "day", DAYS[j].key), "no row for day %s: %s", DAYS[j].key,
                  jdump(items(rep)));
  ck_assert_int_eq(created, 10);
  ck_assert_int_eq(resolved, 7);
  figs(json_object_get(rep, "total"), TK, TKN, TK_AB, "tickets by day, total");

  /* the same instant, 2026-10-05T17:30Z, store by store */
  char *qb = it_fmt("group_by=day&stores=%lld", g_b);
  json_t *rb = oct(it_hq(), "tickets", qb, "day");
  json_t *b5 = item_str(rb, "day", "2026-10-05");
  ck_assert_msg(b5, "UTC store: B1 belongs to 2026-10-05: %s", jdump(items(rb)));
  fig(b5, "created", 1, "UTC store 10-05");
  json_t *b6 = item_str(rb, "day", "2026-10-06");
  if (b6)
    fig(b6, "created", 0, "UTC store 10-06");
  char *qa = it_fmt("group_by=day&stores=%lld", g_a);
  json_t *ra = oct(it_hq(), "tickets", qa, "day");
  json_t *a6 = item_str(ra, "day", "2026-10-06");
  ck_assert_msg(a6, "Shanghai store: A1 belongs to 2026-10-06: %s", jdump(items(ra)));
  fig(a6, "created", 1, "Shanghai store 10-06");
  json_t *a5 = item_str(ra, "day", "2026-10-05");
  if (a5)
    fig(a5, "created", 0, "Shanghai store 10-05");
  /* and the ends of the period: A7 (09-30T17:00Z) is 10-01 in Shanghai, A8
   * (10-31T17:00Z) is 11-01 there and not in the period */
  json_t *a1 = item_str(ra, "day", "2026-10-01");
  ck_assert_msg(a1, "Shanghai store: A7 belongs to 2026-10-01: %s", jdump(items(ra)));
  fig(a1, "created", 1, "Shanghai store 10-01");
  json_t *a31 = item_str(ra, "day", "2026-10-31");
  if (a31)
    fig(a31, "created", 0, "Shanghai store 10-31");
  fig(json_object_get(ra, "total"), "created", 7, "Shanghai store total");
  json_t *b31 = item_str(rb, "day", "2026-10-31");
  ck_assert_msg(b31, "UTC store: B2 belongs to 2026-10-31: %s", jdump(items(rb)));
  fig(b31, "created", 1, "UTC store 10-31");
  fig(json_object_get(rb, "total"), "created", 3, "UTC store total");
  json_decref(ra);
  json_decref(rb);
  json_decref(rep);
  free(q);
  free(qa);
  free(qb);
}
END_TEST

/* ------------------------------------------------------------------------- */
/* 3. the other groupings of the tickets report */

static const char *const TK_IDLE[] = {"created", "resolved", NULL};

START_TEST(test_tickets_groupings) {
  char *q;
  json_t *rep;

  /* category: resolved counts tickets created at any time (A9 billing) and
   * open_at_end counts A10 (billing, created in September) */
  static const srow CATS[] = {
      {"billing", {2, 1, 3, 150, 150, NIL, NIL, 0, 0, 100, 0, NIL, NIL, 0}},
      {"other", {1, 1, 0, 60, 60, 3000, 3000, 100, 0, 0, 0, 9, 100, 1}},
      {"product_quality", {1, 0, 1, NIL, NIL, NIL, NIL, 0, 0, NIL, 0, NIL, NIL, 0}},
      {"rework", {1, 1, 0, 120, 120, 1440, 1440, 100, 100, 0, 20000, 10, 100, 1}},
      {"service_attitude", {2, 1, 1, 50, 82, 1500, 1500, 100, 0, 100, 0, 6, -100, 1}},
      {"treatment_effect", {3, 3, 0, 45, 169, 600, 1720, 66.7, 100, 0, 8000, 7, 0, 3}},
  };
  q = it_fmt("group_by=category&stores=%s", g_ab);
  rep = oct(it_hq(), "tickets", q, "category");
  shape(rep, K_CATEGORY, 1, TK, TKN, "tickets by category");
  str_rows(rep, "category", CATS, 6, TK, TKN, TK_IDLE, "tickets by category");
  figs(json_object_get(rep, "total"), TK, TKN, TK_AB, "tickets by category, total");
  json_decref(rep);
  free(q);

  static const srow SEVS[] = {
      {"important", {3, 2, 1, 105, 117, 1470, 1494, 100, 50, 50, 20000, 8, 0, 2}},
      {"normal", {4, 3, 3, 105, 185, 2500, 2900, 50, 33.3, 33.3, 0, 8.5, 50, 2}},
      {"urgent", {3, 2, 1, 37.5, 43.5, 450, 570, 66.7, 66.7, 0, 8000, 6.5, 0, 2}},
  };
  q = it_fmt("group_by=severity&stores=%s", g_ab);
  rep = oct(it_hq(), "tickets", q, "severity");
  shape(rep, K_SEVERITY, 1, TK, TKN, "tickets by severity");
  str_rows(rep, "severity", SEVS, 3, TK, TKN, TK_IDLE, "tickets by severity");
  figs(json_object_get(rep, "total"), TK, TKN, TK_AB, "tickets by severity, total");
  json_decref(rep);
  free(q);

  static const srow CHANS[] = {
      {"in_store", {1, 0, 1, 10, 10, NIL, NIL, 100, NIL, NIL, 0, NIL, NIL, 0}},
      {"phone", {4, 4, 2, 45, 169, 600, 1720, 66.7, 100, 25, 8000, 7, 0, 3}},
      {"sms", {1, 0, 1, 150, 150, NIL, NIL, 0, 0, NIL, 0, NIL, NIL, 0}},
      {"web", {1, 1, 0, 60, 60, 3000, 3000, 100, 0, 0, 0, 9, 100, 1}},
      {"wechat", {3, 2, 1, 105, 117, 1470, 1494, 66.7, 33.3, 50, 20000, 8, 0, 2}},
  };
  q = it_fmt("group_by=channel&stores=%s", g_ab);
  rep = oct(it_hq(), "tickets", q, "channel");
  shape(rep, K_CHANNEL, 1, TK, TKN, "tickets by channel");
  str_rows(rep, "channel", CHANS, 5, TK, TKN, TK_IDLE, "tickets by channel");
  figs(json_object_get(rep, "total"), TK, TKN, TK_AB, "tickets by channel, total");
  json_decref(rep);
  free(q);

  /* assignee: ordered by name (A- B- C-, also the id order), unassigned last */
  q = it_fmt("group_by=assignee&stores=%s", g_ab);
  rep = oct(it_hq(), "tickets", q, "assignee");
  shape(rep, K_ASSIGNEE, 2, TK, TKN, "tickets by assignee");
  ck_assert_msg(json_array_size(items(rep)) == 4, "three assignees and unassigned: %s",
                jdump(items(rep)));
  ck_assert_int_eq(ji(items(rep), "0.assignee_id"), g_rep_a1);
  ck_assert_int_eq(ji(items(rep), "1.assignee_id"), g_rep_a2);
  ck_assert_int_eq(ji(items(rep), "2.assignee_id"), g_rep_b1);
  jnull(items(rep), "3.assignee_id");
  ck_assert_str_eq(js(items(rep), "0.assignee_name"), "A-报表专员甲");
  ck_assert_str_eq(js(items(rep), "1.assignee_name"), "B-报表专员乙");
  ck_assert_str_eq(js(items(rep), "2.assignee_name"), "C-报表专员丙");
  figs(json_array_get(items(rep), 0), TK, TKN, TK_REP_A1, "assignee repA1");
  figs(json_array_get(items(rep), 1), TK, TKN, TK_REP_A2, "assignee repA2");
  figs(json_array_get(items(rep), 2), TK, TKN, TK_REP_B1, "assignee repB1");
  figs(json_array_get(items(rep), 3), TK, TKN, TK_NONE, "unassigned");
  figs(json_object_get(rep, "total"), TK, TKN, TK_AB, "tickets by assignee, total");
  json_decref(rep);
  free(q);

  /* week: the Monday of the ISO week; 2026-10-01 is a Thursday. B3 (09-30
   * in UTC) is in the first week but not in the period. */
  static const srow WEEKS[] = {
      {"2026-09-28", {2, 3, 1, 75, 87, 2250, 2850, 100, 0, 66.7, 0, 7.5, 0, 2}},
      {"2026-10-05", {3, 3, 1, 45, 169, 600, 1720, 66.7, 100, 0, 8000, 7, 0, 3}},
      {"2026-10-12", {1, 1, 1, 120, 120, 1440, 1440, 100, 100, 0, 20000, 10, 100, 1}},
      {"2026-10-19", {1, 0, 2, NIL, NIL, NIL, NIL, 0, 0, NIL, 0, NIL, NIL, 0}},
  };
  q = it_fmt("group_by=week&stores=%s", g_ab);
  rep = oct(it_hq(), "tickets", q, "week");
  shape(rep, K_WEEK, 1, TK, TKN, "tickets by week");
  ck_assert_msg(json_array_size(items(rep)) == 5, "five weeks touch October 2026: %s",
                jdump(items(rep)));
  for (size_t w = 0; w < 4; w++) {
    json_t *it = json_array_get(items(rep), w);
    ck_assert_str_eq(js(it, "week"), WEEKS[w].key);
    char *ctx = it_fmt("tickets, week %s", WEEKS[w].key);
    figs(it, TK, TKN, WEEKS[w].v, ctx);
    free(ctx);
  }
  /* the last week (10-26, with A5 A6 B2): open_at_end is 6 at the end of
   * the ISO week (A8, created 11-01 local, still open then) or 5 at the end
   * of the period; the contract says "end of the bucket", either is read */
  json_t *last = json_array_get(items(rep), 4);
  ck_assert_str_eq(js(last, "week"), "2026-10-26");
  static const char *const LASTCOLS[] = {"created",
                                         "resolved",
                                         "first_response_median_min",
                                         "first_response_p90_min",
                                         "resolution_median_min",
                                         "resolution_p90_min",
                                         "first_response_met_pct",
                                         "resolution_met_pct",
                                         "reopened_pct",
                                         "compensation_cents",
                                         "satisfaction_avg",
                                         "nps",
                                         "responses"};
  static const double LASTV[] = {3, 0, 80, 136, NIL, NIL, 50, 0, NIL, 0, NIL, NIL, 0};
  figs(last, LASTCOLS, 13, LASTV, "tickets, week 2026-10-26");
  long long oae = ji(last, "open_at_end");
  ck_assert_msg(oae == 6 || oae == 5, "week 2026-10-26 open_at_end %lld (6 or 5 expected): %s",
                oae, jdump(last));
  json_decref(rep);
  free(q);

  /* month: one row, the same as the total */
  q = it_fmt("group_by=month&stores=%s", g_ab);
  rep = oct(it_hq(), "tickets", q, "month");
  shape(rep, K_MONTH, 1, TK, TKN, "tickets by month");
  ck_assert_msg(json_array_size(items(rep)) == 1, "one month: %s", jdump(items(rep)));
  ck_assert_str_eq(js(items(rep), "0.month"), "2026-10");
  figs(json_array_get(items(rep), 0), TK, TKN, TK_AB, "tickets, month 2026-10");
  figs(json_object_get(rep, "total"), TK, TKN, TK_AB, "tickets by month, total");
  json_decref(rep);
  free(q);
}
END_TEST

/* ------------------------------------------------------------------------- */
/* 4. callbacks */

static const char *const CB_IDLE[] = {"due", NULL};

START_TEST(test_callbacks_report) {
  char *q = it_fmt("stores=%s", g_ab);
  json_t *rep = oct(it_hq(), "callbacks", q, "store"); /* the default grouping */
  shape(rep, K_STORE, 3, CB, CBN, "callbacks by store");
  ck_assert_msg(json_array_size(items(rep)) == 2, "two stores: %s", jdump(items(rep)));
  ck_assert_int_eq(ji(items(rep), "0.store_id"), g_a);
  store_row(rep, g_a, g_a_code, STORE_A_NAME, CB, CBN, CB_A, "callbacks, store A");
  store_row(rep, g_b, g_b_code, STORE_B_NAME, CB, CBN, CB_B, "callbacks, store B");
  figs(json_object_get(rep, "total"), CB, CBN, CB_AB, "callbacks, total");
  json_decref(rep);
  free(q);

  /* kind: the cancelled birthday call is in no row */
  static const srow KINDS[] = {
      {"post_resolution", {2, 0, 0, 1, 0, 0, NIL}},   /* C4 D2: due_by passed, none on time */
      {"post_service", {4, 3, 3, 4, 75, 75, 9.5}},    /* C1 C2 C7 D1 */
      {"routine", {1, 1, 1, 1, 100, 0, 7}},           /* C3, completed late */
      {"win_back", {1, 0, 0, 1, 0, NIL, NIL}},        /* C8: not due_by yet: no on-time base */
  };
  q = it_fmt("group_by=kind&stores=%s", g_ab);
  rep = oct(it_hq(), "callbacks", q, "kind");
  shape(rep, K_KIND, 1, CB, CBN, "callbacks by kind");
  str_rows(rep, "kind", KINDS, 4, CB, CBN, CB_IDLE, "callbacks by kind");
  ck_assert_msg(!item_str(rep, "kind", "birthday") ||
                    ji(item_str(rep, "kind", "birthday"), "due") == 0,
                "a cancelled task counts nowhere: %s", jdump(items(rep)));
  figs(json_object_get(rep, "total"), CB, CBN, CB_AB, "callbacks by kind, total");
  json_decref(rep);
  free(q);

  /* assignee */
  static const double REP_A1[CBN] = {3, 1, 1, 3, 33.3, 50, 9}; /* C1 C2 C8 */
  static const double REP_A2[CBN] = {2, 2, 2, 2, 100, 50, 7};  /* C3 C7 */
  static const double REP_B1[CBN] = {2, 1, 1, 2, 50, 50, 10};  /* D1 D2 */
  static const double NONE[CBN] = {1, 0, 0, 0, NIL, 0, NIL};   /* C4: nothing attempted */
  q = it_fmt("group_by=assignee&stores=%s", g_ab);
  rep = oct(it_hq(), "callbacks", q, "assignee");
  shape(rep, K_ASSIGNEE, 2, CB, CBN, "callbacks by assignee");
  ck_assert_msg(json_array_size(items(rep)) == 4, "three assignees and unassigned: %s",
                jdump(items(rep)));
  ck_assert_int_eq(ji(items(rep), "0.assignee_id"), g_rep_a1);
  ck_assert_int_eq(ji(items(rep), "1.assignee_id"), g_rep_a2);
  ck_assert_int_eq(ji(items(rep), "2.assignee_id"), g_rep_b1);
  jnull(items(rep), "3.assignee_id");
  ck_assert_str_eq(js(items(rep), "0.assignee_name"), "A-报表专员甲");
  figs(json_array_get(items(rep), 0), CB, CBN, REP_A1, "callbacks, repA1");
  figs(json_array_get(items(rep), 1), CB, CBN, REP_A2, "callbacks, repA2");
  figs(json_array_get(items(rep), 2), CB, CBN, REP_B1, "callbacks, repB1");
  figs(json_array_get(items(rep), 3), CB, CBN, NONE, "callbacks, unassigned");
  figs(json_object_get(rep, "total"), CB, CBN, CB_AB, "callbacks by assignee, total");
  json_decref(rep);
  free(q);

  /* day: local date of due_at; C1 and D1 are due at the same instant */
  static const srow DAYS_CB[] = {
      {"2026-10-01", {1, 1, 1, 1, 100, 100, NIL}}, /* C7 (09-30T17:00Z) */
      {"2026-10-05", {1, 1, 1, 1, 100, 100, 10}},  /* D1 (10-05T17:30Z in UTC) */
      {"2026-10-06", {1, 1, 1, 1, 100, 100, 9}},   /* C1 (the same instant in Shanghai) */
      {"2026-10-08", {1, 0, 0, 1, 0, 0, NIL}},     /* C2 */
      {"2026-10-12", {1, 1, 1, 1, 100, 0, 7}},     /* C3 */
      {"2026-10-15", {1, 0, 0, 0, NIL, 0, NIL}},   /* C4 */
      {"2026-10-25", {1, 0, 0, 1, 0, NIL, NIL}},   /* C8 */
      {"2026-10-31", {1, 0, 0, 1, 0, 0, NIL}},     /* D2 */
  };
  q = it_fmt("group_by=day&stores=%s", g_ab);
  rep = oct(it_hq(), "callbacks", q, "day");
  shape(rep, K_DAY, 1, CB, CBN, "callbacks by day");
  str_rows(rep, "day", DAYS_CB, 8, CB, CBN, CB_IDLE, "callbacks by day");
  figs(json_object_get(rep, "total"), CB, CBN, CB_AB, "callbacks by day, total");
  json_decref(rep);
  free(q);
}
END_TEST

/* ------------------------------------------------------------------------- */
/* 5. customers */

START_TEST(test_customers_report) {
  char *q = it_fmt("stores=%s", g_ab);
  json_t *rep = oct(it_hq(), "customers", q, "store");
  shape(rep, K_STORE, 3, CU, CUN, "customers by store");
  ck_assert_msg(json_array_size(items(rep)) == 2, "two stores: %s", jdump(items(rep)));
  ck_assert_int_eq(ji(items(rep), "0.store_id"), g_a);
  store_row(rep, g_a, g_a_code, STORE_A_NAME, CU, CUN, CU_A, "customers, store A");
  store_row(rep, g_b, g_b_code, STORE_B_NAME, CU, CUN, CU_B, "customers, store B");
  /* K1 is active in both stores: in each row, once in the total */
  figs(json_object_get(rep, "total"), CU, CUN, CU_AB, "customers, total");
  json_decref(rep);
  free(q);

  /* tier (the current member_tier): every row has something */
  static const srow TIERS[] = {
      {"gold", {1, 1, 0, 100}},   /* K1 new and active (3 visits); K5 not lapsed */
      {"regular", {2, 2, 1, 0}},  /* K2, K6 new and active once; K8 lapsed; K3 K9 idle */
      {"silver", {1, 2, 0, 50}},  /* K7 new, active twice; K10 active once */
      {"vip", {0, 0, 1, NIL}},    /* K4 lapsed */
  };
  static const char *const CU_IDLE[] = {"new", "active", "lapsed", NULL};
  q = it_fmt("group_by=tier&stores=%s", g_ab);
  rep = oct(it_hq(), "customers", q, "tier");
  shape(rep, K_TIER, 1, CU, CUN, "customers by tier");
  str_rows(rep, "tier", TIERS, 4, CU, CUN, CU_IDLE, "customers by tier");
  figs(json_object_get(rep, "total"), CU, CUN, CU_AB, "customers by tier, total");
  json_decref(rep);
  free(q);

  /* one store at a time gives the same rows */
  q = it_fmt("stores=%lld", g_b);
  rep = oct(it_hq(), "customers", q, "store");
  ck_assert_msg(json_array_size(items(rep)) == 1, "one store: %s", jdump(items(rep)));
  store_row(rep, g_b, g_b_code, STORE_B_NAME, CU, CUN, CU_B, "customers, store B alone");
  figs(json_object_get(rep, "total"), CU, CUN, CU_B, "customers, store B alone, total");
  json_decref(rep);
  free(q);
}
END_TEST

/* The erased customer K6 (created 2026-10-12, visit at A by repA1 the same
 * day) keeps its statistics: on that day store A has one new and one active
 * customer (one visit: repeat 0.0), for HQ and for the rep; it is never
 * lapsed. K4 is lapsed (last visit 06-01, more than 90 days before the end
 * of 10-12). */
START_TEST(test_customers_erased_keep_statistics) {
  char *p = it_fmt("/v1/reports/customers?from=2026-10-12&to=2026-10-12&stores=%lld", g_a);
  json_t *rep = get_report(it_hq(), p);
  static const double HQ[CUN] = {1, 1, 1, 0};
  static const double REP[CUN] = {NIL, 1, NIL, 0};
  figs(json_object_get(rep, "total"), CU, CUN, HQ, "customers on 10-12 (K6 erased)");
  json_decref(rep);
  rep = get_report(t_rep_a1, p);
  figs(json_object_get(rep, "total"), CU, CUN, REP, "rep A1's customers on 10-12 (K6 erased)");
  json_decref(rep);
  free(p);
}
END_TEST

/* ------------------------------------------------------------------------- */
/* 6. overview */

static const double OV_A[OVN] = {7, 5, 4, 66.7, 40, 8000, 8.25, 25, 6, 60, 40, 3, 4, 1};
static const double OV_B[OVN] = {3, 2, 1, 66.7, 66.7, 20000, 6.5, 0, 2, 50, 50, 1, 2, 1};
static const double OV_AB[OVN] = {10, 7, 5, 66.7, 50, 28000, 7.67, 16.7, 8, 57.1, 42.9, 4, 5, 2};

START_TEST(test_overview) {
  char *q = it_fmt("stores=%s", g_ab);
  json_t *rep = oct(it_hq(), "overview", q, NULL);
  shape(rep, K_STORE, 3, OV, OVN, "overview");
  ck_assert_msg(json_array_size(items(rep)) == 2, "one row per store: %s", jdump(items(rep)));
  ck_assert_int_eq(ji(items(rep), "0.store_id"), g_a);
  ck_assert_int_eq(ji(items(rep), "1.store_id"), g_b);
  store_row(rep, g_a, g_a_code, STORE_A_NAME, OV, OVN, OV_A, "overview, store A");
  store_row(rep, g_b, g_b_code, STORE_B_NAME, OV, OVN, OV_B, "overview, store B");
  figs(json_object_get(rep, "total"), OV, OVN, OV_AB, "overview, chain total");
  json_decref(rep);

  /* HQ without stores: every store of the chain, by id, demo stores too */
  rep = oct(it_hq(), "overview", NULL, NULL);
  long long nstores = it_db_count("SELECT count(*) FROM stores", IT_END);
  ck_assert_msg((long long)json_array_size(items(rep)) == nstores,
                "HQ overview: %lld stores expected: %s", nstores, jdump(items(rep)));
  long long prev = 0;
  size_t i;
  json_t *it;
  json_array_foreach(items(rep), i, it) {
    ck_assert_msg(ji(it, "store_id") > prev, "overview rows not ordered by store id: %s",
                  jdump(items(rep)));
    prev = ji(it, "store_id");
  }
  ck_assert_msg(item_id(rep, "store_id", it_store_id("SH001")) &&
                    item_id(rep, "store_id", it_store_id("SH002")) &&
                    item_id(rep, "store_id", it_store_id("BJ001")),
                "HQ overview lacks a demo store: %s", jdump(items(rep)));
  store_row(rep, g_a, g_a_code, STORE_A_NAME, OV, OVN, OV_A, "HQ overview, store A");
  store_row(rep, g_b, g_b_code, STORE_B_NAME, OV, OVN, OV_B, "HQ overview, store B");
  json_decref(rep);

  /* a manager: their store only, and the total is that store */
  rep = oct(t_mgr_a, "overview", NULL, NULL);
  ck_assert_msg(json_array_size(items(rep)) == 1, "manager A sees store A only: %s",
                jdump(items(rep)));
  store_row(rep, g_a, g_a_code, STORE_A_NAME, OV, OVN, OV_A, "manager overview");
  figs(json_object_get(rep, "total"), OV, OVN, OV_A, "manager overview, total");
  json_decref(rep);

  /* a supervisor of A and B: both */
  rep = oct(t_sup_ab, "overview", NULL, NULL);
  ck_assert_msg(json_array_size(items(rep)) == 2, "supervisor of A and B: %s", jdump(items(rep)));
  figs(json_object_get(rep, "total"), OV, OVN, OV_AB, "supervisor overview, total");
  json_decref(rep);

  /* a rep gets 403, whatever the stores asked */
  char *p = oct_path("overview", NULL);
  status_is(t_rep_a1, p, 403, "forbidden");
  free(p);
  p = it_fmt("/v1/reports/overview");
  status_is(t_rep_b1, p, 403, "forbidden");
  free(p);
  /* a manager asking for another store: 404 */
  char *qb = it_fmt("stores=%lld", g_b);
  p = oct_path("overview", qb);
  status_is(t_mgr_a, p, 404, "not_found");
  free(p);
  free(qb);
  free(q);
}
END_TEST

/* ------------------------------------------------------------------------- */
/* 7. CSV */

/* RFC 4180 parse of a CSV body that must start with a UTF-8 BOM and end its
 * records with CRLF (the last record may lack it): an array of records, each
 * an array of strings. */
static json_t *csv_parse(const char *body, size_t len, const char *ctx) {
  ck_assert_msg(len >= 3 && memcmp(body, "\xEF\xBB\xBF", 3) == 0,
                "%s: CSV does not start with a UTF-8 BOM: %.200s", ctx, body);
  const char *p = body + 3, *end = body + len;
  json_t *rows = json_array();
  char *buf = malloc(len + 1);
  while (p < end) {
    json_t *rec = json_array();
    for (;;) {
      size_t n = 0;
      if (p < end && *p == '"') {
        p++;
        for (;;) {
          ck_assert_msg(p < end, "%s: unterminated quoted field", ctx);
          if (*p == '"') {
            if (p + 1 < end && p[1] == '"') {
              buf[n++] = '"';
              p += 2;
              continue;
            }
            p++;
            break;
          }
          buf[n++] = *p++;
        }
      } else {
        while (p < end && *p != ',' && *p != '\r' && *p != '\n') {
          ck_assert_msg(*p != '"', "%s: a quote inside an unquoted field at byte %ld", ctx,
                        (long)(p - body));
          buf[n++] = *p++;
        }
      }
      json_t *s = json_stringn(buf, n);
      ck_assert_msg(s, "%s: a field is not valid UTF-8 at byte %ld", ctx, (long)(p - body));
      json_array_append_new(rec, s);
      if (p < end && *p == ',') {
        p++;
        continue;
      }
      if (p == end)
        break;
      ck_assert_msg(end - p >= 2 && p[0] == '\r' && p[1] == '\n',
                    "%s: a record not ended by CRLF at byte %ld: %.300s", ctx, (long)(p - body),
                    body);
      p += 2;
      break;
    }
    json_array_append_new(rows, rec);
  }
  free(buf);
  return rows;
}

/* A CSV field holds what the JSON value holds: null empty, strings as they
 * are, integers in decimal, other numbers the same number in plain decimal. */
static void csv_cell(const char *cell, json_t *v, const char *col, const char *ctx) {
  if (!v || json_is_null(v)) {
    ck_assert_msg(*cell == 0, "%s: %s is null in JSON, \"%s\" in CSV", ctx, col, cell);
  } else if (json_is_string(v)) {
    ck_assert_msg(strcmp(cell, json_string_value(v)) == 0, "%s: %s is \"%s\" in JSON, \"%s\" in CSV",
                  ctx, col, json_string_value(v), cell);
  } else if (json_is_integer(v)) {
    char b[32];
    snprintf(b, sizeof b, "%lld", (long long)json_integer_value(v));
    ck_assert_msg(strcmp(cell, b) == 0, "%s: %s is %s in JSON, \"%s\" in CSV", ctx, col, b, cell);
  } else if (json_is_real(v)) {
    char *e = NULL;
    double d = strtod(cell, &e);
    ck_assert_msg(*cell && e && *e == 0 && !strpbrk(cell, "eEnN") &&
                      fabs(d - json_real_value(v)) < 1e-9,
                  "%s: %s is %.10g in JSON, \"%s\" in CSV", ctx, col, json_real_value(v), cell);
  } else {
    ck_abort_msg("%s: %s has an unexpected JSON type", ctx, col);
  }
}

/* GET path as JSON and as CSV (Accept: text/csv): the CSV is the JSON row
 * for row. The JSON is read straight from the server: the proxy re-encodes
 * JSON and drops the ".0" of whole reals, which would hide how the server
 * wrote them (the CSV passes through it untouched; it is read through the
 * proxy so that its media type is checked against the OpenAPI document).
 * Returns the CSV body (caller frees). */
static char *csv_same(const char *tok, const char *path, const char *const *keys, size_t nk,
                      const char *const *cols, size_t nc) {
  json_t *rep = get_report_at(IT_DIRECT, tok, path);
  it_resp r;
  it_req(IT_PROXY, "GET", path, tok, IT_HDRS("Accept: text/csv"), NULL, &r);
  ck_assert_msg(r.status == 200, "GET %s as CSV: %s", path, it_desc(&r));
  const char *ct = it_header(&r, "Content-Type");
  ck_assert_msg(ct && strncasecmp(ct, "text/csv", 8) == 0 && strcasestr(ct, "charset=utf-8"),
                "GET %s: Content-Type should be text/csv; charset=utf-8: %s", path, it_desc(&r));
  json_t *rows = csv_parse(r.body, r.body_len, path);
  json_t *its = items(rep);
  ck_assert_msg(json_array_size(rows) == json_array_size(its) + 2,
                "GET %s: CSV has %zu records, expected header + %zu items + total: %s", path,
                json_array_size(rows), json_array_size(its), r.body);
  json_t *head = json_array_get(rows, 0);
  ck_assert_msg(json_array_size(head) == nk + nc, "GET %s: CSV header has %zu fields, not %zu: %s",
                path, json_array_size(head), nk + nc, r.body);
  for (size_t c = 0; c < nk + nc; c++) {
    const char *want = c < nk ? keys[c] : cols[c - nk];
    ck_assert_msg(strcmp(json_string_value(json_array_get(head, c)), want) == 0,
                  "GET %s: CSV header field %zu is %s, expected %s", path, c,
                  json_string_value(json_array_get(head, c)), want);
  }
  for (size_t i = 0; i < json_array_size(its); i++) {
    json_t *rec = json_array_get(rows, i + 1), *it = json_array_get(its, i);
    char *ctx = it_fmt("GET %s CSV line %zu", path, i + 2);
    ck_assert_msg(json_array_size(rec) == nk + nc, "%s: %zu fields", ctx, json_array_size(rec));
    for (size_t c = 0; c < nk + nc; c++) {
      const char *col = c < nk ? keys[c] : cols[c - nk];
      csv_cell(json_string_value(json_array_get(rec, c)), json_object_get(it, col), col, ctx);
    }
    free(ctx);
  }
  json_t *tot = json_array_get(rows, json_array_size(rows) - 1);
  char *ctx = it_fmt("GET %s CSV total line", path);
  ck_assert_msg(json_array_size(tot) == nk + nc, "%s: %zu fields", ctx, json_array_size(tot));
  ck_assert_msg(strcmp(json_string_value(json_array_get(tot, 0)), "total") == 0,
                "%s: the first field should be total: %s", ctx, r.body);
  for (size_t c = 1; c < nk; c++)
    ck_assert_msg(*json_string_value(json_array_get(tot, c)) == 0,
                  "%s: key column %s should be empty: %s", ctx, keys[c], r.body);
  for (size_t c = nk; c < nk + nc; c++)
    csv_cell(json_string_value(json_array_get(tot, c)),
             json_object_get(json_object_get(rep, "total"), cols[c - nk]), cols[c - nk], ctx);
  free(ctx);
  char *body = strdup(r.body);
  json_decref(rows);
  json_decref(rep);
  it_resp_free(&r);
  return body;
}

START_TEST(test_csv) {
  char *q, *p, *body;

  q = it_fmt("group_by=store&stores=%s", g_ab);
  p = oct_path("tickets", q);
  body = csv_same(it_hq(), p, K_STORE, 3, TK, TKN);
  /* Chinese names intact, and a name with a comma and quotes quoted (RFC
   * 4180): the parsed fields were compared above, here the raw bytes */
  ck_assert_msg(strstr(body, STORE_A_NAME), "the Chinese store name is mangled: %s", body);
  ck_assert_msg(strstr(body, ",\"伦敦店, \"\"UTC\"\" 报表\","),
                "a name with a comma and quotes must be quoted with doubled quotes: %s", body);
  free(body);
  free(p);
  free(q);

  /* more groupings, each CSV line for line equal to its JSON (assignee:
   * a null key, unassigned) */
  static const struct {
    const char *report, *group_by;
    const char *const *keys;
    size_t nk;
    const char *const *figures;
    size_t nf;
  } MORE[] = {{"tickets", "assignee", K_ASSIGNEE, 2, TK, TKN},
              {"tickets", "day", K_DAY, 1, TK, TKN},
              {"tickets", "severity", K_SEVERITY, 1, TK, TKN},
              {"callbacks", "kind", K_KIND, 1, CB, CBN},
              {"callbacks", "store", K_STORE, 3, CB, CBN},
              {"customers", "tier", K_TIER, 1, CU, CUN}};
  for (size_t i = 0; i < sizeof MORE / sizeof *MORE; i++) {
    q = it_fmt("group_by=%s&stores=%s", MORE[i].group_by, g_ab);
    p = oct_path(MORE[i].report, q);
    free(csv_same(it_hq(), p, MORE[i].keys, MORE[i].nk, MORE[i].figures, MORE[i].nf));
    free(p);
    free(q);
  }

  /* a rep's customers report: new and lapsed are null, so empty */
  p = oct_path("customers", NULL);
  body = csv_same(t_rep_a1, p, K_STORE, 3, CU, CUN);
  json_t *recs = csv_parse(body, strlen(body), "rep's customers CSV");
  ck_assert_msg(json_array_size(recs) == 3 && *js(recs, "1.3") == 0 && *js(recs, "1.5") == 0 &&
                    *js(recs, "2.1") == 0 && *js(recs, "2.3") == 0 && *js(recs, "2.5") == 0,
                "rep's customers CSV: new and lapsed (null) must be empty fields: %s", body);
  json_decref(recs);
  free(body);
  free(p);

  q = it_fmt("stores=%s", g_ab);
  p = oct_path("overview", q);
  body = csv_same(it_hq(), p, K_STORE, 3, OV, OVN);
  ck_assert_msg(strstr(body, "\r\ntotal,,,10,7,5,"), "overview total line: %s", body);
  free(body);
  free(p);
  free(q);
}
END_TEST

/* ------------------------------------------------------------------------- */
/* 8. scope */

/* Shanghai's today and today − 29 days (the default period). */
static void default_period(char from[16], char to[16]) {
  time_t now = time(NULL) + 8 * 3600;
  struct tm tm;
  gmtime_r(&now, &tm);
  strftime(to, 16, "%Y-%m-%d", &tm);
  time_t f = now - 29 * 86400;
  gmtime_r(&f, &tm);
  strftime(from, 16, "%Y-%m-%d", &tm);
}

/* Tickets created in [from, to] by local date in stores ("" = all). */
static long long sql_created(const char *from, const char *to, const char *stores) {
  return it_db_count("SELECT count(*) FROM tickets t JOIN stores s ON s.id = t.store_id "
                     "WHERE (t.created_at AT TIME ZONE s.timezone)::date BETWEEN $1::date AND "
                     "$2::date AND ($3 = '' OR t.store_id = ANY (string_to_array($3, ',')::bigint[]))",
                     from, to, stores, IT_END);
}

START_TEST(test_scope) {
  json_t *rep;
  char *q, *p;

  /* a rep: only tickets assigned to them, in their store */
  rep = oct(t_rep_a1, "tickets", NULL, "store");
  ck_assert_msg(json_array_size(items(rep)) == 1, "a rep has one store: %s", jdump(items(rep)));
  store_row(rep, g_a, g_a_code, STORE_A_NAME, TK, TKN, TK_REP_A1, "rep A1's tickets");
  figs(json_object_get(rep, "total"), TK, TKN, TK_REP_A1, "rep A1's tickets, total");
  json_decref(rep);
  rep = oct(t_rep_a2, "tickets", "group_by=assignee", "assignee");
  ck_assert_msg(json_array_size(items(rep)) == 1, "a rep sees only their own row: %s",
                jdump(items(rep)));
  ck_assert_int_eq(ji(items(rep), "0.assignee_id"), g_rep_a2);
  figs(json_array_get(items(rep), 0), TK, TKN, TK_REP_A2, "rep A2 by assignee");
  json_decref(rep);
  rep = oct(t_rep_b1, "tickets", NULL, "store");
  figs(json_object_get(rep, "total"), TK, TKN, TK_REP_B1, "rep B1's tickets, total");
  json_decref(rep);
  /* their callbacks: assigned to them */
  rep = oct(t_rep_a1, "callbacks", NULL, "store");
  static const double CB_REP_A1[CBN] = {3, 1, 1, 3, 33.3, 50, 9};
  store_row(rep, g_a, NULL, NULL, CB, CBN, CB_REP_A1, "rep A1's callbacks");
  figs(json_object_get(rep, "total"), CB, CBN, CB_REP_A1, "rep A1's callbacks, total");
  json_decref(rep);
  /* their customers: visits they performed (K1 twice, K10); new and lapsed
   * describe the store's file, not a rep's work: null */
  static const double CU_REP_A1[CUN] = {NIL, 3, NIL, 33.3};
  static const double CU_REP_A2[CUN] = {NIL, 1, NIL, 0};
  rep = oct(t_rep_a1, "customers", NULL, "store");
  store_row(rep, g_a, NULL, NULL, CU, CUN, CU_REP_A1, "rep A1's customers");
  figs(json_object_get(rep, "total"), CU, CUN, CU_REP_A1, "rep A1's customers, total");
  json_decref(rep);
  rep = oct(t_rep_a2, "customers", NULL, "store");
  figs(json_object_get(rep, "total"), CU, CUN, CU_REP_A2, "rep A2's customers, total");
  json_decref(rep);
  /* a rep naming their own store is fine; another store is 404 */
  q = it_fmt("stores=%lld", g_a);
  rep = oct(t_rep_a1, "tickets", q, "store");
  figs(json_object_get(rep, "total"), TK, TKN, TK_REP_A1, "rep A1, stores=A");
  json_decref(rep);
  free(q);
  q = it_fmt("stores=%lld", g_b);
  static const char *const REPORTS[] = {"tickets", "callbacks", "customers"};
  for (size_t i = 0; i < 3; i++) {
    p = oct_path(REPORTS[i], q);
    status_is(t_rep_a1, p, 404, "not_found");
    free(p);
  }

  /* a manager: their store; another store (alone or with theirs) is 404 */
  rep = oct(t_mgr_a, "tickets", NULL, "store");
  ck_assert_msg(json_array_size(items(rep)) == 1, "manager A: store A only: %s",
                jdump(items(rep)));
  store_row(rep, g_a, g_a_code, STORE_A_NAME, TK, TKN, TK_A, "manager A's tickets");
  figs(json_object_get(rep, "total"), TK, TKN, TK_A, "manager A's tickets, total");
  json_decref(rep);
  rep = oct(t_mgr_b, "callbacks", NULL, "store");
  figs(json_object_get(rep, "total"), CB, CBN, CB_B, "manager B's callbacks, total");
  json_decref(rep);
  rep = oct(t_mgr_b, "customers", NULL, "store");
  figs(json_object_get(rep, "total"), CU, CUN, CU_B, "manager B's customers, total");
  json_decref(rep);
  static const char *const ALL4[] = {"tickets", "callbacks", "customers", "overview"};
  for (size_t i = 0; i < 4; i++) {
    p = oct_path(ALL4[i], q);
    status_is(t_mgr_a, p, 404, "not_found");
    free(p);
  }
  free(q);
  q = it_fmt("stores=%s", g_ab);
  p = oct_path("tickets", q);
  status_is(t_mgr_a, p, 404, "not_found");
  free(p);
  free(q);

  /* a supervisor of A and B: both, same figures as HQ's */
  rep = oct(t_sup_ab, "tickets", NULL, "store");
  ck_assert_msg(json_array_size(items(rep)) == 2, "supervisor of A and B: %s", jdump(items(rep)));
  store_row(rep, g_a, g_a_code, STORE_A_NAME, TK, TKN, TK_A, "supervisor, store A");
  store_row(rep, g_b, g_b_code, STORE_B_NAME, TK, TKN, TK_B, "supervisor, store B");
  figs(json_object_get(rep, "total"), TK, TKN, TK_AB, "supervisor, total");
  json_decref(rep);

  /* HQ without stores: every store; the total counts the whole chain */
  rep = oct(it_hq(), "tickets", NULL, "store");
  store_row(rep, g_a, g_a_code, STORE_A_NAME, TK, TKN, TK_A, "HQ, store A");
  store_row(rep, g_b, g_b_code, STORE_B_NAME, TK, TKN, TK_B, "HQ, store B");
  fig(json_object_get(rep, "total"), "created",
      (double)sql_created("2026-10-01", "2026-10-31", ""), "HQ total created");
  json_decref(rep);

  /* the default period: the 30 local days ending today in Shanghai */
  char from[16], to[16];
  default_period(from, to);
  rep = get_report(it_hq(), "/v1/reports/tickets");
  ck_assert_msg(strcmp(js(rep, "period.from"), from) == 0 && strcmp(js(rep, "period.to"), to) == 0,
                "default period should be %s..%s: %s", from, to,
                jdump(json_object_get(rep, "period")));
  fig(json_object_get(rep, "total"), "created", (double)sql_created(from, to, ""),
      "HQ default period, created");
  json_decref(rep);

  /* east.supervisor (SH001 and SH002): those two stores, nothing else */
  long long sh1 = it_store_id("SH001"), sh2 = it_store_id("SH002"), bj = it_store_id("BJ001");
  const char *east = it_token("east.supervisor");
  rep = get_report(east, "/v1/reports/overview");
  ck_assert_msg(json_array_size(items(rep)) == 2, "east.supervisor: SH001 and SH002: %s",
                jdump(items(rep)));
  ck_assert_int_eq(ji(items(rep), "0.store_id"), sh1 < sh2 ? sh1 : sh2);
  ck_assert_int_eq(ji(items(rep), "1.store_id"), sh1 < sh2 ? sh2 : sh1);
  json_decref(rep);
  rep = get_report(east, "/v1/reports/tickets");
  size_t i;
  json_t *it;
  json_array_foreach(items(rep), i, it) {
    long long s = ji(it, "store_id");
    ck_assert_msg(s == sh1 || s == sh2, "east.supervisor sees store %lld: %s", s,
                  jdump(items(rep)));
  }
  char *east_stores = it_fmt("%lld,%lld", sh1, sh2);
  fig(json_object_get(rep, "total"), "created", (double)sql_created(from, to, east_stores),
      "east.supervisor, created");
  json_decref(rep);
  free(east_stores);
  p = it_fmt("/v1/reports/tickets?stores=%lld", bj);
  status_is(east, p, 404, "not_found");
  free(p);
  p = it_fmt("/v1/reports/overview?stores=%lld", g_a);
  status_is(east, p, 404, "not_found");
  free(p);
  /* an unknown store is 404 for HQ too */
  p = it_fmt("/v1/reports/tickets?stores=%lld", g_b + 1000000);
  status_is(it_hq(), p, 404, "not_found");
  free(p);
}
END_TEST

/* ------------------------------------------------------------------------- */
/* 9. bad input */

START_TEST(test_validation) {
  bad_request("/v1/reports/tickets?from=2026-10-31&to=2026-10-01", "from", "to");
  bad_request("/v1/reports/overview?from=2026-10-31&to=2026-10-01", "from", "to");
  bad_request("/v1/reports/tickets?from=2026-13-01&to=2026-12-31", "from", NULL);
  bad_request("/v1/reports/tickets?from=2026-02-01&to=2026-02-30", "to", NULL);
  bad_request("/v1/reports/tickets?from=1.10.2026&to=2026-10-31", "from", NULL);
  bad_request("/v1/reports/tickets?from=2026-10-01T00:00:00Z&to=2026-10-31", "from", NULL);
  bad_request("/v1/reports/callbacks?from=yesterday", "from", NULL);
  bad_request("/v1/reports/customers?to=2026-1-5", "to", NULL);
  bad_request("/v1/reports/overview?from=2026-10-00&to=2026-10-31", "from", NULL);
  /* over 366 days (367 here) */
  bad_request("/v1/reports/tickets?from=2025-01-01&to=2026-01-02", "from", "to");
  bad_request("/v1/reports/callbacks?from=2024-01-01&to=2026-01-01", "from", "to");
  bad_request("/v1/reports/tickets?group_by=hour", "group_by", NULL);
  bad_request("/v1/reports/tickets?group_by=kind", "group_by", NULL);
  bad_request("/v1/reports/callbacks?group_by=category", "group_by", NULL);
  bad_request("/v1/reports/customers?group_by=day", "group_by", NULL);
  bad_request("/v1/reports/tickets?stores=abc", "stores", NULL);
  char *p = it_fmt("/v1/reports/tickets?stores=%lld,,%lld", g_a, g_b);
  bad_request(p, "stores", NULL);
  free(p);
  p = it_fmt("/v1/reports/callbacks?stores=%lld,x", g_a);
  bad_request(p, "stores", NULL);
  free(p);
  bad_request("/v1/reports/customers?stores=1.5", "stores", NULL);

  /* exactly 366 days is allowed (2025-01-01..2026-01-01) */
  p = it_fmt("/v1/reports/tickets?from=2025-01-01&to=2026-01-01&stores=%lld", g_a);
  json_t *rep = get_report(it_hq(), p);
  ck_assert_str_eq(js(rep, "period.from"), "2025-01-01");
  ck_assert_str_eq(js(rep, "period.to"), "2026-01-01");
  json_decref(rep);
  free(p);
  /* a one-day period: from = to; A1 alone on 10-06 in Shanghai */
  p = it_fmt("/v1/reports/tickets?from=2026-10-06&to=2026-10-06&stores=%lld", g_a);
  rep = get_report(it_hq(), p);
  fig(json_object_get(rep, "total"), "created", 1, "one-day period");
  fig(json_object_get(rep, "total"), "resolved", 1, "one-day period");
  json_decref(rep);
  free(p);
}
END_TEST

static Suite *suite(void) {
  Suite *s = suite_create("it_reports");
  TCase *tc = tcase_create("reports");
  tcase_set_timeout(tc, 300);
  tcase_add_unchecked_fixture(tc, dataset, NULL);
  tcase_add_test(tc, test_tickets_by_store);
  tcase_add_test(tc, test_tickets_by_day);
  tcase_add_test(tc, test_tickets_groupings);
  tcase_add_test(tc, test_callbacks_report);
  tcase_add_test(tc, test_customers_report);
  tcase_add_test(tc, test_customers_erased_keep_statistics);
  tcase_add_test(tc, test_overview);
  tcase_add_test(tc, test_csv);
  tcase_add_test(tc, test_scope);
  tcase_add_test(tc, test_validation);
  suite_add_tcase(s, tc);
  return s;
}

int main(void) {
  it_config cfg = {.name = "it_reports"};
  return it_main(&cfg, suite());
}
