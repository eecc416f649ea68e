#include "sweeper.h"

#include <pthread.h>
#include <time.h>

#include "db.h"
#include "db_callbacks.h"
#include "db_tickets.h"
#include "log.h"

#define BATCH 200

static pthread_t g_thread;
static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t g_wake;
static bool g_stop, g_running;
static long g_interval, g_callback_interval;

typedef struct batch_ctx {
  int acted;
} batch_ctx;

static ac_db_status batch(ac_tx *tx, void *p) {
  return ac_tickets_sweep(tx, BATCH, &((batch_ctx *)p)->acted);
}

/* Batches until one comes back short; each commits on its own. */
static void sweep_once(void) {
  ac_scope system;
  ac_scope_system(&system);
  for (int round = 0; round < 100; round++) {
    batch_ctx c = {0};
    ac_db_status s = ac_db_transact(&system, batch, &c);
    if (s != AC_DB_OK) {
      if (s != AC_DB_UNAVAILABLE)
        ac_log_error("sweeper", "sweep failed (status %d)", (int)s);
      return;
    }
    if (c.acted > 0)
      ac_log_info("sweeper", "%d SLA action(s) taken", c.acted);
    if (c.acted < BATCH)
      return;
  }
}

static ac_db_status callbacks(ac_tx *tx, void *p) { return ac_cb_sweep(tx, (int *)p); }

/* The daily callback sweep: birthdays, anniversaries, lapsed customers. */
static void sweep_callbacks(void) {
  ac_scope system;
  ac_scope_system(&system);
  int created = 0;
  ac_db_status s = ac_db_transact(&system, callbacks, &created);
  if (s == AC_DB_OK && created > 0)
    ac_log_info("sweeper", "%d callback task(s) created by the daily sweep", created);
  else if (s != AC_DB_OK && s != AC_DB_UNAVAILABLE)
    ac_log_error("sweeper", "callback sweep failed (status %d)", (int)s);
}

static void *run(void *arg) {
  (void)arg;
  struct timespec last_callbacks = {0};
  bool swept_callbacks = false;
  pthread_mutex_lock(&g_lock);
  while (!g_stop) {
    pthread_mutex_unlock(&g_lock);
    sweep_once();
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    if (!swept_callbacks || now.tv_sec - last_callbacks.tv_sec >= g_callback_interval) {
      sweep_callbacks();
      last_callbacks = now;
      swept_callbacks = true;
    }
    pthread_mutex_lock(&g_lock);
    struct timespec until;
    clock_gettime(CLOCK_MONOTONIC, &until);
    until.tv_sec += g_interval;
    while (!g_stop && pthread_cond_timedwait(&g_wake, &g_lock, &until) == 0) {
    }
  }
  pthread_mutex_unlock(&g_lock);
  ac_db_thread_done();
  return NULL;
}

bool ac_sweeper_start(const ac_config *cfg) {
  pthread_condattr_t attr;
  pthread_condattr_init(&attr);
  pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
  pthread_cond_init(&g_wake, &attr);
  pthread_condattr_destroy(&attr);
  g_interval = cfg->sweep_seconds;
  g_callback_interval = cfg->callback_sweep_seconds;
  g_stop = false;
  g_running = pthread_create(&g_thread, NULL, run, NULL) == 0;
  return g_running;
}

void ac_sweeper_stop(void) {
  if (!g_running)
    return;
  pthread_mutex_lock(&g_lock);
  g_stop = true;
  pthread_cond_signal(&g_wake);
  pthread_mutex_unlock(&g_lock);
  pthread_join(g_thread, NULL);
  pthread_cond_destroy(&g_wake);
  g_running = false;
}
