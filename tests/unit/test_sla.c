/* The SLA engine: default targets, store overrides, calendar clocks and
 * business-hour clocks in real zones (Asia/Shanghai, Europe/Berlin across
 * its DST changes, America/New_York). Every expected instant is a literal
 * computed by hand with date(1), e.g.
 *   date -u -d '2026-11-23 20:00 +0800' +%s   -> 1795435200
 * never with the code under test. 2026-11-23 is a Monday. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "sla.h"
#include "tz.h"

#include "unit_main.h"

/* ---- names ------------------------------------------------------------- */

static const char *const SEVERITIES[AC_SEV_COUNT] = {"urgent", "important", "normal"};
static const char *const CATEGORIES[AC_CAT_COUNT] = {
    "service_attitude", "treatment_effect", "product_quality", "allergy_reaction",
    "injury",           "environment",      "appointment",     "billing",
    "rework",           "delivery_delay",   "medical_legal",   "other"};

START_TEST(severity_names_round_trip) {
  for (int i = 0; i < AC_SEV_COUNT; i++) {
    ck_assert_int_eq(ac_severity_parse(SEVERITIES[i]), i);
    ck_assert_str_eq(ac_severity_name((ac_severity)i), SEVERITIES[i]);
    ck_assert_int_eq(ac_severity_parse(ac_severity_name((ac_severity)i)), i);
  }
  static const char *const unknown[] = {"", "critical", "urgent ", " urgent", "urgen",
                                        "urgentt", "red", "low", "normal\n", NULL};
  for (int i = 0; unknown[i]; i++)
    ck_assert_msg(ac_severity_parse(unknown[i]) == -1, "\"%s\"", unknown[i]);
}
END_TEST

START_TEST(category_names_round_trip) {
  for (int i = 0; i < AC_CAT_COUNT; i++) {
    ck_assert_int_eq(ac_category_parse(CATEGORIES[i]), i);
    ck_assert_str_eq(ac_category_name((ac_category)i), CATEGORIES[i]);
    ck_assert_int_eq(ac_category_parse(ac_category_name((ac_category)i)), i);
  }
  static const char *const unknown[] = {"", "medical-legal", "medical", "injury_",
                                        "Other ", "refund", "urgent", "billing,rework",
                                        NULL};
  for (int i = 0; unknown[i]; i++)
    ck_assert_msg(ac_category_parse(unknown[i]) == -1, "\"%s\"", unknown[i]);
}
END_TEST

/* ---- defaults ---------------------------------------------------------- */

/* The whole 3 x 12 table of SPEC.md §3 / contract.md, written out. */
static const int RESOLUTION[AC_SEV_COUNT][AC_CAT_COUNT] = {
    /*            svc   treat prod  allg  INJ   env   appt  bill  rewk  dlvy  MEDL  oth */
    /* urgent */ {1440, 1440, 1440, 1440, 4320, 1440, 1440, 1440, 1440, 1440, 4320, 1440},
    /* import */ {1440, 1440, 1440, 1440, 4320, 1440, 1440, 1440, 1440, 1440, 4320, 1440},
    /* normal */ {2880, 2880, 2880, 2880, 4320, 2880, 2880, 2880, 2880, 2880, 4320, 2880},
};

START_TEST(every_default_target) {
  for (int s = 0; s < AC_SEV_COUNT; s++)
    for (int c = 0; c < AC_CAT_COUNT; c++) {
      ac_sla_targets t = ac_sla_default_targets((ac_severity)s, (ac_category)c);
      ck_assert_msg(t.first_response_minutes == 120, "%s/%s first response %d", SEVERITIES[s],
                    CATEGORIES[c], t.first_response_minutes);
      ck_assert_msg(t.resolution_minutes == RESOLUTION[s][c], "%s/%s resolution %d, want %d",
                    SEVERITIES[s], CATEGORIES[c], t.resolution_minutes, RESOLUTION[s][c]);
      ck_assert_msg(t.update_minutes == 1440, "%s/%s update %d", SEVERITIES[s], CATEGORIES[c],
                    t.update_minutes);
      /* No overrides at all: the defaults. */
      ac_sla_targets u = ac_sla_targets_for((ac_severity)s, (ac_category)c, NULL, 0);
      ck_assert_int_eq(u.first_response_minutes, 120);
      ck_assert_int_eq(u.resolution_minutes, RESOLUTION[s][c]);
      ck_assert_int_eq(u.update_minutes, 1440);
    }
  /* The two 72 h categories, named explicitly. */
  ck_assert_int_eq(ac_sla_default_targets(AC_SEV_NORMAL, AC_CAT_MEDICAL_LEGAL).resolution_minutes,
                   4320);
  ck_assert_int_eq(ac_sla_default_targets(AC_SEV_URGENT, AC_CAT_INJURY).resolution_minutes, 4320);
  ck_assert_int_eq(ac_sla_default_targets(AC_SEV_URGENT, AC_CAT_BILLING).resolution_minutes, 1440);
  ck_assert_int_eq(ac_sla_default_targets(AC_SEV_NORMAL, AC_CAT_BILLING).resolution_minutes, 2880);
}
END_TEST

