#include "db_tickets.h"

#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db_shapes.h"

#define TICKET_SCOPE "($1 OR t.store_id = ANY($2::bigint[]))"
/* Writes only into the store named by `param` when it is the caller's. */
#define INTO_STORE(param) "($1 OR " param "::bigint = ANY($2::bigint[]))"

#define COMMENT_JSON                                                                               \
  "json_build_object('id', c.id, 'ticket_id', c.ticket_id, 'author_id', c.author_id, "            \
  "'at', api_time(c.at), 'body', c.body, 'visibility', c.visibility)::text"
#define EVENT_JSON                                                                                 \
  "json_build_object('id', e.id, 'at', api_time(e.at), 'actor_id', e.actor_id, 'type', e.type, "  \
  "'before', e.before, 'after', e.after, 'note', e.note)::text"
#define COMP_JSON                                                                                  \
  "json_build_object('id', c.id, 'ticket_id', c.ticket_id, 'kind', c.kind, "                      \
  "'amount_cents', c.amount_cents, 'sessions', c.sessions, 'note', c.note, 'status', c.status, "  \
  "'proposed_by', c.proposed_by, 'proposed_at', api_time(c.proposed_at), "                        \
  "'decided_by', c.decided_by, 'decided_at', api_time(c.decided_at), "                            \
  "'fulfilled_by', c.fulfilled_by, 'fulfilled_at', api_time(c.fulfilled_at))::text"

static const ac_sql STORE_CONTEXT = {
    "store_context",
    "SELECT s.timezone, s.business_hours::text, coalesce(ss.rep_limit_cents, 20000), "
    "coalesce(ss.supervisor_limit_cents, 200000), coalesce(ss.reopen_threshold, 8) "
    "FROM stores s LEFT JOIN store_settings ss ON ss.store_id = s.id "
    "WHERE s.id = $3 AND ($1 OR s.id = ANY($2::bigint[]))"};
static const ac_sql SLA_RULES = {
    "sla_rules",
    "SELECT coalesce(r.severity, ''), coalesce(r.category, ''), r.first_response_minutes, "
    "r.resolution_minutes, r.update_minutes FROM sla_rules r "
    "WHERE r.store_id = $3 AND ($1 OR r.store_id = ANY($2::bigint[])) ORDER BY r.id"};
static const ac_sql TICKET_INSERT = {
    "ticket_insert",
    "INSERT INTO tickets (store_id, customer_id, channel, category, severity, subject, "
    "description, customer_expectation, tags, evidence, assignee_id, first_response_due_at, "
    "resolution_due_at, next_update_due_at, created_by, created_at, updated_at) "
    "SELECT $3, $4, $5, $6, $7, $8, coalesce($9, ''), $10, "
    "ARRAY(SELECT jsonb_array_elements_text(coalesce($11::jsonb, '[]'))), "
    "coalesce($12::jsonb, '[]'), $13::bigint, " SQL_TS("$14") ", " SQL_TS("$15") ", " SQL_TS("$16")
    ", $17, " SQL_TS("$18") ", " SQL_TS("$18") " WHERE " INTO_STORE("$3") " RETURNING id"};
static const ac_sql TICKET_JSON = {
    "ticket_json",
    "SELECT t.version, " TICKET_OBJECT "::text FROM tickets t WHERE t.id = $3 AND " TICKET_SCOPE};
static const ac_sql TICKET_LOCK = {
    "ticket_lock",
    "SELECT t.id, t.store_id, t.customer_id, coalesce(t.assignee_id, 0), t.status, t.severity, "
    "t.category, " SQL_US("t.created_at") ", " SQL_US("t.first_response_due_at") ", " SQL_US(
        "t.first_responded_at") ", " SQL_US("t.resolution_due_at") ", " SQL_US("t.resolved_at")
    ", " SQL_US("t.next_update_due_at") ", " SQL_US("t.paused_at") ", " SQL_US("t.closed_at")
    ", " SQL_US("t.satisfaction_at") ", t.first_response_breached, t.resolution_breached, "
    "t.remaining_minutes, t.satisfaction_score, t.satisfaction_comment, t.reopen_count, "
    "t.escalation_level, t.version FROM tickets t WHERE t.id = $3 AND " TICKET_SCOPE
    " FOR UPDATE"};
