/* Time zones as data: fixed offsets, TZif parsing (real zone files and
 * hand-built data), refusal of unknown and path-traversal names, and the
 * process-wide cache. Expected instants were computed with date(1) and
 * zdump(8), never with the code under test. */
#include <check.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tz.h"

#include "unit_main.h"

/* Reads a whole file (the system's zone data) for ac_tz_parse. */
static unsigned char *slurp(const char *path, size_t *size) {
  FILE *f = fopen(path, "rb");
  if (!f)
    return NULL;
  unsigned char *buf = NULL;
  size_t len = 0, cap = 0;
  for (;;) {
    if (len == cap) {
      cap = cap ? cap * 2 : 4096;
      unsigned char *p = realloc(buf, cap);
      if (!p) {
        free(buf);
        fclose(f);
        return NULL;
      }
      buf = p;
    }
    size_t got = fread(buf + len, 1, cap - len, f);
    len += got;
    if (got == 0)
      break;
  }
  fclose(f);
  *size = len;
  return buf;
}

static const char *zone_dir(void) {
  const char *d = getenv("TZDIR");
  return d && *d ? d : "/usr/share/zoneinfo";
}

static unsigned char *slurp_zone(const char *name, size_t *size) {
  char path[512];
  snprintf(path, sizeof path, "%s/%s", zone_dir(), name);
  return slurp(path, size);
}

/* ---- hand-built TZif v2 data ------------------------------------------ */

static size_t put32(unsigned char *p, uint32_t v) {
  p[0] = (unsigned char)(v >> 24);
  p[1] = (unsigned char)(v >> 16);
  p[2] = (unsigned char)(v >> 8);
  p[3] = (unsigned char)v;
  return 4;
}

static size_t put64(unsigned char *p, int64_t sv) {
  uint64_t v = (uint64_t)sv;
  put32(p, (uint32_t)(v >> 32));
  put32(p + 4, (uint32_t)v);
  return 8;
}

/* 44-byte header: magic, version, 15 reserved, six counts. */
static size_t header(unsigned char *p, char version, uint32_t timecnt, uint32_t typecnt,
                     uint32_t charcnt) {
  memcpy(p, "TZif", 4);
  p[4] = (unsigned char)version;
  memset(p + 5, 0, 15);
  size_t n = 20;
  n += put32(p + n, 0); /* isutcnt */
  n += put32(p + n, 0); /* isstdcnt */
  n += put32(p + n, 0); /* leapcnt */
  n += put32(p + n, timecnt);
  n += put32(p + n, typecnt);
  n += put32(p + n, charcnt);
  return n;
}

static size_t ttinfo(unsigned char *p, int32_t utoff, int isdst, int idx) {
  put32(p, (uint32_t)utoff);
  p[4] = (unsigned char)isdst;
  p[5] = (unsigned char)idx;
  return 6;
}

/* A v2 zone: type 0 = +01:00 "AAA", type 1 = +02:00 "BBB"; transitions at
 * t=1000 (to BBB) and t=2000 (back to AAA). *data_end is the end of the
 * 64-bit data block (the footer follows). */
static size_t build_tzif(unsigned char *buf, char version, size_t *data_end) {
  size_t n = 0;
  /* v1 block: no transitions, one type, "UTC". */
  n += header(buf + n, version, 0, 1, 4);
  n += ttinfo(buf + n, 0, 0, 0);
  memcpy(buf + n, "UTC", 4);
  n += 4;
  /* v2 block. */
  n += header(buf + n, version, 2, 2, 8);
  n += put64(buf + n, 1000);
  n += put64(buf + n, 2000);
  buf[n++] = 1;
  buf[n++] = 0;
  n += ttinfo(buf + n, 3600, 0, 0);
  n += ttinfo(buf + n, 7200, 1, 4);
  memcpy(buf + n, "AAA\0BBB", 8);
  n += 8;
  *data_end = n;
  static const char footer[] = "\nAAA-1\n";
  memcpy(buf + n, footer, sizeof footer - 1);
  n += sizeof footer - 1;
  return n;
}

