#include "db_callbacks.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db_shapes.h"

#define CB_SCOPE "($1 OR k.store_id = ANY($2::bigint[]))"
/* Writes only into the store named by `param` when it is the caller's. */
#define INTO_STORE(param) "($1 OR " param "::bigint = ANY($2::bigint[]))"
/* Chain-wide rules are read by everyone; a store's by its staff. */
#define RULE_READ_SCOPE "(r.store_id IS NULL OR $1 OR r.store_id = ANY($2::bigint[]))"

#define RULE_OBJECT                                                                                \
  "json_build_object('id', r.id, 'store_id', r.store_id, 'trigger', r.trigger, 'kind', r.kind, "  \
  "'service_pattern', r.service_pattern, 'inactivity_days', r.inactivity_days, "                  \
  "'profile_date_field', r.profile_date_field, 'tiers', to_json(r.tiers), "                       \
  "'sample_pct', r.sample_pct, 'offsets_days', to_json(r.offsets_days), "                         \
  "'window_hours', r.window_hours, 'active', r.active, 'version', r.version, "                    \
  "'created_at', api_time(r.created_at), 'updated_at', api_time(r.updated_at))"

/* The rules that apply to a visit or a resolution, with the facts they are
 * applied to; the customer's tier, consent and erasure are checked here. */
#define OCCASION_RULES(trigger)                                                                    \
  " LEFT JOIN effective_callback_rules r ON r.for_store = s.id AND r.trigger = " trigger          \
  " AND c.erased_at IS NULL AND (r.tiers IS NULL OR c.member_tier = ANY (r.tiers)) "              \
  "AND (c.marketing_opt_in OR NOT callback_kind_is_marketing(r.kind))"
#define RULE_COLUMNS                                                                               \
  "r.id, r.kind, r.service_pattern, r.store_id IS NOT NULL, r.sample_pct, r.window_hours, "       \
  "array_to_string(r.offsets_days, ',')"

static const ac_sql VISIT_OCCASION = {
    "cb_visit_occasion",
    "SELECT v.store_id, v.customer_id, " SQL_US("v.performed_at") ", s.timezone, v.service_code, "
    "v.converted, 0, " RULE_COLUMNS " FROM visits v JOIN stores s ON s.id = v.store_id "
    "JOIN customers c ON c.id = v.customer_id"
    OCCASION_RULES("CASE WHEN v.converted THEN 'visit' ELSE 'unconverted' END")
    " WHERE v.id = $3 AND ($1 OR v.store_id = ANY($2::bigint[])) ORDER BY r.id"};
static const ac_sql TICKET_OCCASION = {
    "cb_ticket_occasion",
    "SELECT t.store_id, t.customer_id, " SQL_US("t.resolved_at") ", s.timezone, '', true, "
    "t.reopen_count, " RULE_COLUMNS " FROM tickets t JOIN stores s ON s.id = t.store_id "
    "JOIN customers c ON c.id = t.customer_id" OCCASION_RULES("'ticket_resolved'")
    " WHERE t.id = $3 AND t.resolved_at IS NOT NULL AND ($1 OR t.store_id = ANY($2::bigint[])) "
    "ORDER BY r.id"};
static const ac_sql CB_INSERT = {
    "cb_insert",
    "INSERT INTO callbacks (store_id, customer_id, ticket_id, visit_id, rule_id, occasion, kind, "
    "due_at, due_by, assignee_id, note, created_by) "
    "SELECT $3, $4, $5::bigint, $6::bigint, $7::bigint, $8, $9, " SQL_TS("$10") ", " SQL_TS("$11")
    ", $12::bigint, $13, $14::bigint WHERE " INTO_STORE("$3") " ON CONFLICT DO NOTHING RETURNING id"};
static const ac_sql CB_SUPERSEDE = {
    "cb_supersede_routine",
    "UPDATE callbacks AS k SET status = 'cancelled', cancel_reason = 'superseded', "
    "version = k.version + 1, updated_at = now() WHERE k.store_id = $3 AND k.customer_id = $4 "
    "AND k.kind = 'routine' AND k.status = 'pending' AND k.rule_id IS NOT NULL "
    "AND k.due_at < " SQL_TS("$5") " AND k.visit_id IS DISTINCT FROM $6::bigint AND " CB_SCOPE};
