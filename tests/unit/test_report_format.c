/* Report shapes of docs/contract.md "Reports (issue 6)": the groupings each
 * report takes, key and figure columns, the overview's columns, the period
 * parameters, date text and the CSV answer. The expected values below are
 * written from the contract, not copied from lib/report_format.c. */
#include <check.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report_format.h"
#include "unit_main.h"
#include "validate.h"

#define BOM "\xEF\xBB\xBF"

/* ---- the contract's lists ------------------------------------------------ */

static const char *const TICKET_GROUPS[] = {"store", "category", "severity", "channel",
                                            "assignee", "day",      "week",     "month",
                                            NULL};
static const char *const CALLBACK_GROUPS[] = {"store", "assignee", "kind", "day", NULL};
static const char *const CUSTOMER_GROUPS[] = {"store", "tier", NULL};
static const char *const OVERVIEW_GROUPS[] = {"store", NULL};

/* SPEC.md §6 "Reports": "Columns, by these exact names" in that order */
static const char *const TICKET_FIGS[] = {"created",
                                          "resolved",
                                          "open_at_end",
                                          "first_response_median_min",
                                          "first_response_p90_min",
                                          "resolution_median_min",
                                          "resolution_p90_min",
                                          "first_response_met_pct",
                                          "resolution_met_pct",
                                          "reopened_pct",
                                          "compensation_cents",
                                          "satisfaction_avg",
                                          "nps",
                                          "responses",
                                          NULL};
static const char *const CALLBACK_FIGS[] = {"due",         "completed",        "reached",
                                            "attempted",   "success_rate_pct", "on_time_pct",
                                            "satisfaction_avg", NULL};
static const char *const CUSTOMER_FIGS[] = {"new", "active", "lapsed", "repeat_rate_pct", NULL};
static const char *const OVERVIEW_FIGS[] = {
    "created",          "resolved",         "open_at_end",    "first_response_met_pct",
    "resolution_met_pct", "compensation_cents", "satisfaction_avg", "nps",
    "callbacks_due",    "success_rate_pct", "on_time_pct",    "new_customers",
    "active_customers", "lapsed_customers", NULL};

static const char *const STORE_KEYS[] = {"store_id", "store_code", "store_name", NULL};
static const char *const ASSIGNEE_KEYS[] = {"assignee_id", "assignee_name", NULL};

static const struct {
  const char *name;
  ac_report source;
  const char *from;
} OVERVIEW_COLS[] = {
    {"created", AC_REP_TICKETS, "created"},
    {"resolved", AC_REP_TICKETS, "resolved"},
    {"open_at_end", AC_REP_TICKETS, "open_at_end"},
    {"first_response_met_pct", AC_REP_TICKETS, "first_response_met_pct"},
    {"resolution_met_pct", AC_REP_TICKETS, "resolution_met_pct"},
    {"compensation_cents", AC_REP_TICKETS, "compensation_cents"},
    {"satisfaction_avg", AC_REP_TICKETS, "satisfaction_avg"},
    {"nps", AC_REP_TICKETS, "nps"},
    {"callbacks_due", AC_REP_CALLBACKS, "due"},
    {"success_rate_pct", AC_REP_CALLBACKS, "success_rate_pct"},
    {"on_time_pct", AC_REP_CALLBACKS, "on_time_pct"},
    {"new_customers", AC_REP_CUSTOMERS, "new"},
    {"active_customers", AC_REP_CUSTOMERS, "active"},
    {"lapsed_customers", AC_REP_CUSTOMERS, "lapsed"},
};
#define N_OVERVIEW_COLS (sizeof OVERVIEW_COLS / sizeof *OVERVIEW_COLS)

static const ac_report REPORTS[] = {AC_REP_TICKETS, AC_REP_CALLBACKS, AC_REP_CUSTOMERS,
                                    AC_REP_OVERVIEW};
static const char *const REPORT_NAMES[] = {"tickets", "callbacks", "customers", "overview"};

static const char *const *contract_groups(ac_report r) {
  switch (r) {
  case AC_REP_TICKETS:
    return TICKET_GROUPS;
  case AC_REP_CALLBACKS:
    return CALLBACK_GROUPS;
  case AC_REP_CUSTOMERS:
    return CUSTOMER_GROUPS;
  default:
    return OVERVIEW_GROUPS;
  }
}

static const char *const *contract_figures(ac_report r) {
  switch (r) {
  case AC_REP_TICKETS:
    return TICKET_FIGS;
  case AC_REP_CALLBACKS:
    return CALLBACK_FIGS;
  case AC_REP_CUSTOMERS:
    return CUSTOMER_FIGS;
  default:
    return OVERVIEW_FIGS;
  }
}

/* The contract's key columns of a grouping it names. */
static const char *const *contract_keys(const char *group_by) {
  static const char *const SINGLE[][2] = {{"category", NULL}, {"severity", NULL},
                                          {"channel", NULL},  {"kind", NULL},
                                          {"tier", NULL},     {"day", NULL},
                                          {"week", NULL},     {"month", NULL}};
  if (strcmp(group_by, "store") == 0)
    return STORE_KEYS;
  if (strcmp(group_by, "assignee") == 0)
    return ASSIGNEE_KEYS;
  for (size_t i = 0; i < sizeof SINGLE / sizeof *SINGLE; i++)
    if (strcmp(SINGLE[i][0], group_by) == 0)
      return SINGLE[i];
  ck_abort_msg("no such grouping in the contract: %s", group_by);
  return NULL;
}

/* ---- helpers --------------------------------------------------------------- */

static size_t count(const char *const *list) {
  size_t n = 0;
  while (list[n])
    n++;
  return n;
}

static void assert_list(const char *const *got, const char *const *want, const char *what) {
  ck_assert_msg(got != NULL, "%s: NULL list", what);
  size_t i = 0;
  for (; want[i]; i++) {
    ck_assert_msg(got[i] != NULL, "%s: ends at %zu, expected \"%s\" there", what, i, want[i]);
    ck_assert_msg(strcmp(got[i], want[i]) == 0, "%s[%zu]: got \"%s\", expected \"%s\"", what, i,
                  got[i], want[i]);
  }
  ck_assert_msg(got[i] == NULL, "%s: extra entry \"%s\" at %zu", what, got[i], i);
}

/* Printable form of CSV text for failure messages. */
static char *visible(const char *s) {
  size_t n = strlen(s);
  char *out = malloc(n * 4 + 1), *o = out;
  ck_assert_ptr_nonnull(out);
  for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
    if (*p == '\r') {
      *o++ = '\\', *o++ = 'r';
    } else if (*p == '\n') {
      *o++ = '\\', *o++ = 'n';
    } else if (*p < 0x20 || *p == 0x7f) {
      o += sprintf(o, "\\x%02X", *p);
    } else {
      *o++ = (char)*p;
    }
  }
  *o = '\0';
  return out;
}

/* Asserts the CSV of answer (reference stolen) is exactly want. */
static void expect_csv_at(json_t *answer, ac_report r, const char *group_by, const char *want,
                          int line) {
  char *got = ac_report_csv(answer, r, group_by);
  ck_assert_msg(got != NULL, "line %d: ac_report_csv returned NULL", line);
  if (strcmp(got, want) != 0) {
    char *g = visible(got), *w = visible(want);
    ck_abort_msg("line %d (%s, group_by %s):\n got: %s\nwant: %s", line,
                 REPORT_NAMES[r], group_by ? group_by : "(null)", g, w);
  }
  free(got);
  json_decref(answer);
}
#define expect_csv(answer, r, g, want) expect_csv_at((answer), (r), (g), (want), __LINE__)