/* ---- fixed zones ------------------------------------------------------- */

START_TEST(fixed_offsets) {
  ac_tz tz;
  ac_tz_fixed(&tz, "UTC", 0);
  ck_assert_str_eq(tz.name, "UTC");
  ck_assert_uint_eq(tz.n, 0);
  ck_assert_int_eq(ac_tz_offset(&tz, 0), 0);
  ck_assert_int_eq(ac_tz_offset(&tz, 1795435200), 0);

  ac_tz_fixed(&tz, "+08:00", 28800);
  ck_assert_str_eq(tz.name, "+08:00");
  ck_assert_int_eq(ac_tz_offset(&tz, -2177481944), 28800);
  ck_assert_int_eq(ac_tz_offset(&tz, 0), 28800);
  ck_assert_int_eq(ac_tz_offset(&tz, 4102444800), 28800);

  ac_tz_fixed(&tz, "-05:30", -19800);
  ck_assert_int_eq(ac_tz_offset(&tz, 1774746000), -19800);
  ck_assert_int_eq(ac_tz_offset(&tz, INT64_C(253402300799)), -19800); /* 9999-12-31 */
}
END_TEST

START_TEST(fixed_name_is_truncated_not_overflowed) {
  ac_tz tz;
  char longname[200];
  memset(longname, 'x', sizeof longname - 1);
  longname[sizeof longname - 1] = '\0';
  ac_tz_fixed(&tz, longname, 3600);
  ck_assert_uint_eq(strlen(tz.name), sizeof tz.name - 1);
  ck_assert_int_eq(ac_tz_offset(&tz, 0), 3600);
}
END_TEST

/* ---- real zone files --------------------------------------------------- */

START_TEST(shanghai_now_and_historical_dst) {
  ac_tz tz;
  ck_assert(ac_tz_load(&tz, "Asia/Shanghai"));
  ck_assert_str_eq(tz.name, "Asia/Shanghai");
  ck_assert_uint_gt(tz.n, 0);
  for (size_t i = 1; i < tz.n; i++)
    ck_assert(tz.at[i - 1] < tz.at[i]);
  ck_assert_int_eq(ac_tz_offset(&tz, 1795435200), 28800); /* 2026-11-23T12:00Z */
  ck_assert_int_eq(ac_tz_offset(&tz, 1782907200), 28800); /* 2026-07-01T12:00Z: no DST now */
  ck_assert_int_eq(ac_tz_offset(&tz, 4102444800), 28800); /* 2100-01-01 */
  /* 1988: CDT from 1988-04-16T18:00Z to 1988-09-10T17:00Z. */
  ck_assert_int_eq(ac_tz_offset(&tz, 567993600), 28800); /* 1988-01-01 */
  ck_assert_int_eq(ac_tz_offset(&tz, 583718400), 32400); /* 1988-07-01 */
  ck_assert_int_eq(ac_tz_offset(&tz, 577216799), 28800);
  ck_assert_int_eq(ac_tz_offset(&tz, 577216800), 32400);
  ck_assert_int_eq(ac_tz_offset(&tz, 589913999), 32400);
  ck_assert_int_eq(ac_tz_offset(&tz, 589914000), 28800);
  /* Before the first transition (1900-12-31T15:54:17Z): LMT +08:05:43. */
  ck_assert_int_eq(ac_tz_offset(&tz, -2177481944), 29143);
  ck_assert_int_eq(ac_tz_offset(&tz, -2177481943), 28800);
  ac_tz_free(&tz);
}
END_TEST