static const ac_sql CB_CANCEL_TICKET = {
    "cb_cancel_for_ticket",
    "UPDATE callbacks AS k SET status = 'cancelled', cancel_reason = 'ticket_reopened', "
    "version = k.version + 1, updated_at = now() WHERE k.ticket_id = $3 "
    "AND k.kind = 'post_resolution' AND k.status = 'pending' AND " CB_SCOPE};
static const ac_sql CB_CANCEL_CUSTOMER = {
    "cb_cancel_for_customer",
    "UPDATE callbacks AS k SET status = 'cancelled', cancel_reason = 'customer_erased', "
    "version = k.version + 1, updated_at = now() WHERE k.customer_id = $1 AND k.status = 'pending'",
    "erasure is chain-wide; the caller's scope was checked on the customer in this transaction"};
static const ac_sql CB_SWEEP_TIMEOUT = {
    "cb_sweep_timeout", "SELECT set_config('statement_timeout', '600000', true)",
    "the daily sweep of the whole chain may run longer than a request"};
static const ac_sql CB_SWEEP = {"cb_sweep", "SELECT sweep_callbacks()",
                                "the daily sweep works for the whole chain"};
static const ac_sql CB_JSON = {
    "cb_json", "SELECT k.version, " CALLBACK_OBJECT "::text FROM callbacks k WHERE k.id = $3 AND "
               CB_SCOPE};
static const ac_sql CB_LOCK = {
    "cb_lock",
    "SELECT k.id, k.store_id, k.customer_id, coalesce(k.ticket_id, 0), "
    "coalesce(k.assignee_id, 0), k.kind, k.status, k.version, "
    "(SELECT count(*) FROM callback_attempts a WHERE a.callback_id = k.id AND a.outcome <> 'reached'), "
    "(SELECT count(*) FROM callback_attempts a WHERE a.callback_id = k.id AND a.outcome = 'reached'), "
    "(SELECT count(*) FROM callback_attempts a WHERE a.callback_id = k.id) "
    "FROM callbacks k WHERE k.id = $3 AND " CB_SCOPE " FOR UPDATE OF k"};
static const ac_sql CB_ATTEMPT = {
    "cb_attempt_add",
    "INSERT INTO callback_attempts (callback_id, store_id, by_staff, outcome, note) "
    "SELECT $3, $4, $5, $6, $7 WHERE " INTO_STORE("$4")};
static const ac_sql CB_WRITE = {
    "cb_write_state",
    "UPDATE callbacks AS k SET status = $4, assignee_id = $5::bigint, "
    "result_satisfaction = CASE WHEN $4 = 'completed' THEN $6::int END, "
    "result_summary = CASE WHEN $4 = 'completed' THEN $7 END, "
    "follow_up_needed = $4 = 'completed' AND $8::boolean, "
    "completed_at = CASE WHEN $4 = 'completed' THEN coalesce(k.completed_at, now()) END, "
    "completed_by = CASE WHEN $4 = 'completed' THEN coalesce(k.completed_by, $9::bigint) END, "
    "cancel_reason = CASE WHEN $4 = 'cancelled' THEN $10 END, "
    "version = k.version + 1, updated_at = now() WHERE k.id = $3 AND " CB_SCOPE};
static const ac_sql CB_CUSTOMER_FACTS = {
    "cb_customer_facts",
    "SELECT marketing_opt_in, erased_at IS NOT NULL FROM customers WHERE id = $1",
    "reads consent of a customer whose visibility the caller's scope has just checked"};
static const ac_sql CB_TICKET_MATCH = {
    "cb_ticket_matches",
    "SELECT 1 FROM tickets t WHERE t.id = $3 AND t.customer_id = $4 AND t.store_id = $5 "
    "AND ($1 OR t.store_id = ANY($2::bigint[]))"};
