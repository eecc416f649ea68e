/* The pure callback rules of SPEC.md §3 "Callbacks" / §6 and contract.md
 * "Callbacks (issue 5)": name lists, rule validation, service-code globs
 * and the most specific visit rule, due times in whole local days, the
 * deterministic sample, and what an attempt does to a task.
 *
 * Every expected instant is a literal computed by hand with date(1), e.g.
 *   date -u -d '2026-03-29 10:00 +0200' +%s   -> 1774771200
 * never with the code under test. Europe/Berlin changes on Sun 2026-03-29
 * (01:00Z, CET -> CEST) and Sun 2026-10-25 (01:00Z, CEST -> CET);
 * America/New_York on Sun 2026-03-08 (07:00Z, EST -> EDT) and Sun
 * 2026-11-01 (06:00Z, EDT -> EST); Asia/Shanghai keeps +08:00. */
#include <check.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "callback_plan.h"
#include "tz.h"

#include "unit_main.h"

/* ---- name lists ---------------------------------------------------------- */

/* Written out from the contract, independently of the code. */
static const char *const KINDS[] = {"post_service", "routine",  "post_resolution", "unconverted",
                                    "win_back",     "birthday", "holiday",         "reminder"};
static const char *const STATUSES[] = {"pending", "completed", "unreachable", "cancelled"};
static const char *const OUTCOMES[] = {"reached", "no_answer", "busy",
                                       "wrong_number", "refused", "left_message"};
static const char *const TRIGGERS[] = {"visit",       "unconverted", "ticket_resolved",
                                       "birthday",    "anniversary", "inactivity"};
static const char *const TIERS[] = {"regular", "silver", "gold", "vip"};
#define COUNT(a) (sizeof(a) / sizeof((a)[0]))
enum { NKINDS = COUNT(KINDS), NOUTCOMES = COUNT(OUTCOMES), NTRIGGERS = COUNT(TRIGGERS) };

/* The list holds exactly `want` (n names, in order), then NULL; each name
 * is found at its own index. */
static void assert_list(const char *const *list, const char *const *want, size_t n,
                        const char *what) {
  for (size_t i = 0; i < n; i++) {
    ck_assert_msg(list[i] != NULL, "%s: list ends at %zu, want %zu names", what, i, n);
    ck_assert_msg(strcmp(list[i], want[i]) == 0, "%s[%zu] = \"%s\", want \"%s\"", what, i,
                  list[i], want[i]);
    ck_assert_msg(ac_cb_name_index(list, want[i]) == (int)i, "%s: index of \"%s\"", what,
                  want[i]);
  }
  ck_assert_msg(list[n] == NULL, "%s: more than %zu names (\"%s\")", what, n, list[n]);
}

START_TEST(kinds_list) {
  assert_list(AC_CB_KINDS, KINDS, NKINDS, "kinds");
}
END_TEST

START_TEST(statuses_list_follows_the_enum) {
  assert_list(AC_CB_STATUSES, STATUSES, COUNT(STATUSES), "statuses");
  ck_assert_int_eq(ac_cb_name_index(AC_CB_STATUSES, "pending"), AC_CB_PENDING);
  ck_assert_int_eq(ac_cb_name_index(AC_CB_STATUSES, "completed"), AC_CB_COMPLETED);
  ck_assert_int_eq(ac_cb_name_index(AC_CB_STATUSES, "unreachable"), AC_CB_UNREACHABLE);
  ck_assert_int_eq(ac_cb_name_index(AC_CB_STATUSES, "cancelled"), AC_CB_CANCELLED);
}
END_TEST

START_TEST(outcomes_list) {
  assert_list(AC_CB_OUTCOMES, OUTCOMES, NOUTCOMES, "outcomes");
}
END_TEST

START_TEST(triggers_list_follows_the_enum) {
  assert_list(AC_CB_TRIGGERS, TRIGGERS, NTRIGGERS, "triggers");
  ck_assert_int_eq(ac_cb_name_index(AC_CB_TRIGGERS, "visit"), AC_TRIG_VISIT);
  ck_assert_int_eq(ac_cb_name_index(AC_CB_TRIGGERS, "unconverted"), AC_TRIG_UNCONVERTED);
  ck_assert_int_eq(ac_cb_name_index(AC_CB_TRIGGERS, "ticket_resolved"), AC_TRIG_TICKET_RESOLVED);
  ck_assert_int_eq(ac_cb_name_index(AC_CB_TRIGGERS, "birthday"), AC_TRIG_BIRTHDAY);
  ck_assert_int_eq(ac_cb_name_index(AC_CB_TRIGGERS, "anniversary"), AC_TRIG_ANNIVERSARY);
  ck_assert_int_eq(ac_cb_name_index(AC_CB_TRIGGERS, "inactivity"), AC_TRIG_INACTIVITY);
}
END_TEST

START_TEST(tiers_list) {
  assert_list(AC_CB_TIERS, TIERS, COUNT(TIERS), "tiers");
}
END_TEST

START_TEST(name_index_refuses_unknown_and_null) {
  const char *const *lists[] = {AC_CB_KINDS, AC_CB_STATUSES, AC_CB_OUTCOMES, AC_CB_TRIGGERS,
                                AC_CB_TIERS};
  static const char *const unknown[] = {"",         "unknown",   "Pending",    "PENDING",
                                        "pending ", " pending",  "pend",       "pendingg",
                                        "reached\n", "no-answer", "No_Answer", "win-back",
                                        "post service", "VIP",   "platinum",   "ticket",
                                        "anniversary_", "visits", "birthday\t", "*",
                                        "%",        "中文",      NULL};
  for (size_t l = 0; l < COUNT(lists); l++) {
    ck_assert_int_eq(ac_cb_name_index(lists[l], NULL), -1);
    for (int i = 0; unknown[i]; i++)
      ck_assert_msg(ac_cb_name_index(lists[l], unknown[i]) == -1, "list %zu: \"%s\"", l,
                    unknown[i]);
  }
  /* A name of one list is not in another. */
  ck_assert_int_eq(ac_cb_name_index(AC_CB_STATUSES, "reached"), -1);
  ck_assert_int_eq(ac_cb_name_index(AC_CB_OUTCOMES, "pending"), -1);
  ck_assert_int_eq(ac_cb_name_index(AC_CB_TIERS, "birthday"), -1);
  ck_assert_int_eq(ac_cb_name_index(AC_CB_TRIGGERS, "post_service"), -1);
  ck_assert_int_eq(ac_cb_name_index(AC_CB_TRIGGERS, "win_back"), -1);
  ck_assert_int_eq(ac_cb_name_index(AC_CB_KINDS, "visit"), -1);
  ck_assert_int_eq(ac_cb_name_index(AC_CB_KINDS, "anniversary"), -1);
  /* Names in both lists, each at its own place. */
  ck_assert_int_eq(ac_cb_name_index(AC_CB_KINDS, "birthday"), 5);
  ck_assert_int_eq(ac_cb_name_index(AC_CB_TRIGGERS, "birthday"), AC_TRIG_BIRTHDAY);
  ck_assert_int_eq(ac_cb_name_index(AC_CB_KINDS, "unconverted"), 3);
  ck_assert_int_eq(ac_cb_name_index(AC_CB_TRIGGERS, "unconverted"), AC_TRIG_UNCONVERTED);
  /* The text, not the pointer, is compared. */
  char buf[32];
  snprintf(buf, sizeof buf, "%s", "left_message");
  ck_assert_int_eq(ac_cb_name_index(AC_CB_OUTCOMES, buf), 5);
}
END_TEST

START_TEST(marketing_kinds) {
  static const bool marketing[NKINDS] = {false, false, false, false, true, true, true, false};
  int n = 0;
  for (size_t i = 0; i < NKINDS; i++) {
    ck_assert_msg(ac_cb_kind_is_marketing(KINDS[i]) == marketing[i], "%s", KINDS[i]);
    n += marketing[i];
  }
  ck_assert_int_eq(n, 3);
  ck_assert(ac_cb_kind_is_marketing("birthday"));
  ck_assert(ac_cb_kind_is_marketing("holiday"));
  ck_assert(ac_cb_kind_is_marketing("win_back"));
  ck_assert(!ac_cb_kind_is_marketing(NULL));
  ck_assert(!ac_cb_kind_is_marketing(""));
  ck_assert(!ac_cb_kind_is_marketing("Birthday"));
  ck_assert(!ac_cb_kind_is_marketing("win-back"));
  ck_assert(!ac_cb_kind_is_marketing("holidays"));
  ck_assert(!ac_cb_kind_is_marketing("anniversary"));
  ck_assert(!ac_cb_kind_is_marketing("inactivity"));
}
END_TEST

