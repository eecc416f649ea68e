/* Callback tasks, their attempts and the callback rules in the database.
 * Every function runs in the caller's transaction; scoped statements see a
 * task when its store is in the caller's scope, and a rule when it is
 * chain-wide or its store is. Times are microseconds since the epoch
 * (AC_NO_TIME = NULL). JSON text through `json` is malloc'd; the caller
 * frees it. */
#ifndef AC_DB_CALLBACKS_H
#define AC_DB_CALLBACKS_H

#include <stdbool.h>
#include <stdint.h>

#include "callback_plan.h"
#include "db.h"

#ifndef AC_NO_TIME
#define AC_NO_TIME INT64_MIN
#endif

extern const ac_sql *const ac_sql_callbacks[];

/* ---- generation ---- */

#define AC_CB_MAX_RULES 32

typedef struct ac_cb_rule_row {
  int64_t id;
  char kind[24];
  char pattern[72];
  bool store_rule;
  int sample_pct, window_hours;
  int offsets[AC_CB_MAX_OFFSETS];
  int n_offsets;
} ac_cb_rule_row;

/* What a visit or a ticket resolution generates from: the rules that apply
 * (store, trigger, tiers, marketing consent and erasure already checked). */
typedef struct ac_cb_occasion {
  int64_t store_id, customer_id, trigger_us;
  char timezone[64];
  char service_code[72];
  bool converted;
  int reopen_count;
  size_t n_rules;
  ac_cb_rule_row rules[AC_CB_MAX_RULES];
} ac_cb_occasion;

ac_db_status ac_cb_occasion_for_visit(ac_tx *tx, int64_t visit_id, ac_cb_occasion *o);
ac_db_status ac_cb_occasion_for_ticket(ac_tx *tx, int64_t ticket_id, ac_cb_occasion *o);

typedef struct ac_cb_new {
  int64_t store_id, customer_id, ticket_id, visit_id, rule_id, assignee_id; /* 0 = NULL */
  const char *occasion; /* NULL for manual tasks */
  const char *kind, *note;
  int64_t due_at_us, due_by_us;
} ac_cb_new;

/* *id = the new task, or 0 when its occasion already had one. */
ac_db_status ac_cb_insert(ac_tx *tx, const ac_cb_new *n, int64_t *id);
/* Cancels the customer's pending generated routine tasks at the store due
 * before `before_us` that came from another visit (reason superseded). */
ac_db_status ac_cb_supersede_routine(ac_tx *tx, int64_t store_id, int64_t customer_id,
                                     int64_t before_us, int64_t visit_id);
/* Cancels a ticket's pending post-resolution tasks (reason ticket_reopened). */
ac_db_status ac_cb_cancel_for_ticket(ac_tx *tx, int64_t ticket_id);
/* Cancels every pending task of an erased customer, in every store. */
ac_db_status ac_cb_cancel_for_customer(ac_tx *tx, int64_t customer_id);
/* The daily sweep (whole chain); *created = tasks created. */
ac_db_status ac_cb_sweep(ac_tx *tx, int *created);

/* ---- tasks ---- */

typedef struct ac_cb_state {
  int64_t id, store_id, customer_id, ticket_id, assignee_id; /* 0 = NULL */
  char kind[24];
  int status; /* ac_cb_status */
  int version, failed_attempts, attempts;
  bool reached;
  /* written by ac_cb_write_state */
  int satisfaction; /* -1 = NULL */
  const char *summary, *cancel_reason;
  bool follow_up_needed;
} ac_cb_state;

ac_db_status ac_cb_json(ac_tx *tx, int64_t id, char **json, int *version);
ac_db_status ac_cb_lock(ac_tx *tx, int64_t id, ac_cb_state *st);
ac_db_status ac_cb_attempt_add(ac_tx *tx, const ac_cb_state *st, const char *outcome,
                               const char *note);
/* Writes status, assignee, and (when completed) the result or (when
 * cancelled) the reason; bumps the version. */
ac_db_status ac_cb_write_state(ac_tx *tx, const ac_cb_state *st);

/* Manual creation: does the customer exist, opt in, and is not erased? */
ac_db_status ac_cb_customer_facts(ac_tx *tx, int64_t customer_id, bool *opted_in, bool *erased);
/* Is the ticket the customer's at the store / the visit the customer's? */
ac_db_status ac_cb_ticket_matches(ac_tx *tx, int64_t ticket_id, int64_t customer_id,
                                  int64_t store_id, bool *yes);
ac_db_status ac_cb_visit_matches(ac_tx *tx, int64_t visit_id, int64_t customer_id, bool *yes);

typedef struct ac_cb_filter {
  int64_t store, customer, ticket;
  int64_t assignee;     /* 0 = any */
  bool unassigned;      /* assignee=none */
  int64_t mine_or_open; /* a rep's default view: this staff id's tasks and unassigned ones */
  const char *statuses_text, *kinds_text; /* "{pending,completed}" or NULL */
  int64_t due_before_us;                  /* AC_NO_TIME = any */
  int follow_up;                          /* -1 any */
} ac_cb_filter;

/* Rows (due_us, id, json) after the (due_us, id) cursor (after_id 0 = from
 * the start), oldest due first; at most limit+1. */
ac_db_status ac_cb_list(ac_tx *tx, const ac_cb_filter *f, int64_t after_due, int64_t after_id,
                        int limit, PGresult **rows);

/* ---- rules ---- */

typedef struct ac_cb_rule_fields {
  int64_t store_id; /* 0 = chain-wide */
  const char *trigger, *kind, *service_pattern, *profile_date_field;
  const char *tiers_json;   /* JSON array or NULL (every tier) */
  const char *offsets_json; /* JSON array of integers */
  int64_t inactivity_days;  /* 0 = NULL */
  int64_t sample_pct, window_hours;
  bool active;
} ac_cb_rule_fields;

/* A stored rule, for merging a PATCH; strings owned by the struct until
 * ac_cb_rule_stored_free. */
typedef struct ac_cb_rule_stored {
  int64_t id, store_id; /* store 0 = chain-wide */
  int version;
  char trigger[24], kind[24];
  char *service_pattern, *profile_date_field, *tiers_json, *offsets_json;
  int64_t inactivity_days, sample_pct, window_hours;
  bool active;
} ac_cb_rule_stored;

ac_db_status ac_cb_rule_insert(ac_tx *tx, const ac_cb_rule_fields *f, int64_t *id);
ac_db_status ac_cb_rule_json(ac_tx *tx, int64_t id, char **json, int *version);
ac_db_status ac_cb_rule_lock(ac_tx *tx, int64_t id, ac_cb_rule_stored *r);
void ac_cb_rule_stored_free(ac_cb_rule_stored *r);
ac_db_status ac_cb_rule_update(ac_tx *tx, int64_t id, const ac_cb_rule_fields *f);
/* Rows (id, json) after after_id; store 0 = any, -1 = chain-wide only. */
ac_db_status ac_cb_rule_list(ac_tx *tx, int64_t store, const char *trigger, int active,
                             int64_t after_id, int limit, PGresult **rows);

#endif
