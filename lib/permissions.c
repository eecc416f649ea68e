#include "permissions.h"

bool ac_may_write_stores(const ac_scope *caller) { return caller->role == AC_ROLE_HQ; }

bool ac_may_manage_staff(const ac_scope *caller, ac_role target_role, const int64_t *stores,
                         size_t n_stores) {
  if (caller->role == AC_ROLE_HQ)
    return true;
  if (caller->role != AC_ROLE_MANAGER)
    return false;
  /* A manager runs one store: its reps and supervisors, nobody above them,
   * and nobody who also works elsewhere. */
  if (target_role != AC_ROLE_REP && target_role != AC_ROLE_SUPERVISOR)
    return false;
  if (n_stores == 0)
    return false;
  for (size_t i = 0; i < n_stores; i++)
    if (!ac_scope_has_store(caller, stores[i]))
      return false;
  return true;
}

bool ac_may_set_password(const ac_scope *caller, int64_t target_id, ac_role target_role,
                         const int64_t *stores, size_t n_stores) {
  return caller->staff_id == target_id ||
         ac_may_manage_staff(caller, target_role, stores, n_stores);
}

bool ac_role_store_count_ok(ac_role role, size_t n_stores) {
  switch (role) {
  case AC_ROLE_REP:
  case AC_ROLE_MANAGER:
    return n_stores == 1;
  case AC_ROLE_SUPERVISOR:
    return n_stores >= 1 && n_stores <= AC_SCOPE_MAX_STORES;
  case AC_ROLE_HQ:
    return n_stores == 0;
  case AC_ROLE_NONE:
    break;
  }
  return false;
}
