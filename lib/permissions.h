/* Who may do what inside their scope (SPEC.md §1, docs/contract.md). Pure:
 * scope says who is asking; the target is described by role and stores.
 * Whether a resource is in scope at all (404) is the data layer's business. */
#ifndef AC_PERMISSIONS_H
#define AC_PERMISSIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "scope.h"

bool ac_may_write_stores(const ac_scope *caller);
/* Create or change a staff member who has (or will have) this role and these stores. */
bool ac_may_manage_staff(const ac_scope *caller, ac_role target_role, const int64_t *stores,
                         size_t n_stores);
/* Set the password of staff member target_id. */
bool ac_may_set_password(const ac_scope *caller, int64_t target_id, ac_role target_role,
                         const int64_t *stores, size_t n_stores);
/* Does a role take this many stores? rep/manager 1, supervisor 1+, hq 0. */
bool ac_role_store_count_ok(ac_role role, size_t n_stores);

#endif