static const ac_sql CB_VISIT_MATCH = {
    "cb_visit_matches",
    "SELECT 1 FROM visits v WHERE v.id = $3 AND v.customer_id = $4 "
    "AND ($1 OR v.store_id = ANY($2::bigint[]))"};
/* Planned per call: which filters are set decides the best index. */
static const ac_sql CB_LIST = {
    "cb_list",
    "SELECT " SQL_US("k.due_at") ", k.id, " CALLBACK_OBJECT "::text FROM callbacks k WHERE "
    CB_SCOPE " AND ($3::bigint IS NULL OR k.store_id = $3) "
    "AND ($4::bigint IS NULL OR k.customer_id = $4) AND ($5::bigint IS NULL OR k.ticket_id = $5) "
    "AND ($6::bigint IS NULL OR k.assignee_id = $6) AND (NOT $7::boolean OR k.assignee_id IS NULL) "
    "AND ($8::bigint IS NULL OR k.assignee_id = $8 OR k.assignee_id IS NULL) "
    "AND ($9::text[] IS NULL OR k.status = ANY ($9)) AND ($10::text[] IS NULL OR k.kind = ANY ($10)) "
    "AND ($11::bigint IS NULL OR k.due_at < " SQL_TS("$11") ") "
    "AND ($12::boolean IS NULL OR k.follow_up_needed = $12) "
    "AND ($14::bigint = 0 OR (k.due_at, k.id) > (" SQL_TS("$13") ", $14::bigint)) "
    "ORDER BY k.due_at, k.id LIMIT $15::int + 1",
    NULL, true};

#define JSON_TEXT_ARRAY(param)                                                                     \
  "CASE WHEN " param "::jsonb IS NULL THEN NULL ELSE ARRAY(SELECT jsonb_array_elements_text("      \
  param "::jsonb)) END"
#define JSON_INT_ARRAY(param)                                                                      \
  "ARRAY(SELECT x::int FROM jsonb_array_elements_text(" param "::jsonb) AS x)"

static const ac_sql RULE_INSERT = {
    "cb_rule_insert",
    "INSERT INTO callback_rules (store_id, trigger, kind, service_pattern, inactivity_days, "
    "profile_date_field, tiers, sample_pct, offsets_days, window_hours, active) "
    "SELECT $3::bigint, $4, $5, $6, $7::int, $8, " JSON_TEXT_ARRAY("$9") ", $10, "
    JSON_INT_ARRAY("$11") ", $12, $13 WHERE " INTO_STORE("$3") " RETURNING id"};
static const ac_sql RULE_JSON = {
    "cb_rule_json", "SELECT r.version, " RULE_OBJECT "::text FROM callback_rules r "
                    "WHERE r.id = $3 AND " RULE_READ_SCOPE};
static const ac_sql RULE_LOCK = {
    "cb_rule_lock",
    "SELECT r.id, coalesce(r.store_id, 0), r.version, r.trigger, r.kind, r.service_pattern, "
    "r.profile_date_field, to_json(r.tiers)::text, to_json(r.offsets_days)::text, "
    "coalesce(r.inactivity_days, 0), r.sample_pct, r.window_hours, r.active "
    "FROM callback_rules r WHERE r.id = $3 AND " RULE_READ_SCOPE " FOR UPDATE"};
static const ac_sql RULE_UPDATE = {
    "cb_rule_update",
    "UPDATE callback_rules AS r SET kind = $4, service_pattern = $5, inactivity_days = $6::int, "
    "profile_date_field = $7, tiers = " JSON_TEXT_ARRAY("$8") ", sample_pct = $9, "
    "offsets_days = " JSON_INT_ARRAY("$10") ", window_hours = $11, active = $12, "
    "version = r.version + 1, updated_at = now() "
    "WHERE r.id = $3 AND ($1 OR r.store_id = ANY($2::bigint[]))"};
