/* Pure checks on values of the right JSON type, used as ac_field.check and by
 * the HTTP layer. Each returns NULL when fine, else a static message. */
#ifndef AC_VALIDATE_H
#define AC_VALIDATE_H

#include <jansson.h>
#include <stdbool.h>

const char *ac_check_store_code(const json_t *v);     /* 1-16 of A-Z 0-9 _ - */
const char *ac_check_login(const json_t *v);          /* 3-64 of a-z 0-9 . _ - */
const char *ac_check_timezone_name(const json_t *v);  /* IANA-shaped: Area/City */
const char *ac_check_business_hours(const json_t *v); /* null or {mon:{open,close},...} */

/* "HH:MM" with 00:00..24:00; minutes since midnight, or -1. */
int ac_parse_hhmm(const char *s);

/* "YYYY-MM-DD", a real calendar date; days since 1970-01-01 in *days. */
bool ac_parse_date(const char *s, long *days);
/* RFC 3339 date-time ("2026-11-22T08:00:00Z", fractions and offsets
 * allowed) → microseconds since the epoch. */
bool ac_parse_rfc3339(const char *s, long long *epoch_us);
/* Days since the epoch of a civil date (proleptic Gregorian). */
long ac_days_from_civil(int y, int m, int d);

/* Header tokens: X-Request-Id (1-64 of A-Za-z0-9._-) and Idempotency-Key
 * (1-255 visible ASCII). */
bool ac_valid_request_id(const char *s);
bool ac_valid_idempotency_key(const char *s);

#endif