static const ac_sql TICKET_WRITE_STATE = {
    "ticket_write_state",
    "UPDATE tickets AS t SET status = $4, first_response_due_at = " SQL_TS("$5")
    ", first_responded_at = " SQL_TS("$6") ", first_response_breached = $7, "
    "resolution_due_at = " SQL_TS("$8") ", resolution_breached = $9, resolved_at = " SQL_TS("$10")
    ", next_update_due_at = " SQL_TS("$11") ", paused_at = " SQL_TS("$12")
    ", remaining_minutes = $13::int, closed_at = " SQL_TS("$14")
    ", satisfaction_score = $15::int, satisfaction_comment = $16, satisfaction_at = " SQL_TS("$17")
    ", reopen_count = $18, escalation_level = $19, assignee_id = $20::bigint, "
    "version = t.version + 1, updated_at = now() WHERE t.id = $3 AND " TICKET_SCOPE
    " RETURNING t.version"};
static const ac_sql TICKET_WRITE_CONTENT = {
    "ticket_write_content",
    "UPDATE tickets AS t SET subject = coalesce($4, t.subject), "
    "description = coalesce($5, t.description), "
    "customer_expectation = CASE WHEN $6::boolean THEN $7 ELSE t.customer_expectation END, "
    "tags = CASE WHEN $8::jsonb IS NULL THEN t.tags "
    "ELSE ARRAY(SELECT jsonb_array_elements_text($8::jsonb)) END, "
    "evidence = coalesce($9::jsonb, t.evidence), severity = coalesce($10, t.severity), "
    "category = coalesce($11, t.category), channel = coalesce($12, t.channel) "
    "WHERE t.id = $3 AND " TICKET_SCOPE};
static const ac_sql TICKET_EVENT = {
    "ticket_event",
    "INSERT INTO ticket_events (ticket_id, store_id, actor_id, type, before, after, note) "
    "SELECT $3, $4, $5::bigint, $6, $7::jsonb, $8::jsonb, $9 WHERE " INTO_STORE("$4")};
static const ac_sql OUTBOX_ADD = {
    "outbox_add",
    "INSERT INTO outbox (store_id, kind, ticket_id, recipient_role, payload) "
    "SELECT $3, $4, $5, $6, coalesce($7::jsonb, '{}') WHERE " INTO_STORE("$3")};
static const ac_sql TICKET_CUSTOMER = {
    "ticket_customer",
    "SELECT 1 FROM customers c WHERE c.id = $3 AND c.erased_at IS NULL AND ($1 OR EXISTS "
    "(SELECT 1 FROM customer_stores cs WHERE cs.customer_id = c.id "
    "AND cs.store_id = ANY($2::bigint[])))"};
static const ac_sql TICKET_CUSTOMER_SEEN = {
    "ticket_customer_seen",
    "INSERT INTO customer_stores (store_id, customer_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
    "records that a ticket's store sees its customer, after the caller's scoped checks"};
static const ac_sql COMMENT_INSERT = {
    "comment_insert",
    "WITH c AS (INSERT INTO ticket_comments (ticket_id, store_id, author_id, visibility, body) "
    "SELECT $3, $4, $5, $6, $7 WHERE " INTO_STORE("$4") " RETURNING *) SELECT " COMMENT_JSON
    " FROM c"};
static const ac_sql COMMENT_LIST = {
    "comment_list",
    "SELECT c.id, " COMMENT_JSON " FROM ticket_comments c WHERE c.ticket_id = $3 AND "
    "($1 OR c.store_id = ANY($2::bigint[])) AND c.id > $4 ORDER BY c.id LIMIT $5::int + 1"};
static const ac_sql EVENT_LIST = {
    "event_list",
    "SELECT e.id, " EVENT_JSON " FROM ticket_events e WHERE e.ticket_id = $3 AND "
    "($1 OR e.store_id = ANY($2::bigint[])) AND e.id > $4 ORDER BY e.id LIMIT $5::int + 1"};
static const ac_sql COMP_INSERT = {
    "compensation_insert",
    "WITH c AS (INSERT INTO compensations (ticket_id, store_id, kind, amount_cents, sessions, "
    "note, proposed_by) SELECT $3, $4, $5, $6, $7, $8, $9 WHERE " INTO_STORE("$4")
    " RETURNING *) SELECT c.id, " COMP_JSON " FROM c"};
static const ac_sql COMP_GET = {
    "compensation_get",
    "SELECT " COMP_JSON " FROM compensations c WHERE c.id = $3 AND "
    "($1 OR c.store_id = ANY($2::bigint[]))"};
static const ac_sql COMP_LOCK = {
    "compensation_lock",
    "SELECT c.id, c.ticket_id, c.store_id, c.amount_cents, c.kind, c.status FROM compensations c "
    "WHERE c.id = $3 AND ($1 OR c.store_id = ANY($2::bigint[])) FOR UPDATE"};