static const ac_sql RULE_LIST = {
    "cb_rule_list",
    "SELECT r.id, " RULE_OBJECT "::text FROM callback_rules r WHERE " RULE_READ_SCOPE
    " AND ($3::bigint IS NULL OR r.store_id = $3) AND ($4::text IS NULL OR r.trigger = $4) "
    "AND ($5::boolean IS NULL OR r.active = $5) AND r.id > $6 ORDER BY r.id LIMIT $7::int + 1"};

const ac_sql *const ac_sql_callbacks[] = {
    &VISIT_OCCASION, &TICKET_OCCASION, &CB_INSERT,      &CB_SUPERSEDE,    &CB_CANCEL_TICKET,
    &CB_CANCEL_CUSTOMER, &CB_SWEEP_TIMEOUT, &CB_SWEEP,  &CB_JSON,         &CB_LOCK,
    &CB_ATTEMPT,     &CB_WRITE,        &CB_CUSTOMER_FACTS, &CB_TICKET_MATCH, &CB_VISIT_MATCH,
    &CB_LIST,        &RULE_INSERT,     &RULE_JSON,      &RULE_LOCK,       &RULE_UPDATE,
    &RULE_LIST,      NULL};

static const char *bool_text(bool v) { return v ? "t" : "f"; }

static ac_db_status none_is_ok(ac_db_status s) { return s == AC_DB_NOROW ? AC_DB_OK : s; }

static ac_db_status load_occasion(ac_tx *tx, const ac_sql *sql, int64_t id, ac_cb_occasion *o) {
  memset(o, 0, sizeof *o);
  ac_params b = {0};
  const char *p[] = {ac_param_num(&b, id)};
  PGresult *r;
  ac_db_status s = ac_tx_exec(tx, sql, 1, p, &r);
  if (s != AC_DB_OK)
    return s;
  o->store_id = ac_pq_ll(r, 0, 0);
  o->customer_id = ac_pq_ll(r, 0, 1);
  o->trigger_us = ac_pq_ll(r, 0, 2);
  snprintf(o->timezone, sizeof o->timezone, "%s", PQgetvalue(r, 0, 3));
  snprintf(o->service_code, sizeof o->service_code, "%s", PQgetvalue(r, 0, 4));
  o->converted = ac_pq_bool(r, 0, 5);
  o->reopen_count = (int)ac_pq_ll(r, 0, 6);
  for (int i = 0; i < PQntuples(r) && o->n_rules < AC_CB_MAX_RULES; i++) {
    if (PQgetisnull(r, i, 7))
      continue; /* no rule applies */
    ac_cb_rule_row *rule = &o->rules[o->n_rules++];
    rule->id = ac_pq_ll(r, i, 7);
    snprintf(rule->kind, sizeof rule->kind, "%s", PQgetvalue(r, i, 8));
    snprintf(rule->pattern, sizeof rule->pattern, "%s",
             PQgetisnull(r, i, 9) ? "*" : PQgetvalue(r, i, 9));
    rule->store_rule = ac_pq_bool(r, i, 10);
    rule->sample_pct = (int)ac_pq_ll(r, i, 11);
    rule->window_hours = (int)ac_pq_ll(r, i, 12);
    const char *offsets = PQgetvalue(r, i, 13);
    while (*offsets && rule->n_offsets < AC_CB_MAX_OFFSETS) {
      char *end;
      rule->offsets[rule->n_offsets++] = (int)strtol(offsets, &end, 10);
      offsets = *end == ',' ? end + 1 : end;
      if (end == offsets && *end)
        break;
    }
  }
  PQclear(r);
  return AC_DB_OK;
}

ac_db_status ac_cb_occasion_for_visit(ac_tx *tx, int64_t visit_id, ac_cb_occasion *o) {
  return load_occasion(tx, &VISIT_OCCASION, visit_id, o);
}

ac_db_status ac_cb_occasion_for_ticket(ac_tx *tx, int64_t ticket_id, ac_cb_occasion *o) {
  return load_occasion(tx, &TICKET_OCCASION, ticket_id, o);
}

