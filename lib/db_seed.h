/* The demo chain loaded by `aftercare seed --demo`. Idempotent: existing
 * stores and logins are left as they are. */
#ifndef AC_DB_SEED_H
#define AC_DB_SEED_H

#include <stdbool.h>

#define AC_DEMO_PASSWORD "aftercare-demo" /* a published demo value, not a secret */

bool ac_seed_demo(const char *conninfo);

#endif
