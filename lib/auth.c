#include "auth.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "db.h"
#include "db_staff.h"
#include "jwt_token.h"

#define CACHE_SLOTS 4096

typedef struct cache_slot {
  int64_t staff_id; /* 0 = empty */
  time_t fetched;
  ac_staff_auth staff;
} cache_slot;

static const ac_config *g_cfg;
static cache_slot *g_cache; /* owned: allocated by ac_auth_start, freed by ac_auth_stop */
static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;

bool ac_auth_start(const ac_config *cfg) {
  g_cfg = cfg;
  g_cache = calloc(CACHE_SLOTS, sizeof *g_cache);
  return g_cache != NULL;
}

void ac_auth_stop(void) {
  free(g_cache);
  g_cache = NULL;
}

void ac_auth_forget(int64_t staff_id) {
  if (!g_cache)
    return;
  pthread_mutex_lock(&g_lock);
  cache_slot *s = &g_cache[(uint64_t)staff_id % CACHE_SLOTS];
  if (s->staff_id == staff_id)
    s->staff_id = 0;
  pthread_mutex_unlock(&g_lock);
}

static bool cache_get(int64_t id, time_t now, ac_staff_auth *out) {
  bool hit = false;
  pthread_mutex_lock(&g_lock);
  cache_slot *s = &g_cache[(uint64_t)id % CACHE_SLOTS];
  if (s->staff_id == id && now - s->fetched < g_cfg->auth_cache_seconds) {
    *out = s->staff;
    hit = true;
  }
  pthread_mutex_unlock(&g_lock);
  return hit;
}

static void cache_put(const ac_staff_auth *staff, time_t now) {
  pthread_mutex_lock(&g_lock);
  cache_slot *s = &g_cache[(uint64_t)staff->id % CACHE_SLOTS];
  s->staff_id = staff->id;
  s->fetched = now;
  s->staff = *staff;
  s->staff.password_hash[0] = '\0'; /* the cache never holds hashes */
  pthread_mutex_unlock(&g_lock);
}

typedef struct load_ctx {
  int64_t id;
  ac_staff_auth *out;
} load_ctx;

static ac_db_status load(ac_tx *tx, void *p) {
  load_ctx *c = p;
  return ac_staff_auth_by_id(tx, c->id, c->out);
}

ac_auth_status ac_auth_bearer(const char *authorization, ac_scope *scope, const char **why) {
  if (!authorization || !*authorization) {
    *why = "send Authorization: Bearer <token> (POST /v1/auth/token issues one)";
    return AC_AUTH_REJECTED;
  }
  if (strncasecmp(authorization, "Bearer ", 7) != 0) {
    *why = "the Authorization header must use the Bearer scheme";
    return AC_AUTH_REJECTED;
  }
  const char *token = authorization + 7;
  while (*token == ' ')
    token++;
  time_t now = time(NULL);
  int64_t staff_id = 0;
  ac_jwt_result r = ac_jwt_verify(g_cfg, token, now, &staff_id);
  if (r != AC_JWT_VALID) {
    *why = ac_jwt_result_text(r);
    return AC_AUTH_REJECTED;
  }
  ac_staff_auth staff;
  if (!cache_get(staff_id, now, &staff)) {
    ac_scope system;
    ac_scope_system(&system);
    load_ctx c = {staff_id, &staff};
    ac_db_status s = ac_db_read(&system, load, &c);
    if (s == AC_DB_NOROW) {
      *why = "the token's subject is not a staff member";
      return AC_AUTH_REJECTED;
    }
    if (s != AC_DB_OK)
      return AC_AUTH_UNAVAILABLE;
    cache_put(&staff, now);
  }
  if (!staff.active || staff.role == AC_ROLE_NONE) {
    *why = "the staff member is deactivated";
    return AC_AUTH_REJECTED;
  }
  ac_scope_init(scope, staff.id, staff.role);
  for (size_t i = 0; i < staff.n_stores; i++)
    ac_scope_add_store(scope, staff.stores[i]);
  return AC_AUTH_OK;
}