START_TEST(berlin_2026_offsets_and_transitions) {
  ac_tz tz;
  ck_assert(ac_tz_load(&tz, "Europe/Berlin"));
  ck_assert_int_eq(ac_tz_offset(&tz, 1768478400), 3600); /* 2026-01-15T12:00Z */
  ck_assert_int_eq(ac_tz_offset(&tz, 1782907200), 7200); /* 2026-07-01T12:00Z */
  /* 2026-03-29T01:00:00Z = 1774746000: CET -> CEST. */
  ck_assert_int_eq(ac_tz_offset(&tz, 1774745999), 3600);
  ck_assert_int_eq(ac_tz_offset(&tz, 1774746000), 7200);
  /* 2026-10-25T01:00:00Z = 1792890000: CEST -> CET. */
  ck_assert_int_eq(ac_tz_offset(&tz, 1792889999), 7200);
  ck_assert_int_eq(ac_tz_offset(&tz, 1792890000), 3600);
  ac_tz_free(&tz);
}
END_TEST

START_TEST(new_york_2026_transitions) {
  ac_tz tz;
  ck_assert(ac_tz_load(&tz, "America/New_York"));
  /* 2026-03-08T07:00Z EST -> EDT; 2026-11-01T06:00Z EDT -> EST. */
  ck_assert_int_eq(ac_tz_offset(&tz, 1772953199), -18000);
  ck_assert_int_eq(ac_tz_offset(&tz, 1772953200), -14400);
  ck_assert_int_eq(ac_tz_offset(&tz, 1793512799), -14400);
  ck_assert_int_eq(ac_tz_offset(&tz, 1793512800), -18000);
  ac_tz_free(&tz);
}
END_TEST

START_TEST(utc_zone_file) {
  ac_tz tz;
  ck_assert(ac_tz_load(&tz, "UTC"));
  ck_assert_str_eq(tz.name, "UTC");
  ck_assert_int_eq(ac_tz_offset(&tz, -2177481944), 0);
  ck_assert_int_eq(ac_tz_offset(&tz, 0), 0);
  ck_assert_int_eq(ac_tz_offset(&tz, 1774746000), 0);
  ac_tz_free(&tz);
}
END_TEST

START_TEST(unknown_and_traversal_names_are_refused) {
  static const char *const bad[] = {
      "Nowhere/Atlantis",
      "",
      "Asia",          /* a directory */
      "../etc/passwd", /* outside the zone directory */
      "/etc/passwd",
      "Asia/../../../../etc/passwd",
      "../zoneinfo/Asia/Shanghai", /* a real TZif file, reached by traversal */
      "Asia/../Asia/Shanghai",
      "/usr/share/zoneinfo/Asia/Shanghai",
      NULL};
  for (int i = 0; bad[i]; i++) {
    ac_tz tz;
    memset(&tz, 0, sizeof tz);
    bool ok = ac_tz_load(&tz, bad[i]);
    if (ok)
      ac_tz_free(&tz);
    ck_assert_msg(!ok, "ac_tz_load(\"%s\") accepted", bad[i]);
  }
}
END_TEST

/* ---- ac_tz_parse -------------------------------------------------------- */

START_TEST(parse_hand_built_v2) {
  unsigned char buf[512];
  size_t data_end;
  size_t len = build_tzif(buf, '2', &data_end);
  ac_tz tz;
  ck_assert(ac_tz_parse(&tz, "Test/Zone", buf, len));
  ck_assert_str_eq(tz.name, "Test/Zone");
  ck_assert_int_eq(ac_tz_offset(&tz, -1000000), 3600); /* type 0 before the first */
  ck_assert_int_eq(ac_tz_offset(&tz, 999), 3600);
  ck_assert_int_eq(ac_tz_offset(&tz, 1000), 7200);
  ck_assert_int_eq(ac_tz_offset(&tz, 1999), 7200);
  ck_assert_int_eq(ac_tz_offset(&tz, 2000), 3600);
  ck_assert_int_eq(ac_tz_offset(&tz, 1795435200), 3600);
  ac_tz_free(&tz);

  len = build_tzif(buf, '3', &data_end);
  ck_assert(ac_tz_parse(&tz, "Test/V3", buf, len));
  ck_assert_int_eq(ac_tz_offset(&tz, 1500), 7200);
  ac_tz_free(&tz);
}
END_TEST