ac_db_status ac_cb_insert(ac_tx *tx, const ac_cb_new *n, int64_t *id) {
  ac_params b = {0};
  const char *p[] = {ac_param_num(&b, n->store_id),
                     ac_param_num(&b, n->customer_id),
                     ac_param_id(&b, n->ticket_id),
                     ac_param_id(&b, n->visit_id),
                     ac_param_id(&b, n->rule_id),
                     n->occasion,
                     n->kind,
                     ac_param_num(&b, n->due_at_us),
                     ac_param_num(&b, n->due_by_us),
                     ac_param_id(&b, n->assignee_id),
                     n->note,
                     n->occasion ? NULL : ac_param_id(&b, ac_tx_scope(tx)->staff_id)};
  PGresult *r;
  *id = 0;
  ac_db_status s = ac_tx_exec(tx, &CB_INSERT, 12, p, &r);
  if (s == AC_DB_OK) {
    *id = ac_pq_ll(r, 0, 0);
    PQclear(r);
  }
  return none_is_ok(s);
}

ac_db_status ac_cb_supersede_routine(ac_tx *tx, int64_t store_id, int64_t customer_id,
                                     int64_t before_us, int64_t visit_id) {
  ac_params b = {0};
  const char *p[] = {ac_param_num(&b, store_id), ac_param_num(&b, customer_id), ac_param_num(&b, before_us),
                     ac_param_num(&b, visit_id)};
  return none_is_ok(ac_tx_exec(tx, &CB_SUPERSEDE, 4, p, NULL));
}

ac_db_status ac_cb_cancel_for_ticket(ac_tx *tx, int64_t ticket_id) {
  ac_params b = {0};
  const char *p[] = {ac_param_num(&b, ticket_id)};
  return none_is_ok(ac_tx_exec(tx, &CB_CANCEL_TICKET, 1, p, NULL));
}

ac_db_status ac_cb_cancel_for_customer(ac_tx *tx, int64_t customer_id) {
  ac_params b = {0};
  const char *p[] = {ac_param_num(&b, customer_id)};
  return none_is_ok(ac_tx_exec(tx, &CB_CANCEL_CUSTOMER, 1, p, NULL));
}

ac_db_status ac_cb_sweep(ac_tx *tx, int *created) {
  ac_db_status s = ac_tx_exec(tx, &CB_SWEEP_TIMEOUT, 0, NULL, NULL);
  if (s != AC_DB_OK)
    return s;
  PGresult *r;
  s = ac_tx_exec(tx, &CB_SWEEP, 0, NULL, &r);
  if (s == AC_DB_OK) {
    *created = (int)ac_pq_ll(r, 0, 0);
    PQclear(r);
  }
  return s;
}

ac_db_status ac_cb_json(ac_tx *tx, int64_t id, char **json, int *version) {
  ac_params b = {0};
  const char *p[] = {ac_param_num(&b, id)};
  return ac_tx_versioned_json(tx, &CB_JSON, 1, p, json, version);
}

ac_db_status ac_cb_lock(ac_tx *tx, int64_t id, ac_cb_state *st) {
  ac_params b = {0};
  const char *p[] = {ac_param_num(&b, id)};
  PGresult *r;
  ac_db_status s = ac_tx_exec(tx, &CB_LOCK, 1, p, &r);
  if (s != AC_DB_OK)
    return s;
  memset(st, 0, sizeof *st);
  st->id = ac_pq_ll(r, 0, 0);
  st->store_id = ac_pq_ll(r, 0, 1);
  st->customer_id = ac_pq_ll(r, 0, 2);
  st->ticket_id = ac_pq_ll(r, 0, 3);
  st->assignee_id = ac_pq_ll(r, 0, 4);
  snprintf(st->kind, sizeof st->kind, "%s", PQgetvalue(r, 0, 5));
  st->status = ac_cb_name_index(AC_CB_STATUSES, PQgetvalue(r, 0, 6));
  st->version = (int)ac_pq_ll(r, 0, 7);
  st->failed_attempts = (int)ac_pq_ll(r, 0, 8);
  st->reached = ac_pq_ll(r, 0, 9) > 0;
  st->attempts = (int)ac_pq_ll(r, 0, 10);
  st->satisfaction = -1;
  PQclear(r);
  return AC_DB_OK;
}