static const ac_sql COMP_MOVE = {
    "compensation_move",
    "UPDATE compensations AS c SET status = $4, "
    "decided_by = CASE WHEN $4 IN ('approved', 'rejected') THEN $5::bigint ELSE c.decided_by END, "
    "decided_at = CASE WHEN $4 IN ('approved', 'rejected') THEN now() ELSE c.decided_at END, "
    "fulfilled_by = CASE WHEN $4 = 'fulfilled' THEN $5::bigint ELSE c.fulfilled_by END, "
    "fulfilled_at = CASE WHEN $4 = 'fulfilled' THEN now() ELSE c.fulfilled_at END "
    "WHERE c.id = $3 AND ($1 OR c.store_id = ANY($2::bigint[])) RETURNING " COMP_JSON};
static const ac_sql SETTINGS_JSON = {
    "settings_json",
    "SELECT coalesce(ss.version, 1), json_build_object('store_id', s.id, "
    "'rep_limit_cents', coalesce(ss.rep_limit_cents, 20000), "
    "'supervisor_limit_cents', coalesce(ss.supervisor_limit_cents, 200000), "
    "'reopen_threshold', coalesce(ss.reopen_threshold, 8), 'version', coalesce(ss.version, 1))::text "
    "FROM stores s LEFT JOIN store_settings ss ON ss.store_id = s.id "
    "WHERE s.id = $3 AND ($1 OR s.id = ANY($2::bigint[]))"};
/* Before the first write a store's settings are the defaults at version 1. */
static const ac_sql SETTINGS_UPSERT = {
    "settings_upsert",
    "INSERT INTO store_settings AS ss (store_id, rep_limit_cents, supervisor_limit_cents, "
    "reopen_threshold, version) SELECT $3, coalesce($4::bigint, 20000), "
    "coalesce($5::bigint, 200000), coalesce($6::int, 8), 2 WHERE " INTO_STORE("$3")
    " ON CONFLICT (store_id) DO UPDATE SET "
    "rep_limit_cents = coalesce($4::bigint, ss.rep_limit_cents), "
    "supervisor_limit_cents = coalesce($5::bigint, ss.supervisor_limit_cents), "
    "reopen_threshold = coalesce($6::int, ss.reopen_threshold), version = ss.version + 1, "
    "updated_at = now() RETURNING ss.version"};
static const ac_sql SLA_POLICY_JSON = {
    "sla_policy_json",
    "SELECT json_build_object('store_id', s.id, 'rules', coalesce((SELECT json_agg("
    "json_build_object('severity', r.severity, 'category', r.category, "
    "'first_response_minutes', r.first_response_minutes, "
    "'resolution_minutes', r.resolution_minutes, 'update_minutes', r.update_minutes) "
    "ORDER BY r.id) FROM sla_rules r WHERE r.store_id = s.id), '[]'::json))::text "
    "FROM stores s WHERE s.id = $3 AND ($1 OR s.id = ANY($2::bigint[]))"};
static const ac_sql SLA_POLICY_DELETE = {
    "sla_policy_delete",
    "DELETE FROM sla_rules r WHERE r.store_id = $3 AND ($1 OR r.store_id = ANY($2::bigint[]))"};
static const ac_sql SLA_POLICY_INSERT = {
    "sla_policy_insert",
    "INSERT INTO sla_rules (store_id, severity, category, first_response_minutes, "
    "resolution_minutes, update_minutes) SELECT $3, x.severity, x.category, "
    "x.first_response_minutes, x.resolution_minutes, x.update_minutes "
    "FROM jsonb_to_recordset($4::jsonb) AS x (severity text, category text, "
    "first_response_minutes int, resolution_minutes int, update_minutes int) "
    "WHERE " INTO_STORE("$3")};