START_TEST(parse_truncated_hand_built_is_refused) {
  unsigned char buf[512];
  size_t data_end;
  build_tzif(buf, '2', &data_end);
  for (size_t cut = 0; cut < data_end; cut++) {
    /* A private copy of exactly cut bytes, so ASan sees any over-read. */
    unsigned char *p = malloc(cut ? cut : 1);
    memcpy(p, buf, cut);
    ac_tz tz;
    bool ok = ac_tz_parse(&tz, "Cut", p, cut);
    if (ok)
      ac_tz_free(&tz);
    free(p);
    ck_assert_msg(!ok, "accepted a TZif cut at %zu of %zu bytes", cut, data_end);
  }
}
END_TEST

START_TEST(parse_garbage_is_refused) {
  ac_tz tz;
  unsigned char buf[512];
  size_t data_end;
  size_t len = build_tzif(buf, '2', &data_end);

  /* Bad magic. */
  unsigned char bad[512];
  memcpy(bad, buf, len);
  bad[2] = 'x';
  ck_assert(!ac_tz_parse(&tz, "BadMagic", bad, len));

  /* Version 1 only: no 64-bit block to read. */
  memcpy(bad, buf, len);
  bad[4] = 0;
  bad[44 + 6 + 4 + 4] = 0; /* the second header's version too */
  ck_assert(!ac_tz_parse(&tz, "V1", bad, len));

  /* A transition pointing at a type that does not exist. */
  memcpy(bad, buf, len);
  size_t v2 = 44 + 6 + 4;               /* start of the v2 header */
  bad[v2 + 44 + 16] = 7;                /* first transition's type index */
  bool ok = ac_tz_parse(&tz, "BadIdx", bad, len);
  if (ok)
    ac_tz_free(&tz);
  ck_assert_msg(!ok, "accepted a type index beyond typecnt");

  /* Huge counts in the v2 header must not be trusted. */
  memcpy(bad, buf, len);
  put32(bad + v2 + 32, 0xFFFFFFFFu); /* timecnt */
  ck_assert(!ac_tz_parse(&tz, "HugeCount", bad, len));
  memcpy(bad, buf, len);
  put32(bad + v2 + 36, 0); /* typecnt 0 */
  ok = ac_tz_parse(&tz, "NoTypes", bad, len);
  if (ok)
    ac_tz_free(&tz);
  ck_assert_msg(!ok, "accepted typecnt 0");

  /* Plain garbage and text. */
  static const char text[] = "root:x:0:0:root:/root:/bin/bash\n";
  ck_assert(!ac_tz_parse(&tz, "Text", (const unsigned char *)text, sizeof text - 1));
  unsigned char noise[300];
  for (size_t i = 0; i < sizeof noise; i++)
    noise[i] = (unsigned char)(i * 151u + 7u);
  ck_assert(!ac_tz_parse(&tz, "Noise", noise, sizeof noise));
  ck_assert(!ac_tz_parse(&tz, "Empty", buf, 0));
}
END_TEST

START_TEST(parse_truncated_real_file_is_refused) {
  size_t size = 0;
  unsigned char *data = slurp_zone("Europe/Berlin", &size);
  ck_assert_ptr_nonnull(data);
  ck_assert_uint_gt(size, 200);
  ac_tz tz;
  ck_assert(ac_tz_parse(&tz, "Europe/Berlin", data, size));
  ck_assert_int_eq(ac_tz_offset(&tz, 1774746000), 7200);
  ac_tz_free(&tz);
  const size_t cuts[] = {0, 3, 4, 5, 20, 43, 44, 45, 100, size / 2, size / 2 + 1, size * 3 / 4};
  for (size_t i = 0; i < sizeof cuts / sizeof cuts[0]; i++) {
    unsigned char *p = malloc(cuts[i] ? cuts[i] : 1);
    memcpy(p, data, cuts[i]);
    bool ok = ac_tz_parse(&tz, "Cut", p, cuts[i]);
    if (ok)
      ac_tz_free(&tz);
    free(p);
    ck_assert_msg(!ok, "accepted Europe/Berlin cut at %zu of %zu bytes", cuts[i], size);
  }
  free(data);
}
END_TEST

