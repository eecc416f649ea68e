#include "db_reports.h"

#include <stddef.h>

/* The caller's stores (or the asked ones) with each store's period as UTC
 * instants: from the start of local day `from` to the start of the day
 * after `to`. Scoped by $1/$2. */
#define STORES_CTE                                                                                 \
  "st AS (SELECT s.id, s.code, s.name, s.timezone AS tz, "                                        \
  "($3::date)::timestamp AT TIME ZONE s.timezone AS t_from, "                                     \
  "($4::date + 1)::timestamp AT TIME ZONE s.timezone AS t_end FROM stores s "                     \
  "WHERE ($1 OR s.id = ANY ($2::bigint[])) AND ($5::bigint[] IS NULL OR s.id = ANY ($5::bigint[])))"

/* The text key of a row for group_by $6; `day` is the row's local date. */
#define DAY_KEYS(day)                                                                              \
  "WHEN 'day' THEN to_char(" day ", 'YYYY-MM-DD') "                                               \
  "WHEN 'week' THEN to_char(date_trunc('week', " day "), 'YYYY-MM-DD') "                          \
  "WHEN 'month' THEN to_char(" day ", 'YYYY-MM') "
#define TICKET_KEY(x, day)                                                                         \
  "CASE $6 WHEN 'store' THEN " x ".store_id::text WHEN 'category' THEN " x ".category "           \
  "WHEN 'severity' THEN " x ".severity WHEN 'channel' THEN " x ".channel "                        \
  "WHEN 'assignee' THEN coalesce(" x ".assignee_id::text, '') " DAY_KEYS(day) "END"

/* Every bucket of the period for time groupings, every store in scope for
 * `store`: rows with nothing in them still appear. */
#define FIXED_KEYS                                                                                 \
  "fixed AS (SELECT DISTINCT CASE $6 " DAY_KEYS("d::date") "END AS k "                            \
  "FROM generate_series($3::date, $4::date, interval '1 day') AS d "                              \
  "WHERE $6 IN ('day', 'week', 'month') UNION SELECT st.id::text FROM st WHERE $6 = 'store')"

/* The key columns of a row as json, from its text key k. */
#define KEY_JSON                                                                                   \
  "CASE WHEN $6 = 'store' THEN (SELECT json_build_object('store_id', s.id, 'store_code', s.code, " \
  "'store_name', s.name) FROM stores s WHERE s.id = k::bigint) "                                   \
  "WHEN $6 = 'assignee' THEN json_build_object('assignee_id', nullif(k, '')::bigint, "            \
  "'assignee_name', (SELECT f.name FROM staff f WHERE f.id = nullif(k, '')::bigint)) "            \
  "ELSE json_build_object($6, k) END"
/* Report order: stores and assignees by id (unassigned last), the rest by text. */
#define KEY_ORDER                                                                                  \
  "is_total, CASE WHEN $6 IN ('store', 'assignee') THEN coalesce(nullif(k, '')::bigint, "         \
  "9223372036854775807) END, k"

#define PCT(num, den) "round(100.0 * (" num ") / nullif(" den ", 0), 1)"
#define MIN1(x) "round((" x ")::numeric, 1)"

/* Medians and p90s of the response and resolution minutes; the overview,
 * which shows none, leaves out their sorts. */
#define WITH_PERCENTILES                                                                           \
  "percentile_cont(0.5) WITHIN GROUP (ORDER BY fr_min) AS fr_med, "                                \
  "percentile_cont(0.9) WITHIN GROUP (ORDER BY fr_min) AS fr_p90, "                                \
  "percentile_cont(0.5) WITHIN GROUP (ORDER BY res_min) AS res_med, "                              \
  "percentile_cont(0.9) WITHIN GROUP (ORDER BY res_min) AS res_p90, "
#define NO_PERCENTILES                                                                             \
  "NULL::float8 AS fr_med, NULL::float8 AS fr_p90, NULL::float8 AS res_med, "                      \
  "NULL::float8 AS res_p90, "

