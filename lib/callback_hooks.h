/* Where events that schedule or void follow-up calls reach the callbacks
 * module. Each is called inside the transaction that records its cause, so
 * a task and its cause commit together. Generation applies the rules that
 * are in force for the store (db_callbacks.h, callback_plan.h); it is
 * idempotent because each task's occasion is unique in the database. */
#ifndef AC_CALLBACK_HOOKS_H
#define AC_CALLBACK_HOOKS_H

#include <stdbool.h>
#include <stdint.h>

#include "db.h"

typedef struct ac_visit_event {
  int64_t visit_id, customer_id, store_id;
  const char *service_code;
  bool converted;
} ac_visit_event;

/* A visit was recorded: post_service, routine and unconverted tasks. */
ac_db_status ac_callbacks_on_visit(ac_tx *tx, const ac_visit_event *visit);
/* A ticket moved to resolved: its post_resolution task(s). */
ac_db_status ac_callbacks_on_ticket_resolved(ac_tx *tx, int64_t ticket_id);
/* A ticket was reopened: its pending post_resolution tasks are moot. */
ac_db_status ac_callbacks_on_ticket_reopened(ac_tx *tx, int64_t ticket_id);
/* A customer was erased: every pending task is cancelled. */
ac_db_status ac_callbacks_on_customer_erased(ac_tx *tx, int64_t customer_id);

#endif