#define TICKET_FILTERS                                                                             \
  " AND ($3::bigint IS NULL OR t.store_id = $3) AND ($4::text[] IS NULL OR t.status = ANY($4)) "  \
  "AND ($18::text IS NULL OR t.status = $18) "                                                    \
  "AND ($5::text IS NULL OR t.severity = $5) AND ($6::text IS NULL OR t.category = $6) "          \
  "AND ($7::bigint IS NULL OR t.assignee_id = $7) AND ($8::bigint IS NULL OR t.customer_id = $8) " \
  "AND ($9::text IS NULL OR t.tags @> ARRAY[$9::text]) "                                          \
  "AND ($10::boolean IS NULL OR EXISTS (SELECT 1 FROM ticket_breaches b "                         \
  "WHERE b.ticket_id = t.id) = $10) "                                                             \
  "AND ($11::boolean IS NULL OR (t.due_sort <= now()) = $11) "                                    \
  "AND ($12::bigint IS NULL OR t.created_at >= " SQL_TS("$12") ") "                               \
  "AND ($13::bigint IS NULL OR t.created_at <= " SQL_TS("$13") ") "                               \
  "AND ($14::text IS NULL OR (t.search_grams @> query_grams($14) AND (lower(t.subject) LIKE "     \
  "'%' || replace(replace(replace(lower($14), '\\', '\\\\'), '%', '\\%'), '_', '\\_') || '%' "   \
  "OR lower(t.description) LIKE '%' || replace(replace(replace(lower($14), '\\', '\\\\'), '%', "  \
  "'\\%'), '_', '\\_') || '%')))"

/* Planned per call: which filters are set decides the best index. */
static const ac_sql TICKET_LIST_CREATED = {
    "ticket_list_created",
    "SELECT " SQL_US("t.created_at") ", t.id, " TICKET_OBJECT "::text FROM tickets t WHERE "
    TICKET_SCOPE TICKET_FILTERS " AND ($16::bigint = 0 OR (t.created_at, t.id) < ("
    SQL_TS("$15") ", $16::bigint)) ORDER BY t.created_at DESC, t.id DESC LIMIT $17::int + 1",
    NULL, true};
static const ac_sql TICKET_LIST_DUE = {
    "ticket_list_due",
    "SELECT " SQL_US("t.due_sort") ", t.id, " TICKET_OBJECT "::text FROM tickets t WHERE "
    TICKET_SCOPE TICKET_FILTERS " AND ($16::bigint = 0 OR (t.due_sort, t.id) > ("
    SQL_TS("$15") ", $16::bigint)) ORDER BY t.due_sort, t.id LIMIT $17::int + 1",
    NULL, true};
/* The common queue view (one store, one status, no other filter) prepared
 * once: its plan is the same ordered range of the (store, status, due)
 * index every time, so planning per call would only add cost. A first page
 * and a cursor page each, so that the cursor is an index condition. */
#define SIMPLE_LIST(key, order, cursor)                                                       \
  "SELECT " SQL_US("t." key) ", t.id, " TICKET_OBJECT "::text FROM tickets t "                     \
  "WHERE t.store_id = $3 AND t.status = $4 AND " TICKET_SCOPE cursor " ORDER BY " order            \
  " LIMIT $7::int + 1"
#define AFTER(key, cmp) " AND (t." key ", t.id) " cmp " (" SQL_TS("$5") ", $6::bigint)"
#define NO_AFTER " AND $5::bigint IS NOT NULL AND $6::bigint IS NOT NULL"
static const ac_sql LIST_DUE_FIRST = {
    "ticket_queue_due_first", SIMPLE_LIST("due_sort", "t.due_sort, t.id", NO_AFTER)};
static const ac_sql LIST_DUE_NEXT = {
    "ticket_queue_due_next",
    SIMPLE_LIST("due_sort", "t.due_sort, t.id", AFTER("due_sort", ">"))};
static const ac_sql LIST_CREATED_FIRST = {
    "ticket_queue_created_first",
    SIMPLE_LIST("created_at", "t.created_at DESC, t.id DESC", NO_AFTER)};
static const ac_sql LIST_CREATED_NEXT = {
    "ticket_queue_created_next",
    SIMPLE_LIST("created_at", "t.created_at DESC, t.id DESC", AFTER("created_at", "<"))};

static const ac_sql SWEEP = {"tickets_sweep", "SELECT sweep_tickets($1::int)",
                             "the sweeper works for the whole chain"};

const ac_sql *const ac_sql_tickets[] = {
    &STORE_CONTEXT,      &SLA_RULES,         &TICKET_INSERT,     &TICKET_JSON,
    &TICKET_LOCK,        &TICKET_WRITE_STATE, &TICKET_WRITE_CONTENT, &TICKET_EVENT,
    &OUTBOX_ADD,         &TICKET_CUSTOMER,   &TICKET_CUSTOMER_SEEN, &COMMENT_INSERT,
    &COMMENT_LIST,       &EVENT_LIST,        &COMP_INSERT,       &COMP_LOCK,
    &COMP_GET,
    &COMP_MOVE,          &SETTINGS_JSON,     &SETTINGS_UPSERT,   &SLA_POLICY_JSON,
    &SLA_POLICY_DELETE,  &SLA_POLICY_INSERT, &TICKET_LIST_CREATED, &TICKET_LIST_DUE,
    &LIST_DUE_FIRST,     &LIST_DUE_NEXT,     &LIST_CREATED_FIRST, &LIST_CREATED_NEXT,
    &SWEEP,              NULL};