#define TICKETS_SQL(PERCENTILES) \
    "WITH " STORES_CTE ", " \
    /* per store, a range of the covering indexes of migration 0005; OFFSET 0
     * keeps each LATERAL subquery a per-store index range (pulled up into a
     * plain join, the planner may scan the whole table instead) */ \
    "pop AS (SELECT p.* FROM st CROSS JOIN LATERAL (SELECT t.store_id, t.category, t.severity, " \
    "t.channel, t.assignee_id, (t.created_at AT TIME ZONE st.tz)::date AS day, " \
    "extract(epoch FROM t.first_responded_at - t.created_at) / 60 AS fr_min, " \
    "extract(epoch FROM t.resolved_at - t.created_at) / 60 AS res_min, " \
    "t.first_responded_at <= t.first_response_due_at AS fr_met, " \
    "(t.first_responded_at > t.first_response_due_at OR (t.first_responded_at IS NULL " \
    "AND t.first_response_due_at < now())) AS fr_missed, " \
    "t.resolved_at <= t.resolution_due_at AS res_met, " \
    "(t.resolved_at > t.resolution_due_at OR (t.resolved_at IS NULL AND t.paused_at IS NULL " \
    "AND t.resolution_due_at < now())) AS res_missed, " \
    "t.satisfaction_score AS score, t.id FROM tickets t WHERE t.store_id = st.id " \
    "AND t.created_at >= st.t_from AND t.created_at < st.t_end " \
    "AND ($7::bigint IS NULL OR t.assignee_id = $7) OFFSET 0) AS p), " \
    "comp AS (SELECT c.ticket_id, sum(c.amount_cents) AS cents FROM st JOIN compensations c " \
    "ON c.store_id = st.id WHERE c.status IN ('approved', 'fulfilled') GROUP BY c.ticket_id), " \
    "res AS (SELECT r.* FROM st CROSS JOIN LATERAL (SELECT t.store_id, t.category, t.severity, " \
    "t.channel, t.assignee_id, (t.resolved_at AT TIME ZONE st.tz)::date AS day, t.reopen_count " \
    "FROM tickets t WHERE t.store_id = st.id AND t.resolved_at >= st.t_from " \
    "AND t.resolved_at < st.t_end AND ($7::bigint IS NULL OR t.assignee_id = $7) OFFSET 0) AS r), " \
    /* the backlog at the end of the period, and (for time buckets) at its \
     * start: not resolved at all, or resolved after the moment */ \
    "bounds AS (SELECT st.id, e.at_start, CASE WHEN e.at_start THEN st.t_from ELSE st.t_end END " \
    "AS at FROM st CROSS JOIN (VALUES (false), (true)) AS e (at_start) " \
    "WHERE NOT e.at_start OR $6 IN ('day', 'week', 'month')), " \
    "open_at AS (SELECT o.*, b.at_start FROM bounds b CROSS JOIN LATERAL (" \
    "(SELECT t.store_id, t.category, t.severity, t.channel, t.assignee_id FROM tickets t " \
    "WHERE t.store_id = b.id AND t.resolved_at IS NULL AND t.created_at < b.at " \
    "AND ($7::bigint IS NULL OR t.assignee_id = $7) OFFSET 0) UNION ALL " \
    "(SELECT t.store_id, t.category, t.severity, t.channel, t.assignee_id FROM tickets t " \
    "WHERE t.store_id = b.id AND t.resolved_at >= b.at AND t.created_at < b.at " \
    "AND ($7::bigint IS NULL OR t.assignee_id = $7) OFFSET 0)) AS o), " \
    /* each part aggregated on its own (rows and the total, "~total"), then \
     * joined on the key */ \
    "pa AS (SELECT CASE WHEN grouping(k) = 1 THEN '~total' ELSE k END AS k, count(*) AS created, " \
    PERCENTILES \
    "count(*) FILTER (WHERE fr_met) AS fr_met, count(*) FILTER (WHERE fr_missed) AS fr_missed, " \
    "count(*) FILTER (WHERE res_met) AS res_met, count(*) FILTER (WHERE res_missed) AS res_missed, " \
    "coalesce(sum(cents), 0) AS cents, avg(score) AS score_avg, count(score) AS responses, " \
    "count(*) FILTER (WHERE score >= 9) AS promoters, " \
    "count(*) FILTER (WHERE score <= 6) AS detractors FROM (SELECT " TICKET_KEY("p", "p.day") \
    " AS k, p.fr_min, p.res_min, p.fr_met, p.fr_missed, p.res_met, p.res_missed, p.score, " \
    "comp.cents FROM pop p LEFT JOIN comp ON comp.ticket_id = p.id) AS x " \
    "GROUP BY GROUPING SETS ((k), ())), " \
    "ra AS (SELECT CASE WHEN grouping(k) = 1 THEN '~total' ELSE k END AS k, count(*) AS resolved, " \
    "count(*) FILTER (WHERE reopen_count > 0) AS reopened FROM (SELECT " TICKET_KEY("r", "r.day") \
    " AS k, r.reopen_count FROM res r) AS x GROUP BY GROUPING SETS ((k), ())), " \
    /* time buckets take the backlog from a running sum; their key is a marker */ \
    "oa AS (SELECT CASE WHEN grouping(k) = 1 THEN '~total' ELSE k END AS k, " \
    "count(*) FILTER (WHERE NOT at_start) AS open_end, count(*) FILTER (WHERE at_start) AS " \
    "open_start FROM (SELECT CASE WHEN $6 IN ('day', 'week', 'month') THEN CASE WHEN o.at_start " \
    "THEN '~start' ELSE '~end' END ELSE " TICKET_KEY("o", "NULL::date") " END AS k, o.at_start " \
    "FROM open_at o) AS x GROUP BY GROUPING SETS ((k), ())), " \
    "agg AS (SELECT coalesce(pa.k, ra.k, oa.k) AS k, coalesce(pa.k, ra.k, oa.k) = '~total' " \
    "AS is_total, pa.created, ra.resolved, oa.open_end, oa.open_start, pa.fr_med, pa.fr_p90, " \
    "pa.res_med, pa.res_p90, pa.fr_met, pa.fr_missed, pa.res_met, pa.res_missed, ra.reopened, " \
    "pa.cents, pa.score_avg, pa.responses, pa.promoters, pa.detractors " \
    "FROM pa FULL JOIN ra ON ra.k = pa.k FULL JOIN oa ON oa.k = coalesce(pa.k, ra.k)), " \
    FIXED_KEYS ", " \
    "base AS (SELECT coalesce(sum(open_start), 0) AS n FROM agg WHERE k = '~start'), " \
    "rows AS (SELECT CASE WHEN a.is_total THEN NULL ELSE coalesce(a.k, f.k) END AS k, " \
    "coalesce(a.is_total, false) AS is_total, " \
    "coalesce(a.created, 0) AS created, coalesce(a.resolved, 0) AS resolved, " \
    "coalesce(a.open_end, 0) AS open_end, a.fr_med, a.fr_p90, a.res_med, a.res_p90, " \
    "coalesce(a.fr_met, 0) AS fr_met, coalesce(a.fr_missed, 0) AS fr_missed, " \
    "coalesce(a.res_met, 0) AS res_met, coalesce(a.res_missed, 0) AS res_missed, " \
    "coalesce(a.reopened, 0) AS reopened, coalesce(a.cents, 0) AS cents, a.score_avg, " \
    "coalesce(a.responses, 0) AS responses, coalesce(a.promoters, 0) AS promoters, " \
    "coalesce(a.detractors, 0) AS detractors FROM agg a FULL JOIN fixed f ON f.k = a.k " \
    "WHERE coalesce(a.k, f.k) NOT LIKE '~%' OR a.is_total) " \
    "SELECT is_total, " KEY_JSON "::text, json_build_object('created', created, " \
    "'resolved', resolved, 'open_at_end', CASE WHEN $6 IN ('day', 'week', 'month') " \
    "AND NOT is_total THEN (SELECT n FROM base) + sum(created - resolved) OVER " \
    "(PARTITION BY is_total ORDER BY k) ELSE open_end END, " \
    "'first_response_median_min', " MIN1("fr_med") ", " \
    "'first_response_p90_min', " MIN1("fr_p90") ", " \
    "'resolution_median_min', " MIN1("res_med") ", 'resolution_p90_min', " MIN1("res_p90") ", " \
    "'first_response_met_pct', " PCT("fr_met", "fr_met + fr_missed") ", " \
    "'resolution_met_pct', " PCT("res_met", "res_met + res_missed") ", " \
    "'reopened_pct', " PCT("reopened", "resolved") ", 'compensation_cents', cents, " \
    "'satisfaction_avg', round(score_avg, 2), 'nps', " PCT("promoters - detractors", "responses") \
    ", 'responses', responses)::text FROM rows ORDER BY " KEY_ORDER

