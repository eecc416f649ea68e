/* The background sweeper of `aftercare serve`: a thread that runs SLA sweep
 * batches (db_tickets.h) every cfg->sweep_seconds and the daily callback
 * sweep (db_callbacks.h) every cfg->callback_sweep_seconds until stopped. */
#ifndef AC_SWEEPER_H
#define AC_SWEEPER_H

#include <stdbool.h>

#include "config.h"

bool ac_sweeper_start(const ac_config *cfg);
/* Wakes the thread, lets a running batch finish, joins it. */
void ac_sweeper_stop(void);

#endif