static const char *time_or_null(ac_params *b, int64_t us) {
  return us == AC_NO_TIME ? NULL : ac_param_num(b, us);
}

static int64_t us_col(const PGresult *r, int col) {
  return PQgetisnull(r, 0, col) ? AC_NO_TIME : ac_pq_ll(r, 0, col);
}

static char *dup_col(PGresult *r, int col) { return strdup(PQgetvalue(r, 0, col)); }

ac_db_status ac_store_context_load(ac_tx *tx, int64_t store_id, ac_store_context *ctx) {
  memset(ctx, 0, sizeof *ctx);
  ac_params b = {0};
  const char *p[] = {ac_param_num(&b, store_id)};
  PGresult *r;
  ac_db_status s = ac_tx_exec(tx, &STORE_CONTEXT, 1, p, &r);
  if (s != AC_DB_OK)
    return s;
  snprintf(ctx->timezone, sizeof ctx->timezone, "%s", PQgetvalue(r, 0, 0));
  ctx->business_hours = PQgetisnull(r, 0, 1) ? NULL : dup_col(r, 1);
  ctx->limits.rep_limit_cents = ac_pq_ll(r, 0, 2);
  ctx->limits.supervisor_limit_cents = ac_pq_ll(r, 0, 3);
  ctx->reopen_threshold = (int)ac_pq_ll(r, 0, 4);
  PQclear(r);
  s = ac_tx_exec(tx, &SLA_RULES, 1, p, &r);
  if (s == AC_DB_NOROW)
    return AC_DB_OK;
  if (s != AC_DB_OK)
    return s;
  for (int i = 0; i < PQntuples(r) && ctx->n_rules < 64; i++) {
    ac_sla_override *o = &ctx->rules[ctx->n_rules++];
    o->severity = ac_severity_parse(PQgetvalue(r, i, 0));
    o->category = ac_category_parse(PQgetvalue(r, i, 1));
    o->targets.first_response_minutes = (int)ac_pq_ll(r, i, 2);
    o->targets.resolution_minutes = (int)ac_pq_ll(r, i, 3);
    o->targets.update_minutes = (int)ac_pq_ll(r, i, 4);
  }
  PQclear(r);
  return AC_DB_OK;
}

void ac_store_context_free(ac_store_context *ctx) {
  free(ctx->business_hours);
  ctx->business_hours = NULL;
}

ac_db_status ac_ticket_insert(ac_tx *tx, const ac_ticket_fields *f, const ac_ticket_state *due,
                              int64_t *id) {
  ac_params b = {0};
  const char *p[] = {ac_param_num(&b, f->store_id),
                     ac_param_num(&b, f->customer_id),
                     f->channel,
                     f->category,
                     f->severity,
                     f->subject,
                     f->description,
                     f->customer_expectation,
                     f->tags_json,
                     f->evidence_json,
                     ac_param_id(&b, f->assignee_id),
                     ac_param_num(&b, due->first_response_due),
                     ac_param_num(&b, due->resolution_due),
                     ac_param_num(&b, due->next_update_due),
                     ac_param_num(&b, ac_tx_scope(tx)->staff_id),
                     ac_param_num(&b, due->created_at)};
  PGresult *r;
  ac_db_status s = ac_tx_exec(tx, &TICKET_INSERT, 16, p, &r);
  if (s == AC_DB_OK) {
    *id = ac_pq_ll(r, 0, 0);
    PQclear(r);
  }
  return s;
}

ac_db_status ac_ticket_json(ac_tx *tx, int64_t id, char **json, int *version) {
  ac_params b = {0};
  const char *p[] = {ac_param_num(&b, id)};
  return ac_tx_versioned_json(tx, &TICKET_JSON, 1, p, json, version);
}

