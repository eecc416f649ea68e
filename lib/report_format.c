#include "report_format.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "validate.h"

#define MAX_PERIOD_DAYS 366
#define DEFAULT_PERIOD_DAYS 30

static const char *const TICKET_GROUPS[] = {"store", "category", "severity", "channel",
                                            "assignee", "day", "week", "month", NULL};
static const char *const CALLBACK_GROUPS[] = {"store", "assignee", "kind", "day", NULL};
static const char *const CUSTOMER_GROUPS[] = {"store", "tier", NULL};
static const char *const OVERVIEW_GROUPS[] = {"store", NULL};

const char *const *ac_report_groupings(ac_report r) {
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

static const char *const TICKET_FIGURES[] = {
    "created", "resolved", "open_at_end", "first_response_median_min", "first_response_p90_min",
    "resolution_median_min", "resolution_p90_min", "first_response_met_pct",
    "resolution_met_pct", "reopened_pct", "compensation_cents", "satisfaction_avg", "nps",
    "responses", NULL};
static const char *const CALLBACK_FIGURES[] = {"due", "completed", "reached", "attempted",
                                               "success_rate_pct", "on_time_pct",
                                               "satisfaction_avg", NULL};
static const char *const CUSTOMER_FIGURES[] = {"new", "active", "lapsed", "repeat_rate_pct",
                                               NULL};

const ac_overview_column AC_OVERVIEW_COLUMNS[] = {
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
    {NULL, AC_REP_TICKETS, NULL},
};

static const char *const OVERVIEW_FIGURES[] = {
    "created", "resolved", "open_at_end", "first_response_met_pct", "resolution_met_pct",
    "compensation_cents", "satisfaction_avg", "nps", "callbacks_due", "success_rate_pct",
    "on_time_pct", "new_customers", "active_customers", "lapsed_customers", NULL};

const char *const *ac_report_figures(ac_report r) {
  switch (r) {
  case AC_REP_TICKETS:
    return TICKET_FIGURES;
  case AC_REP_CALLBACKS:
    return CALLBACK_FIGURES;
  case AC_REP_CUSTOMERS:
    return CUSTOMER_FIGURES;
  default:
    return OVERVIEW_FIGURES;
  }
}

const char *const *ac_report_key_columns(const char *group_by) {
  static const char *const STORE[] = {"store_id", "store_code", "store_name", NULL};
  static const char *const ASSIGNEE[] = {"assignee_id", "assignee_name", NULL};
  static const char *const SINGLE[][2] = {{"category", NULL}, {"severity", NULL},
                                          {"channel", NULL},  {"day", NULL},
                                          {"week", NULL},     {"month", NULL},
                                          {"kind", NULL},     {"tier", NULL}};
  if (!group_by || strcmp(group_by, "store") == 0)
    return STORE;
  if (strcmp(group_by, "assignee") == 0)
    return ASSIGNEE;
  for (size_t i = 0; i < sizeof SINGLE / sizeof *SINGLE; i++)
    if (strcmp(SINGLE[i][0], group_by) == 0)
      return SINGLE[i];
  return STORE;
}

const char *ac_report_period(const char *from, const char *to, long today, long *from_day,
                             long *to_day, const char **message) {
  *to_day = today;
  if (to && !ac_parse_date(to, to_day)) {
    *message = "to must be a date YYYY-MM-DD";
    return "to";
  }
  *from_day = *to_day - (DEFAULT_PERIOD_DAYS - 1);
  if (from && !ac_parse_date(from, from_day)) {
    *message = "from must be a date YYYY-MM-DD";
    return "from";
  }
  if (*from_day > *to_day) {
    *message = "from must not be after to";
    return "from";
  }
  if (*to_day - *from_day + 1 > MAX_PERIOD_DAYS) {
    *message = "a report covers at most 366 days";
    return "to";
  }
  return NULL;
}

void ac_report_date_text(long day, char *out, size_t size) {
  /* civil from days (Howard Hinnant's algorithm) */
  long z = day + 719468;
  long era = (z >= 0 ? z : z - 146096) / 146097;
  long doe = z - era * 146097;
  long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  long y = yoe + era * 400;
  long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  long mp = (5 * doy + 2) / 153;
  long d = doy - (153 * mp + 2) / 5 + 1;
  long m = mp < 10 ? mp + 3 : mp - 9;
  snprintf(out, size, "%04ld-%02ld-%02ld", y + (m <= 2), m, d);
}

/* A growing text buffer; the caller owns buf. */
typedef struct text {
  char *buf;
  size_t len, cap;
  bool failed;
} text;

static void put(text *t, const char *s, size_t n) {
  if (t->failed)
    return;
  if (t->len + n + 1 > t->cap) {
    size_t cap = t->cap ? t->cap : 1024;
    while (cap < t->len + n + 1)
      cap *= 2;
    char *grown = realloc(t->buf, cap);
    if (!grown) {
      t->failed = true;
      return;
    }
    t->buf = grown;
    t->cap = cap;
  }
  memcpy(t->buf + t->len, s, n);
  t->len += n;
  t->buf[t->len] = '\0';
}

static void puts_text(text *t, const char *s) { put(t, s, strlen(s)); }

/* One field: RFC 4180 quoting when it holds a comma, quote or line break. */
static void put_field(text *t, const char *s) {
  if (!strpbrk(s, ",\"\r\n")) {
    puts_text(t, s);
    return;
  }
  put(t, "\"", 1);
  for (const char *p = s; *p; p++) {
    if (*p == '"')
      put(t, "\"", 1);
    put(t, p, 1);
  }
  put(t, "\"", 1);
}

static void put_value(text *t, const json_t *v) {
  if (!v || json_is_null(v))
    return;
  if (json_is_string(v)) {
    put_field(t, json_string_value(v));
    return;
  }
  char *s = json_dumps(v, JSON_ENCODE_ANY | (AC_REPORT_JSON_FLAGS));
  if (s)
    put_field(t, s);
  free(s);
}

static void put_row(text *t, const json_t *row, const char *const *keys,
                    const char *const *figures, bool total) {
  bool first = true;
  for (size_t i = 0; keys[i]; i++, first = false) {
    if (!first)
      put(t, ",", 1);
    if (total)
      puts_text(t, i == 0 ? "total" : "");
    else
      put_value(t, json_object_get(row, keys[i]));
  }
  for (size_t i = 0; figures[i]; i++) {
    put(t, ",", 1);
    put_value(t, json_object_get(row, figures[i]));
  }
  put(t, "\r\n", 2);
}

char *ac_report_csv(const json_t *answer, ac_report r, const char *group_by) {
  const char *const *keys = ac_report_key_columns(group_by);
  const char *const *figures = ac_report_figures(r);
  text t = {0};
  puts_text(&t, "\xEF\xBB\xBF");
  bool first = true;
  for (size_t i = 0; keys[i]; i++, first = false) {
    if (!first)
      put(&t, ",", 1);
    puts_text(&t, keys[i]);
  }
  for (size_t i = 0; figures[i]; i++) {
    put(&t, ",", 1);
    puts_text(&t, figures[i]);
  }
  put(&t, "\r\n", 2);
  size_t i;
  const json_t *row;
  json_array_foreach(json_object_get(answer, "items"), i, row)
      put_row(&t, row, keys, figures, false);
  put_row(&t, json_object_get(answer, "total"), keys, figures, true);
  if (t.failed) {
    free(t.buf);
    return NULL;
  }
  return t.buf;
}