/* ---- overrides --------------------------------------------------------- */

#define T(a, b, c) ((ac_sla_targets){(a), (b), (c)})

static void assert_targets(ac_sla_targets got, int fr, int res, int upd, const char *what) {
  ck_assert_msg(got.first_response_minutes == fr && got.resolution_minutes == res &&
                    got.update_minutes == upd,
                "%s: got {%d, %d, %d}, want {%d, %d, %d}", what, got.first_response_minutes,
                got.resolution_minutes, got.update_minutes, fr, res, upd);
}

static const ac_sla_override ROWS[] = {
    {-1, -1, T(11, 12, 13)},                            /* store-wide */
    {AC_SEV_URGENT, -1, T(21, 22, 23)},                 /* severity */
    {AC_SEV_NORMAL, -1, T(24, 25, 26)},                 /* severity */
    {-1, AC_CAT_BILLING, T(31, 32, 33)},                /* category */
    {-1, AC_CAT_INJURY, T(34, 35, 36)},                 /* category */
    {AC_SEV_URGENT, AC_CAT_BILLING, T(41, 42, 43)},     /* severity + category */
    {AC_SEV_IMPORTANT, AC_CAT_REWORK, T(44, 45, 46)},   /* severity + category */
};
enum { NROWS = sizeof ROWS / sizeof ROWS[0] };

static void check_precedence(const ac_sla_override *rows, size_t n) {
  /* severity+category beats everything. */
  assert_targets(ac_sla_targets_for(AC_SEV_URGENT, AC_CAT_BILLING, rows, n), 41, 42, 43,
                 "urgent/billing");
  assert_targets(ac_sla_targets_for(AC_SEV_IMPORTANT, AC_CAT_REWORK, rows, n), 44, 45, 46,
                 "important/rework");
  /* category beats severity and store-wide. */
  assert_targets(ac_sla_targets_for(AC_SEV_NORMAL, AC_CAT_BILLING, rows, n), 31, 32, 33,
                 "normal/billing");
  assert_targets(ac_sla_targets_for(AC_SEV_IMPORTANT, AC_CAT_BILLING, rows, n), 31, 32, 33,
                 "important/billing");
  assert_targets(ac_sla_targets_for(AC_SEV_URGENT, AC_CAT_INJURY, rows, n), 34, 35, 36,
                 "urgent/injury");
  /* The severity+category row for important/rework does not leak. */
  assert_targets(ac_sla_targets_for(AC_SEV_URGENT, AC_CAT_REWORK, rows, n), 21, 22, 23,
                 "urgent/rework");
  /* severity beats store-wide. */
  assert_targets(ac_sla_targets_for(AC_SEV_URGENT, AC_CAT_OTHER, rows, n), 21, 22, 23,
                 "urgent/other");
  assert_targets(ac_sla_targets_for(AC_SEV_NORMAL, AC_CAT_MEDICAL_LEGAL, rows, n), 24, 25, 26,
                 "normal/medical_legal");
  /* store-wide beats the defaults (even the 72 h ones). */
  assert_targets(ac_sla_targets_for(AC_SEV_IMPORTANT, AC_CAT_OTHER, rows, n), 11, 12, 13,
                 "important/other");
  assert_targets(ac_sla_targets_for(AC_SEV_IMPORTANT, AC_CAT_MEDICAL_LEGAL, rows, n), 11, 12,
                 13, "important/medical_legal");
}

START_TEST(override_precedence_in_any_row_order) {
  check_precedence(ROWS, NROWS);
  ac_sla_override rev[NROWS];
  for (size_t i = 0; i < NROWS; i++)
    rev[i] = ROWS[NROWS - 1 - i];
  check_precedence(rev, NROWS);
  /* A rotation as well. */
  ac_sla_override rot[NROWS];
  for (size_t i = 0; i < NROWS; i++)
    rot[i] = ROWS[(i + 3) % NROWS];
  check_precedence(rot, NROWS);
}
END_TEST

