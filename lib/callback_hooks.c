#include "callback_hooks.h"

ac_db_status ac_callbacks_on_visit(ac_tx *tx, const ac_visit_event *visit) {
  (void)tx;
  (void)visit;
  return AC_DB_OK;
}
