/* Ticket moves shared by the ticket routes and the callbacks that take a
 * ticket's satisfaction score: the store's SLA view, the clocks of a move
 * (SPEC.md §3 and §6), events with owned before/after text, and recording
 * a score. Every function runs in the caller's transaction. */
#ifndef AC_TICKET_FLOW_H
#define AC_TICKET_FLOW_H

#include <stdint.h>

#include "db.h"
#include "db_tickets.h"
#include "sla.h"

/* The store's calendar and targets for a ticket of one severity and
 * category. `store` holds allocations: ac_store_context_free(&v->store). */
typedef struct ac_sla_view {
  ac_store_context store;
  ac_sla_calendar cal;
  ac_sla_targets targets;
} ac_sla_view;

ac_db_status ac_sla_view_load(ac_tx *tx, int64_t store_id, int severity, int category,
                              ac_sla_view *v);
int64_t ac_sla_view_due_after(const ac_sla_view *v, int64_t from_us, int minutes);
int64_t ac_sla_view_minutes_left(const ac_sla_view *v, int64_t from_us, int64_t to_us);

/* A customer-visible update: the update clock restarts while updates are owed. */
void ac_ticket_customer_update(ac_ticket_state *st, int64_t now, const ac_sla_view *v);
/* Moves st to `to` at `now` with the clocks of SPEC.md §3 and §6. */
void ac_ticket_apply_move(ac_ticket_state *st, int64_t now, ac_status to, const ac_sla_view *v);

/* {"key": value} as JSON text (malloc'd). */
char *ac_state_json(const char *key, const char *value);
/* Appends an event and frees before/after (JSON text or NULL). */
ac_db_status ac_ticket_event_owned(ac_tx *tx, const ac_ticket_state *st, const char *type,
                                   char *before, char *after, const char *note);

/* Records a satisfaction score on st, a locked `resolved` ticket: at or
 * above the store's reopen threshold the ticket closes; below it the ticket
 * is reopened and escalated one level, with a low_satisfaction outbox row
 * and its pending post-resolution callbacks cancelled. Writes st back. */
ac_db_status ac_ticket_take_score(ac_tx *tx, ac_ticket_state *st, int64_t now, int score,
                                  const char *comment);

#endif