START_TEST(override_falls_through_to_defaults) {
  /* Without the store-wide row: unmatched combinations get the defaults. */
  const ac_sla_override *rows = ROWS + 1;
  size_t n = NROWS - 1;
  assert_targets(ac_sla_targets_for(AC_SEV_IMPORTANT, AC_CAT_OTHER, rows, n), 120, 1440, 1440,
                 "important/other");
  assert_targets(ac_sla_targets_for(AC_SEV_IMPORTANT, AC_CAT_MEDICAL_LEGAL, rows, n), 120, 4320,
                 1440, "important/medical_legal");
  assert_targets(ac_sla_targets_for(AC_SEV_URGENT, AC_CAT_OTHER, rows, n), 21, 22, 23,
                 "urgent/other");
  /* Only a severity+category row: everything else is the defaults. */
  const ac_sla_override one[] = {{AC_SEV_NORMAL, AC_CAT_APPOINTMENT, T(5, 6, 7)}};
  for (int s = 0; s < AC_SEV_COUNT; s++)
    for (int c = 0; c < AC_CAT_COUNT; c++) {
      ac_sla_targets t = ac_sla_targets_for((ac_severity)s, (ac_category)c, one, 1);
      if (s == AC_SEV_NORMAL && c == AC_CAT_APPOINTMENT)
        assert_targets(t, 5, 6, 7, "normal/appointment");
      else
        assert_targets(t, 120, RESOLUTION[s][c], 1440, "other combination");
    }
  /* Only a store-wide row: everything takes it. */
  const ac_sla_override wide[] = {{-1, -1, T(60, 600, 720)}};
  for (int s = 0; s < AC_SEV_COUNT; s++)
    for (int c = 0; c < AC_CAT_COUNT; c++)
      assert_targets(ac_sla_targets_for((ac_severity)s, (ac_category)c, wide, 1), 60, 600, 720,
                     "store-wide");
  /* Rows given but n = 0: the defaults. */
  assert_targets(ac_sla_targets_for(AC_SEV_URGENT, AC_CAT_BILLING, ROWS, 0), 120, 1440, 1440,
                 "n=0");
}
END_TEST

/* ---- calendars --------------------------------------------------------- */

static ac_sla_calendar every_day(const ac_tz *tz, int open, int close) {
  ac_sla_calendar c;
  memset(&c, 0, sizeof c);
  c.tz = tz;
  c.business_hours = true;
  for (int d = 0; d < 7; d++) {
    c.days[d].open = open;
    c.days[d].close = close;
  }
  return c;
}

static ac_sla_calendar weekdays(const ac_tz *tz, int open, int close) {
  ac_sla_calendar c = every_day(tz, open, close);
  c.days[5].open = c.days[5].close = 0; /* Saturday closed */
  c.days[6].open = c.days[6].close = 0; /* Sunday closed */
  return c;
}

static ac_sla_calendar calendar_time(const ac_tz *tz) {
  ac_sla_calendar c;
  memset(&c, 0, sizeof c);
  c.tz = tz;
  c.business_hours = false;
  return c;
}

#define H(h) ((h) * 60)

#define ASSERT_ADD(cal, start, minutes, want)                                                     \
  do {                                                                                            \
    int64_t got_ = ac_sla_add_minutes((cal), (start), (minutes));                                 \
    ck_assert_msg(got_ == (int64_t)(want), "add(%lld, %d) = %lld, want %lld (diff %+lld s)",      \
                  (long long)(start), (minutes), (long long)got_, (long long)(want),              \
                  (long long)(got_ - (int64_t)(want)));                                           \
  } while (0)

#define ASSERT_BETWEEN(cal, a, b, want)                                                           \
  do {                                                                                            \
    int64_t got_ = ac_sla_minutes_between((cal), (a), (b));                                       \
    ck_assert_msg(got_ == (int64_t)(want), "between(%lld, %lld) = %lld, want %lld",               \
                  (long long)(a), (long long)(b), (long long)got_, (long long)(want));            \
  } while (0)

/* ---- calendar time ----------------------------------------------------- */

START_TEST(calendar_time_across_midnight_and_month_ends) {
  ac_tz utc;
  ac_tz_fixed(&utc, "UTC", 0);
  ac_sla_calendar cal = calendar_time(&utc);
  /* 2026-01-31 23:30Z + 2 h = 2026-02-01 01:30Z */
  ASSERT_ADD(&cal, 1769902200, 120, 1769909400);
  /* 2026-02-28 23:00Z + 24 h = 2026-03-01 23:00Z (not a leap year) */
  ASSERT_ADD(&cal, 1772319600, 1440, 1772406000);
  /* 2028-02-28 22:00Z + 24 h = 2028-02-29 22:00Z; + 48 h = 2028-03-01 22:00Z */
  ASSERT_ADD(&cal, 1835388000, 1440, 1835474400);
  ASSERT_ADD(&cal, 1835388000, 2880, 1835560800);
  /* 2026-12-31 23:59Z + 2 min = 2027-01-01 00:01Z */
  ASSERT_ADD(&cal, 1798761540, 2, 1798761660);
  /* 72 h and the largest override (a year). */
  ASSERT_ADD(&cal, 1795435200, 4320, 1795435200 + 259200);
  ASSERT_ADD(&cal, 1795435200, 525600, 1795435200 + 31536000);
  ASSERT_ADD(&cal, 1795435200, 0, 1795435200);

  ASSERT_BETWEEN(&cal, 1769902200, 1769909400, 120);
  ASSERT_BETWEEN(&cal, 1772319600, 1772406000, 1440);
  ASSERT_BETWEEN(&cal, 1798761540, 1798761660, 2);
  ASSERT_BETWEEN(&cal, 1795435200, 1795435200, 0);
  ASSERT_BETWEEN(&cal, 1795435200, 1795435200 - 3600, 0); /* b before a */
  static const int mins[] = {1, 59, 120, 1440, 2880, 4320, 525600};
  for (size_t i = 0; i < sizeof mins / sizeof mins[0]; i++)
    ASSERT_BETWEEN(&cal, 1772319600, ac_sla_add_minutes(&cal, 1772319600, mins[i]), mins[i]);
}
END_TEST

