/* Tickets, their events, comments, compensations, store settings and SLA
 * rules in the database. Every function runs in the caller's transaction;
 * scoped statements see a ticket when its store is in the caller's scope.
 * Times are microseconds since the epoch; AC_NO_TIME stands for NULL. JSON
 * text through `json` is malloc'd; the caller frees it. */
#ifndef AC_DB_TICKETS_H
#define AC_DB_TICKETS_H

#include <stdbool.h>
#include <stdint.h>

#include "db.h"
#include "sla.h"
#include "ticket_rules.h"

#define AC_NO_TIME INT64_MIN

extern const ac_sql *const ac_sql_tickets[];

/* Everything about a store that ticket rules need. */
typedef struct ac_store_context {
  char timezone[64];
  char *business_hours; /* JSON text or NULL; owned, freed by ac_store_context_free */
  ac_store_limits limits;
  int reopen_threshold;
  size_t n_rules;
  ac_sla_override rules[64];
} ac_store_context;

ac_db_status ac_store_context_load(ac_tx *tx, int64_t store_id, ac_store_context *ctx);
void ac_store_context_free(ac_store_context *ctx);

/* The mutable state of a ticket, read with a row lock and written back whole. */
typedef struct ac_ticket_state {
  int64_t id, store_id, customer_id, assignee_id; /* assignee 0 = none */
  ac_status status;
  int severity, category;
  int64_t created_at, first_response_due, first_responded, resolution_due, resolved_at,
      next_update_due, paused_at, closed_at, satisfaction_at;
  bool first_response_breached, resolution_breached;
  int remaining_minutes; /* -1 = NULL */
  int satisfaction_score; /* -1 = NULL */
  char satisfaction_comment[8200];
  int reopen_count, escalation_level, version;
} ac_ticket_state;

typedef struct ac_ticket_fields {
  int64_t store_id, customer_id, assignee_id;
  const char *channel, *category, *severity, *subject, *description, *customer_expectation;
  bool set_expectation;
  const char *tags_json, *evidence_json; /* JSON arrays or NULL */
} ac_ticket_fields;

ac_db_status ac_ticket_insert(ac_tx *tx, const ac_ticket_fields *f, const ac_ticket_state *due,
                              int64_t *id);
ac_db_status ac_ticket_json(ac_tx *tx, int64_t id, char **json, int *version);
ac_db_status ac_ticket_lock(ac_tx *tx, int64_t id, ac_ticket_state *st);
/* Writes st's SLA, status, satisfaction, counters and assignee; bumps the version. */
ac_db_status ac_ticket_write_state(ac_tx *tx, const ac_ticket_state *st, int *version);
/* Content fields of a PATCH (NULL = unchanged). */
ac_db_status ac_ticket_write_content(ac_tx *tx, int64_t id, const ac_ticket_fields *f);
/* Appends an event; actor 0 = the caller. before/after: JSON text or NULL. */
ac_db_status ac_ticket_event(ac_tx *tx, const ac_ticket_state *st, const char *type,
                             const char *before, const char *after, const char *note);
ac_db_status ac_outbox_add(ac_tx *tx, int64_t store_id, int64_t ticket_id, const char *kind,
                           const char *recipient_role, const char *payload_json);
/* The customer must be visible to the caller; makes it visible to store_id. */
ac_db_status ac_ticket_customer_ok(ac_tx *tx, int64_t customer_id, int64_t store_id, bool *ok);

ac_db_status ac_comment_insert(ac_tx *tx, const ac_ticket_state *st, const char *visibility,
                               const char *body, char **json);
/* Rows (id, json) after `after_id`, oldest first, at most limit+1. */
ac_db_status ac_comment_list(ac_tx *tx, int64_t ticket_id, int64_t after_id, int limit,
                             PGresult **rows);
ac_db_status ac_event_list(ac_tx *tx, int64_t ticket_id, int64_t after_id, int limit,
                           PGresult **rows);

typedef struct ac_compensation {
  int64_t id, ticket_id, store_id, amount_cents;
  int kind;
  char status[16];
} ac_compensation;

ac_db_status ac_compensation_insert(ac_tx *tx, const ac_ticket_state *st, const char *kind,
                                    int64_t amount_cents, int64_t sessions, const char *note,
                                    int64_t *id, char **json);
ac_db_status ac_compensation_get(ac_tx *tx, int64_t id, char **json);
ac_db_status ac_compensation_lock(ac_tx *tx, int64_t id, ac_compensation *c);
/* to: approved | rejected | fulfilled. */
ac_db_status ac_compensation_move(ac_tx *tx, int64_t id, const char *to, char **json);

ac_db_status ac_settings_json(ac_tx *tx, int64_t store_id, char **json, int *version);
ac_db_status ac_settings_update(ac_tx *tx, int64_t store_id, const int64_t *rep,
                                const int64_t *supervisor, const int *threshold, char **json,
                                int *version);
ac_db_status ac_sla_policy_json(ac_tx *tx, int64_t store_id, char **json);
/* Replaces the store's rules with the JSON array `rules_json` (validated). */
ac_db_status ac_sla_policy_replace(ac_tx *tx, int64_t store_id, const char *rules_json);

typedef struct ac_ticket_filter {
  int64_t store, assignee, customer;
  const char *statuses_text; /* "{open,acknowledged}": several statuses */
  /* One status alone goes as an equality: PostgreSQL 15 reads the
   * (store, status, due) index in order for "=", not for "= ANY". */
  const char *status_one;
  const char *severity, *category, *tag, *q;
  int breached, overdue; /* -1 any */
  int64_t created_from, created_to; /* AC_NO_TIME = any */
  bool sort_due;
} ac_ticket_filter;

/* Rows (key_us, id, json) after the (key_us, id) cursor (after_id 0 = from
 * the start); at most limit+1. */
ac_db_status ac_ticket_list(ac_tx *tx, const ac_ticket_filter *f, int64_t after_key,
                            int64_t after_id, int limit, PGresult **rows);

/* One sweeper batch (system scope); *acted = actions taken. */
ac_db_status ac_tickets_sweep(ac_tx *tx, int batch, int *acted);

#endif
