/* Failed-login throttling per login name: after max_failures within window
 * seconds the name is blocked until the window that began with its first
 * failure ends. Fixed memory (a hashed table; a colliding name evicts the
 * older entry). Thread-safe. Time is passed in, so tests control it. */
#ifndef AC_THROTTLE_H
#define AC_THROTTLE_H

#include <stddef.h>
#include <time.h>

typedef struct ac_throttle ac_throttle;

/* Caller owns the result; free with ac_throttle_free. */
ac_throttle *ac_throttle_new(size_t slots, long max_failures, long window_seconds);
void ac_throttle_free(ac_throttle *t);
/* Seconds until `key` may try again; 0 when it may now. */
long ac_throttle_wait(ac_throttle *t, const char *key, time_t now);
void ac_throttle_failure(ac_throttle *t, const char *key, time_t now);
void ac_throttle_success(ac_throttle *t, const char *key);

#endif