START_TEST(calendar_time_ignores_zone_and_hours) {
  ac_tz sh;
  ck_assert(ac_tz_load(&sh, "Asia/Shanghai"));
  /* business_hours false: the day table is ignored. */
  ac_sla_calendar cal = weekdays(&sh, H(9), H(18));
  cal.business_hours = false;
  /* Friday 2026-11-27 17:00 +0800 + 2 h = 19:00 +0800, not Monday. */
  ASSERT_ADD(&cal, 1795770000, 120, 1795777200);
  /* Monday 20:00 +0800 + 24 h */
  ASSERT_ADD(&cal, 1795435200, 1440, 1795435200 + 86400);
  ASSERT_BETWEEN(&cal, 1795770000, 1795777200, 120);
  ac_tz_free(&sh);
}
END_TEST

/* ---- business hours in Asia/Shanghai ----------------------------------- */

START_TEST(shanghai_business_hours_over_a_night) {
  ac_tz sh;
  ck_assert(ac_tz_load(&sh, "Asia/Shanghai"));
  ac_sla_calendar cal = every_day(&sh, H(10), H(21));
  /* Mon 2026-11-23 20:00 +0800 + 120 -> Tue 11:00 +0800 */
  ASSERT_ADD(&cal, 1795435200, 120, 1795489200);
  /* Inside hours, within the day: Mon 20:00 + 30 min */
  ASSERT_ADD(&cal, 1795435200, 30, 1795435200 + 1800);
  /* 0 minutes inside hours: the start itself */
  ASSERT_ADD(&cal, 1795435200, 0, 1795435200);
  ASSERT_BETWEEN(&cal, 1795435200, 1795489200, 120);
  ac_tz_free(&sh);
}
END_TEST

START_TEST(shanghai_created_outside_hours) {
  ac_tz sh;
  ck_assert(ac_tz_load(&sh, "Asia/Shanghai"));
  ac_sla_calendar cal = every_day(&sh, H(10), H(21));
  /* Created Mon 23:30 +0800 (closed) + 120 -> Tue 12:00 +0800 */
  ASSERT_ADD(&cal, 1795447800, 120, 1795492800);
  /* Created Mon 08:00 +0800 (before opening) + 120 -> Mon 12:00 +0800 */
  ASSERT_ADD(&cal, 1795392000, 120, 1795406400);
  /* Created Mon 21:00 +0800 (at closing) + 120 -> Tue 12:00 +0800 */
  ASSERT_ADD(&cal, 1795438800, 120, 1795492800);
  /* Closed time does not count */
  ASSERT_BETWEEN(&cal, 1795447800, 1795492800, 120);
  ASSERT_BETWEEN(&cal, 1795392000, 1795406400, 120);
  ASSERT_BETWEEN(&cal, 1795438800, 1795489200, 60); /* Mon 21:00 -> Tue 11:00 */
  ac_tz_free(&sh);
}
END_TEST

START_TEST(due_exactly_at_closing_is_that_day) {
  ac_tz sh;
  ck_assert(ac_tz_load(&sh, "Asia/Shanghai"));
  ac_sla_calendar cal = every_day(&sh, H(10), H(21));
  /* Mon 19:00 +0800 + 120: the minutes run out at 21:00 Monday. */
  ASSERT_ADD(&cal, 1795431600, 120, 1795438800);
  ac_tz_free(&sh);
}
END_TEST

START_TEST(shanghai_weekend_with_weekday_hours) {
  ac_tz sh;
  ck_assert(ac_tz_load(&sh, "Asia/Shanghai"));
  ac_sla_calendar cal = weekdays(&sh, H(9), H(18));
  /* Fri 2026-11-27 17:00 +0800 + 120 -> Mon 2026-11-30 10:00 +0800 */
  ASSERT_ADD(&cal, 1795770000, 120, 1796004000);
  /* Sat 2026-11-28 09:00 +0800 (closed all day) + 60 -> Mon 10:00 */
  ASSERT_ADD(&cal, 1795827600, 60, 1796004000);
  /* minutes_between over the weekend */
  ASSERT_BETWEEN(&cal, 1795770000, 1796004000, 120);
  /* Fri 19:00 -> Mon 08:00: nothing but closed time */
  ASSERT_BETWEEN(&cal, 1795777200, 1795996800, 0);
  /* Sat 12:00 -> Mon 12:00: Monday 09:00-12:00 */
  ASSERT_BETWEEN(&cal, 1795838400, 1796011200, 180);
  ac_tz_free(&sh);
}
END_TEST

