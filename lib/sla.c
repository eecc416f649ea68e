#include "sla.h"

#include <jansson.h>
#include <string.h>

#include "validate.h"

static const char *const SEVERITIES[AC_SEV_COUNT] = {"urgent", "important", "normal"};
static const char *const CATEGORIES[AC_CAT_COUNT] = {
    "service_attitude", "treatment_effect", "product_quality", "allergy_reaction",
    "injury",           "environment",      "appointment",     "billing",
    "rework",           "delivery_delay",   "medical_legal",   "other"};

static int find(const char *const *names, int n, const char *name) {
  for (int i = 0; name && i < n; i++)
    if (strcmp(names[i], name) == 0)
      return i;
  return -1;
}

int ac_severity_parse(const char *name) { return find(SEVERITIES, AC_SEV_COUNT, name); }
int ac_category_parse(const char *name) { return find(CATEGORIES, AC_CAT_COUNT, name); }
const char *ac_severity_name(ac_severity s) {
  return (unsigned)s < AC_SEV_COUNT ? SEVERITIES[s] : NULL;
}
const char *ac_category_name(ac_category c) {
  return (unsigned)c < AC_CAT_COUNT ? CATEGORIES[c] : NULL;
}

ac_sla_targets ac_sla_default_targets(ac_severity s, ac_category c) {
  ac_sla_targets t = {.first_response_minutes = 120,
                      .resolution_minutes = s == AC_SEV_NORMAL ? 2880 : 1440,
                      .update_minutes = 1440};
  if (c == AC_CAT_MEDICAL_LEGAL || c == AC_CAT_INJURY)
    t.resolution_minutes = 4320;
  return t;
}

ac_sla_targets ac_sla_targets_for(ac_severity s, ac_category c, const ac_sla_override *overrides,
                                  size_t n) {
  int best = -1;
  ac_sla_targets t = ac_sla_default_targets(s, c);
  for (size_t i = 0; i < n; i++) {
    const ac_sla_override *o = &overrides[i];
    if ((o->severity >= 0 && o->severity != (int)s) || (o->category >= 0 && o->category != (int)c))
      continue;
    /* severity+category 3, category 2, severity 1, store-wide 0 */
    int rank = (o->category >= 0 ? 2 : 0) + (o->severity >= 0 ? 1 : 0);
    if (rank > best) {
      best = rank;
      t = o->targets;
    }
  }
  return t;
}

/* ---- clock arithmetic ---- */

#define DAY 86400LL

static int64_t floor_div(int64_t a, int64_t b) { return a / b - (a % b != 0 && (a < 0) != (b < 0)); }

/* UTC instant of a local wall-clock time (seconds since the local epoch).
 * In a gap (spring forward) the result lands after it; in an overlap the
 * first occurrence. */
static int64_t local_to_utc(const ac_tz *tz, int64_t local) {
  int64_t guess = local - ac_tz_offset(tz, local);
  return local - ac_tz_offset(tz, guess);
}

static bool any_open_day(const ac_sla_calendar *cal) {
  for (int d = 0; d < 7; d++)
    if (cal->days[d].close > cal->days[d].open)
      return true;
  return false;
}

static bool uses_hours(const ac_sla_calendar *cal) {
  return cal->business_hours && cal->tz && any_open_day(cal);
}

/* The opening window [*open, *close) (UTC) of the local day holding t, and
 * the UTC start of the next local day. */
static void day_window(const ac_sla_calendar *cal, int64_t t, int64_t *open, int64_t *close,
                       int64_t *next_day) {
  int64_t local = t + ac_tz_offset(cal->tz, t);
  int64_t day = floor_div(local, DAY);
  int weekday = (int)(((day + 3) % 7 + 7) % 7); /* 1970-01-01 was a Thursday; Monday = 0 */
  int64_t midnight = day * DAY;
  *open = local_to_utc(cal->tz, midnight + cal->days[weekday].open * 60LL);
  *close = local_to_utc(cal->tz, midnight + cal->days[weekday].close * 60LL);
  *next_day = local_to_utc(cal->tz, midnight + DAY);
  if (*next_day <= t) /* a zone jumping over midnight: keep moving */
    *next_day = t + 3600;
}

/* Open seconds in a week (time zone changes aside). */
static int64_t week_seconds(const ac_sla_calendar *cal) {
  int64_t total = 0;
  for (int d = 0; d < 7; d++)
    if (cal->days[d].close > cal->days[d].open)
      total += (cal->days[d].close - cal->days[d].open) * 60LL;
  return total;
}

#define WEEK (7 * DAY)

int64_t ac_sla_add_minutes(const ac_sla_calendar *cal, int64_t start, int minutes) {
  int64_t left = (int64_t)minutes * 60;
  if (!uses_hours(cal) || left <= 0)
    return start + (left > 0 ? left : 0);
  int64_t t = start;
  /* Every week holds the same open time: jump all but the last two whole
   * weeks, then walk day by day. */
  int64_t week = week_seconds(cal);
  if (left > 2 * week) {
    int64_t weeks = left / week - 1;
    t += weeks * WEEK;
    left -= weeks * week;
  }
  for (int guard = 0; guard < 4000; guard++) {
    int64_t open, close, next;
    day_window(cal, t, &open, &close, &next);
    if (t < open)
      t = open;
    if (t < close) {
      if (left <= close - t)
        return t + left;
      left -= close - t;
    }
    t = next;
  }
  return t + left; /* unreachable with an open day; bounded for safety */
}

int64_t ac_sla_minutes_between(const ac_sla_calendar *cal, int64_t a, int64_t b) {
  if (b <= a)
    return 0;
  if (!uses_hours(cal))
    return (b - a) / 60;
  int64_t total = 0, t = a;
  if (b - a > 2 * WEEK) { /* whole weeks first, as in ac_sla_add_minutes */
    int64_t weeks = (b - a) / WEEK - 1;
    total += weeks * week_seconds(cal);
    t += weeks * WEEK;
  }
  for (int guard = 0; guard < 40000 && t < b; guard++) {
    int64_t open, close, next;
    day_window(cal, t, &open, &close, &next);
    int64_t from = t > open ? t : open;
    int64_t to = close < b ? close : b;
    if (to > from)
      total += to - from;
    t = next;
  }
  return total / 60;
}

static const char *const WEEKDAY_KEYS[7] = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};

bool ac_sla_calendar_from_json(ac_sla_calendar *cal, const ac_tz *tz, const char *json) {
  memset(cal, 0, sizeof *cal);
  cal->tz = tz;
  if (!json || strcmp(json, "null") == 0 || !*json)
    return true;
  json_t *root = json_loads(json, JSON_REJECT_DUPLICATES, NULL);
  bool ok = json_is_object(root);
  for (int d = 0; ok && d < 7; d++) {
    json_t *day = json_object_get(root, WEEKDAY_KEYS[d]);
    if (!day)
      continue;
    int open = ac_parse_hhmm(json_string_value(json_object_get(day, "open")));
    int close = ac_parse_hhmm(json_string_value(json_object_get(day, "close")));
    ok = open >= 0 && close >= 0 && open <= close;
    cal->days[d].open = open;
    cal->days[d].close = close;
  }
  cal->business_hours = ok;
  json_decref(root);
  if (!ok)
    memset(cal->days, 0, sizeof cal->days);
  return ok;
}