/* ---- ac_cb_rule_check ---------------------------------------------------- */

/* A consistent rule of each trigger, like the defaults of the migration. */
static ac_cb_rule_input valid_rule(int trigger) {
  ac_cb_rule_input r = {.trigger = trigger, .sample_pct = 100, .n_offsets = 1,
                        .window_hours = 24};
  switch (trigger) {
  case AC_TRIG_VISIT:
    r.service_pattern = "*";
    r.offsets[0] = 3;
    break;
  case AC_TRIG_UNCONVERTED:
    r.service_pattern = "*";
    r.offsets[0] = 1;
    break;
  case AC_TRIG_TICKET_RESOLVED:
    r.window_hours = 48;
    break;
  case AC_TRIG_ANNIVERSARY:
    r.profile_date_field = "wedding_date";
    r.offsets[0] = -1;
    break;
  case AC_TRIG_INACTIVITY:
    r.inactivity_days = 90;
    break;
  default:
    break;
  }
  return r;
}

static bool is_date_trigger(int t) { return t == AC_TRIG_BIRTHDAY || t == AC_TRIG_ANNIVERSARY; }
static bool is_visit_trigger(int t) { return t == AC_TRIG_VISIT || t == AC_TRIG_UNCONVERTED; }

/* The rule is consistent (want NULL) or refused on field `want`, with a
 * message. */
static void expect_field(const ac_cb_rule_input *r, const char *want, const char *what) {
  const char *message = NULL;
  const char *got = ac_cb_rule_check(r, &message);
  if (!want) {
    ck_assert_msg(got == NULL, "%s (%s): refused on %s (%s)", what, TRIGGERS[r->trigger], got,
                  message ? message : "no message");
    return;
  }
  ck_assert_msg(got != NULL, "%s (%s): accepted, want refused on %s", what, TRIGGERS[r->trigger],
                want);
  ck_assert_msg(strcmp(got, want) == 0, "%s (%s): refused on %s, want %s", what,
                TRIGGERS[r->trigger], got, want);
  ck_assert_msg(message != NULL && message[0] != '\0', "%s (%s): no message", what,
                TRIGGERS[r->trigger]);
}

START_TEST(valid_rule_of_every_trigger) {
  for (int t = 0; t < NTRIGGERS; t++) {
    ac_cb_rule_input r = valid_rule(t);
    expect_field(&r, NULL, "default-like rule");
  }
  /* The defaults of the migration, one by one. */
  ac_cb_rule_input post_service = {.trigger = AC_TRIG_VISIT, .service_pattern = "*",
                                   .sample_pct = 100, .offsets = {3}, .n_offsets = 1,
                                   .window_hours = 24};
  expect_field(&post_service, NULL, "post_service default");
  ac_cb_rule_input routine = post_service;
  routine.offsets[0] = 30;
  expect_field(&routine, NULL, "routine default");
  ac_cb_rule_input post_resolution = {.trigger = AC_TRIG_TICKET_RESOLVED, .sample_pct = 100,
                                      .offsets = {0}, .n_offsets = 1, .window_hours = 48};
  expect_field(&post_resolution, NULL, "post_resolution default");
  ac_cb_rule_input birthday = {.trigger = AC_TRIG_BIRTHDAY, .sample_pct = 100, .offsets = {0},
                               .n_offsets = 1, .window_hours = 24};
  expect_field(&birthday, NULL, "birthday default");
  ac_cb_rule_input win_back = {.trigger = AC_TRIG_INACTIVITY, .inactivity_days = 90,
                               .sample_pct = 100, .offsets = {0}, .n_offsets = 1,
                               .window_hours = 24};
  expect_field(&win_back, NULL, "win_back default");
  ac_cb_rule_input unconverted = {.trigger = AC_TRIG_UNCONVERTED, .service_pattern = "*",
                                  .sample_pct = 15, .offsets = {1}, .n_offsets = 1,
                                  .window_hours = 24};
  expect_field(&unconverted, NULL, "unconverted default (sampled at 15 %)");
  /* A null service_pattern (meaning '*') is fine for visit and unconverted. */
  for (int t = AC_TRIG_VISIT; t <= AC_TRIG_UNCONVERTED; t++) {
    ac_cb_rule_input r = valid_rule(t);
    r.service_pattern = NULL;
    expect_field(&r, NULL, "null service_pattern");
  }
  /* The contract's example offsets. */
  ac_cb_rule_input spaced = valid_rule(AC_TRIG_VISIT);
  spaced.service_pattern = "LASER-*";
  spaced.offsets[0] = 1;
  spaced.offsets[1] = 3;
  spaced.offsets[2] = 7;
  spaced.n_offsets = 3;
  expect_field(&spaced, NULL, "LASER-* [1, 3, 7]");
}
END_TEST

START_TEST(service_pattern_only_for_visit_and_unconverted) {
  static const char *const patterns[] = {"*", "LASER-*", "FACIAL", "a", NULL};
  for (int t = 0; t < NTRIGGERS; t++)
    for (int p = 0; patterns[p]; p++) {
      ac_cb_rule_input r = valid_rule(t);
      r.service_pattern = patterns[p];
      char what[64];
      snprintf(what, sizeof what, "service_pattern \"%s\"", patterns[p]);
      expect_field(&r, is_visit_trigger(t) ? NULL : "service_pattern", what);
    }
}
END_TEST

START_TEST(service_pattern_is_1_to_64_characters) {
  char s64[65], s65[66], zh64[64 * 3 + 1], zh65[65 * 3 + 1];
  memset(s64, 'A', 64);
  s64[64] = '\0';
  memset(s65, 'A', 65);
  s65[65] = '\0';
  s64[63] = s65[64] = '*';
  zh64[0] = zh65[0] = '\0';
  for (int i = 0; i < 64; i++)
    strcat(zh64, "激");
  for (int i = 0; i < 65; i++)
    strcat(zh65, "激");
  for (int t = AC_TRIG_VISIT; t <= AC_TRIG_UNCONVERTED; t++) {
    ac_cb_rule_input r = valid_rule(t);
    r.service_pattern = "";
    expect_field(&r, "service_pattern", "empty service_pattern");
    r.service_pattern = "A";
    expect_field(&r, NULL, "1-character service_pattern");
    r.service_pattern = s64;
    expect_field(&r, NULL, "64-character service_pattern");
    /* Lengths are counted in characters (SPEC §3): 64 Chinese characters
     * are 192 bytes and still fit. */
    r.service_pattern = zh64;
    expect_field(&r, NULL, "64 Chinese characters");
    r.service_pattern = s65;
    expect_field(&r, "service_pattern", "65-character service_pattern");
    r.service_pattern = zh65;
    expect_field(&r, "service_pattern", "65 Chinese characters");
  }
}
END_TEST

START_TEST(inactivity_days_required_for_inactivity_refused_otherwise) {
  ac_cb_rule_input r = valid_rule(AC_TRIG_INACTIVITY);
  static const int64_t good[] = {1, 2, 30, 90, 365, 3649, 3650};
  for (size_t i = 0; i < COUNT(good); i++) {
    r.inactivity_days = good[i];
    expect_field(&r, NULL, "inactivity_days in 1..3650");
  }
  static const int64_t bad[] = {0 /* none given */, -1, -90, 3651, 10000, INT64_MAX, INT64_MIN};
  for (size_t i = 0; i < COUNT(bad); i++) {
    r.inactivity_days = bad[i];
    expect_field(&r, "inactivity_days", "inactivity_days out of 1..3650 or missing");
  }
  /* Any other trigger: refused when given at all. */
  static const int64_t given[] = {1, 90, 3650, 3651, -1};
  for (int t = 0; t < NTRIGGERS; t++) {
    if (t == AC_TRIG_INACTIVITY)
      continue;
    for (size_t i = 0; i < COUNT(given); i++) {
      ac_cb_rule_input o = valid_rule(t);
      o.inactivity_days = given[i];
      expect_field(&o, "inactivity_days", "inactivity_days on another trigger");
    }
  }
}
END_TEST