START_TEST(shanghai_1440_business_minutes_over_several_days) {
  ac_tz sh;
  ck_assert(ac_tz_load(&sh, "Asia/Shanghai"));
  ac_sla_calendar wk = weekdays(&sh, H(9), H(18));
  /* Thu 2026-11-26 14:00 +0800: Thu 240 + Fri 540 + Mon 540 + Tue 120
   * -> Tue 2026-12-01 11:00 +0800 (over a weekend and a month end) */
  ASSERT_ADD(&wk, 1795672800, 1440, 1796094000);
  ASSERT_BETWEEN(&wk, 1795672800, 1796094000, 1440);
  /* Mon 09:00 + 1440: Mon 540 + Tue 540 + Wed 360 -> Wed 15:00 */
  ASSERT_ADD(&wk, 1795395600, 1440, 1795590000);
  /* A full week Mon 10:00 -> next Mon 10:00: 5 x 540 */
  ASSERT_BETWEEN(&wk, 1795399200, 1796004000, 2700);

  ac_sla_calendar daily = every_day(&sh, H(10), H(21));
  /* Mon 20:00: Mon 60 + Tue 660 + Wed 660 + Thu 60 -> Thu 2026-11-26 11:00 */
  ASSERT_ADD(&daily, 1795435200, 1440, 1795662000);
  ASSERT_BETWEEN(&daily, 1795399200, 1796004000, 4620); /* 7 x 660 */
  /* The largest override: 525600 = 796 x 660 + 240, from Mon 10:00
   * -> 2029-01-27 14:00 +0800 */
  ASSERT_ADD(&daily, 1795399200, 525600, 1864188000);
  ASSERT_BETWEEN(&daily, 1795399200, 1864188000, 525600);
  ac_tz_free(&sh);
}
END_TEST

START_TEST(closed_day_is_skipped) {
  ac_tz sh;
  ck_assert(ac_tz_load(&sh, "Asia/Shanghai"));
  ac_sla_calendar cal = every_day(&sh, H(10), H(21));
  cal.days[2].open = cal.days[2].close = H(10); /* Wednesday closed */
  /* Tue 2026-11-24 20:00 +0800 + 700: Tue 60, Wed closed, Thu 640
   * -> Thu 2026-11-26 20:40 +0800 */
  ASSERT_ADD(&cal, 1795521600, 700, 1795696800);
  /* Tue 20:00 + 120 -> Thu 11:00 */
  ASSERT_ADD(&cal, 1795521600, 120, 1795662000);
  ASSERT_BETWEEN(&cal, 1795521600, 1795696800, 700);

  /* The same through JSON: the missing "wed" key is a closed day. */
  ac_sla_calendar js;
  ck_assert(ac_sla_calendar_from_json(
      &js, &sh,
      "{\"mon\": {\"open\": \"10:00\", \"close\": \"21:00\"},"
      " \"tue\": {\"open\": \"10:00\", \"close\": \"21:00\"},"
      " \"thu\": {\"open\": \"10:00\", \"close\": \"21:00\"},"
      " \"fri\": {\"open\": \"10:00\", \"close\": \"21:00\"},"
      " \"sat\": {\"open\": \"10:00\", \"close\": \"21:00\"},"
      " \"sun\": {\"open\": \"10:00\", \"close\": \"21:00\"}}"));
  ck_assert(js.business_hours);
  ck_assert_int_eq(js.days[2].open, js.days[2].close);
  ASSERT_ADD(&js, 1795521600, 700, 1795696800);
  ac_tz_free(&sh);
}
END_TEST

START_TEST(close_at_midnight) {
  ac_tz sh;
  ck_assert(ac_tz_load(&sh, "Asia/Shanghai"));
  ac_sla_calendar late = every_day(&sh, H(8), 1440);
  /* Mon 23:00 +0800 + 120: 60 to midnight, Tue 08:00 + 60 -> Tue 09:00 */
  ASSERT_ADD(&late, 1795446000, 120, 1795482000);
  ASSERT_BETWEEN(&late, 1795446000, 1795482000, 120);
  ac_sla_calendar always = every_day(&sh, 0, 1440);
  /* Open 00:00-24:00 every day runs like the calendar: Tue 01:00 */
  ASSERT_ADD(&always, 1795446000, 120, 1795453200);
  ASSERT_ADD(&always, 1795446000, 1440, 1795446000 + 86400);
  ASSERT_BETWEEN(&always, 1795446000, 1795453200, 120);
  ac_tz_free(&sh);
}
END_TEST