/* ---- the cache ---------------------------------------------------------- */

START_TEST(cache_returns_the_same_zone) {
  const ac_tz *a = ac_tz_get("Asia/Shanghai");
  ck_assert_ptr_nonnull(a);
  const ac_tz *b = ac_tz_get("Asia/Shanghai");
  ck_assert_ptr_eq(a, b);
  ck_assert_str_eq(a->name, "Asia/Shanghai");
  ck_assert_int_eq(ac_tz_offset(a, 583718400), 32400);
  const ac_tz *c = ac_tz_get("Europe/Berlin");
  ck_assert_ptr_nonnull(c);
  ck_assert_ptr_ne(a, c);
  ck_assert_ptr_eq(ac_tz_get("Europe/Berlin"), c);
  ck_assert_ptr_eq(ac_tz_get("Asia/Shanghai"), a);
  ck_assert_int_eq(ac_tz_offset(c, 1774746000), 7200);
  ck_assert_ptr_null(ac_tz_get("Nowhere/Atlantis"));
  ck_assert_ptr_null(ac_tz_get("Nowhere/Atlantis"));
  ck_assert_ptr_null(ac_tz_get("../etc/passwd"));
  ac_tz_cache_clear();
  /* Usable again after a clear. */
  const ac_tz *d = ac_tz_get("Asia/Shanghai");
  ck_assert_ptr_nonnull(d);
  ck_assert_int_eq(ac_tz_offset(d, 1795435200), 28800);
  ac_tz_cache_clear();
  ac_tz_cache_clear(); /* idempotent */
}
END_TEST

enum { THREADS = 8 };

static void *get_many(void *arg) {
  const ac_tz **out = arg;
  static const char *const names[] = {"Asia/Shanghai", "Europe/Berlin", "America/New_York"};
  for (int i = 0; i < 300; i++)
    out[i % 3] = ac_tz_get(names[i % 3]);
  return NULL;
}

START_TEST(cache_is_thread_safe) {
  pthread_t th[THREADS];
  const ac_tz *got[THREADS][3];
  memset(got, 0, sizeof got);
  for (int i = 0; i < THREADS; i++)
    ck_assert_int_eq(pthread_create(&th[i], NULL, get_many, got[i]), 0);
  for (int i = 0; i < THREADS; i++)
    pthread_join(th[i], NULL);
  for (int i = 0; i < THREADS; i++)
    for (int j = 0; j < 3; j++) {
      ck_assert_ptr_nonnull(got[i][j]);
      ck_assert_ptr_eq(got[i][j], got[0][j]);
    }
  ck_assert_int_eq(ac_tz_offset(got[0][2], 1772953200), -14400);
  ac_tz_cache_clear();
}
END_TEST

int main(void) {
  Suite *s = suite_create("tz");
  TCase *fixed = tcase_create("fixed");
  tcase_add_test(fixed, fixed_offsets);
  tcase_add_test(fixed, fixed_name_is_truncated_not_overflowed);
  suite_add_tcase(s, fixed);
  TCase *files = tcase_create("zone files");
  tcase_add_test(files, shanghai_now_and_historical_dst);
  tcase_add_test(files, berlin_2026_offsets_and_transitions);
  tcase_add_test(files, new_york_2026_transitions);
  tcase_add_test(files, utc_zone_file);
  tcase_add_test(files, unknown_and_traversal_names_are_refused);
  suite_add_tcase(s, files);
  TCase *parse = tcase_create("parse");
  tcase_add_test(parse, parse_hand_built_v2);
  tcase_add_test(parse, parse_truncated_hand_built_is_refused);
  tcase_add_test(parse, parse_garbage_is_refused);
  tcase_add_test(parse, parse_truncated_real_file_is_refused);
  suite_add_tcase(s, parse);
  TCase *cache = tcase_create("cache");
  tcase_add_test(cache, cache_returns_the_same_zone);
  tcase_add_test(cache, cache_is_thread_safe);
  suite_add_tcase(s, cache);
  return ac_unit_run(s);
}