START_TEST(profile_date_field_required_for_anniversary_refused_otherwise) {
  char f64[65], f65[66];
  memset(f64, 'x', 64);
  f64[64] = '\0';
  memset(f65, 'x', 65);
  f65[65] = '\0';
  f64[0] = f65[0] = '_';
  static const char *const good[] = {"wedding_date", "a",   "_",      "_x", "x1",
                                     "date_2",       "a_b_c", "z9_0", "opened_on", NULL};
  static const char *const bad[] = {"",          "Wedding_date", "WEDDING", "1date",  "9",
                                    "wedding-date", "wedding date", " wedding", "wedding.date",
                                    "date$",     "婚礼日期",     "weddingé", "a\n",   "x*",
                                    NULL};
  ac_cb_rule_input r = valid_rule(AC_TRIG_ANNIVERSARY);
  for (int i = 0; good[i]; i++) {
    r.profile_date_field = good[i];
    expect_field(&r, NULL, good[i]);
  }
  r.profile_date_field = f64;
  expect_field(&r, NULL, "64-character profile_date_field");
  for (int i = 0; bad[i]; i++) {
    r.profile_date_field = bad[i];
    expect_field(&r, "profile_date_field", bad[i]);
  }
  r.profile_date_field = f65;
  expect_field(&r, "profile_date_field", "65-character profile_date_field");
  r.profile_date_field = NULL;
  expect_field(&r, "profile_date_field", "anniversary without profile_date_field");
  /* Any other trigger: refused when given, valid name or not. */
  for (int t = 0; t < NTRIGGERS; t++) {
    if (t == AC_TRIG_ANNIVERSARY)
      continue;
    ac_cb_rule_input o = valid_rule(t);
    o.profile_date_field = "wedding_date";
    expect_field(&o, "profile_date_field", "profile_date_field on another trigger");
    o.profile_date_field = "Bad Name";
    expect_field(&o, "profile_date_field", "bad profile_date_field on another trigger");
  }
}
END_TEST

START_TEST(sample_pct_1_to_100) {
  static const int64_t good[] = {1, 2, 15, 50, 99, 100};
  static const int64_t bad[] = {0, -1, -100, 101, 1000, INT64_MAX, INT64_MIN};
  for (int t = 0; t < NTRIGGERS; t++) {
    ac_cb_rule_input r = valid_rule(t);
    for (size_t i = 0; i < COUNT(good); i++) {
      r.sample_pct = good[i];
      expect_field(&r, NULL, "sample_pct in 1..100");
    }
    for (size_t i = 0; i < COUNT(bad); i++) {
      r.sample_pct = bad[i];
      expect_field(&r, "sample_pct", "sample_pct out of 1..100");
    }
  }
}
END_TEST

START_TEST(offsets_hold_1_to_10_days) {
  for (int t = 0; t < NTRIGGERS; t++) {
    ac_cb_rule_input r = valid_rule(t);
    r.n_offsets = 0;
    expect_field(&r, "offsets_days", "no offsets");
    for (size_t n = 1; n <= AC_CB_MAX_OFFSETS; n++) {
      r.n_offsets = n;
      for (size_t i = 0; i < n; i++)
        r.offsets[i] = (int64_t)i * 3; /* 0, 3, ..., 27: in range for every trigger */
      expect_field(&r, NULL, "1..10 distinct offsets");
    }
    /* An eleventh offset (the array has room for ten: only the count is
     * over). */
    r.n_offsets = AC_CB_MAX_OFFSETS + 1;
    expect_field(&r, "offsets_days", "11 offsets");
    r.n_offsets = 1000;
    expect_field(&r, "offsets_days", "1000 offsets");
  }
}
END_TEST

START_TEST(offsets_are_distinct) {
  for (int t = 0; t < NTRIGGERS; t++) {
    ac_cb_rule_input r = valid_rule(t);
    r.offsets[0] = 3;
    r.offsets[1] = 3;
    r.n_offsets = 2;
    expect_field(&r, "offsets_days", "[3, 3]");
    /* A repeat far apart in the list. */
    r.n_offsets = AC_CB_MAX_OFFSETS;
    for (size_t i = 0; i < AC_CB_MAX_OFFSETS; i++)
      r.offsets[i] = (int64_t)i;
    expect_field(&r, NULL, "[0..9]");
    r.offsets[9] = 0;
    expect_field(&r, "offsets_days", "[0..8, 0]");
    r.offsets[9] = 8;
    expect_field(&r, "offsets_days", "[0..8, 8]");
    /* All the same. */
    for (size_t i = 0; i < AC_CB_MAX_OFFSETS; i++)
      r.offsets[i] = 1;
    expect_field(&r, "offsets_days", "ten times 1");
    /* Distinct in any order. */
    r.n_offsets = 3;
    r.offsets[0] = 7;
    r.offsets[1] = 1;
    r.offsets[2] = 3;
    expect_field(&r, NULL, "[7, 1, 3]");
  }
}
END_TEST

START_TEST(offset_ranges_per_trigger) {
  for (int t = 0; t < NTRIGGERS; t++) {
    int64_t lo = is_date_trigger(t) ? -30 : 0, hi = is_date_trigger(t) ? 30 : 365;
    ac_cb_rule_input r = valid_rule(t);
    r.n_offsets = 1;
    int64_t good[] = {lo, lo + 1, 0, hi - 1, hi};
    for (size_t i = 0; i < COUNT(good); i++) {
      r.offsets[0] = good[i];
      char what[64];
      snprintf(what, sizeof what, "offset %lld", (long long)good[i]);
      expect_field(&r, NULL, what);
    }
    int64_t bad[] = {lo - 1, hi + 1, lo - 1000, hi + 1000, INT64_MIN, INT64_MAX};
    for (size_t i = 0; i < COUNT(bad); i++) {
      r.offsets[0] = bad[i];
      char what[64];
      snprintf(what, sizeof what, "offset %lld", (long long)bad[i]);
      expect_field(&r, "offsets_days", what);
    }
    /* Out of range at the end of a longer list. */
    r.n_offsets = 3;
    r.offsets[0] = 0;
    r.offsets[1] = 1;
    r.offsets[2] = hi + 1;
    expect_field(&r, "offsets_days", "last offset too late");
    r.offsets[2] = lo - 1;
    expect_field(&r, "offsets_days", "last offset too early");
  }
  /* The contract's cases by name: the day before a birthday is -1; a day
   * before a visit is not a thing; 31 days or a year fit only some. */
  ac_cb_rule_input b = valid_rule(AC_TRIG_BIRTHDAY);
  b.offsets[0] = -1;
  expect_field(&b, NULL, "birthday -1");
  b.offsets[0] = 31;
  expect_field(&b, "offsets_days", "birthday 31");
  b.offsets[0] = 365;
  expect_field(&b, "offsets_days", "birthday 365");
  ac_cb_rule_input a = valid_rule(AC_TRIG_ANNIVERSARY);
  a.offsets[0] = -30;
  a.offsets[1] = 30;
  a.n_offsets = 2;
  expect_field(&a, NULL, "anniversary [-30, 30]");
  ac_cb_rule_input v = valid_rule(AC_TRIG_VISIT);
  v.offsets[0] = -1;
  expect_field(&v, "offsets_days", "visit -1");
  v.offsets[0] = 365;
  expect_field(&v, NULL, "visit 365");
  ac_cb_rule_input w = valid_rule(AC_TRIG_INACTIVITY);
  w.offsets[0] = 31;
  expect_field(&w, NULL, "inactivity 31");
  w.offsets[0] = -30;
  expect_field(&w, "offsets_days", "inactivity -30");
}
END_TEST

START_TEST(window_hours_1_to_720) {
  static const int64_t good[] = {1, 2, 24, 48, 719, 720};
  static const int64_t bad[] = {0, -1, -24, 721, 10000, INT64_MAX, INT64_MIN};
  for (int t = 0; t < NTRIGGERS; t++) {
    ac_cb_rule_input r = valid_rule(t);
    for (size_t i = 0; i < COUNT(good); i++) {
      r.window_hours = good[i];
      expect_field(&r, NULL, "window_hours in 1..720");
    }
    for (size_t i = 0; i < COUNT(bad); i++) {
      r.window_hours = bad[i];
      expect_field(&r, "window_hours", "window_hours out of 1..720");
    }
  }
}
END_TEST

/* ---- globs ---------------------------------------------------------------- */

#define MATCH(p, t) ck_assert_msg(ac_cb_glob_match((p), (t)), "\"%s\" should match \"%s\"", (p), (t))
#define NO_MATCH(p, t)                                                                           \
  ck_assert_msg(!ac_cb_glob_match((p), (t)), "\"%s\" should not match \"%s\"", (p), (t))

START_TEST(glob_exact) {
  MATCH("LASER-FACE", "LASER-FACE");
  MATCH("A", "A");
  NO_MATCH("LASER-FACE", "LASER-FACES");
  NO_MATCH("LASER-FACE", "LASER-FAC");
  NO_MATCH("LASER-FACE", "XLASER-FACE");
  NO_MATCH("LASER-FACE", "LASER_FACE");
  NO_MATCH("A", "B");
  NO_MATCH("A", "");
  NO_MATCH("AB", "BA");
}
END_TEST