ac_db_status ac_ticket_lock(ac_tx *tx, int64_t id, ac_ticket_state *st) {
  ac_params b = {0};
  const char *p[] = {ac_param_num(&b, id)};
  PGresult *r;
  ac_db_status s = ac_tx_exec(tx, &TICKET_LOCK, 1, p, &r);
  if (s != AC_DB_OK)
    return s;
  memset(st, 0, sizeof *st);
  st->id = ac_pq_ll(r, 0, 0);
  st->store_id = ac_pq_ll(r, 0, 1);
  st->customer_id = ac_pq_ll(r, 0, 2);
  st->assignee_id = ac_pq_ll(r, 0, 3);
  st->status = (ac_status)ac_status_parse(PQgetvalue(r, 0, 4));
  st->severity = ac_severity_parse(PQgetvalue(r, 0, 5));
  st->category = ac_category_parse(PQgetvalue(r, 0, 6));
  st->created_at = us_col(r, 7);
  st->first_response_due = us_col(r, 8);
  st->first_responded = us_col(r, 9);
  st->resolution_due = us_col(r, 10);
  st->resolved_at = us_col(r, 11);
  st->next_update_due = us_col(r, 12);
  st->paused_at = us_col(r, 13);
  st->closed_at = us_col(r, 14);
  st->satisfaction_at = us_col(r, 15);
  st->first_response_breached = ac_pq_bool(r, 0, 16);
  st->resolution_breached = ac_pq_bool(r, 0, 17);
  st->remaining_minutes = PQgetisnull(r, 0, 18) ? -1 : (int)ac_pq_ll(r, 0, 18);
  st->satisfaction_score = PQgetisnull(r, 0, 19) ? -1 : (int)ac_pq_ll(r, 0, 19);
  snprintf(st->satisfaction_comment, sizeof st->satisfaction_comment, "%s", PQgetvalue(r, 0, 20));
  st->reopen_count = (int)ac_pq_ll(r, 0, 21);
  st->escalation_level = (int)ac_pq_ll(r, 0, 22);
  st->version = (int)ac_pq_ll(r, 0, 23);
  PQclear(r);
  return AC_DB_OK;
}

ac_db_status ac_ticket_write_state(ac_tx *tx, const ac_ticket_state *st, int *version) {
  ac_params b = {0};
  const char *p[] = {ac_param_num(&b, st->id),
                     ac_status_name(st->status),
                     time_or_null(&b, st->first_response_due),
                     time_or_null(&b, st->first_responded),
                     st->first_response_breached ? "t" : "f",
                     time_or_null(&b, st->resolution_due),
                     st->resolution_breached ? "t" : "f",
                     time_or_null(&b, st->resolved_at),
                     time_or_null(&b, st->next_update_due),
                     time_or_null(&b, st->paused_at),
                     st->remaining_minutes < 0 ? NULL : ac_param_num(&b, st->remaining_minutes),
                     time_or_null(&b, st->closed_at),
                     st->satisfaction_score < 0 ? NULL : ac_param_num(&b, st->satisfaction_score),
                     st->satisfaction_score < 0 ? NULL : st->satisfaction_comment,
                     time_or_null(&b, st->satisfaction_at),
                     ac_param_num(&b, st->reopen_count),
                     ac_param_num(&b, st->escalation_level),
                     ac_param_id(&b, st->assignee_id)};
  PGresult *r;
  ac_db_status s = ac_tx_exec(tx, &TICKET_WRITE_STATE, 18, p, &r);
  if (s == AC_DB_OK) {
    *version = (int)ac_pq_ll(r, 0, 0);
    PQclear(r);
  }
  return s;
}

ac_db_status ac_ticket_write_content(ac_tx *tx, int64_t id, const ac_ticket_fields *f) {
  ac_params b = {0};
  const char *p[] = {ac_param_num(&b, id),       f->subject,       f->description,
                     f->set_expectation ? "t" : "f",      f->customer_expectation,
                     f->tags_json,      f->evidence_json, f->severity,
                     f->category,       f->channel};
  return ac_tx_exec(tx, &TICKET_WRITE_CONTENT, 10, p, NULL);
}

ac_db_status ac_ticket_event(ac_tx *tx, const ac_ticket_state *st, const char *type,
                             const char *before, const char *after, const char *note) {
  ac_params b = {0};
  int64_t actor = ac_tx_scope(tx)->staff_id;
  const char *p[] = {ac_param_num(&b, st->id), ac_param_num(&b, st->store_id), ac_param_id(&b, actor), type,
                     before,          after,                 note};
  return ac_tx_exec(tx, &TICKET_EVENT, 7, p, NULL);
}

ac_db_status ac_outbox_add(ac_tx *tx, int64_t store_id, int64_t ticket_id, const char *kind,
                           const char *recipient_role, const char *payload_json) {
  ac_params b = {0};
  const char *p[] = {ac_param_num(&b, store_id), kind, ac_param_num(&b, ticket_id), recipient_role, payload_json};
  return ac_tx_exec(tx, &OUTBOX_ADD, 5, p, NULL);
}