/* add(start, between(start, end)) == end for ends strictly inside the
 * hours; between(start, add(start, m)) == m always. */
START_TEST(add_and_between_are_inverse) {
  ac_tz sh;
  ck_assert(ac_tz_load(&sh, "Asia/Shanghai"));
  ac_sla_calendar cals[2] = {every_day(&sh, H(10), H(21)), weekdays(&sh, H(9), H(18))};
  const int64_t mon0 = 1795392000 - 8 * 3600; /* Mon 2026-11-23 00:00 +0800 */
  /* Ends: local 09:30, 11:15, 17:59 on Mon..Sun of the next week (the
   * weekday calendar keeps only the Mon-Fri ones). */
  static const int end_minutes[] = {570, 675, 1079};
  for (int k = 0; k < 2; k++) {
    const ac_sla_calendar *cal = &cals[k];
    for (int64_t start = mon0; start < mon0 + 7 * 86400; start += 45 * 60) {
      for (int d = 7; d < 14; d++)
        for (size_t e = 0; e < 3; e++) {
          int local = end_minutes[e];
          int wd = d % 7;
          if (local <= cal->days[wd].open || local >= cal->days[wd].close)
            continue;
          int64_t end = mon0 + (int64_t)d * 86400 + local * 60;
          int64_t m = ac_sla_minutes_between(cal, start, end);
          ck_assert_msg(m > 0, "between(%lld, %lld) = %lld", (long long)start, (long long)end,
                        (long long)m);
          int64_t back = ac_sla_add_minutes(cal, start, (int)m);
          ck_assert_msg(back == end, "cal %d: add(%lld, between = %lld) = %lld, want %lld", k,
                        (long long)start, (long long)m, (long long)back, (long long)end);
        }
      static const int mins[] = {1, 59, 120, 661, 1440, 2880, 4320};
      for (size_t i = 0; i < sizeof mins / sizeof mins[0]; i++) {
        int64_t due = ac_sla_add_minutes(cal, start, mins[i]);
        ck_assert_msg(due > start, "add(%lld, %d) = %lld", (long long)start, mins[i],
                      (long long)due);
        ASSERT_BETWEEN(cal, start, due, mins[i]);
      }
    }
  }
  ac_tz_free(&sh);
}
END_TEST

START_TEST(no_open_day_falls_back_to_calendar) {
  ac_tz sh;
  ck_assert(ac_tz_load(&sh, "Asia/Shanghai"));
  ac_sla_calendar cal = every_day(&sh, H(10), H(10)); /* every day open == close */
  ck_assert(cal.business_hours);
  /* Mon 23:30 +0800 + 120 -> Tue 01:30 +0800: plain calendar time */
  ASSERT_ADD(&cal, 1795447800, 120, 1795447800 + 7200);
  ASSERT_ADD(&cal, 1795447800, 1440, 1795447800 + 86400);
  ASSERT_BETWEEN(&cal, 1795447800, 1795447800 + 7200, 120);
  ac_sla_calendar zero = every_day(&sh, 0, 0);
  ASSERT_ADD(&zero, 1795770000, 120, 1795777200);
  ASSERT_BETWEEN(&zero, 1795770000, 1795777200, 120);
  ac_tz_free(&sh);
}
END_TEST

START_TEST(sparse_hours_with_the_largest_override) {
  ac_tz sh; /* fixed, so a failed check leaks nothing in CK_FORK=no runs */
  ac_tz_fixed(&sh, "+08:00", 28800);
  /* Open Mondays 09:00-10:00 only: 60 business minutes a week. A valid
   * store (contract: open before close, missing days closed) with a valid
   * override (resolution up to 525,600 minutes). */
  ac_sla_calendar cal = every_day(&sh, 0, 0);
  cal.days[0].open = H(9);
  cal.days[0].close = H(10);
  /* From Mon 2026-11-23 09:00 +0800 (1795395600): 525590 = 8759 x 60 + 50
   * -> the Monday 8759 weeks later at 09:50 = 1795395600 + 8759 x 604800
   * + 50 x 60. */
  ASSERT_ADD(&cal, 1795395600, 525590, INT64_C(1795395600) + INT64_C(8759) * 604800 + 3000);
  ASSERT_BETWEEN(&cal, 1795395600, INT64_C(1795395600) + INT64_C(8759) * 604800 + 3000, 525590);
  /* A smaller case: 130 minutes -> the third Monday at 09:10 */
  ASSERT_ADD(&cal, 1795395600, 130, INT64_C(1795395600) + 2 * 604800 + 600);
}
END_TEST

/* ---- other zones ------------------------------------------------------- */