START_TEST(glob_prefix_suffix_middle) {
  /* prefix */
  MATCH("LASER-*", "LASER-FACE");
  MATCH("LASER-*", "LASER-");
  MATCH("LASER-*", "LASER-FACE-2.0");
  NO_MATCH("LASER-*", "LASER");
  NO_MATCH("LASER-*", "LASE-R");
  NO_MATCH("LASER-*", "FACIAL-01");
  NO_MATCH("LASER-*", "XLASER-FACE");
  NO_MATCH("LASER-*", "LASERFACE");
  /* suffix */
  MATCH("*-FACE", "LASER-FACE");
  MATCH("*-FACE", "-FACE");
  NO_MATCH("*-FACE", "LASER-FACE2");
  NO_MATCH("*-FACE", "LASER-FAC");
  NO_MATCH("*-FACE", "FACE");
  /* middle */
  MATCH("LASER*FACE", "LASERFACE");
  MATCH("LASER*FACE", "LASER-BIG-FACE");
  NO_MATCH("LASER*FACE", "LASER-FACE-2");
  NO_MATCH("LASER*FACE", "LASEFACE");
  /* A star in the middle may not reuse characters of the prefix. */
  NO_MATCH("AB*BA", "ABA");
  MATCH("AB*BA", "ABBA");
  /* around */
  MATCH("*FACE*", "FACE");
  MATCH("*FACE*", "LASER-FACE-2");
  NO_MATCH("*FACE*", "LASER-FAC-E");
}
END_TEST

START_TEST(glob_multiple_stars) {
  MATCH("*-*-*", "A-B-C");
  MATCH("*-*-*", "--");
  NO_MATCH("*-*-*", "A-B");
  MATCH("L*S*R-*", "LASER-FACE");
  MATCH("L*S*R-*", "LSR-");
  NO_MATCH("L*S*R-*", "LASERFACE");
  MATCH("**", "anything");
  MATCH("A**B", "AB");
  MATCH("A**B", "AxyzB");
  MATCH("***LASER***", "LASER");
  NO_MATCH("A**B", "A");
  MATCH("*A*A*", "AA");
  NO_MATCH("*A*A*", "A");
  /* The first candidate for the star is not always right: backtracking. */
  MATCH("*AAB", "AAAAB");
  MATCH("*ABC*ABD", "ABCABCABD");
  NO_MATCH("*ABC*ABD", "ABCABCABE");
  MATCH("A*B*C", "AXBXBXC");
  NO_MATCH("A*B*C", "AXBXBXCX");
}
END_TEST

START_TEST(glob_star_alone_and_empty_text) {
  MATCH("*", "");
  MATCH("*", "A");
  MATCH("*", "LASER-FACE");
  MATCH("*", "激光-面部");
  MATCH("*", "*");
  MATCH("**", "");
  MATCH("***", "");
  MATCH("", "");
  NO_MATCH("", "A");
  NO_MATCH("A", "");
  NO_MATCH("A*", "");
  NO_MATCH("*A", "");
  NO_MATCH("*A*", "");
}
END_TEST

START_TEST(glob_ignores_ascii_case) {
  MATCH("LASER-*", "laser-face");
  MATCH("laser-*", "LASER-FACE");
  MATCH("LaSeR-*", "lAsEr-Face");
  MATCH("*-face", "LASER-FACE");
  MATCH("FACIAL01", "facial01");
  MATCH("abcdefghijklmnopqrstuvwxyz", "ABCDEFGHIJKLMNOPQRSTUVWXYZ");
  MATCH("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz");
  NO_MATCH("LASER-*", "LAZER-FACE");
  /* Only letters fold: characters 0x20 apart that are not letters stay
   * distinct. */
  NO_MATCH("@", "`");
  NO_MATCH("[", "{");
  NO_MATCH("]", "}");
  NO_MATCH("^", "~");
  NO_MATCH("_", "\x7f");
  NO_MATCH("\\", "|");
  NO_MATCH("-", "\r");
  NO_MATCH("0", "\x10");
  NO_MATCH("A", "a ");
}
END_TEST

START_TEST(glob_non_ascii_text) {
  MATCH("激光-*", "激光-面部");
  MATCH("激光-*", "激光-");
  MATCH("激光-*", "激光-FACE");
  NO_MATCH("激光-*", "激光面部");
  NO_MATCH("激光-*", "冷光-面部");
  NO_MATCH("激光-*", "激");
  MATCH("*面部", "激光-面部");
  MATCH("激*部", "激光-面部");
  NO_MATCH("*面部", "激光-面");
  MATCH("激光-面部", "激光-面部");
  MATCH("LASER-*", "LASER-面部");
  MATCH("laser-*", "LASER-面部");
  NO_MATCH("LASER-*", "激光-面部");
  /* ASCII case only: É and é are different characters. */
  MATCH("café-*", "CAFé-1");
  NO_MATCH("café-*", "CAFÉ-1");
  NO_MATCH("Ä", "ä");
  /* A pattern character never matches half of a multibyte character. */
  NO_MATCH("激光*", "激");
  NO_MATCH("\xe6", "激");
}
END_TEST

START_TEST(glob_other_characters_are_literal) {
  /* Only '*' is special. */
  MATCH("LASER-?", "LASER-?");
  NO_MATCH("LASER-?", "LASER-1");
  MATCH("[AB]", "[AB]");
  NO_MATCH("[AB]", "A");
  MATCH("A.B", "A.B");
  NO_MATCH("A.B", "AxB");
  MATCH("A\\*", "A\\anything");
  NO_MATCH("A\\*", "A*");
  MATCH("%", "%");
  NO_MATCH("%", "anything");
  MATCH("A_B", "A_B");
  NO_MATCH("A_B", "AxB");
}
END_TEST