/* {items: [...], total: {...}} with both taken over. */
static json_t *answer_of(json_t *items, json_t *total) {
  json_t *a = json_object();
  json_object_set_new(a, "period", json_pack("{s:s, s:s}", "from", "2026-11-01", "to", "2026-11-30"));
  json_object_set_new(a, "items", items);
  json_object_set_new(a, "total", total);
  return a;
}

/* The text json_dumps writes for v with the answer's flags (malloc'd). */
static char *dumped(const json_t *v) {
  char *s = json_dumps(v, JSON_ENCODE_ANY | AC_REPORT_JSON_FLAGS);
  ck_assert_ptr_nonnull(s);
  return s;
}

/* Appends s to a growing buffer. */
static void cat(char *buf, size_t size, const char *s) {
  size_t len = strlen(buf);
  ck_assert_msg(len + strlen(s) < size, "test buffer too small");
  memcpy(buf + len, s, strlen(s) + 1);
}

/* BOM, header of keys then figures, and the line of an empty total. */
static void header_and_empty_total(char *buf, size_t size, const char *const *keys,
                                   const char *const *figs) {
  buf[0] = '\0';
  cat(buf, size, BOM);
  for (size_t i = 0; keys[i]; i++) {
    if (i)
      cat(buf, size, ",");
    cat(buf, size, keys[i]);
  }
  for (size_t i = 0; figs[i]; i++) {
    cat(buf, size, ",");
    cat(buf, size, figs[i]);
  }
  cat(buf, size, "\r\n");
}

static void empty_total_line(char *buf, size_t size, size_t n_keys, size_t n_figs) {
  cat(buf, size, "total");
  for (size_t i = 1; i < n_keys; i++)
    cat(buf, size, ",");
  for (size_t i = 0; i < n_figs; i++)
    cat(buf, size, ",");
  cat(buf, size, "\r\n");
}

/* ---- groupings, figures, key columns -------------------------------------- */

START_TEST(groupings_per_report_exactly_first_is_default) {
  assert_list(ac_report_groupings(AC_REP_TICKETS), TICKET_GROUPS, "tickets groupings");
  assert_list(ac_report_groupings(AC_REP_CALLBACKS), CALLBACK_GROUPS, "callbacks groupings");
  assert_list(ac_report_groupings(AC_REP_CUSTOMERS), CUSTOMER_GROUPS, "customers groupings");
  assert_list(ac_report_groupings(AC_REP_OVERVIEW), OVERVIEW_GROUPS, "overview groupings");
  for (size_t i = 0; i < 4; i++)
    ck_assert_str_eq(ac_report_groupings(REPORTS[i])[0], "store");
}
END_TEST

START_TEST(groupings_have_no_duplicates) {
  for (size_t r = 0; r < 4; r++) {
    const char *const *g = ac_report_groupings(REPORTS[r]);
    for (size_t i = 0; g[i]; i++)
      for (size_t j = i + 1; g[j]; j++)
        ck_assert_msg(strcmp(g[i], g[j]) != 0, "%s: %s twice", REPORT_NAMES[r], g[i]);
  }
}
END_TEST

START_TEST(ticket_figures_in_contract_order) {
  assert_list(ac_report_figures(AC_REP_TICKETS), TICKET_FIGS, "tickets figures");
}
END_TEST

START_TEST(callback_figures_in_contract_order) {
  assert_list(ac_report_figures(AC_REP_CALLBACKS), CALLBACK_FIGS, "callbacks figures");
}
END_TEST

START_TEST(customer_figures_in_contract_order) {
  assert_list(ac_report_figures(AC_REP_CUSTOMERS), CUSTOMER_FIGS, "customers figures");
}
END_TEST

START_TEST(overview_figures_in_contract_order) {
  assert_list(ac_report_figures(AC_REP_OVERVIEW), OVERVIEW_FIGS, "overview figures");
}
END_TEST

START_TEST(figures_never_repeat_a_key_column) {
  /* A CSV header must not name a column twice. */
  for (size_t r = 0; r < 4; r++) {
    const char *const *figs = ac_report_figures(REPORTS[r]);
    const char *const *groups = ac_report_groupings(REPORTS[r]);
    for (size_t i = 0; figs[i]; i++) {
      for (size_t j = i + 1; figs[j]; j++)
        ck_assert_msg(strcmp(figs[i], figs[j]) != 0, "%s: %s twice", REPORT_NAMES[r], figs[i]);
      for (size_t g = 0; groups[g]; g++) {
        const char *const *keys = ac_report_key_columns(groups[g]);
        for (size_t k = 0; keys[k]; k++)
          ck_assert_msg(strcmp(figs[i], keys[k]) != 0, "%s/%s: %s", REPORT_NAMES[r], groups[g],
                        keys[k]);
      }
    }
  }
}
END_TEST

START_TEST(key_columns_of_every_grouping) {
  assert_list(ac_report_key_columns("store"), STORE_KEYS, "store");
  assert_list(ac_report_key_columns("assignee"), ASSIGNEE_KEYS, "assignee");
  static const char *const ALL[] = {"store", "assignee", "category", "severity", "channel",
                                    "kind",  "tier",     "day",      "week",     "month"};
  for (size_t i = 0; i < sizeof ALL / sizeof *ALL; i++)
    assert_list(ac_report_key_columns(ALL[i]), contract_keys(ALL[i]), ALL[i]);
  for (size_t i = 2; i < sizeof ALL / sizeof *ALL; i++) {
    const char *const want[] = {ALL[i], NULL};
    assert_list(ac_report_key_columns(ALL[i]), want, ALL[i]);
  }
}
END_TEST

START_TEST(every_grouping_of_every_report_has_key_columns) {
  for (size_t r = 0; r < 4; r++) {
    const char *const *g = ac_report_groupings(REPORTS[r]);
    for (size_t i = 0; g[i]; i++) {
      const char *const *keys = ac_report_key_columns(g[i]);
      ck_assert_ptr_nonnull(keys);
      ck_assert_msg(keys[0] != NULL, "%s/%s: no key column", REPORT_NAMES[r], g[i]);
    }
  }
}
END_TEST

START_TEST(null_grouping_is_the_default_store) {
  assert_list(ac_report_key_columns(NULL), STORE_KEYS, "NULL grouping");
}
END_TEST

START_TEST(unknown_grouping_falls_back_to_store) {
  /* Not in the contract (the API refuses an unknown group_by with 400
   * first); the header only promises a NULL-terminated list. */
  assert_list(ac_report_key_columns("region"), STORE_KEYS, "unknown grouping");
  assert_list(ac_report_key_columns(""), STORE_KEYS, "empty grouping");
  assert_list(ac_report_key_columns("Store"), STORE_KEYS, "case differs");
}
END_TEST

/* ---- overview columns ------------------------------------------------------- */

START_TEST(overview_columns_names_sources_and_from) {
  size_t n = 0;
  while (AC_OVERVIEW_COLUMNS[n].name) {
    ck_assert_msg(n < N_OVERVIEW_COLS, "more overview columns than the contract's %zu",
                  N_OVERVIEW_COLS);
    ck_assert_str_eq(AC_OVERVIEW_COLUMNS[n].name, OVERVIEW_COLS[n].name);
    ck_assert_msg(AC_OVERVIEW_COLUMNS[n].source == OVERVIEW_COLS[n].source, "%s: source %d",
                  OVERVIEW_COLS[n].name, (int)AC_OVERVIEW_COLUMNS[n].source);
    ck_assert_ptr_nonnull(AC_OVERVIEW_COLUMNS[n].from);
    ck_assert_str_eq(AC_OVERVIEW_COLUMNS[n].from, OVERVIEW_COLS[n].from);
    n++;
  }
  ck_assert_uint_eq(n, N_OVERVIEW_COLS);
  ck_assert_ptr_null(AC_OVERVIEW_COLUMNS[n].name);
}
END_TEST