ac_db_status ac_ticket_customer_ok(ac_tx *tx, int64_t customer_id, int64_t store_id, bool *ok) {
  ac_params b = {0};
  const char *p[] = {ac_param_num(&b, customer_id)};
  ac_db_status s = ac_tx_exec(tx, &TICKET_CUSTOMER, 1, p, NULL);
  *ok = s == AC_DB_OK;
  if (s == AC_DB_NOROW)
    return AC_DB_OK;
  if (s != AC_DB_OK)
    return s;
  const char *q[] = {ac_param_num(&b, store_id), ac_param_num(&b, customer_id)};
  s = ac_tx_exec(tx, &TICKET_CUSTOMER_SEEN, 2, q, NULL);
  return s == AC_DB_NOROW ? AC_DB_OK : s;
}

static ac_db_status one_json(ac_tx *tx, const ac_sql *sql, int n, const char *const *p, int col,
                             char **json) {
  PGresult *r;
  ac_db_status s = ac_tx_exec(tx, sql, n, p, &r);
  if (s == AC_DB_OK) {
    *json = dup_col(r, col);
    PQclear(r);
  }
  return s;
}

ac_db_status ac_comment_insert(ac_tx *tx, const ac_ticket_state *st, const char *visibility,
                               const char *body, char **json) {
  ac_params b = {0};
  const char *p[] = {ac_param_num(&b, st->id), ac_param_num(&b, st->store_id), ac_param_num(&b, ac_tx_scope(tx)->staff_id),
                     visibility, body};
  return one_json(tx, &COMMENT_INSERT, 5, p, 0, json);
}

static ac_db_status page(ac_tx *tx, const ac_sql *sql, int64_t parent, int64_t after, int limit,
                         PGresult **rows) {
  ac_params b = {0};
  const char *p[] = {ac_param_num(&b, parent), ac_param_num(&b, after), ac_param_num(&b, limit)};
  return ac_tx_exec(tx, sql, 3, p, rows);
}

ac_db_status ac_comment_list(ac_tx *tx, int64_t ticket_id, int64_t after_id, int limit,
                             PGresult **rows) {
  return page(tx, &COMMENT_LIST, ticket_id, after_id, limit, rows);
}

ac_db_status ac_event_list(ac_tx *tx, int64_t ticket_id, int64_t after_id, int limit,
                           PGresult **rows) {
  return page(tx, &EVENT_LIST, ticket_id, after_id, limit, rows);
}

ac_db_status ac_compensation_insert(ac_tx *tx, const ac_ticket_state *st, const char *kind,
                                    int64_t amount_cents, int64_t sessions, const char *note,
                                    int64_t *id, char **json) {
  ac_params b = {0};
  const char *p[] = {ac_param_num(&b, st->id),       ac_param_num(&b, st->store_id), kind,
                     ac_param_num(&b, amount_cents), ac_param_num(&b, sessions),     note,
                     ac_param_num(&b, ac_tx_scope(tx)->staff_id)};
  PGresult *r;
  ac_db_status s = ac_tx_exec(tx, &COMP_INSERT, 7, p, &r);
  if (s == AC_DB_OK) {
    *id = ac_pq_ll(r, 0, 0);
    *json = dup_col(r, 1);
    PQclear(r);
  }
  return s;
}

ac_db_status ac_compensation_get(ac_tx *tx, int64_t id, char **json) {
  ac_params b = {0};
  const char *p[] = {ac_param_num(&b, id)};
  return one_json(tx, &COMP_GET, 1, p, 0, json);
}

ac_db_status ac_compensation_lock(ac_tx *tx, int64_t id, ac_compensation *c) {
  ac_params b = {0};
  const char *p[] = {ac_param_num(&b, id)};
  PGresult *r;
  ac_db_status s = ac_tx_exec(tx, &COMP_LOCK, 1, p, &r);
  if (s != AC_DB_OK)
    return s;
  c->id = ac_pq_ll(r, 0, 0);
  c->ticket_id = ac_pq_ll(r, 0, 1);
  c->store_id = ac_pq_ll(r, 0, 2);
  c->amount_cents = ac_pq_ll(r, 0, 3);
  c->kind = ac_comp_kind_parse(PQgetvalue(r, 0, 4));
  snprintf(c->status, sizeof c->status, "%s", PQgetvalue(r, 0, 5));
  PQclear(r);
  return AC_DB_OK;
}