ac_db_status ac_cb_attempt_add(ac_tx *tx, const ac_cb_state *st, const char *outcome,
                               const char *note) {
  ac_params b = {0};
  const char *p[] = {ac_param_num(&b, st->id), ac_param_num(&b, st->store_id), ac_param_num(&b, ac_tx_scope(tx)->staff_id),
                     outcome, note};
  return ac_tx_exec(tx, &CB_ATTEMPT, 5, p, NULL);
}

ac_db_status ac_cb_write_state(ac_tx *tx, const ac_cb_state *st) {
  ac_params b = {0};
  const char *p[] = {ac_param_num(&b, st->id),
                     AC_CB_STATUSES[st->status],
                     ac_param_id(&b, st->assignee_id),
                     st->satisfaction < 0 ? NULL : ac_param_num(&b, st->satisfaction),
                     st->summary,
                     bool_text(st->follow_up_needed),
                     ac_param_num(&b, ac_tx_scope(tx)->staff_id),
                     st->cancel_reason};
  return ac_tx_exec(tx, &CB_WRITE, 8, p, NULL);
}

ac_db_status ac_cb_customer_facts(ac_tx *tx, int64_t customer_id, bool *opted_in, bool *erased) {
  ac_params b = {0};
  const char *p[] = {ac_param_num(&b, customer_id)};
  PGresult *r;
  ac_db_status s = ac_tx_exec(tx, &CB_CUSTOMER_FACTS, 1, p, &r);
  if (s == AC_DB_OK) {
    *opted_in = ac_pq_bool(r, 0, 0);
    *erased = ac_pq_bool(r, 0, 1);
    PQclear(r);
  }
  return s;
}

static ac_db_status exists(ac_tx *tx, const ac_sql *sql, int n, const char *const *p, bool *yes) {
  ac_db_status s = ac_tx_exec(tx, sql, n, p, NULL);
  *yes = s == AC_DB_OK;
  return none_is_ok(s);
}

ac_db_status ac_cb_ticket_matches(ac_tx *tx, int64_t ticket_id, int64_t customer_id,
                                  int64_t store_id, bool *yes) {
  ac_params b = {0};
  const char *p[] = {ac_param_num(&b, ticket_id), ac_param_num(&b, customer_id), ac_param_num(&b, store_id)};
  return exists(tx, &CB_TICKET_MATCH, 3, p, yes);
}

ac_db_status ac_cb_visit_matches(ac_tx *tx, int64_t visit_id, int64_t customer_id, bool *yes) {
  ac_params b = {0};
  const char *p[] = {ac_param_num(&b, visit_id), ac_param_num(&b, customer_id)};
  return exists(tx, &CB_VISIT_MATCH, 2, p, yes);
}

ac_db_status ac_cb_list(ac_tx *tx, const ac_cb_filter *f, int64_t after_due, int64_t after_id,
                        int limit, PGresult **rows) {
  ac_params b = {0};
  const char *p[] = {ac_param_id(&b, f->store),
                     ac_param_id(&b, f->customer),
                     ac_param_id(&b, f->ticket),
                     ac_param_id(&b, f->assignee),
                     bool_text(f->unassigned),
                     ac_param_id(&b, f->mine_or_open),
                     f->statuses_text,
                     f->kinds_text,
                     f->due_before_us == AC_NO_TIME ? NULL : ac_param_num(&b, f->due_before_us),
                     f->follow_up < 0 ? NULL : bool_text(f->follow_up),
                     ac_param_num(&b, after_due),
                     ac_param_num(&b, after_id),
                     ac_param_num(&b, limit)};
  return ac_tx_exec(tx, &CB_LIST, 13, p, rows);
}

/* ---- rules ---- */

