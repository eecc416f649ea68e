/* Logging: one JSON object per line. Access lines go to stdout, errors to
 * stderr. Callers never pass tokens, passwords or phone numbers. */
#ifndef AC_LOG_H
#define AC_LOG_H

#include <stdint.h>

typedef struct ac_access_entry {
  const char *request_id;
  const char *method;
  const char *route; /* template such as /v1/stores/{id}, never the raw path */
  unsigned status;
  double duration_ms;
  int64_t staff_id; /* 0 = anonymous */
  const char *error_code; /* problem code or NULL */
} ac_access_entry;

void ac_log_access(const ac_access_entry *e);
void ac_log_error(const char *component, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void ac_log_info(const char *component, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