static const ac_sql TICKETS = {"report_tickets", TICKETS_SQL(WITH_PERCENTILES), NULL, true};
static const ac_sql TICKETS_LIGHT = {"report_tickets_light", TICKETS_SQL(NO_PERCENTILES), NULL,
                                     true};

#define CALLBACK_KEY(x, day)                                                                       \
  "CASE $6 WHEN 'store' THEN " x ".store_id::text WHEN 'kind' THEN " x ".kind "                   \
  "WHEN 'assignee' THEN coalesce(" x ".assignee_id::text, '') " DAY_KEYS(day) "END"

static const ac_sql CALLBACKS = {
    "report_callbacks",
    "WITH " STORES_CTE ", "
    "pop AS (SELECT p.* FROM st CROSS JOIN LATERAL (SELECT "
    CALLBACK_KEY("k", "(k.due_at AT TIME ZONE st.tz)::date") " AS k, k.status, "
    "k.completed_at <= k.due_by AS on_time, (k.status = 'completed' OR k.due_by < now()) AS decided, "
    "k.result_satisfaction AS score, "
    "EXISTS (SELECT 1 FROM callback_attempts a WHERE a.callback_id = k.id) AS attempted, "
    "EXISTS (SELECT 1 FROM callback_attempts a WHERE a.callback_id = k.id "
    "AND a.outcome = 'reached') AS reached "
    "FROM callbacks k WHERE k.store_id = st.id AND k.due_at >= st.t_from "
    "AND k.due_at < st.t_end AND k.status <> 'cancelled' "
    "AND ($7::bigint IS NULL OR k.assignee_id = $7) OFFSET 0) AS p), "
    "agg AS (SELECT k, grouping(k) = 1 AS is_total, count(*) AS due, "
    "count(*) FILTER (WHERE status = 'completed') AS completed, "
    "count(*) FILTER (WHERE reached) AS reached, count(*) FILTER (WHERE attempted) AS attempted, "
    "count(*) FILTER (WHERE status = 'completed' AND on_time) AS on_time, "
    "count(*) FILTER (WHERE decided) AS decided, "
    "avg(score) FILTER (WHERE status = 'completed') AS score_avg "
    "FROM pop GROUP BY GROUPING SETS ((k), ())), " FIXED_KEYS ", "
    "rows AS (SELECT coalesce(a.k, f.k) AS k, coalesce(a.is_total, false) AS is_total, "
    "coalesce(a.due, 0) AS due, coalesce(a.completed, 0) AS completed, "
    "coalesce(a.reached, 0) AS reached, coalesce(a.attempted, 0) AS attempted, "
    "coalesce(a.on_time, 0) AS on_time, coalesce(a.decided, 0) AS decided, a.score_avg "
    "FROM agg a FULL JOIN fixed f ON f.k = a.k) "
    "SELECT is_total, " KEY_JSON "::text, json_build_object('due', due, 'completed', completed, "
    "'reached', reached, 'attempted', attempted, "
    "'success_rate_pct', " PCT("reached", "attempted") ", "
    "'on_time_pct', " PCT("on_time", "decided") ", "
    "'satisfaction_avg', round(score_avg, 2))::text FROM rows ORDER BY " KEY_ORDER,
    NULL, true};