START_TEST(overview_columns_match_overview_figures_and_sources) {
  const char *const *figs = ac_report_figures(AC_REP_OVERVIEW);
  size_t n = 0;
  for (; AC_OVERVIEW_COLUMNS[n].name; n++) {
    ck_assert_ptr_nonnull(figs[n]);
    ck_assert_str_eq(AC_OVERVIEW_COLUMNS[n].name, figs[n]);
    /* each `from` is a figure of its source report, per the contract */
    const char *const *src = contract_figures(AC_OVERVIEW_COLUMNS[n].source);
    ck_assert_msg(AC_OVERVIEW_COLUMNS[n].source != AC_REP_OVERVIEW, "%s from the overview",
                  AC_OVERVIEW_COLUMNS[n].name);
    bool found = false;
    for (size_t i = 0; src[i]; i++)
      found |= strcmp(src[i], AC_OVERVIEW_COLUMNS[n].from) == 0;
    ck_assert_msg(found, "%s: %s is no figure of its source", AC_OVERVIEW_COLUMNS[n].name,
                  AC_OVERVIEW_COLUMNS[n].from);
  }
  ck_assert_ptr_null(figs[n]);
}
END_TEST

/* ---- period ------------------------------------------------------------------ */

#define TODAY 20779L /* 2026-11-22 */

typedef struct period {
  const char *field, *message;
  long from, to;
} period;

static period run_period(const char *from, const char *to, long today) {
  period p = {.from = -123456789, .to = -123456789};
  p.field = ac_report_period(from, to, today, &p.from, &p.to, &p.message);
  return p;
}

static void expect_ok_at(const char *from, const char *to, long today, long want_from,
                         long want_to, int line) {
  period p = run_period(from, to, today);
  ck_assert_msg(p.field == NULL, "line %d: from %s to %s: error on %s (%s)", line,
                from ? from : "(null)", to ? to : "(null)", p.field,
                p.message ? p.message : "(no message)");
  ck_assert_msg(p.from == want_from && p.to == want_to,
                "line %d: from %s to %s: got %ld..%ld, want %ld..%ld", line,
                from ? from : "(null)", to ? to : "(null)", p.from, p.to, want_from, want_to);
}
#define expect_ok(f, t, today, wf, wt) expect_ok_at((f), (t), (today), (wf), (wt), __LINE__)

static void expect_error_at(const char *from, const char *to, long today, const char *field,
                            int line) {
  period p = run_period(from, to, today);
  ck_assert_msg(p.field != NULL, "line %d: from %s to %s accepted (%ld..%ld)", line,
                from ? from : "(null)", to ? to : "(null)", p.from, p.to);
  if (field)
    ck_assert_msg(strcmp(p.field, field) == 0, "line %d: from %s to %s: error on %s, want %s",
                  line, from ? from : "(null)", to ? to : "(null)", p.field, field);
  else
    ck_assert_msg(strcmp(p.field, "from") == 0 || strcmp(p.field, "to") == 0,
                  "line %d: error on %s", line, p.field);
  ck_assert_msg(p.message != NULL && p.message[0], "line %d: no message", line);
}
#define expect_error(f, t, today, field) expect_error_at((f), (t), (today), (field), __LINE__)

START_TEST(period_default_is_30_days_ending_today) {
  expect_ok(NULL, NULL, TODAY, TODAY - 29, TODAY);
  expect_ok(NULL, NULL, TODAY, 20750, 20779); /* 2026-10-24 .. 2026-11-22 */
  expect_ok(NULL, NULL, 0, -29, 0);
  expect_ok(NULL, NULL, 21243, 21214, 21243); /* ending 2028-02-29 */
  period p = run_period(NULL, NULL, TODAY);
  ck_assert_int_eq(p.to - p.from + 1, 30);
}
END_TEST

START_TEST(period_only_from) {
  expect_ok("2026-11-01", NULL, TODAY, 20758, TODAY);
  expect_ok("2026-11-22", NULL, TODAY, TODAY, TODAY); /* one day: today */
  expect_ok("2025-11-22", NULL, TODAY, 20414, TODAY); /* 366 days */
  expect_error("2025-11-21", NULL, TODAY, NULL);       /* 367 days */
  expect_error("2026-11-23", NULL, TODAY, "from");     /* after the default to */
  expect_ok("1970-01-01", NULL, 0, 0, 0);
}
END_TEST

START_TEST(period_only_to_today) {
  expect_ok(NULL, "2026-11-22", TODAY, TODAY - 29, TODAY);
}
END_TEST

START_TEST(period_only_to_other_day_ends_there) {
  /* The contract gives the default only as "the 30 local days ending
   * today"; with only `to`, the 30 days ending `to` is the reading that
   * keeps a past `to` usable. */
  expect_ok(NULL, "2026-06-30", TODAY, 20634 - 29, 20634);
  expect_ok(NULL, "2026-03-01", TODAY, 20513 - 29, 20513);
}
END_TEST

START_TEST(period_equal_dates_is_one_day) {
  expect_ok("2026-02-28", "2026-02-28", TODAY, 20512, 20512);
  expect_ok("1970-01-01", "1970-01-01", TODAY, 0, 0);
  expect_ok("2026-12-31", "2026-12-31", TODAY, 20818, 20818); /* the future is allowed */
}
END_TEST

START_TEST(period_both_given_ignore_today) {
  expect_ok("2026-06-01", "2026-06-30", TODAY, 20605, 20634);
  expect_ok("2026-06-01", "2026-06-30", 0, 20605, 20634);
  expect_ok("2026-02-28", "2026-03-01", TODAY, 20512, 20513);
}
END_TEST

START_TEST(period_from_after_to_is_an_error_on_from) {
  expect_error("2026-03-01", "2026-02-28", TODAY, "from");
  expect_error("2026-11-23", "2026-11-22", TODAY, "from");
  expect_error("2030-01-01", "2026-01-01", TODAY, "from"); /* also far apart */
  expect_error("2026-11-22", "2025-11-22", TODAY, "from");
}
END_TEST

START_TEST(period_366_days_allowed_367_refused) {
  expect_ok("2026-01-01", "2027-01-01", TODAY, 20454, 20819);  /* 366 days */
  expect_error("2026-01-01", "2027-01-02", TODAY, NULL);       /* 367 */
  expect_ok("2027-01-01", "2027-12-31", TODAY, 20819, 21183);  /* 365 */
  expect_ok("2028-01-01", "2028-12-31", TODAY, 21184, 21549);  /* a leap year: 366 */
  expect_error("2027-12-31", "2028-12-31", TODAY, NULL);       /* 367 */
  expect_error("1970-01-01", "2026-11-22", TODAY, NULL);
}
END_TEST

START_TEST(period_too_long_names_a_parameter_with_message) {
  period p = run_period("2026-01-01", "2027-01-02", TODAY);
  ck_assert_ptr_nonnull(p.field);
  ck_assert(strcmp(p.field, "from") == 0 || strcmp(p.field, "to") == 0);
  ck_assert_ptr_nonnull(p.message);
  ck_assert(p.message[0] != '\0');
}
END_TEST

