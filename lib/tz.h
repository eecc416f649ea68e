/* Time zones as data: UTC offsets from the system's TZif files, looked up
 * without touching the process-wide TZ. ac_tz_load reads a file; every
 * other function is pure. */
#ifndef AC_TZ_H
#define AC_TZ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct ac_tz {
  char name[64];
  size_t n;              /* transitions */
  int64_t *at;           /* owned: transition times (UTC seconds), ascending */
  int32_t *offset_after; /* owned: UTC offset in seconds from at[i] on */
  int32_t initial;       /* offset before the first transition */
} ac_tz;

/* A zone with a fixed offset (tests, and "UTC"). No allocation. */
void ac_tz_fixed(ac_tz *tz, const char *name, int32_t offset_seconds);
/* Parses TZif data (version 2+; the 64-bit block). False on bad data. */
bool ac_tz_parse(ac_tz *tz, const char *name, const unsigned char *data, size_t size);
/* Reads /usr/share/zoneinfo/<name> (or $TZDIR). False when unknown. */
bool ac_tz_load(ac_tz *tz, const char *name);
void ac_tz_free(ac_tz *tz);
/* UTC offset in seconds at UTC instant t. Zone files carry explicit
 * transitions to 2037; after the last one its offset holds. */
int32_t ac_tz_offset(const ac_tz *tz, int64_t t);

/* A process-wide cache of loaded zones (thread-safe); entries live until
 * ac_tz_cache_clear. NULL when the zone is unknown. */
const ac_tz *ac_tz_get(const char *name);
void ac_tz_cache_clear(void);

#endif