#define CUSTOMER_KEY(store, tier) "CASE $6 WHEN 'store' THEN " store "::text ELSE " tier " END"

static const ac_sql CUSTOMERS = {
    "report_customers",
    "WITH " STORES_CTE ", "
    /* erased customers keep their statistics (new, active). Visits are
     * counted per (store, customer) and per customer in one pass, on
     * integer keys; only the tier grouping looks customers up, once per
     * customer. */
    "kc AS (SELECT x.store_id, x.customer_id, count(*) AS n, grouping(x.store_id) = 1 AS whole "
    "FROM st CROSS JOIN LATERAL (SELECT vi.store_id, vi.customer_id FROM visits vi "
    "WHERE vi.store_id = st.id AND vi.performed_at >= st.t_from AND vi.performed_at < st.t_end "
    "AND ($7::bigint IS NULL OR vi.staff_id = $7) OFFSET 0) AS x "
    "GROUP BY GROUPING SETS ((x.store_id, x.customer_id), (x.customer_id))), "
    "per_customer AS (SELECT customer_id, n FROM kc WHERE whole), "
    "per_key AS (SELECT store_id::text AS k, count(*) AS active, "
    "count(*) FILTER (WHERE n >= 2) AS repeaters FROM kc WHERE NOT whole AND $6 = 'store' "
    "GROUP BY store_id "
    "UNION ALL SELECT c.member_tier, count(*), count(*) FILTER (WHERE pc.n >= 2) "
    "FROM per_customer pc JOIN customers c ON c.id = pc.customer_id WHERE $6 = 'tier' "
    "GROUP BY c.member_tier), "
    "nw AS (SELECT x.k, count(*) AS n FROM st CROSS JOIN LATERAL (SELECT "
    CUSTOMER_KEY("c.home_store_id", "c.member_tier") " AS k FROM customers c "
    "WHERE c.home_store_id = st.id AND c.created_at >= st.t_from AND c.created_at < st.t_end "
    "OFFSET 0) AS x WHERE $7::bigint IS NULL GROUP BY x.k), "
    "lp AS (SELECT x.k, count(*) AS n FROM st CROSS JOIN LATERAL (SELECT "
    CUSTOMER_KEY("c.home_store_id", "c.member_tier") " AS k FROM customers c "
    "WHERE c.home_store_id = st.id AND c.erased_at IS NULL AND c.last_visit_at IS NOT NULL "
    "AND c.last_visit_at < st.t_end - interval '90 days' OFFSET 0) AS x WHERE $7::bigint IS NULL "
    "GROUP BY x.k), "
    "keys AS (SELECT st.id::text AS k FROM st WHERE $6 = 'store' UNION SELECT t FROM "
    "unnest(ARRAY['regular', 'silver', 'gold', 'vip']) AS t WHERE $6 = 'tier'), "
    "rows AS (SELECT keys.k, false AS is_total, "
    "CASE WHEN $7::bigint IS NULL THEN coalesce((SELECT n FROM nw WHERE nw.k = keys.k), 0) END "
    "AS new, coalesce((SELECT p.active FROM per_key p WHERE p.k = keys.k), 0) AS active, "
    "coalesce((SELECT p.repeaters FROM per_key p WHERE p.k = keys.k), 0) AS repeaters, "
    "CASE WHEN $7::bigint IS NULL THEN coalesce((SELECT n FROM lp WHERE lp.k = keys.k), 0) END "
    "AS lapsed FROM keys UNION ALL SELECT NULL, true, "
    "CASE WHEN $7::bigint IS NULL THEN (SELECT coalesce(sum(n), 0) FROM nw) END, "
    "(SELECT count(*) FROM per_customer), (SELECT count(*) FROM per_customer WHERE n >= 2), "
    "CASE WHEN $7::bigint IS NULL THEN (SELECT coalesce(sum(n), 0) FROM lp) END) "
    "SELECT is_total, " KEY_JSON "::text, json_build_object('new', new, 'active', active, "
    "'lapsed', lapsed, 'repeat_rate_pct', " PCT("repeaters", "active") ")::text "
    "FROM rows ORDER BY " KEY_ORDER,
    NULL, true};

