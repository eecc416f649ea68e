#include "throttle.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct slot {
  char key[260]; /* a login of 64 characters is at most 256 bytes of UTF-8 */
  time_t first_failure;
  long failures;
} slot;

struct ac_throttle {
  pthread_mutex_t lock;
  size_t n;
  long max_failures;
  long window;
  slot slots[]; /* owned, part of this allocation */
};

static uint64_t fnv1a(const char *s) {
  uint64_t h = 1469598103934665603ull;
  for (; *s; s++)
    h = (h ^ (unsigned char)*s) * 1099511628211ull;
  return h;
}

ac_throttle *ac_throttle_new(size_t slots, long max_failures, long window_seconds) {
  ac_throttle *t = calloc(1, sizeof *t + slots * sizeof(slot));
  if (!t)
    return NULL;
  pthread_mutex_init(&t->lock, NULL);
  t->n = slots;
  t->max_failures = max_failures;
  t->window = window_seconds;
  return t;
}

void ac_throttle_free(ac_throttle *t) {
  if (!t)
    return;
  pthread_mutex_destroy(&t->lock);
  free(t);
}

/* The slot holding key (live), or NULL. Lock held. */
static slot *find(ac_throttle *t, const char *key, time_t now) {
  slot *s = &t->slots[fnv1a(key) % t->n];
  if (s->failures == 0 || strncmp(s->key, key, sizeof s->key - 1) != 0)
    return NULL;
  if (now - s->first_failure >= t->window) {
    s->failures = 0;
    return NULL;
  }
  return s;
}

long ac_throttle_wait(ac_throttle *t, const char *key, time_t now) {
  pthread_mutex_lock(&t->lock);
  slot *s = find(t, key, now);
  long wait = s && s->failures >= t->max_failures ? (long)(s->first_failure + t->window - now) : 0;
  pthread_mutex_unlock(&t->lock);
  return wait > 0 ? wait : 0;
}

void ac_throttle_failure(ac_throttle *t, const char *key, time_t now) {
  pthread_mutex_lock(&t->lock);
  slot *s = find(t, key, now);
  if (!s) {
    s = &t->slots[fnv1a(key) % t->n];
    strncpy(s->key, key, sizeof s->key - 1);
    s->key[sizeof s->key - 1] = '\0';
    s->first_failure = now;
    s->failures = 0;
  }
  s->failures++;
  pthread_mutex_unlock(&t->lock);
}

void ac_throttle_success(ac_throttle *t, const char *key) {
  pthread_mutex_lock(&t->lock);
  slot *s = &t->slots[fnv1a(key) % t->n];
  if (strncmp(s->key, key, sizeof s->key - 1) == 0)
    s->failures = 0;
  pthread_mutex_unlock(&t->lock);
}
