/* Turns an Authorization header into the caller's scope. The token proves
 * who is calling; the staff record (cached for at most
 * AFTERCARE_AUTH_CACHE_SECONDS) says whether they are active, their role
 * and their stores. */
#ifndef AC_AUTH_H
#define AC_AUTH_H

#include <stdint.h>

#include "config.h"
#include "scope.h"

typedef enum ac_auth_status { AC_AUTH_OK, AC_AUTH_REJECTED, AC_AUTH_UNAVAILABLE } ac_auth_status;

/* The cache lives from ac_auth_start to ac_auth_stop; cfg must outlive it. */
bool ac_auth_start(const ac_config *cfg);
void ac_auth_stop(void);

/* On REJECTED, *why is a static reason for the 401 detail. */
ac_auth_status ac_auth_bearer(const char *authorization, ac_scope *scope, const char **why);
/* Drops a staff member from the cache (after deactivation, role or store change). */
void ac_auth_forget(int64_t staff_id);

#endif
