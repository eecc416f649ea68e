#include "log.h"

#include <inttypes.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static void utc_now(char out[32]) {
  struct timespec ts;
  struct tm tm;
  clock_gettime(CLOCK_REALTIME, &ts);
  gmtime_r(&ts.tv_sec, &tm);
  size_t n = strftime(out, 32, "%Y-%m-%dT%H:%M:%S", &tm);
  snprintf(out + n, 32 - n, ".%03ldZ", ts.tv_nsec / 1000000);
}

/* Builds the line with jansson so every string is escaped; one fputs per
 * line keeps lines whole across threads (stdio locks the stream). */
static void emit(FILE *stream, json_t *obj) {
  char *line = json_dumps(obj, JSON_COMPACT | JSON_REAL_PRECISION(6));
  json_decref(obj);
  if (!line)
    return;
  flockfile(stream);
  fputs(line, stream);
  fputc('\n', stream);
  fflush(stream);
  funlockfile(stream);
  free(line);
}

void ac_log_access(const ac_access_entry *e) {
  char t[32];
  utc_now(t);
  json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:i, s:f}", "time", t, "request_id",
                        e->request_id ? e->request_id : "", "method", e->method ? e->method : "",
                        "route", e->route ? e->route : "", "status", (json_int_t)e->status,
                        "duration_ms", e->duration_ms);
  if (!o)
    return;
  if (e->staff_id)
    json_object_set_new(o, "staff_id", json_integer(e->staff_id));
  if (e->error_code)
    json_object_set_new(o, "error", json_string(e->error_code));
  emit(stdout, o);
}

static void log_msg(const char *level, const char *component, const char *fmt, va_list ap) {
  char t[32], msg[1024];
  utc_now(t);
  vsnprintf(msg, sizeof msg, fmt, ap);
  /* json_string rejects invalid UTF-8; fall back to a marker rather than lose the line. */
  json_t *m = json_string(msg);
  json_t *o = json_pack("{s:s, s:s, s:s, s:o}", "time", t, "level", level, "component",
                        component, "message", m ? m : json_string("(unprintable message)"));
  if (o)
    emit(stderr, o);
}

void ac_log_error(const char *component, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  log_msg("error", component, fmt, ap);
  va_end(ap);
}

void ac_log_info(const char *component, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  log_msg("info", component, fmt, ap);
  va_end(ap);
}