static const char *const BAD_DATES[] = {
    "2026-02-30", "2026-13-01", "2026-1-01",  "",           "2026-00-10", "2026-01-00",
    "2026-01-32", "2026-04-31", "2027-02-29", "2100-02-29", "2026/01/01", "20260101",
    "2026-01-1",  "26-01-01",   " 2026-01-01", "2026-01-01 ", "2026-01-01T00:00:00Z",
    "2026-01-01x", "abcd-ef-gh", "2026-0a-01", "today",      "0000-01-01", "-026-01-01",
    "2026-+1-01", "2026--1-01", "２０２６-01-01",
};
#define N_BAD (sizeof BAD_DATES / sizeof *BAD_DATES)

START_TEST(period_bad_from_names_from) {
  for (size_t i = 0; i < N_BAD; i++) {
    period p = run_period(BAD_DATES[i], "2026-11-22", TODAY);
    ck_assert_msg(p.field && strcmp(p.field, "from") == 0, "from \"%s\": %s", BAD_DATES[i],
                  p.field ? p.field : "accepted");
    ck_assert_msg(p.message && p.message[0], "from \"%s\": no message", BAD_DATES[i]);
    p = run_period(BAD_DATES[i], NULL, TODAY);
    ck_assert_msg(p.field && strcmp(p.field, "from") == 0, "only from \"%s\": %s",
                  BAD_DATES[i], p.field ? p.field : "accepted");
  }
}
END_TEST

START_TEST(period_bad_to_names_to) {
  for (size_t i = 0; i < N_BAD; i++) {
    period p = run_period("2026-11-01", BAD_DATES[i], TODAY);
    ck_assert_msg(p.field && strcmp(p.field, "to") == 0, "to \"%s\": %s", BAD_DATES[i],
                  p.field ? p.field : "accepted");
    ck_assert_msg(p.message && p.message[0], "to \"%s\": no message", BAD_DATES[i]);
    p = run_period(NULL, BAD_DATES[i], TODAY);
    ck_assert_msg(p.field && strcmp(p.field, "to") == 0, "only to \"%s\": %s", BAD_DATES[i],
                  p.field ? p.field : "accepted");
  }
}
END_TEST

START_TEST(period_both_bad_is_an_error) {
  expect_error("2026-02-30", "2026-13-01", TODAY, NULL);
  expect_error("", "", TODAY, NULL);
}
END_TEST

START_TEST(period_leap_days) {
  expect_ok("2028-02-29", "2028-03-01", TODAY, 21243, 21244);
  expect_ok("2028-02-01", "2028-02-29", TODAY, 21243 - 28, 21243);
  expect_ok("2000-02-29", "2000-02-29", TODAY, 11016, 11016);
  expect_error("2027-02-29", "2027-03-01", TODAY, "from");
  expect_error("2027-02-01", "2027-02-29", TODAY, "to");
  expect_error("2100-02-29", "2100-03-01", TODAY, "from");
}
END_TEST

/* ---- date text ----------------------------------------------------------------- */

static void expect_date_at(long day, const char *want, int line) {
  char buf[11];
  memset(buf, 'x', sizeof buf);
  ac_report_date_text(day, buf, sizeof buf);
  ck_assert_msg(memchr(buf, '\0', sizeof buf) != NULL, "line %d: day %ld: not terminated", line,
                day);
  ck_assert_msg(strcmp(buf, want) == 0, "line %d: day %ld: got %s, want %s", line, day, buf,
                want);
}
#define expect_date(day, want) expect_date_at((day), (want), __LINE__)

START_TEST(date_text_fixed_points) {
  expect_date(0, "1970-01-01");
  expect_date(1, "1970-01-02");
  expect_date(31, "1970-02-01");
  expect_date(364, "1970-12-31");
  expect_date(365, "1971-01-01");
  expect_date(-1, "1969-12-31");
  expect_date(-365, "1969-01-01");
  expect_date(-25567, "1900-01-01");
  expect_date(-719162, "0001-01-01");
  expect_date(-135081, "1600-02-29");
  expect_date(10957, "2000-01-01");
  expect_date(11016, "2000-02-29");
  expect_date(11017, "2000-03-01");
  expect_date(20779, "2026-11-22");
  expect_date(21243, "2028-02-29");
  expect_date(21244, "2028-03-01");
  expect_date(47540, "2100-02-28");
  expect_date(47541, "2100-03-01");
  expect_date(84370, "2200-12-31");
  expect_date(2932896, "9999-12-31");
}
END_TEST

START_TEST(date_text_larger_buffer) {
  char buf[64];
  memset(buf, 'x', sizeof buf);
  ac_report_date_text(20779, buf, sizeof buf);
  ck_assert_str_eq(buf, "2026-11-22");
}
END_TEST

static bool leap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

