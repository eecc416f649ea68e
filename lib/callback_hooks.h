/* Where events that schedule follow-up calls reach the callbacks module.
 * Called inside the transaction that records the event, so a callback task
 * and its cause commit together. */
#ifndef AC_CALLBACK_HOOKS_H
#define AC_CALLBACK_HOOKS_H

#include <stdint.h>

#include "db.h"

typedef struct ac_visit_event {
  int64_t visit_id, customer_id, store_id;
  const char *service_code;
  bool converted;
} ac_visit_event;

/* A visit was recorded. Issue 5 (callbacks) makes this apply the callback
 * rules (post_service, routine, unconverted); until then no rule exists and
 * it writes nothing. */
ac_db_status ac_callbacks_on_visit(ac_tx *tx, const ac_visit_event *visit);

#endif