/* Sorts for medians and groupings stay in memory. */
static const ac_sql WORK_MEM = {"report_work_mem", "SELECT set_config('work_mem', '64MB', true)",
                                "a setting of the report's own transaction"};

static const ac_sql STORES_VISIBLE = {
    "report_stores_visible",
    "SELECT count(*) FROM stores s WHERE s.id = ANY ($3::bigint[]) "
    "AND ($1 OR s.id = ANY ($2::bigint[]))"};

const ac_sql *const ac_sql_reports[] = {&TICKETS,        &TICKETS_LIGHT, &CALLBACKS, &CUSTOMERS,
                                        &STORES_VISIBLE, &WORK_MEM,      NULL};

ac_db_status ac_report_stores_visible(ac_tx *tx, const char *stores_text, int *n) {
  const char *p[] = {stores_text};
  PGresult *r;
  ac_db_status s = ac_tx_exec(tx, &STORES_VISIBLE, 1, p, &r);
  if (s == AC_DB_OK) {
    *n = (int)ac_pq_ll(r, 0, 0);
    PQclear(r);
  }
  return s;
}

ac_db_status ac_report_rows(ac_tx *tx, ac_report_kind kind, const ac_report_query *q,
                            PGresult **rows) {
  static const ac_sql *const by_kind[] = {&TICKETS, &CALLBACKS, &CUSTOMERS};
  ac_db_status s = ac_tx_exec(tx, &WORK_MEM, 0, NULL, NULL);
  if (s != AC_DB_OK)
    return s;
  ac_params b = {0};
  const char *p[] = {q->from, q->to, q->stores_text, q->group_by, ac_param_id(&b, q->rep)};
  const ac_sql *sql = kind == AC_REPORT_TICKETS && q->no_percentiles ? &TICKETS_LIGHT : by_kind[kind];
  return ac_tx_exec(tx, sql, 5, p, rows);
}