START_TEST(date_text_round_trips_every_day_1900_to_2200) {
  static const int MDAYS[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  long day = -25567; /* 1900-01-01 */
  long n = 0;
  for (int y = 1900; y <= 2200; y++)
    for (int m = 1; m <= 12; m++) {
      int last = MDAYS[m - 1] + (m == 2 && leap(y));
      for (int d = 1; d <= last; d++, day++, n++) {
        char want[40], got[11];
        snprintf(want, sizeof want, "%04d-%02d-%02d", y, m, d);
        ac_report_date_text(day, got, sizeof got);
        if (strcmp(got, want) != 0)
          ck_abort_msg("day %ld: got %s, want %s", day, got, want);
        long parsed = -1;
        if (!ac_parse_date(got, &parsed) || parsed != day)
          ck_abort_msg("%s parses to %ld, want %ld", got, parsed, day);
      }
    }
  ck_assert_int_eq(day, 84371); /* 2201-01-01 */
  ck_assert_int_eq(n, 301 * 365 + 73); /* 73 leap years in 1900..2200 */
}
END_TEST

START_TEST(date_text_of_period_bounds) {
  period p = run_period(NULL, NULL, TODAY);
  char a[11], b[11];
  ac_report_date_text(p.from, a, sizeof a);
  ac_report_date_text(p.to, b, sizeof b);
  ck_assert_str_eq(a, "2026-10-24");
  ck_assert_str_eq(b, "2026-11-22");
}
END_TEST

/* ---- CSV ---------------------------------------------------------------------------- */

START_TEST(csv_empty_items_is_header_and_total_for_every_grouping) {
  char want[2048];
  for (size_t r = 0; r < 4; r++) {
    const char *const *groups = contract_groups(REPORTS[r]);
    for (size_t g = 0; groups[g]; g++) {
      const char *const *keys = contract_keys(groups[g]);
      const char *const *figs = contract_figures(REPORTS[r]);
      header_and_empty_total(want, sizeof want, keys, figs);
      empty_total_line(want, sizeof want, count(keys), count(figs));
      expect_csv(answer_of(json_array(), json_object()), REPORTS[r], groups[g], want);
    }
  }
}
END_TEST

START_TEST(csv_customers_header_and_empty_total_exactly) {
  expect_csv(answer_of(json_array(), json_object()), AC_REP_CUSTOMERS, "store",
             BOM "store_id,store_code,store_name,new,active,lapsed,repeat_rate_pct\r\n"
                 "total,,,,,,\r\n");
  expect_csv(answer_of(json_array(), json_object()), AC_REP_CUSTOMERS, "tier",
             BOM "tier,new,active,lapsed,repeat_rate_pct\r\n"
                 "total,,,,\r\n");
  expect_csv(answer_of(json_array(), json_object()), AC_REP_CUSTOMERS, NULL,
             BOM "store_id,store_code,store_name,new,active,lapsed,repeat_rate_pct\r\n"
                 "total,,,,,,\r\n");
}
END_TEST

START_TEST(csv_tickets_by_store) {
  json_t *items = json_pack(
      "[{s:i, s:s, s:s, s:i, s:i, s:i, s:f, s:f, s:f, s:f, s:f, s:f, s:f, s:i, s:f, s:i, s:f}]",
      "store_id", 1, "store_code", "SH01", "store_name", "上海静安店", "created", 40, "resolved",
      35, "open_at_end", 5, "first_response_median_min", 12.5, "first_response_p90_min", 48.0,
      "resolution_median_min", 360.2, "resolution_p90_min", 1440.0, "first_response_met_pct",
      92.5, "resolution_met_pct", 100.0, "reopened_pct", 2.9, "compensation_cents", 150000,
      "satisfaction_avg", 4.25, "responses", 20, "nps", -50.0);
  json_t *total = json_pack(
      "{s:i, s:i, s:i, s:f, s:n, s:f, s:n, s:f, s:n, s:f, s:i, s:n, s:i, s:n}", "created", 40,
      "resolved", 35, "open_at_end", 5, "first_response_median_min", 12.5,
      "first_response_p90_min", "resolution_median_min", 360.2, "resolution_p90_min",
      "first_response_met_pct", 92.5, "resolution_met_pct", "reopened_pct", 2.9,
      "compensation_cents", 150000, "satisfaction_avg", "responses", 0, "nps");
  expect_csv(answer_of(items, total), AC_REP_TICKETS, "store",
             BOM "store_id,store_code,store_name,created,resolved,open_at_end,"
                 "first_response_median_min,first_response_p90_min,resolution_median_min,"
                 "resolution_p90_min,first_response_met_pct,resolution_met_pct,reopened_pct,"
                 "compensation_cents,satisfaction_avg,nps,responses\r\n"
                 "1,SH01,上海静安店,40,35,5,12.5,48.0,360.2,1440.0,92.5,100.0,2.9,150000,4.25,"
                 "-50.0,20\r\n"
                 "total,,,40,35,5,12.5,,360.2,,92.5,,2.9,150000,,,0\r\n");
}
END_TEST

START_TEST(csv_tickets_by_assignee_unassigned_is_empty) {
  json_t *items = json_pack("[{s:i, s:s, s:i}, {s:i, s:s, s:i}, {s:n, s:n, s:i}]", "assignee_id",
                            7, "assignee_name", "王小明", "created", 3, "assignee_id", 9,
                            "assignee_name", "Li, \"Lee\" Wei", "created", 2, "assignee_id",
                            "assignee_name", "created", 1);
  expect_csv(answer_of(items, json_pack("{s:i}", "created", 6)), AC_REP_TICKETS, "assignee",
             BOM "assignee_id,assignee_name,created,resolved,open_at_end,"
                 "first_response_median_min,first_response_p90_min,resolution_median_min,"
                 "resolution_p90_min,first_response_met_pct,resolution_met_pct,reopened_pct,"
                 "compensation_cents,satisfaction_avg,nps,responses\r\n"
                 "7,王小明,3,,,,,,,,,,,,,\r\n"
                 "9,\"Li, \"\"Lee\"\" Wei\",2,,,,,,,,,,,,,\r\n"
                 ",,1,,,,,,,,,,,,,\r\n"
                 "total,,6,,,,,,,,,,,,,\r\n");
}
END_TEST

START_TEST(csv_tickets_time_buckets) {
  const char *figs_header = "created,resolved,open_at_end,first_response_median_min,"
                            "first_response_p90_min,resolution_median_min,resolution_p90_min,"
                            "first_response_met_pct,resolution_met_pct,reopened_pct,"
                            "compensation_cents,satisfaction_avg,nps,responses\r\n";
  char want[1024];
  snprintf(want, sizeof want,
           BOM "day,%s2026-11-01,1,,,,,,,,,,,,,\r\n2026-11-02,2,,,,,,,,,,,,,\r\ntotal,3,,,,,,,,,,,,,\r\n",
           figs_header);
  expect_csv(answer_of(json_pack("[{s:s, s:i}, {s:s, s:i}]", "day", "2026-11-01", "created", 1,
                                 "day", "2026-11-02", "created", 2),
                       json_pack("{s:i}", "created", 3)),
             AC_REP_TICKETS, "day", want);
  snprintf(want, sizeof want, BOM "week,%s2026-10-26,4,,,,,,,,,,,,,\r\ntotal,4,,,,,,,,,,,,,\r\n",
           figs_header);
  expect_csv(answer_of(json_pack("[{s:s, s:i}]", "week", "2026-10-26", "created", 4),
                       json_pack("{s:i}", "created", 4)),
             AC_REP_TICKETS, "week", want);
  snprintf(want, sizeof want, BOM "month,%s2026-11,5,,,,,,,,,,,,,\r\ntotal,5,,,,,,,,,,,,,\r\n",
           figs_header);
  expect_csv(answer_of(json_pack("[{s:s, s:i}]", "month", "2026-11", "created", 5),
                       json_pack("{s:i}", "created", 5)),
             AC_REP_TICKETS, "month", want);
}
END_TEST

START_TEST(csv_tickets_single_field_groupings) {
  static const char *const G[] = {"category", "severity", "channel"};
  static const char *const V[] = {"product_quality", "high", "wechat"};
  for (size_t i = 0; i < 3; i++) {
    char want[1024];
    snprintf(want, sizeof want,
             BOM "%s,created,resolved,open_at_end,first_response_median_min,"
                 "first_response_p90_min,resolution_median_min,resolution_p90_min,"
                 "first_response_met_pct,resolution_met_pct,reopened_pct,"
                 "compensation_cents,satisfaction_avg,nps,responses\r\n"
                 "%s,2,,,,,,,,,,,,,\r\ntotal,2,,,,,,,,,,,,,\r\n",
             G[i], V[i]);
    expect_csv(answer_of(json_pack("[{s:s, s:i}]", G[i], V[i], "created", 2),
                         json_pack("{s:i}", "created", 2)),
               AC_REP_TICKETS, G[i], want);
  }
}
END_TEST

START_TEST(csv_callbacks_by_store_and_kind) {
  json_t *items = json_pack("[{s:i, s:s, s:s, s:i, s:i, s:i, s:i, s:f, s:f, s:f}]", "store_id",
                            2, "store_code", "BJ-02", "store_name", "北京朝阳店", "due", 10,
                            "completed", 8, "attempted", 9, "reached", 6, "success_rate_pct",
                            66.7, "on_time_pct", 80.0, "satisfaction_avg", 4.5);
  json_t *total = json_pack("{s:i, s:i, s:i, s:i, s:f, s:f, s:n}", "due", 10, "completed", 8,
                            "attempted", 9, "reached", 6, "success_rate_pct", 66.7,
                            "on_time_pct", 80.0, "satisfaction_avg");
  expect_csv(answer_of(items, total), AC_REP_CALLBACKS, "store",
             BOM "store_id,store_code,store_name,due,completed,reached,attempted,"
                 "success_rate_pct,on_time_pct,satisfaction_avg\r\n"
                 "2,BJ-02,北京朝阳店,10,8,6,9,66.7,80.0,4.5\r\n"
                 "total,,,10,8,6,9,66.7,80.0,\r\n");
  expect_csv(answer_of(json_pack("[{s:s, s:i, s:i}]", "kind", "win_back", "due", 3, "reached",
                                 1),
                       json_pack("{s:i, s:i}", "due", 3, "reached", 1)),
             AC_REP_CALLBACKS, "kind",
             BOM "kind,due,completed,reached,attempted,success_rate_pct,on_time_pct,"
                 "satisfaction_avg\r\n"
                 "win_back,3,,1,,,,\r\n"
                 "total,3,,1,,,,\r\n");
  expect_csv(answer_of(json_pack("[{s:n, s:n, s:i}]", "assignee_id", "assignee_name", "due", 2),
                       json_pack("{s:i}", "due", 2)),
             AC_REP_CALLBACKS, "assignee",
             BOM "assignee_id,assignee_name,due,completed,reached,attempted,success_rate_pct,"
                 "on_time_pct,satisfaction_avg\r\n"
                 ",,2,,,,,,\r\n"
                 "total,,2,,,,,,\r\n");
  expect_csv(answer_of(json_pack("[{s:s, s:i}]", "day", "2026-11-02", "due", 2),
                       json_pack("{s:i}", "due", 2)),
             AC_REP_CALLBACKS, "day",
             BOM "day,due,completed,reached,attempted,success_rate_pct,on_time_pct,"
                 "satisfaction_avg\r\n"
                 "2026-11-02,2,,,,,,\r\n"
                 "total,2,,,,,,\r\n");
}
END_TEST

START_TEST(csv_customers_by_store_and_tier) {
  json_t *items = json_pack("[{s:i, s:s, s:s, s:i, s:i, s:i, s:f}, {s:i, s:s, s:s, s:n, s:i, "
                            "s:n, s:f}]",
                            "store_id", 1, "store_code", "SH01", "store_name", "上海静安店", "new",
                            4, "active", 12, "lapsed", 3, "repeat_rate_pct", 33.3, "store_id", 2,
                            "store_code", "BJ02", "store_name", "北京, 朝阳", "new", "active", 5,
                            "lapsed", "repeat_rate_pct", 0.0);
  json_t *total = json_pack("{s:n, s:i, s:n, s:f}", "new", "active", 16, "lapsed",
                            "repeat_rate_pct", 25.0);
  expect_csv(answer_of(items, total), AC_REP_CUSTOMERS, "store",
             BOM "store_id,store_code,store_name,new,active,lapsed,repeat_rate_pct\r\n"
                 "1,SH01,上海静安店,4,12,3,33.3\r\n"
                 "2,BJ02,\"北京, 朝阳\",,5,,0.0\r\n"
                 "total,,,,16,,25.0\r\n");
  expect_csv(answer_of(json_pack("[{s:s, s:i}, {s:s, s:i}]", "tier", "gold", "active", 3, "tier",
                                 "金卡", "active", 1),
                       json_pack("{s:i}", "active", 4)),
             AC_REP_CUSTOMERS, "tier",
             BOM "tier,new,active,lapsed,repeat_rate_pct\r\n"
                 "gold,,3,,\r\n"
                 "金卡,,1,,\r\n"
                 "total,,4,,\r\n");
}
END_TEST

START_TEST(csv_overview) {
  json_t *items = json_pack(
      "[{s:i, s:s, s:s, s:i, s:i, s:i, s:f, s:f, s:i, s:f, s:f, s:i, s:f, s:f, s:i, s:i, s:i}]",
      "store_id", 3, "store_code", "GZ03", "store_name", "广州天河店", "created", 12, "resolved",
      10, "open_at_end", 2, "first_response_met_pct", 12.5, "resolution_met_pct", 100.0,
      "compensation_cents", 5000, "satisfaction_avg", 4.0, "nps", -50.0, "callbacks_due", 7,
      "success_rate_pct", 33.3, "on_time_pct", 50.0, "new_customers", 2, "active_customers", 9,
      "lapsed_customers", 1);
  json_t *total = json_pack("{s:i, s:i, s:i, s:f, s:f, s:i, s:f, s:f, s:i, s:f, s:f, s:i, s:i, "
                            "s:i}",
                            "created", 12, "resolved", 10, "open_at_end", 2,
                            "first_response_met_pct", 12.5, "resolution_met_pct", 100.0,
                            "compensation_cents", 5000, "satisfaction_avg", 4.0, "nps", -50.0,
                            "callbacks_due", 7, "success_rate_pct", 33.3, "on_time_pct", 50.0,
                            "new_customers", 2, "active_customers", 9, "lapsed_customers", 1);
  const char *want =
      BOM "store_id,store_code,store_name,created,resolved,open_at_end,first_response_met_pct,"
          "resolution_met_pct,compensation_cents,satisfaction_avg,nps,callbacks_due,"
          "success_rate_pct,on_time_pct,new_customers,active_customers,lapsed_customers\r\n"
          "3,GZ03,广州天河店,12,10,2,12.5,100.0,5000,4.0,-50.0,7,33.3,50.0,2,9,1\r\n"
          "total,,,12,10,2,12.5,100.0,5000,4.0,-50.0,7,33.3,50.0,2,9,1\r\n";
  json_t *copy = json_deep_copy(items), *copy_total = json_deep_copy(total);
  expect_csv(answer_of(items, total), AC_REP_OVERVIEW, "store", want);
  expect_csv(answer_of(copy, copy_total), AC_REP_OVERVIEW, NULL, want);
}
END_TEST

START_TEST(csv_quoting_rfc4180) {
  static const struct {
    const char *value, *field;
  } CASES[] = {
      {"plain", "plain"},
      {"a,b", "\"a,b\""},
      {",", "\",\""},
      {",lead", "\",lead\""},
      {"trail,", "\"trail,\""},
      {"say \"hi\"", "\"say \"\"hi\"\"\""},
      {"\"", "\"\"\"\""},
      {"\"\"", "\"\"\"\"\"\""},
      {"line\nbreak", "\"line\nbreak\""},
      {"car\rriage", "\"car\rriage\""},
      {"crlf\r\nend", "\"crlf\r\nend\""},
      {"\n", "\"\n\""},
      {"all, \"of\"\r\nthem", "\"all, \"\"of\"\"\r\nthem\""},
      {"", ""},
      {"  spaced  ", "  spaced  "},
      {"semi;colon", "semi;colon"},
      {"single'quote", "single'quote"},
      {"金卡，会员", "金卡，会员"}, /* a full-width comma is no comma */
      {"“中文引号”", "“中文引号”"},  /* nor are typographic quotes */
      {"上海, 静安", "\"上海, 静安\""},
      {"王\"小\"明", "\"王\"\"小\"\"明\""},
  };
  for (size_t i = 0; i < sizeof CASES / sizeof *CASES; i++) {
    char want[256];
    snprintf(want, sizeof want,
             BOM "tier,new,active,lapsed,repeat_rate_pct\r\n%s,1,,,\r\ntotal,,,,\r\n",
             CASES[i].field);
    expect_csv(answer_of(json_pack("[{s:s, s:i}]", "tier", CASES[i].value, "new", 1),
                         json_object()),
               AC_REP_CUSTOMERS, "tier", want);
  }
}
END_TEST

START_TEST(csv_quoting_in_every_key_column) {
  json_t *items = json_pack("[{s:i, s:s, s:s, s:i}]", "store_id", 5, "store_code", "A,B",
                            "store_name", "Tom's \"Best\"\nShop", "active", 1);
  expect_csv(answer_of(items, json_object()), AC_REP_CUSTOMERS, "store",
             BOM "store_id,store_code,store_name,new,active,lapsed,repeat_rate_pct\r\n"
                 "5,\"A,B\",\"Tom's \"\"Best\"\"\nShop\",,1,,\r\n"
                 "total,,,,,,\r\n");
}
END_TEST

START_TEST(csv_chinese_text_byte_exact) {
  /* 上海静安店 and an astral-plane character, given as bytes. */
  const char *name = "\xE4\xB8\x8A\xE6\xB5\xB7\xE9\x9D\x99\xE5\xAE\x89\xE5\xBA\x97"
                     "\xF0\x9F\x98\x80";
  json_t *items = json_pack("[{s:i, s:s, s:s, s:i}]", "store_id", 1, "store_code", "SH01",
                            "store_name", name, "new", 1);
  json_t *a = answer_of(items, json_object());
  char *csv = ac_report_csv(a, AC_REP_CUSTOMERS, "store");
  json_decref(a);
  ck_assert_ptr_nonnull(csv);
  const char *want = "\xEF\xBB\xBF"
                     "store_id,store_code,store_name,new,active,lapsed,repeat_rate_pct\r\n"
                     "1,SH01,"
                     "\xE4\xB8\x8A\xE6\xB5\xB7\xE9\x9D\x99\xE5\xAE\x89\xE5\xBA\x97"
                     "\xF0\x9F\x98\x80"
                     ",1,,,\r\n"
                     "total,,,,,,\r\n";
  ck_assert_uint_eq(strlen(csv), strlen(want));
  ck_assert(memcmp(csv, want, strlen(want)) == 0);
  free(csv);
}
END_TEST

START_TEST(csv_bom_once_at_start_and_crlf_everywhere) {
  json_t *items = json_array();
  for (int i = 1; i <= 5; i++)
    json_array_append_new(items, json_pack("{s:i, s:s, s:s, s:i}", "store_id", i, "store_code",
                                           "C", "store_name", "店", "new", i));
  json_t *a = answer_of(items, json_pack("{s:i}", "new", 15));
  char *csv = ac_report_csv(a, AC_REP_CUSTOMERS, "store");
  json_decref(a);
  ck_assert_ptr_nonnull(csv);
  ck_assert(memcmp(csv, BOM, 3) == 0);
  ck_assert_ptr_null(strstr(csv + 3, BOM));
  ck_assert(csv[3] == 's'); /* the header follows the BOM directly */
  size_t lines = 0, len = strlen(csv);
  for (size_t i = 0; i < len; i++) {
    if (csv[i] == '\n') {
      ck_assert_msg(i > 0 && csv[i - 1] == '\r', "bare LF at %zu", i);
      lines++;
    }
    if (csv[i] == '\r')
      ck_assert_msg(csv[i + 1] == '\n', "bare CR at %zu", i);
  }
  ck_assert_uint_eq(lines, 1 + 5 + 1);
  ck_assert(len >= 2 && csv[len - 2] == '\r' && csv[len - 1] == '\n');
  const char *last = csv + len - 2;
  while (last > csv && last[-1] != '\n')
    last--;
  ck_assert(strncmp(last, "total,", 6) == 0);
  free(csv);
}
END_TEST

START_TEST(csv_items_in_answer_order_columns_in_column_order) {
  /* Items unsorted on purpose; keys inserted in an order unlike the columns;
   * extra fields that are no column of the report are left out. */
  json_t *items = json_array();
  json_array_append_new(items, json_pack("{s:f, s:i, s:s, s:i, s:s, s:s}", "repeat_rate_pct",
                                         50.0, "active", 2, "store_name", "C店", "store_id", 3,
                                         "store_code", "C", "extra", "ignored"));
  json_array_append_new(items, json_pack("{s:s, s:i, s:i, s:s}", "store_name", "A店", "store_id",
                                         1, "lapsed", 7, "store_code", "A"));
  json_array_append_new(items, json_pack("{s:i, s:s, s:s, s:i, s:b}", "store_id", 2, "store_code",
                                         "B", "store_name", "B店", "new", 9, "flag", 1));
  expect_csv(answer_of(items, json_pack("{s:i, s:i, s:i}", "new", 9, "active", 2, "lapsed", 7)),
             AC_REP_CUSTOMERS, "store",
             BOM "store_id,store_code,store_name,new,active,lapsed,repeat_rate_pct\r\n"
                 "3,C,C店,,2,,50.0\r\n"
                 "1,A,A店,,,7,\r\n"
                 "2,B,B店,9,,,\r\n"
                 "total,,,9,2,7,\r\n");
}
END_TEST

START_TEST(csv_null_and_missing_are_empty) {
  json_t *items = json_pack("[{s:n, s:n, s:n, s:n, s:n, s:n, s:n}, {}]", "store_id",
                            "store_code", "store_name", "new", "active", "lapsed",
                            "repeat_rate_pct");
  json_t *total = json_pack("{s:n, s:n, s:n, s:n}", "new", "active", "lapsed",
                            "repeat_rate_pct");
  expect_csv(answer_of(items, total), AC_REP_CUSTOMERS, "store",
             BOM "store_id,store_code,store_name,new,active,lapsed,repeat_rate_pct\r\n"
                 ",,,,,,\r\n"
                 ",,,,,,\r\n"
                 "total,,,,,,\r\n");
}
END_TEST

START_TEST(csv_total_line_key_columns_empty) {
  /* total has the figures only; key fields slipped into it are not written. */
  json_t *total = json_pack("{s:i, s:s, s:s, s:i, s:i, s:i, s:f}", "store_id", 99, "store_code",
                            "ALL", "store_name", "全部", "new", 1, "active", 2, "lapsed", 3,
                            "repeat_rate_pct", 12.5);
  expect_csv(answer_of(json_array(), total), AC_REP_CUSTOMERS, "store",
             BOM "store_id,store_code,store_name,new,active,lapsed,repeat_rate_pct\r\n"
                 "total,,,1,2,3,12.5\r\n");
  expect_csv(answer_of(json_array(), json_pack("{s:s, s:i}", "assignee_name", "x", "due", 4)),
             AC_REP_CALLBACKS, "assignee",
             BOM "assignee_id,assignee_name,due,completed,reached,attempted,success_rate_pct,"
                 "on_time_pct,satisfaction_avg\r\n"
                 "total,,4,,,,,,\r\n");
  expect_csv(answer_of(json_array(), json_pack("{s:s, s:i}", "tier", "gold", "new", 4)),
             AC_REP_CUSTOMERS, "tier",
             BOM "tier,new,active,lapsed,repeat_rate_pct\r\n"
                 "total,4,,,\r\n");
}
END_TEST

START_TEST(csv_items_missing_is_header_and_total) {
  json_t *a = json_pack("{s:{s:i}}", "total", "new", 2);
  expect_csv(a, AC_REP_CUSTOMERS, "tier",
             BOM "tier,new,active,lapsed,repeat_rate_pct\r\n"
                 "total,2,,,\r\n");
}
END_TEST

START_TEST(csv_numbers_as_the_json_answer_writes_them) {
  static const struct {
    double v;
    const char *text;
  } REALS[] = {
      {12.5, "12.5"},   {100.0, "100.0"}, {33.3, "33.3"},   {-50.0, "-50.0"},
      {0.0, "0.0"},     {4.25, "4.25"},   {66.7, "66.7"},   {99.9, "99.9"},
      {0.1, "0.1"},     {1440.0, "1440.0"}, {-0.5, "-0.5"}, {0.1 + 0.2, "0.3"},
      {1.0 / 3.0, "0.333333333333333"},
  };
  for (size_t i = 0; i < sizeof REALS / sizeof *REALS; i++) {
    json_t *v = json_real(REALS[i].v);
    char *d = dumped(v);
    ck_assert_msg(strcmp(d, REALS[i].text) == 0, "jansson writes %s as %s", REALS[i].text, d);
    char want[256];
    snprintf(want, sizeof want,
             BOM "tier,new,active,lapsed,repeat_rate_pct\r\nx,,,,%s\r\ntotal,,,,%s\r\n", d, d);
    json_t *items = json_pack("[{s:s, s:O}]", "tier", "x", "repeat_rate_pct", v);
    json_t *total = json_pack("{s:O}", "repeat_rate_pct", v);
    expect_csv(answer_of(items, total), AC_REP_CUSTOMERS, "tier", want);
    free(d);
    json_decref(v);
  }
}
END_TEST

START_TEST(csv_odd_reals_match_json_dumps) {
  /* Whatever jansson writes, the CSV writes the same (no re-formatting). */
  static const double REALS[] = {1e20, 1e-7, 123456789.123, -1e300, 5e-324, 2.5e15, 1e15};
  for (size_t i = 0; i < sizeof REALS / sizeof *REALS; i++) {
    json_t *v = json_real(REALS[i]);
    char *d = dumped(v);
    char want[256];
    snprintf(want, sizeof want, BOM "tier,new,active,lapsed,repeat_rate_pct\r\nx,%s,,,\r\ntotal,,,,\r\n",
             d);
    expect_csv(answer_of(json_pack("[{s:s, s:O}]", "tier", "x", "new", v), json_object()),
               AC_REP_CUSTOMERS, "tier", want);
    free(d);
    json_decref(v);
  }
}
END_TEST

START_TEST(csv_integers_exactly) {
  static const struct {
    json_int_t v;
    const char *text;
  } INTS[] = {
      {0, "0"},
      {1, "1"},
      {-1, "-1"},
      {150000, "150000"},
      {123456789012LL, "123456789012"},
      {9007199254740993LL, "9007199254740993"}, /* not rounded through a double */
      {-9223372036854775807LL - 1, "-9223372036854775808"},
      {9223372036854775807LL, "9223372036854775807"},
  };
  for (size_t i = 0; i < sizeof INTS / sizeof *INTS; i++) {
    json_t *v = json_integer(INTS[i].v);
    char *d = dumped(v);
    ck_assert_str_eq(d, INTS[i].text);
    char want[256];
    snprintf(want, sizeof want,
             BOM "store_id,store_code,store_name,new,active,lapsed,repeat_rate_pct\r\n"
                 "%s,c,n,%s,,,\r\ntotal,,,%s,,,\r\n",
             d, d, d);
    json_t *items = json_pack("[{s:O, s:s, s:s, s:O}]", "store_id", v, "store_code", "c",
                              "store_name", "n", "new", v);
    expect_csv(answer_of(items, json_pack("{s:O}", "new", v)), AC_REP_CUSTOMERS, "store", want);
    free(d);
    json_decref(v);
  }
}
END_TEST

START_TEST(csv_numeric_looking_strings_are_text) {
  /* A string is written as its text (no JSON quotes), quoted only for
   * comma, quote or line break. */
  expect_csv(answer_of(json_pack("[{s:s, s:s}]", "tier", "007", "new", "1,5"), json_object()),
             AC_REP_CUSTOMERS, "tier",
             BOM "tier,new,active,lapsed,repeat_rate_pct\r\n"
                 "007,\"1,5\",,,\r\n"
                 "total,,,,\r\n");
}
END_TEST

/* ---- suite -------------------------------------------------------------------------- */

static Suite *report_format_suite(void) {
  Suite *s = suite_create("report_format");
  TCase *t = tcase_create("columns");
  tcase_add_test(t, groupings_per_report_exactly_first_is_default);
  tcase_add_test(t, groupings_have_no_duplicates);
  tcase_add_test(t, ticket_figures_in_contract_order);
  tcase_add_test(t, callback_figures_in_contract_order);
  tcase_add_test(t, customer_figures_in_contract_order);
  tcase_add_test(t, overview_figures_in_contract_order);
  tcase_add_test(t, figures_never_repeat_a_key_column);
  tcase_add_test(t, key_columns_of_every_grouping);
  tcase_add_test(t, every_grouping_of_every_report_has_key_columns);
  tcase_add_test(t, null_grouping_is_the_default_store);
  tcase_add_test(t, unknown_grouping_falls_back_to_store);
  tcase_add_test(t, overview_columns_names_sources_and_from);
  tcase_add_test(t, overview_columns_match_overview_figures_and_sources);
  suite_add_tcase(s, t);

  t = tcase_create("period");
  tcase_add_test(t, period_default_is_30_days_ending_today);
  tcase_add_test(t, period_only_from);
  tcase_add_test(t, period_only_to_today);
  tcase_add_test(t, period_only_to_other_day_ends_there);
  tcase_add_test(t, period_equal_dates_is_one_day);
  tcase_add_test(t, period_both_given_ignore_today);
  tcase_add_test(t, period_from_after_to_is_an_error_on_from);
  tcase_add_test(t, period_366_days_allowed_367_refused);
  tcase_add_test(t, period_too_long_names_a_parameter_with_message);
  tcase_add_test(t, period_bad_from_names_from);
  tcase_add_test(t, period_bad_to_names_to);
  tcase_add_test(t, period_both_bad_is_an_error);
  tcase_add_test(t, period_leap_days);
  suite_add_tcase(s, t);

  t = tcase_create("dates");
  tcase_add_test(t, date_text_fixed_points);
  tcase_add_test(t, date_text_larger_buffer);
  tcase_add_test(t, date_text_round_trips_every_day_1900_to_2200);
  tcase_add_test(t, date_text_of_period_bounds);
  suite_add_tcase(s, t);

  t = tcase_create("csv");
  tcase_add_test(t, csv_empty_items_is_header_and_total_for_every_grouping);
  tcase_add_test(t, csv_customers_header_and_empty_total_exactly);
  tcase_add_test(t, csv_tickets_by_store);
  tcase_add_test(t, csv_tickets_by_assignee_unassigned_is_empty);
  tcase_add_test(t, csv_tickets_time_buckets);
  tcase_add_test(t, csv_tickets_single_field_groupings);
  tcase_add_test(t, csv_callbacks_by_store_and_kind);
  tcase_add_test(t, csv_customers_by_store_and_tier);
  tcase_add_test(t, csv_overview);
  tcase_add_test(t, csv_quoting_rfc4180);
  tcase_add_test(t, csv_quoting_in_every_key_column);
  tcase_add_test(t, csv_chinese_text_byte_exact);
  tcase_add_test(t, csv_bom_once_at_start_and_crlf_everywhere);
  tcase_add_test(t, csv_items_in_answer_order_columns_in_column_order);
  tcase_add_test(t, csv_null_and_missing_are_empty);
  tcase_add_test(t, csv_total_line_key_columns_empty);
  tcase_add_test(t, csv_items_missing_is_header_and_total);
  tcase_add_test(t, csv_numbers_as_the_json_answer_writes_them);
  tcase_add_test(t, csv_odd_reals_match_json_dumps);
  tcase_add_test(t, csv_integers_exactly);
  tcase_add_test(t, csv_numeric_looking_strings_are_text);
  suite_add_tcase(s, t);
  return s;
}

int main(void) {
  Suite *s = report_format_suite();
  return ac_unit_run(s);
}