ac_db_status ac_compensation_move(ac_tx *tx, int64_t id, const char *to, char **json) {
  ac_params b = {0};
  const char *p[] = {ac_param_num(&b, id), to, ac_param_num(&b, ac_tx_scope(tx)->staff_id)};
  return one_json(tx, &COMP_MOVE, 3, p, 0, json);
}

ac_db_status ac_settings_json(ac_tx *tx, int64_t store_id, char **json, int *version) {
  ac_params b = {0};
  const char *p[] = {ac_param_num(&b, store_id)};
  return ac_tx_versioned_json(tx, &SETTINGS_JSON, 1, p, json, version);
}

ac_db_status ac_settings_update(ac_tx *tx, int64_t store_id, const int64_t *rep,
                                const int64_t *supervisor, const int *threshold, char **json,
                                int *version) {
  ac_params b = {0};
  const char *p[] = {ac_param_num(&b, store_id), rep ? ac_param_num(&b, *rep) : NULL,
                     supervisor ? ac_param_num(&b, *supervisor) : NULL,
                     threshold ? ac_param_num(&b, *threshold) : NULL};
  ac_db_status s = ac_tx_exec(tx, &SETTINGS_UPSERT, 4, p, NULL);
  return s == AC_DB_OK ? ac_settings_json(tx, store_id, json, version) : s;
}

ac_db_status ac_sla_policy_json(ac_tx *tx, int64_t store_id, char **json) {
  ac_params b = {0};
  const char *p[] = {ac_param_num(&b, store_id)};
  return one_json(tx, &SLA_POLICY_JSON, 1, p, 0, json);
}

ac_db_status ac_sla_policy_replace(ac_tx *tx, int64_t store_id, const char *rules_json) {
  ac_params b = {0};
  const char *p[] = {ac_param_num(&b, store_id), rules_json};
  ac_db_status s = ac_tx_exec(tx, &SLA_POLICY_DELETE, 1, p, NULL);
  if (s != AC_DB_OK && s != AC_DB_NOROW)
    return s;
  s = ac_tx_exec(tx, &SLA_POLICY_INSERT, 2, p, NULL);
  return s == AC_DB_NOROW ? AC_DB_OK : s;
}

/* Only a store and one status are set. */
static bool simple_queue(const ac_ticket_filter *f) {
  return f->store && f->status_one && !f->statuses_text && !f->severity && !f->category &&
         !f->assignee && !f->customer && !f->tag && f->breached < 0 && f->overdue < 0 &&
         f->created_from == AC_NO_TIME && f->created_to == AC_NO_TIME && !f->q;
}

ac_db_status ac_ticket_list(ac_tx *tx, const ac_ticket_filter *f, int64_t after_key,
                            int64_t after_id, int limit, PGresult **rows) {
  ac_params b = {0};
  if (simple_queue(f)) {
    const ac_sql *sql = f->sort_due ? (after_id ? &LIST_DUE_NEXT : &LIST_DUE_FIRST)
                                    : (after_id ? &LIST_CREATED_NEXT : &LIST_CREATED_FIRST);
    const char *p[] = {ac_param_num(&b, f->store), f->status_one, ac_param_num(&b, after_key), ac_param_num(&b, after_id),
                       ac_param_num(&b, limit)};
    return ac_tx_exec(tx, sql, 5, p, rows);
  }
  const char *p[] = {ac_param_id(&b, f->store),
                     f->statuses_text,
                     f->severity,
                     f->category,
                     ac_param_id(&b, f->assignee),
                     ac_param_id(&b, f->customer),
                     f->tag,
                     f->breached < 0 ? NULL : (f->breached ? "t" : "f"),
                     f->overdue < 0 ? NULL : (f->overdue ? "t" : "f"),
                     time_or_null(&b, f->created_from),
                     time_or_null(&b, f->created_to),
                     f->q,
                     ac_param_num(&b, after_key),
                     ac_param_num(&b, after_id),
                     ac_param_num(&b, limit),
                     f->status_one};
  return ac_tx_exec(tx, f->sort_due ? &TICKET_LIST_DUE : &TICKET_LIST_CREATED, 16, p, rows);
}

ac_db_status ac_tickets_sweep(ac_tx *tx, int batch, int *acted) {
  ac_params b = {0};
  const char *p[] = {ac_param_num(&b, batch)};
  PGresult *r;
  ac_db_status s = ac_tx_exec(tx, &SWEEP, 1, p, &r);
  if (s == AC_DB_OK) {
    *acted = (int)ac_pq_ll(r, 0, 0);
    PQclear(r);
  }
  return s;
}
