#include "tz.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void ac_tz_fixed(ac_tz *tz, const char *name, int32_t offset_seconds) {
  memset(tz, 0, sizeof *tz);
  snprintf(tz->name, sizeof tz->name, "%s", name);
  tz->initial = offset_seconds;
}

static uint32_t be32(const unsigned char *p) {
  return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int64_t be64(const unsigned char *p) {
  return (int64_t)((uint64_t)be32(p) << 32 | be32(p + 4));
}

typedef struct counts {
  uint32_t isut, isstd, leap, time, type, chars;
} counts;

static bool read_header(const unsigned char *p, size_t left, counts *c) {
  if (left < 44 || memcmp(p, "TZif", 4) != 0)
    return false;
  c->isut = be32(p + 20);
  c->isstd = be32(p + 24);
  c->leap = be32(p + 28);
  c->time = be32(p + 32);
  c->type = be32(p + 36);
  c->chars = be32(p + 40);
  return c->type > 0 && c->type <= 256 && c->time <= 100000 && c->leap <= 10000 &&
         c->chars <= 100000 && c->isut <= 256 && c->isstd <= 256;
}

static size_t block_size(const counts *c, size_t time_bytes) {
  return c->time * time_bytes + c->time + c->type * 6 + c->chars + c->leap * (time_bytes + 4) +
         c->isstd + c->isut;
}

bool ac_tz_parse(ac_tz *tz, const char *name, const unsigned char *data, size_t size) {
  memset(tz, 0, sizeof *tz);
  counts c1, c2;
  if (!read_header(data, size, &c1) || data[4] < '2')
    return false;
  size_t skip = 44 + block_size(&c1, 4);
  if (skip > size || !read_header(data + skip, size - skip, &c2))
    return false;
  const unsigned char *p = data + skip + 44;
  if (block_size(&c2, 8) > size - skip - 44)
    return false;
  const unsigned char *times = p, *idx = p + c2.time * 8, *types = idx + c2.time;
  tz->at = malloc((c2.time + 1) * sizeof *tz->at);                     /* owned by tz */
  tz->offset_after = malloc((c2.time + 1) * sizeof *tz->offset_after); /* owned by tz */
  if (!tz->at || !tz->offset_after) {
    ac_tz_free(tz);
    return false;
  }
  for (uint32_t i = 0; i < c2.time; i++) {
    if (idx[i] >= c2.type || (i && be64(times + i * 8) <= tz->at[i - 1])) {
      ac_tz_free(tz);
      return false;
    }
    tz->at[i] = be64(times + i * 8);
    tz->offset_after[i] = (int32_t)be32(types + idx[i] * 6);
  }
  tz->n = c2.time;
  tz->initial = (int32_t)be32(types); /* RFC 8536: type 0 before the first transition */
  snprintf(tz->name, sizeof tz->name, "%s", name);
  return true;
}

static bool safe_name(const char *name) {
  size_t n = strlen(name);
  if (n == 0 || n >= 64 || name[0] == '/' || name[0] == '.' || strstr(name, ".."))
    return false;
  for (const char *p = name; *p; p++)
    if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
          *p == '/' || *p == '_' || *p == '-' || *p == '+'))
      return false;
  return true;
}

bool ac_tz_load(ac_tz *tz, const char *name) {
  memset(tz, 0, sizeof *tz);
  if (!name || !safe_name(name))
    return false;
  const char *dir = getenv("TZDIR");
  char path[512];
  snprintf(path, sizeof path, "%s/%s", dir && *dir ? dir : "/usr/share/zoneinfo", name);
  FILE *f = fopen(path, "rb");
  if (!f)
    return false;
  unsigned char *buf = malloc(1 << 17);
  size_t n = buf ? fread(buf, 1, 1 << 17, f) : 0;
  fclose(f);
  bool ok = buf && n < (1 << 17) && ac_tz_parse(tz, name, buf, n);
  free(buf);
  return ok;
}

void ac_tz_free(ac_tz *tz) {
  free(tz->at);
  free(tz->offset_after);
  tz->at = NULL;
  tz->offset_after = NULL;
  tz->n = 0;
}

int32_t ac_tz_offset(const ac_tz *tz, int64_t t) {
  if (tz->n == 0 || t < tz->at[0])
    return tz->initial;
  size_t lo = 0, hi = tz->n; /* last transition <= t */
  while (hi - lo > 1) {
    size_t mid = lo + (hi - lo) / 2;
    if (tz->at[mid] <= t)
      lo = mid;
    else
      hi = mid;
  }
  return tz->offset_after[lo];
}

/* ---- cache: a short list of loaded zones, never shrinking until cleared ---- */

#define CACHE_MAX 64
static ac_tz *g_cache[CACHE_MAX]; /* owned by the cache */
static size_t g_cached;
static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;

const ac_tz *ac_tz_get(const char *name) {
  const ac_tz *found = NULL;
  pthread_mutex_lock(&g_lock);
  for (size_t i = 0; i < g_cached && !found; i++)
    if (strcmp(g_cache[i]->name, name) == 0)
      found = g_cache[i];
  if (!found && g_cached < CACHE_MAX) {
    ac_tz *tz = malloc(sizeof *tz);
    if (tz && ac_tz_load(tz, name)) {
      g_cache[g_cached++] = tz;
      found = tz;
    } else {
      free(tz);
    }
  }
  pthread_mutex_unlock(&g_lock);
  return found;
}

void ac_tz_cache_clear(void) {
  pthread_mutex_lock(&g_lock);
  for (size_t i = 0; i < g_cached; i++) {
    ac_tz_free(g_cache[i]);
    free(g_cache[i]);
  }
  g_cached = 0;
  pthread_mutex_unlock(&g_lock);
}