START_TEST(berlin_business_hours_across_spring_dst) {
  ac_tz be;
  ck_assert(ac_tz_load(&be, "Europe/Berlin"));
  ac_sla_calendar cal = every_day(&be, H(9), H(18));
  /* CET -> CEST on Sun 2026-03-29 at 01:00Z. */
  /* Sat 2026-03-28 17:00 +0100 + 120 -> Sun 2026-03-29 10:00 +0200 = 08:00Z */
  ASSERT_ADD(&cal, 1774713600, 120, 1774771200);
  ASSERT_BETWEEN(&cal, 1774713600, 1774771200, 120);
  /* Sun 08:00 +0200 (before opening) + 60 -> 10:00 +0200 */
  ASSERT_ADD(&cal, 1774764000, 60, 1774771200);
  /* Sun 09:00 +0200 + 540 -> 18:00 +0200 = 16:00Z (the full Sunday) */
  ASSERT_ADD(&cal, 1774767600, 540, 1774800000);
  ASSERT_BETWEEN(&cal, 1774767600, 1774800000, 540);

  ac_sla_calendar wk = weekdays(&be, H(9), H(18));
  /* Fri 2026-03-27 17:00 +0100 + 120 -> Mon 2026-03-30 10:00 +0200 */
  ASSERT_ADD(&wk, 1774627200, 120, 1774857600);
  ASSERT_BETWEEN(&wk, 1774627200, 1774857600, 120);
  ac_tz_free(&be);
}
END_TEST

START_TEST(berlin_business_hours_across_autumn_dst) {
  ac_tz be;
  ck_assert(ac_tz_load(&be, "Europe/Berlin"));
  ac_sla_calendar cal = every_day(&be, H(9), H(18));
  /* CEST -> CET on Sun 2026-10-25 at 01:00Z. */
  /* Sat 2026-10-24 17:00 +0200 + 120 -> Sun 2026-10-25 10:00 +0100 = 09:00Z */
  ASSERT_ADD(&cal, 1792854000, 120, 1792918800);
  ASSERT_BETWEEN(&cal, 1792854000, 1792918800, 120);
  /* Sun 09:00 +0100 + 540 -> 18:00 +0100 */
  ASSERT_ADD(&cal, 1792915200, 540, 1792947600);

  ac_sla_calendar wk = weekdays(&be, H(9), H(18));
  /* Fri 2026-10-23 17:00 +0200 + 120 -> Mon 2026-10-26 10:00 +0100 */
  ASSERT_ADD(&wk, 1792767600, 120, 1793005200);
  ASSERT_BETWEEN(&wk, 1792767600, 1793005200, 120);
  ac_tz_free(&be);
}
END_TEST

START_TEST(new_york_calendar_and_business_hours) {
  ac_tz ny;
  ck_assert(ac_tz_load(&ny, "America/New_York"));
  ac_sla_calendar cal = calendar_time(&ny);
  /* Sun 2026-03-08 06:00Z (01:00 EST) + 120 across the DST start -> 08:00Z */
  ASSERT_ADD(&cal, 1772949600, 120, 1772956800);
  ASSERT_BETWEEN(&cal, 1772949600, 1772956800, 120);
  /* Sun 2026-11-01 06:00Z + 24 h */
  ASSERT_ADD(&cal, 1793512800, 1440, 1793512800 + 86400);

  ac_sla_calendar wk = weekdays(&ny, H(9), H(17));
  /* Fri 2026-03-06 16:00 -0500 + 120 -> Mon 2026-03-09 10:00 -0400 = 14:00Z */
  ASSERT_ADD(&wk, 1772830800, 120, 1773064800);
  ASSERT_BETWEEN(&wk, 1772830800, 1773064800, 120);
  ac_tz_free(&ny);
}
END_TEST

/* ---- ac_sla_calendar_from_json ------------------------------------------ */

START_TEST(calendar_from_json_none) {
  ac_tz sh;
  ac_tz_fixed(&sh, "+08:00", 28800);
  ac_sla_calendar cal;
  memset(&cal, 0xAB, sizeof cal);
  ck_assert(ac_sla_calendar_from_json(&cal, &sh, NULL));
  ck_assert(!cal.business_hours);
  ck_assert_ptr_eq(cal.tz, &sh);
  ASSERT_ADD(&cal, 1795770000, 120, 1795777200);

  memset(&cal, 0xAB, sizeof cal);
  ck_assert(ac_sla_calendar_from_json(&cal, &sh, "null"));
  ck_assert(!cal.business_hours);
  ck_assert_ptr_eq(cal.tz, &sh);
  ASSERT_ADD(&cal, 1795770000, 120, 1795777200);
}
END_TEST