static void rule_params(ac_params *b, const ac_cb_rule_fields *f, const char **p) {
  p[0] = f->service_pattern;
  p[1] = f->inactivity_days ? ac_param_num(b, f->inactivity_days) : NULL;
  p[2] = f->profile_date_field;
  p[3] = f->tiers_json;
  p[4] = ac_param_num(b, f->sample_pct);
  p[5] = f->offsets_json;
  p[6] = ac_param_num(b, f->window_hours);
  p[7] = bool_text(f->active);
}

ac_db_status ac_cb_rule_insert(ac_tx *tx, const ac_cb_rule_fields *f, int64_t *id) {
  ac_params b = {0};
  const char *rp[8];
  rule_params(&b, f, rp);
  const char *p[] = {ac_param_id(&b, f->store_id), f->trigger, f->kind, rp[0], rp[1], rp[2],
                     rp[3], rp[4], rp[5], rp[6], rp[7]};
  PGresult *r;
  ac_db_status s = ac_tx_exec(tx, &RULE_INSERT, 11, p, &r);
  if (s == AC_DB_OK) {
    *id = ac_pq_ll(r, 0, 0);
    PQclear(r);
  }
  return s;
}

ac_db_status ac_cb_rule_json(ac_tx *tx, int64_t id, char **json, int *version) {
  ac_params b = {0};
  const char *p[] = {ac_param_num(&b, id)};
  return ac_tx_versioned_json(tx, &RULE_JSON, 1, p, json, version);
}

static char *dup_or_null(const PGresult *r, int col) {
  return PQgetisnull(r, 0, col) ? NULL : strdup(PQgetvalue(r, 0, col));
}

ac_db_status ac_cb_rule_lock(ac_tx *tx, int64_t id, ac_cb_rule_stored *rule) {
  ac_params b = {0};
  const char *p[] = {ac_param_num(&b, id)};
  PGresult *r;
  memset(rule, 0, sizeof *rule);
  ac_db_status s = ac_tx_exec(tx, &RULE_LOCK, 1, p, &r);
  if (s != AC_DB_OK)
    return s;
  rule->id = ac_pq_ll(r, 0, 0);
  rule->store_id = ac_pq_ll(r, 0, 1);
  rule->version = (int)ac_pq_ll(r, 0, 2);
  snprintf(rule->trigger, sizeof rule->trigger, "%s", PQgetvalue(r, 0, 3));
  snprintf(rule->kind, sizeof rule->kind, "%s", PQgetvalue(r, 0, 4));
  rule->service_pattern = dup_or_null(r, 5);
  rule->profile_date_field = dup_or_null(r, 6);
  rule->tiers_json = dup_or_null(r, 7);
  rule->offsets_json = dup_or_null(r, 8);
  rule->inactivity_days = ac_pq_ll(r, 0, 9);
  rule->sample_pct = ac_pq_ll(r, 0, 10);
  rule->window_hours = ac_pq_ll(r, 0, 11);
  rule->active = ac_pq_bool(r, 0, 12);
  PQclear(r);
  return AC_DB_OK;
}

void ac_cb_rule_stored_free(ac_cb_rule_stored *r) {
  free(r->service_pattern);
  free(r->profile_date_field);
  free(r->tiers_json);
  free(r->offsets_json);
  memset(r, 0, sizeof *r);
}

ac_db_status ac_cb_rule_update(ac_tx *tx, int64_t id, const ac_cb_rule_fields *f) {
  ac_params b = {0};
  const char *rp[8];
  rule_params(&b, f, rp);
  const char *p[] = {ac_param_num(&b, id), f->kind, rp[0], rp[1], rp[2], rp[3], rp[4], rp[5], rp[6], rp[7]};
  return ac_tx_exec(tx, &RULE_UPDATE, 10, p, NULL);
}

ac_db_status ac_cb_rule_list(ac_tx *tx, int64_t store, const char *trigger, int active,
                             int64_t after_id, int limit, PGresult **rows) {
  ac_params b = {0};
  const char *p[] = {ac_param_id(&b, store), trigger, active < 0 ? NULL : bool_text(active),
                     ac_param_num(&b, after_id), ac_param_num(&b, limit)};
  return ac_tx_exec(tx, &RULE_LIST, 5, p, rows);
}