static double seconds_since(const struct timespec *t0) {
  struct timespec t1;
  clock_gettime(CLOCK_MONOTONIC, &t1);
  return (double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

START_TEST(glob_pathological_pattern_finishes_quickly) {
  enum { N = 100000 };
  char *text = malloc(N + 2);
  ck_assert_ptr_nonnull(text);
  memset(text, 'a', N);
  text[N] = '\0';
  struct timespec t0;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  /* A backtracking matcher takes about N^5 steps on these. */
  ck_assert(!ac_cb_glob_match("*a*a*a*a*a*b", text));
  ck_assert(!ac_cb_glob_match("*A*A*A*A*A*A*A*A*A*A*B", text));
  ck_assert(!ac_cb_glob_match("a*a*a*a*a*a*a*a*a*a*b*", text));
  ck_assert(!ac_cb_glob_match("*aaaaaaaaaaaaaaaaaaaab*", text));
  ck_assert(ac_cb_glob_match("*a*a*a*a*a*a", text));
  ck_assert(ac_cb_glob_match("*A*A*A*A*A*A*A*A*A*A*", text));
  /* ...and with the b at the end of the text, they match. */
  text[N] = 'b';
  text[N + 1] = '\0';
  ck_assert(ac_cb_glob_match("*a*a*a*a*a*b", text));
  ck_assert(ac_cb_glob_match("a*a*a*a*a*a*a*a*a*a*b*", text));
  ck_assert(ac_cb_glob_match("*aaaaaaaaaaaaaaaaaaaab*", text));
  double took = seconds_since(&t0);
  ck_assert_msg(took < 1.0, "pathological globs took %.3f s", took);
  free(text);
}
END_TEST

START_TEST(specificity_counts_characters_other_than_star) {
  ck_assert_uint_eq(ac_cb_glob_specificity("*"), 0);
  ck_assert_uint_eq(ac_cb_glob_specificity("**"), 0);
  ck_assert_uint_eq(ac_cb_glob_specificity(""), 0);
  ck_assert_uint_eq(ac_cb_glob_specificity(NULL), 0); /* null means '*' */
  ck_assert_uint_eq(ac_cb_glob_specificity("LASER-*"), 6);
  ck_assert_uint_eq(ac_cb_glob_specificity("*-FACE"), 5);
  ck_assert_uint_eq(ac_cb_glob_specificity("LASER-FACE"), 10);
  ck_assert_uint_eq(ac_cb_glob_specificity("L*A*S*E*R"), 5);
  ck_assert_uint_eq(ac_cb_glob_specificity("***A***"), 1);
  ck_assert_uint_eq(ac_cb_glob_specificity("?"), 1);
}
END_TEST

START_TEST(specificity_counts_characters_not_bytes) {
  /* "the most characters other than `*`" (contract); text is UTF-8 and
   * lengths are counted in characters (SPEC §3). */
  ck_assert_uint_eq(ac_cb_glob_specificity("激光-*"), 3);
  ck_assert_uint_eq(ac_cb_glob_specificity("激*"), 1);
  ck_assert_uint_eq(ac_cb_glob_specificity("café*"), 4);
}
END_TEST

/* ---- ac_cb_pick_visit_rules ---------------------------------------------- */

/* The rule chosen for `kind` (its index in rules), -1 when none; and no
 * kind is chosen twice, every chosen rule matches. */
static int winner(const ac_cb_visit_rule *rules, size_t n, const size_t *chosen, size_t k,
                  const char *code, const char *kind) {
  int found = -1;
  for (size_t i = 0; i < k; i++) {
    ck_assert_msg(chosen[i] < n, "chosen index %zu out of %zu", chosen[i], n);
    const ac_cb_visit_rule *r = &rules[chosen[i]];
    const char *pattern = r->pattern ? r->pattern : "*";
    ck_assert_msg(ac_cb_glob_match(pattern, code), "rule %lld (%s) chosen for %s",
                  (long long)r->id, pattern, code);
    if (strcmp(r->kind, kind) == 0) {
      ck_assert_msg(found == -1, "two rules chosen for kind %s", kind);
      found = (int)chosen[i];
    }
  }
  return found;
}

/* Picks for `code` and checks the number of winners and the winner (by id,
 * 0 for none) of each kind in kinds. */
static void expect_pick(const ac_cb_visit_rule *rules, size_t n, const char *code, size_t nwin,
                        const char *const *kinds, const int64_t *ids, size_t nkinds) {
  size_t chosen[32];
  ck_assert(n <= 32);
  memset(chosen, 0xff, sizeof chosen);
  size_t k = ac_cb_pick_visit_rules(rules, n, code, chosen);
  ck_assert_msg(k == nwin, "%s: %zu winners, want %zu", code ? code : "(null)", k, nwin);
  for (size_t i = 0; i < nkinds; i++) {
    int w = winner(rules, n, chosen, k, code ? code : "", kinds[i]);
    int64_t got = w < 0 ? 0 : rules[w].id;
    ck_assert_msg(got == ids[i], "%s, kind %s: rule %lld won, want %lld", code ? code : "(null)",
                  kinds[i], (long long)got, (long long)ids[i]);
  }
}

#define PICK1(rules, code, nwin, kind, id)                                                     \
  do {                                                                                         \
    const char *k1_[] = {(kind)};                                                              \
    const int64_t i1_[] = {(id)};                                                              \
    expect_pick((rules), COUNT(rules), (code), (nwin), k1_, i1_, 1);                           \
  } while (0)

START_TEST(pick_laser_beats_star_only_for_laser_codes) {
  /* The contract's example: a store's LASER-* post-service rule replaces the
   * '*' default for laser visits only. */
  const ac_cb_visit_rule rules[] = {
      {1, "post_service", "*", false},
      {7, "post_service", "LASER-*", true},
  };
  PICK1(rules, "LASER-FACE", 1, "post_service", 7);
  PICK1(rules, "laser-face", 1, "post_service", 7);
  PICK1(rules, "LASER-", 1, "post_service", 7);
  PICK1(rules, "FACIAL-01", 1, "post_service", 1);
  PICK1(rules, "LASER", 1, "post_service", 1);
  PICK1(rules, "XLASER-FACE", 1, "post_service", 1);
  /* The same with the rules in the other order, and with a chain LASER-*
   * (specificity comes before the store). */
  const ac_cb_visit_rule swapped[] = {
      {7, "post_service", "LASER-*", false},
      {1, "post_service", "*", true},
  };
  PICK1(swapped, "LASER-FACE", 1, "post_service", 7);
  PICK1(swapped, "FACIAL-01", 1, "post_service", 1);
}
END_TEST

START_TEST(pick_most_characters_other_than_star) {
  const ac_cb_visit_rule rules[] = {
      {1, "post_service", "*", true},
      {2, "post_service", "L*", false},
      {3, "post_service", "LASER*", false},
      {4, "post_service", "LASER-*", false},
      {5, "post_service", "*-FACE", true},       /* 5 characters */
      {6, "post_service", "L*A*S*E*R*-*F*", false}, /* 7 characters */
      {7, "post_service", "LASER-FACE", false},   /* 10 */
  };
  PICK1(rules, "LASER-FACE", 1, "post_service", 7);
  PICK1(rules, "LASER-FOOT", 1, "post_service", 6);
  PICK1(rules, "LASER-EYE", 1, "post_service", 4);
  PICK1(rules, "LASERS", 1, "post_service", 3);
  PICK1(rules, "LIFT", 1, "post_service", 2);
  PICK1(rules, "MASK-FACE", 1, "post_service", 5);
  PICK1(rules, "MASK", 1, "post_service", 1);
  /* Fewer stars are not what counts: "L*A*S*E*R*-*F*" (7) beats "LASER-*"
   * (6) despite its many stars. */
  PICK1(rules, "LASER-FX", 1, "post_service", 6);
}
END_TEST

START_TEST(pick_store_rule_beats_chain_rule_of_equal_specificity) {
  const ac_cb_visit_rule rules[] = {
      {1, "post_service", "*", false},
      {9, "post_service", "*", true},
      {2, "routine", "LASER-*", false},
      {8, "routine", "*-FACE", true},
      {3, "routine", "FACIAL*", false}, /* 6, same as LASER-* */
      {10, "routine", "FACIA*", true},  /* 5 */
  };
  const char *kinds[] = {"post_service", "routine"};
  /* post_service: store '*' (id 9) beats chain '*' (id 1) despite its id. */
  /* routine on LASER-FACE: chain LASER-* (6) beats store *-FACE (5). */
  expect_pick(rules, COUNT(rules), "LASER-FACE", 2, kinds, (const int64_t[]){9, 2}, 2);
  /* routine on FACIAL-FACE: chain FACIAL* (6) beats store FACIA* (5) and
   * store *-FACE (5). */
  expect_pick(rules, COUNT(rules), "FACIAL-FACE", 2, kinds, (const int64_t[]){9, 3}, 2);
  /* routine on FACIALS: only the FACI* rules match. */
  expect_pick(rules, COUNT(rules), "FACIALS", 2, kinds, (const int64_t[]){9, 3}, 2);
  /* routine on FACIA: only the store's FACIA*. */
  expect_pick(rules, COUNT(rules), "FACIA", 2, kinds, (const int64_t[]){9, 10}, 2);
  /* Equal specificity, store vs chain, in both orders. */
  const ac_cb_visit_rule eq[] = {
      {1, "post_service", "LASER-*", false},
      {2, "post_service", "*-FACE", true}, /* 5 */
      {3, "post_service", "*R-FACE", true}, /* 6: equal to LASER-* */
  };
  PICK1(eq, "LASER-FACE", 1, "post_service", 3);
  const ac_cb_visit_rule eq2[] = {
      {3, "post_service", "*R-FACE", true},
      {2, "post_service", "*-FACE", true},
      {1, "post_service", "LASER-*", false},
  };
  PICK1(eq2, "LASER-FACE", 1, "post_service", 3);
}
END_TEST

START_TEST(pick_lowest_id_breaks_ties) {
  const ac_cb_visit_rule chain[] = {
      {12, "post_service", "*", false},
      {5, "post_service", "*", false},
      {30, "post_service", "*", false},
  };
  PICK1(chain, "ANY", 1, "post_service", 5);
  const ac_cb_visit_rule store[] = {
      {40, "routine", "LASER-*", true},
      {41, "routine", "*-FACE", true},
      {22, "routine", "*R-FACE", true},
      {23, "routine", "LAS*ACE", true},
  };
  /* LASER-* (6), *R-FACE (6) and LAS*ACE (6) tie: the lowest id, 22. */
  PICK1(store, "LASER-FACE", 1, "routine", 22);
  PICK1(store, "LASER-EYE", 1, "routine", 40);
}
END_TEST

START_TEST(pick_non_matching_rules_are_never_chosen) {
  const ac_cb_visit_rule rules[] = {
      {1, "post_service", "LASER-*", true},
      {2, "routine", "FACIAL-*", false},
      {3, "unconverted", "X", true},
  };
  size_t chosen[3] = {99, 99, 99};
  ck_assert_uint_eq(ac_cb_pick_visit_rules(rules, COUNT(rules), "PEEL-01", chosen), 0);
  /* A kind whose only matching rule is the one: nothing else. */
  PICK1(rules, "LASER-EYE", 1, "post_service", 1);
  PICK1(rules, "LASER-EYE", 1, "routine", 0);
  PICK1(rules, "X", 1, "unconverted", 3);
  PICK1(rules, "x", 1, "unconverted", 3);
  PICK1(rules, "XX", 0, "unconverted", 0);
  /* The empty code matches only '*'-only patterns. */
  PICK1(rules, "", 0, "post_service", 0);
  /* No rules at all. */
  ck_assert_uint_eq(ac_cb_pick_visit_rules(rules, 0, "LASER-EYE", chosen), 0);
  /* A very specific rule that does not match does not hide a '*' one. */
  const ac_cb_visit_rule hidden[] = {
      {1, "post_service", "LASER-FACE-DELUXE", true},
      {2, "post_service", "*", false},
  };
  PICK1(hidden, "LASER-FACE", 1, "post_service", 2);
}
END_TEST

START_TEST(pick_several_kinds_at_once) {
  /* The defaults of the migration plus a store's laser and facial rules. */
  const ac_cb_visit_rule rules[] = {
      {1, "post_service", "*", false}, {2, "routine", "*", false},
      {6, "unconverted", "*", false},  {20, "post_service", "LASER-*", true},
      {21, "routine", "FACIAL-*", true}, {22, "reminder", "LASER-*", true},
      {23, "reminder", "laser-face", false},
  };
  const char *kinds[] = {"post_service", "routine", "unconverted", "reminder", "holiday"};
  expect_pick(rules, COUNT(rules), "LASER-FACE", 4, kinds, (const int64_t[]){20, 2, 6, 23, 0}, 5);
  expect_pick(rules, COUNT(rules), "LASER-EYE", 4, kinds, (const int64_t[]){20, 2, 6, 22, 0}, 5);
  expect_pick(rules, COUNT(rules), "FACIAL-01", 3, kinds, (const int64_t[]){1, 21, 6, 0, 0}, 5);
  expect_pick(rules, COUNT(rules), "PEEL", 3, kinds, (const int64_t[]){1, 2, 6, 0, 0}, 5);
}
END_TEST

START_TEST(pick_null_pattern_is_star) {
  const ac_cb_visit_rule rules[] = {
      {3, "post_service", NULL, false},
      {4, "post_service", "LASER-*", false},
  };
  PICK1(rules, "FACIAL-01", 1, "post_service", 3);
  PICK1(rules, "", 1, "post_service", 3);
  PICK1(rules, "LASER-EYE", 1, "post_service", 4);
  /* A null pattern ties with '*': then the store, then the id. */
  const ac_cb_visit_rule ties[] = {
      {5, "routine", "*", false},
      {3, "routine", NULL, false},
      {9, "post_service", NULL, true},
      {8, "post_service", "*", false},
      {2, "reminder", "*", true},
      {7, "reminder", NULL, true},
  };
  const char *kinds[] = {"routine", "post_service", "reminder"};
  expect_pick(ties, COUNT(ties), "ANY", 3, kinds, (const int64_t[]){3, 9, 2}, 3);
}
END_TEST

START_TEST(pick_does_not_depend_on_rule_order) {
  const ac_cb_visit_rule base[] = {
      {11, "post_service", "*", false},      {12, "post_service", "*", true},
      {13, "post_service", "LASER-*", false}, {14, "post_service", "*R-FACE", true},
      {15, "post_service", "LASER*", true},  {16, "routine", "*", false},
      {10, "routine", "*", false},
  };
  enum { N = COUNT(base) };
  const char *kinds[] = {"post_service", "routine"};
  /* Every rotation and its reverse. */
  for (size_t rot = 0; rot < N; rot++)
    for (int rev = 0; rev < 2; rev++) {
      ac_cb_visit_rule rules[N];
      for (size_t i = 0; i < N; i++)
        rules[i] = base[rev ? (N - 1 - (i + rot) % N) : (i + rot) % N];
      expect_pick(rules, N, "LASER-FACE", 2, kinds, (const int64_t[]){14, 10}, 2);
      expect_pick(rules, N, "LASER-EYE", 2, kinds, (const int64_t[]){13, 10}, 2);
      expect_pick(rules, N, "PEEL", 2, kinds, (const int64_t[]){12, 10}, 2);
    }
}
END_TEST

/* ---- ac_cb_add_local_days -------------------------------------------------- */

static const ac_tz *zone(const char *name) {
  const ac_tz *tz = ac_tz_get(name);
  ck_assert_msg(tz != NULL, "zone %s not found under /usr/share/zoneinfo", name);
  return tz;
}

#define ADD(tz, from, days, want)                                                              \
  do {                                                                                         \
    int64_t got_ = ac_cb_add_local_days((tz), (from), (days));                                 \
    ck_assert_msg(got_ == (int64_t)(want), "%lld %+d days: got %lld, want %lld",               \
                  (long long)(from), (days), (long long)got_, (long long)(want));              \
  } while (0)

START_TEST(add_days_in_utc) {
  ac_tz utc;
  ac_tz_fixed(&utc, "UTC", 0);
  static const int64_t from[] = {0, 1774688400, 1792828800, 1795435200, 951782400 /* 2000-02-29 */};
  static const int days[] = {0, 1, 3, 7, 30, 365, -1, -30};
  for (size_t i = 0; i < COUNT(from); i++)
    for (size_t d = 0; d < COUNT(days); d++) {
      ADD(NULL, from[i], days[d], from[i] + (int64_t)days[d] * 86400);
      ADD(&utc, from[i], days[d], from[i] + (int64_t)days[d] * 86400);
    }
  /* 2026-03-28T10:00Z + 1 day: Berlin's change means nothing in UTC. */
  ADD(NULL, 1774692000, 1, 1774778400);
}
END_TEST

START_TEST(add_days_in_shanghai) {
  const ac_tz *sh = zone("Asia/Shanghai");
  /* 2026-11-23 20:00 +0800 */
  ADD(sh, 1795435200, 0, 1795435200);
  ADD(sh, 1795435200, 1, 1795435200 + 1 * 86400);
  ADD(sh, 1795435200, 3, 1795435200 + 3 * 86400);
  ADD(sh, 1795435200, 7, 1795435200 + 7 * 86400);
  ADD(sh, 1795435200, 30, 1795435200 + 30 * 86400);
  ADD(sh, 1795435200, 365, 1795435200 + 365 * 86400);
  ADD(sh, 1795435200, -1, 1795435200 - 86400);
  /* 2026-12-31 23:30 +0800 + 30 -> 2027-01-30 23:30 +0800 (across the
   * year and a UTC date line). */
  ADD(sh, 1798731000, 30, 1801323000);
  /* Berlin's and New York's change days are ordinary days in Shanghai:
   * 2026-03-28 10:00 +0800 = 02:00Z. */
  ADD(sh, 1774663200, 1, 1774663200 + 86400);
  ADD(sh, 1792807200, 1, 1792807200 + 86400);
  /* A loaded (not cached) zone agrees. */
  ac_tz own;
  ck_assert(ac_tz_load(&own, "Asia/Shanghai"));
  ADD(&own, 1795435200, 3, 1795435200 + 3 * 86400);
  ac_tz_free(&own);
}
END_TEST

START_TEST(add_days_across_berlin_spring_forward) {
  const ac_tz *be = zone("Europe/Berlin");
  /* Sat 2026-03-28 10:00 +0100 -> Sun 2026-03-29 10:00 +0200: 23 h. */
  ADD(be, 1774688400, 1, 1774771200);
  /* -> Mon 2026-03-30 10:00 +0200 */
  ADD(be, 1774688400, 2, 1774857600);
  /* Fri 2026-03-27 10:00 +0100 + 3 -> Mon 10:00 +0200 */
  ADD(be, 1774602000, 3, 1774857600);
  /* and back */
  ADD(be, 1774857600, -3, 1774602000);
  ADD(be, 1774771200, -1, 1774688400);
  /* Sun 2026-03-15 10:00 +0100 + 30 -> Tue 2026-04-14 10:00 +0200 */
  ADD(be, 1773565200, 30, 1776153600);
  /* Sat 23:30 +0100 -> Sun 23:30 +0200 */
  ADD(be, 1774737000, 1, 1774819800);
  /* Sat 2026-03-28 00:30 +0100 -> Sun 00:30 +0100, before the change
   * (1774740600): a full 24 h. */
  ADD(be, 1774740600 - 86400, 1, 1774740600);
}
END_TEST

START_TEST(add_days_across_berlin_fall_back) {
  const ac_tz *be = zone("Europe/Berlin");
  /* Sat 2026-10-24 10:00 +0200 -> Sun 2026-10-25 10:00 +0100: 25 h. */
  ADD(be, 1792828800, 1, 1792918800);
  /* -> Mon 2026-10-26 10:00 +0100 */
  ADD(be, 1792828800, 2, 1793005200);
  ADD(be, 1793005200, -2, 1792828800);
  ADD(be, 1792918800, -1, 1792828800);
  /* Wed 2026-07-01 10:00 +0200 + 180 -> Mon 2026-12-28 10:00 +0100 */
  ADD(be, 1782892800, 180, 1798448400);
  ADD(be, 1798448400, -180, 1782892800);
}
END_TEST

START_TEST(add_days_across_new_york_changes) {
  const ac_tz *ny = zone("America/New_York");
  /* Sat 2026-03-07 10:00 -0500 -> Sun 2026-03-08 10:00 -0400: 23 h. */
  ADD(ny, 1772895600, 1, 1772978400);
  ADD(ny, 1772978400, -1, 1772895600);
  /* Sat 2026-02-28 23:30 -0500 + 8 -> Sun 2026-03-08 23:30 -0400: the
   * 23:30 local is the next UTC day. */
  ADD(ny, 1772339400, 8, 1773027000);
  /* Sat 2026-10-31 10:00 -0400 -> Sun 2026-11-01 10:00 -0500: 25 h. */
  ADD(ny, 1793455200, 1, 1793545200);
  ADD(ny, 1793545200, -1, 1793455200);
  /* 2026-03-07 10:00 EST + 365 days -> 2027-03-07 10:00 EST (before the
   * 2027 change on 14 March): 365 x 24 h. */
  ADD(ny, 1772895600, 365, 1772895600 + 365 * 86400);
}
END_TEST

/* A local time that does not exist on the target day. Berlin skips
 * 02:00-03:00 on 2026-03-29 and New York 02:00-03:00 on 2026-03-08. We
 * assert what a wall clock does: the time is read with the offset before
 * the change, so 02:30 becomes 03:30 summer time -- exactly 24 h after
 * 02:30 the day before. (The contract does not say; this is the usual
 * choice, also that of mktime with tm_isdst = 0.) */
START_TEST(add_days_into_a_spring_forward_gap) {
  const ac_tz *be = zone("Europe/Berlin");
  /* Sat 2026-03-28 02:30 +0100 + 1 -> Sun 2026-03-29 03:30 +0200 */
  ADD(be, 1774661400, 1, 1774747800);
  const ac_tz *ny = zone("America/New_York");
  /* Sat 2026-03-07 02:30 -0500 + 1 -> Sun 2026-03-08 03:30 -0400 */
  ADD(ny, 1772868600, 1, 1772955000);
  /* Said as a property: the result is on the right local day, between
   * 03:00 and 04:00 local time (not before the gap, nor a day off). */
  int64_t got = ac_cb_add_local_days(be, 1774661400, 1);
  int64_t local = got + ac_tz_offset(be, got);
  ck_assert_int_eq(local / 86400, (1774661400 + 3600) / 86400 + 1);
  ck_assert_int_ge(local % 86400, 3 * 3600);
  ck_assert_int_lt(local % 86400, 4 * 3600);
  /* The day after the gap, 02:30 exists again: Mon 02:30 +0200. */
  ADD(be, 1774661400, 2, 1774661400 + 2 * 86400 - 3600);
}
END_TEST

/* A local time that exists twice on the target day: either instant shows
 * 02:30 on the wall; both are accepted (the contract does not choose). */
START_TEST(add_days_into_a_fall_back_overlap) {
  const ac_tz *be = zone("Europe/Berlin");
  /* Sat 2026-10-24 02:30 +0200 + 1 -> Sun 2026-10-25 02:30, +0200
   * (1792888200) or +0100 (1792891800). */
  int64_t got = ac_cb_add_local_days(be, 1792801800, 1);
  ck_assert_msg(got == 1792888200 || got == 1792891800, "got %lld", (long long)got);
  const ac_tz *ny = zone("America/New_York");
  /* Sat 2026-10-31 01:30 -0400 + 1 -> Sun 2026-11-01 01:30, -0400
   * (1793511000) or -0500 (1793514600). */
  got = ac_cb_add_local_days(ny, 1793424600, 1);
  ck_assert_msg(got == 1793511000 || got == 1793514600, "got %lld", (long long)got);
  /* From either occurrence, the next day is the one 02:30 +0100. */
  ADD(be, 1792888200, 1, 1792978200);
  ADD(be, 1792891800, 1, 1792978200);
  /* And zero days is the instant itself, whichever occurrence it is. */
  ADD(be, 1792888200, 0, 1792888200);
  ADD(be, 1792891800, 0, 1792891800);
  ADD(ny, 1793511000, 0, 1793511000);
  ADD(ny, 1793514600, 0, 1793514600);
}
END_TEST

/* Every day of 2026 in three zones, at several times of day that exist on
 * every day there, plus -30..60 days: the same local time of day on the
 * local date `days` later. */
START_TEST(add_days_keeps_the_local_time_all_year) {
  static const char *const names[] = {"Asia/Shanghai", "Europe/Berlin", "America/New_York"};
  static const int tods[] = {0 * 3600 + 30 * 60, 10 * 3600, 17 * 3600 + 45 * 60,
                             23 * 3600 + 30 * 60};
  const int64_t jan1 = 1767225600; /* 2026-01-01T00:00Z */
  for (size_t z = 0; z < COUNT(names); z++) {
    const ac_tz *tz = zone(names[z]);
    for (int day = 0; day < 365; day++)
      for (size_t k = 0; k < COUNT(tods); k++) {
        /* The instant of local `day` at tods[k]: from the offset at noon
         * UTC that day (no change in these zones falls on a local time in
         * tods, so the offset at the instant is the same). */
        int64_t local = jan1 + (int64_t)day * 86400 + tods[k];
        int64_t from = local - ac_tz_offset(tz, local - ac_tz_offset(tz, local));
        ck_assert_int_eq(from + ac_tz_offset(tz, from), local);
        for (int days = -30; days <= 60; days += 1) {
          int64_t got = ac_cb_add_local_days(tz, from, days);
          int64_t want_local = local + (int64_t)days * 86400;
          ck_assert_msg(got + ac_tz_offset(tz, got) == want_local,
                        "%s day %d %d s %+d days: %lld is local %lld, want %lld", names[z], day,
                        tods[k], days, (long long)got, (long long)(got + ac_tz_offset(tz, got)),
                        (long long)want_local);
        }
      }
  }
}
END_TEST

/* ---- ac_cb_sampled ---------------------------------------------------------- */

START_TEST(sampled_all_at_100_none_at_0) {
  char buf[64];
  for (int i = 0; i < 2000; i++) {
    snprintf(buf, sizeof buf, "visit:%d:post_service", i);
    ck_assert_msg(ac_cb_sampled(buf, 100), "%s at 100", buf);
    ck_assert_msg(ac_cb_sampled(buf, 101), "%s at 101", buf);
    ck_assert_msg(ac_cb_sampled(buf, INT_MAX), "%s at INT_MAX", buf);
    ck_assert_msg(!ac_cb_sampled(buf, 0), "%s at 0", buf);
    ck_assert_msg(!ac_cb_sampled(buf, -1), "%s at -1", buf);
    ck_assert_msg(!ac_cb_sampled(buf, INT_MIN), "%s at INT_MIN", buf);
  }
  ck_assert(ac_cb_sampled("", 100));
  ck_assert(!ac_cb_sampled("", 0));
  ck_assert(ac_cb_sampled("激光-面部", 100));
  ck_assert(!ac_cb_sampled("激光-面部", 0));
}
END_TEST

START_TEST(sampled_is_deterministic_per_occasion) {
  static const int pcts[] = {1, 15, 50, 99};
  char a[64], b[64];
  int differ = 0;
  for (int i = 0; i < 1000; i++)
    for (size_t p = 0; p < COUNT(pcts); p++) {
      snprintf(a, sizeof a, "store:3/customer:%d/unconverted/visit:%d", i, 7 * i);
      memcpy(b, a, sizeof a); /* the same text elsewhere */
      bool first = ac_cb_sampled(a, pcts[p]);
      for (int again = 0; again < 3; again++) {
        ck_assert_msg(ac_cb_sampled(a, pcts[p]) == first, "%s at %d changed", a, pcts[p]);
        ck_assert_msg(ac_cb_sampled(b, pcts[p]) == first, "%s at %d: copy differs", a, pcts[p]);
      }
      differ += first != ac_cb_sampled(a, pcts[(p + 1) % COUNT(pcts)]);
    }
  ck_assert(differ > 0); /* the percentage matters */
}
END_TEST

static double fraction_in(const char *fmt, int pct, int n) {
  char buf[96];
  int in = 0;
  for (int i = 0; i < n; i++) {
    snprintf(buf, sizeof buf, fmt, i);
    in += ac_cb_sampled(buf, pct);
  }
  return 100.0 * in / n;
}

START_TEST(sampled_fraction_is_about_pct) {
  /* 10,000 distinct occasions in a few shapes: within 3 points of pct (the
   * standard deviation at 50 % is 0.5 points). */
  static const char *const fmts[] = {"%d", "visit:%d", "visit:%d:post_service",
                                     "store:1/customer:%d/unconverted", "ticket-%d-resolution-1",
                                     "客户%d-生日-2026"};
  static const int pcts[] = {15, 50};
  for (size_t f = 0; f < COUNT(fmts); f++)
    for (size_t p = 0; p < COUNT(pcts); p++) {
      double got = fraction_in(fmts[f], pcts[p], 10000);
      ck_assert_msg(got >= pcts[p] - 3.0 && got <= pcts[p] + 3.0, "\"%s\" at %d %%: %.2f %% in",
                    fmts[f], pcts[p], got);
    }
  /* The extremes stay sensible too. */
  double one = fraction_in("visit:%d:unconverted", 1, 10000);
  ck_assert_msg(one > 0.2 && one < 2.0, "at 1 %%: %.2f %% in", one);
  double most = fraction_in("visit:%d:unconverted", 99, 10000);
  ck_assert_msg(most > 98.0 && most < 99.8, "at 99 %%: %.2f %% in", most);
}
END_TEST

/* ---- ac_cb_after_attempt ------------------------------------------------------ */

START_TEST(after_attempt_every_outcome) {
  for (size_t o = 0; o < NOUTCOMES; o++) {
    bool reached = strcmp(OUTCOMES[o], "reached") == 0;
    for (int failed = 0; failed <= 2; failed++) {
      /* Nothing reached before: the third attempt without reached makes it
       * unreachable; a reached one never does. */
      ac_cb_status want = !reached && failed == 2 ? AC_CB_UNREACHABLE : AC_CB_PENDING;
      ck_assert_msg(ac_cb_after_attempt(failed, false, OUTCOMES[o]) == want,
                    "%s after %d failed attempts: %d, want %d", OUTCOMES[o], failed,
                    ac_cb_after_attempt(failed, false, OUTCOMES[o]), want);
      /* Once reached, the task stays pending whatever follows. */
      ck_assert_msg(ac_cb_after_attempt(failed, true, OUTCOMES[o]) == AC_CB_PENDING,
                    "%s after %d failed attempts and a reached one", OUTCOMES[o], failed);
    }
    /* More failures than ever happen (a reached one among them). */
    ck_assert(ac_cb_after_attempt(5, true, OUTCOMES[o]) == AC_CB_PENDING);
  }
  ck_assert(ac_cb_after_attempt(0, false, "no_answer") == AC_CB_PENDING);
  ck_assert(ac_cb_after_attempt(1, false, "busy") == AC_CB_PENDING);
  ck_assert(ac_cb_after_attempt(2, false, "wrong_number") == AC_CB_UNREACHABLE);
  ck_assert(ac_cb_after_attempt(2, false, "refused") == AC_CB_UNREACHABLE);
  ck_assert(ac_cb_after_attempt(2, false, "left_message") == AC_CB_UNREACHABLE);
  ck_assert(ac_cb_after_attempt(2, false, "reached") == AC_CB_PENDING);
  /* A copy of the text, not the list's pointer. */
  char buf[16];
  snprintf(buf, sizeof buf, "%s", "reached");
  ck_assert(ac_cb_after_attempt(2, false, buf) == AC_CB_PENDING);
}
END_TEST

START_TEST(after_attempt_sequences) {
  /* Play attempts on a task as the route would: count failures without a
   * reached one, stop at the first non-pending status. */
  static const char *const seqs[][4] = {
      {"no_answer", "busy", "left_message", NULL},        /* unreachable at 3 */
      {"no_answer", "reached", "busy", "no_answer"},      /* never */
      {"reached", "no_answer", "no_answer", "no_answer"}, /* never */
      {"busy", "busy", "reached", NULL},                  /* never */
      {"refused", "wrong_number", "no_answer", NULL},     /* unreachable at 3 */
  };
  static const int unreachable_at[] = {3, 0, 0, 0, 3};
  for (size_t s = 0; s < COUNT(seqs); s++) {
    int failed = 0, at = 0;
    bool reached = false;
    for (int i = 0; i < 4 && seqs[s][i]; i++) {
      ac_cb_status st = ac_cb_after_attempt(failed, reached, seqs[s][i]);
      if (strcmp(seqs[s][i], "reached") == 0)
        reached = true;
      else if (!reached)
        failed++;
      if (st == AC_CB_UNREACHABLE) {
        at = i + 1;
        break;
      }
      ck_assert_int_eq(st, AC_CB_PENDING);
    }
    ck_assert_msg(at == unreachable_at[s], "sequence %zu: unreachable at %d, want %d", s, at,
                  unreachable_at[s]);
  }
}
END_TEST

int main(void) {
  Suite *s = suite_create("callback_plan");
  TCase *names = tcase_create("names");
  tcase_add_test(names, kinds_list);
  tcase_add_test(names, statuses_list_follows_the_enum);
  tcase_add_test(names, outcomes_list);
  tcase_add_test(names, triggers_list_follows_the_enum);
  tcase_add_test(names, tiers_list);
  tcase_add_test(names, name_index_refuses_unknown_and_null);
  tcase_add_test(names, marketing_kinds);
  suite_add_tcase(s, names);
  TCase *rules = tcase_create("rule_check");
  tcase_add_test(rules, valid_rule_of_every_trigger);
  tcase_add_test(rules, service_pattern_only_for_visit_and_unconverted);
  tcase_add_test(rules, service_pattern_is_1_to_64_characters);
  tcase_add_test(rules, inactivity_days_required_for_inactivity_refused_otherwise);
  tcase_add_test(rules, profile_date_field_required_for_anniversary_refused_otherwise);
  tcase_add_test(rules, sample_pct_1_to_100);
  tcase_add_test(rules, offsets_hold_1_to_10_days);
  tcase_add_test(rules, offsets_are_distinct);
  tcase_add_test(rules, offset_ranges_per_trigger);
  tcase_add_test(rules, window_hours_1_to_720);
  suite_add_tcase(s, rules);
  TCase *glob = tcase_create("glob");
  tcase_set_timeout(glob, 30);
  tcase_add_test(glob, glob_exact);
  tcase_add_test(glob, glob_prefix_suffix_middle);
  tcase_add_test(glob, glob_multiple_stars);
  tcase_add_test(glob, glob_star_alone_and_empty_text);
  tcase_add_test(glob, glob_ignores_ascii_case);
  tcase_add_test(glob, glob_non_ascii_text);
  tcase_add_test(glob, glob_other_characters_are_literal);
  tcase_add_test(glob, glob_pathological_pattern_finishes_quickly);
  tcase_add_test(glob, specificity_counts_characters_other_than_star);
  tcase_add_test(glob, specificity_counts_characters_not_bytes);
  suite_add_tcase(s, glob);
  TCase *pick = tcase_create("pick_visit_rules");
  tcase_add_test(pick, pick_laser_beats_star_only_for_laser_codes);
  tcase_add_test(pick, pick_most_characters_other_than_star);
  tcase_add_test(pick, pick_store_rule_beats_chain_rule_of_equal_specificity);
  tcase_add_test(pick, pick_lowest_id_breaks_ties);
  tcase_add_test(pick, pick_non_matching_rules_are_never_chosen);
  tcase_add_test(pick, pick_several_kinds_at_once);
  tcase_add_test(pick, pick_null_pattern_is_star);
  tcase_add_test(pick, pick_does_not_depend_on_rule_order);
  suite_add_tcase(s, pick);
  TCase *days = tcase_create("add_local_days");
  tcase_set_timeout(days, 60);
  tcase_add_test(days, add_days_in_utc);
  tcase_add_test(days, add_days_in_shanghai);
  tcase_add_test(days, add_days_across_berlin_spring_forward);
  tcase_add_test(days, add_days_across_berlin_fall_back);
  tcase_add_test(days, add_days_across_new_york_changes);
  tcase_add_test(days, add_days_into_a_spring_forward_gap);
  tcase_add_test(days, add_days_into_a_fall_back_overlap);
  tcase_add_test(days, add_days_keeps_the_local_time_all_year);
  suite_add_tcase(s, days);
  TCase *sample = tcase_create("sampled");
  tcase_add_test(sample, sampled_all_at_100_none_at_0);
  tcase_add_test(sample, sampled_is_deterministic_per_occasion);
  tcase_add_test(sample, sampled_fraction_is_about_pct);
  suite_add_tcase(s, sample);
  TCase *attempt = tcase_create("after_attempt");
  tcase_add_test(attempt, after_attempt_every_outcome);
  tcase_add_test(attempt, after_attempt_sequences);
  suite_add_tcase(s, attempt);
  return ac_unit_run(s);
}