START_TEST(calendar_from_json_object) {
  ac_tz sh;
  ck_assert(ac_tz_load(&sh, "Asia/Shanghai"));
  ac_sla_calendar cal;
  ck_assert(ac_sla_calendar_from_json(&cal, &sh,
                                      "{\"mon\":{\"open\":\"09:00\",\"close\":\"18:00\"},"
                                      "\"tue\":{\"open\":\"09:00\",\"close\":\"18:00\"},"
                                      "\"wed\":{\"open\":\"09:30\",\"close\":\"18:45\"},"
                                      "\"thu\":{\"open\":\"09:00\",\"close\":\"18:00\"},"
                                      "\"fri\":{\"open\":\"09:00\",\"close\":\"18:00\"},"
                                      "\"sun\":{\"open\":\"00:00\",\"close\":\"24:00\"}}"));
  ck_assert(cal.business_hours);
  ck_assert_ptr_eq(cal.tz, &sh);
  ck_assert_int_eq(cal.days[0].open, 540);
  ck_assert_int_eq(cal.days[0].close, 1080);
  ck_assert_int_eq(cal.days[2].open, 570);
  ck_assert_int_eq(cal.days[2].close, 1125);
  ck_assert_int_eq(cal.days[4].close, 1080);
  ck_assert_int_eq(cal.days[5].open, cal.days[5].close); /* sat missing: closed */
  ck_assert_int_eq(cal.days[6].open, 0);
  ck_assert_int_eq(cal.days[6].close, 1440);
  /* Fri 2026-11-27 17:00 +0800 + 120: Fri 60, Sat closed, Sun from 00:00
   * -> Sun 2026-11-29 01:00 +0800 = 2026-11-28T17:00Z */
  ASSERT_ADD(&cal, 1795770000, 120, 1795885200);
  ac_tz_free(&sh);
}
END_TEST

START_TEST(calendar_from_json_rejects_bad_input) {
  ac_tz sh;
  ac_tz_fixed(&sh, "+08:00", 28800);
  static const char *const bad[] = {
      "{",
      "not json",
      "[]",
      "42",
      "\"mon\"",
      "{\"mon\": {\"open\": \"25:00\", \"close\": \"26:00\"}}",
      "{\"mon\": {\"open\": \"10:60\", \"close\": \"21:00\"}}",
      "{\"mon\": {\"open\": \"1000\", \"close\": \"21:00\"}}",
      "{\"mon\": {\"open\": \"9:00\", \"close\": \"18:00\"}}",
      "{\"mon\": {\"open\": \"10:00\", \"close\": \"24:30\"}}",
      "{\"mon\": {\"open\": \"ab:cd\", \"close\": \"21:00\"}}",
      "{\"mon\": {\"open\": \"21:00\", \"close\": \"10:00\"}}", /* open after close */
      "{\"mon\": {\"open\": 600, \"close\": 1260}}",
      "{\"mon\": {\"open\": \"10:00\"}}",
      "{\"mon\": \"10:00-21:00\"}",
      NULL};
  for (int i = 0; bad[i]; i++) {
    ac_sla_calendar cal;
    ck_assert_msg(!ac_sla_calendar_from_json(&cal, &sh, bad[i]), "accepted %s", bad[i]);
  }
}
END_TEST

int main(void) {
  Suite *s = suite_create("sla");
  TCase *names = tcase_create("names");
  tcase_add_test(names, severity_names_round_trip);
  tcase_add_test(names, category_names_round_trip);
  suite_add_tcase(s, names);
  TCase *targets = tcase_create("targets");
  tcase_add_test(targets, every_default_target);
  tcase_add_test(targets, override_precedence_in_any_row_order);
  tcase_add_test(targets, override_falls_through_to_defaults);
  suite_add_tcase(s, targets);
  TCase *clock = tcase_create("clock");
  tcase_set_timeout(clock, 60);
  tcase_add_test(clock, calendar_time_across_midnight_and_month_ends);
  tcase_add_test(clock, calendar_time_ignores_zone_and_hours);
  tcase_add_test(clock, shanghai_business_hours_over_a_night);
  tcase_add_test(clock, shanghai_created_outside_hours);
  tcase_add_test(clock, due_exactly_at_closing_is_that_day);
  tcase_add_test(clock, shanghai_weekend_with_weekday_hours);
  tcase_add_test(clock, shanghai_1440_business_minutes_over_several_days);
  tcase_add_test(clock, closed_day_is_skipped);
  tcase_add_test(clock, close_at_midnight);
  tcase_add_test(clock, add_and_between_are_inverse);
  tcase_add_test(clock, no_open_day_falls_back_to_calendar);
  tcase_add_test(clock, sparse_hours_with_the_largest_override);
  tcase_add_test(clock, berlin_business_hours_across_spring_dst);
  tcase_add_test(clock, berlin_business_hours_across_autumn_dst);
  tcase_add_test(clock, new_york_calendar_and_business_hours);
  suite_add_tcase(s, clock);
  TCase *json = tcase_create("json");
  tcase_add_test(json, calendar_from_json_none);
  tcase_add_test(json, calendar_from_json_object);
  tcase_add_test(json, calendar_from_json_rejects_bad_input);
  suite_add_tcase(s, json);
  return ac_unit_run(s);
}
