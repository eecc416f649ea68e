#include "callback_plan.h"

#include <string.h>

const char *const AC_CB_KINDS[] = {"post_service", "routine",  "post_resolution", "unconverted",
                                   "win_back",     "birthday", "holiday",         "reminder",
                                   NULL};
const char *const AC_CB_STATUSES[] = {"pending", "completed", "unreachable", "cancelled", NULL};
const char *const AC_CB_OUTCOMES[] = {"reached", "no_answer",    "busy",
                                      "wrong_number", "refused", "left_message", NULL};
const char *const AC_CB_TRIGGERS[] = {"visit",       "unconverted", "ticket_resolved", "birthday",
                                      "anniversary", "inactivity",  NULL};
const char *const AC_CB_TIERS[] = {"regular", "silver", "gold", "vip", NULL};

int ac_cb_name_index(const char *const *list, const char *name) {
  if (!name)
    return -1;
  for (int i = 0; list[i]; i++)
    if (strcmp(list[i], name) == 0)
      return i;
  return -1;
}

bool ac_cb_kind_is_marketing(const char *kind) {
  return kind && (strcmp(kind, "birthday") == 0 || strcmp(kind, "holiday") == 0 ||
                  strcmp(kind, "win_back") == 0);
}

static bool is_visit_trigger(int t) { return t == AC_TRIG_VISIT || t == AC_TRIG_UNCONVERTED; }
static bool is_date_trigger(int t) { return t == AC_TRIG_BIRTHDAY || t == AC_TRIG_ANNIVERSARY; }

static bool field_name_ok(const char *s) {
  size_t n = strlen(s);
  if (n == 0 || n > 64 || !((s[0] >= 'a' && s[0] <= 'z') || s[0] == '_'))
    return false;
  for (size_t i = 1; i < n; i++)
    if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
      return false;
  return true;
}

/* Characters of UTF-8 text (continuation bytes are not counted). */
static size_t utf8_chars(const char *s) {
  size_t n = 0;
  for (const unsigned char *p = (const unsigned char *)s; *p; p++)
    n += (*p & 0xC0) != 0x80;
  return n;
}

static bool pattern_ok(const char *s) {
  /* 1 to 64 characters, no spaces or control characters */
  for (const unsigned char *p = (const unsigned char *)s; *p; p++)
    if (*p <= ' ' || *p == 0x7f)
      return false;
  size_t n = utf8_chars(s);
  return n >= 1 && n <= 64;
}

const char *ac_cb_rule_check(const ac_cb_rule_input *r, const char **message) {
  if (r->service_pattern && !is_visit_trigger(r->trigger)) {
    *message = "service_pattern applies only to the visit and unconverted triggers";
    return "service_pattern";
  }
  if (r->service_pattern && !pattern_ok(r->service_pattern)) {
    *message = "service_pattern is a glob of 1 to 64 characters without spaces ('*' matches any run)";
    return "service_pattern";
  }
  if (r->trigger == AC_TRIG_INACTIVITY) {
    if (r->inactivity_days < 1 || r->inactivity_days > 3650) {
      *message = "the inactivity trigger needs inactivity_days from 1 to 3650";
      return "inactivity_days";
    }
  } else if (r->inactivity_days) {
    *message = "inactivity_days applies only to the inactivity trigger";
    return "inactivity_days";
  }
  if (r->trigger == AC_TRIG_ANNIVERSARY) {
    if (!r->profile_date_field || !field_name_ok(r->profile_date_field)) {
      *message = "the anniversary trigger needs profile_date_field, a profile key like wedding_date";
      return "profile_date_field";
    }
  } else if (r->profile_date_field) {
    *message = "profile_date_field applies only to the anniversary trigger";
    return "profile_date_field";
  }
  if (r->sample_pct < 1 || r->sample_pct > 100) {
    *message = "sample_pct is a percentage from 1 to 100";
    return "sample_pct";
  }
  if (r->n_offsets < 1 || r->n_offsets > AC_CB_MAX_OFFSETS) {
    *message = "offsets_days holds 1 to 10 whole days";
    return "offsets_days";
  }
  int64_t lo = is_date_trigger(r->trigger) ? -30 : 0, hi = is_date_trigger(r->trigger) ? 30 : 365;
  for (size_t i = 0; i < r->n_offsets; i++) {
    if (r->offsets[i] < lo || r->offsets[i] > hi) {
      *message = is_date_trigger(r->trigger)
                     ? "offsets_days of a birthday or anniversary are from -30 to 30"
                     : "offsets_days are from 0 to 365";
      return "offsets_days";
    }
    for (size_t j = 0; j < i; j++)
      if (r->offsets[j] == r->offsets[i]) {
        *message = "offsets_days must be distinct";
        return "offsets_days";
      }
  }
  if (r->window_hours < 1 || r->window_hours > 720) {
    *message = "window_hours is from 1 to 720";
    return "window_hours";
  }
  return NULL;
}

static char fold(char c) { return c >= 'a' && c <= 'z' ? (char)(c - 'a' + 'A') : c; }

bool ac_cb_glob_match(const char *pattern, const char *text) {
  /* Iterative matcher with one backtrack point: linear in practice, never
   * exponential however many stars. */
  const char *star = NULL, *resume = NULL;
  while (*text) {
    if (*pattern == '*') {
      star = pattern++;
      resume = text;
    } else if (*pattern && fold(*pattern) == fold(*text)) {
      pattern++;
      text++;
    } else if (star) {
      pattern = star + 1;
      text = ++resume;
    } else {
      return false;
    }
  }
  while (*pattern == '*')
    pattern++;
  return *pattern == '\0';
}

size_t ac_cb_glob_specificity(const char *pattern) {
  size_t n = 0;
  for (const unsigned char *p = (const unsigned char *)pattern; p && *p; p++)
    n += *p != '*' && (*p & 0xC0) != 0x80;
  return n;
}

/* Does a beat b (both match)? */
static bool more_specific(const ac_cb_visit_rule *a, const ac_cb_visit_rule *b) {
  size_t sa = ac_cb_glob_specificity(a->pattern), sb = ac_cb_glob_specificity(b->pattern);
  if (sa != sb)
    return sa > sb;
  if (a->store_rule != b->store_rule)
    return a->store_rule;
  return a->id < b->id;
}

size_t ac_cb_pick_visit_rules(const ac_cb_visit_rule *rules, size_t n, const char *service_code,
                              size_t *chosen) {
  size_t k = 0;
  for (size_t i = 0; i < n; i++) {
    const char *pattern = rules[i].pattern ? rules[i].pattern : "*";
    if (!ac_cb_glob_match(pattern, service_code ? service_code : ""))
      continue;
    size_t j = 0;
    while (j < k && strcmp(rules[chosen[j]].kind, rules[i].kind) != 0)
      j++;
    if (j == k)
      chosen[k++] = i;
    else if (more_specific(&rules[i], &rules[chosen[j]]))
      chosen[j] = i;
  }
  return k;
}

int64_t ac_cb_add_local_days(const ac_tz *tz, int64_t from, int days) {
  if (!tz)
    return from + (int64_t)days * 86400;
  int64_t local = from + ac_tz_offset(tz, from) + (int64_t)days * 86400;
  /* The offset at the target instant, found from a first guess; a local
   * time that a DST gap skips lands one hour later, as clocks do. */
  int64_t guess = local - ac_tz_offset(tz, from);
  int64_t t = local - ac_tz_offset(tz, guess);
  return local - ac_tz_offset(tz, t);
}

bool ac_cb_sampled(const char *occasion, int pct) {
  if (pct >= 100)
    return true;
  if (pct <= 0)
    return false;
  uint64_t h = 1469598103934665603ULL; /* FNV-1a */
  for (const unsigned char *p = (const unsigned char *)occasion; *p; p++) {
    h ^= *p;
    h *= 1099511628211ULL;
  }
  return h % 100 < (uint64_t)pct;
}

ac_cb_status ac_cb_after_attempt(int failed_before, bool reached_before, const char *outcome) {
  if (reached_before || (outcome && strcmp(outcome, "reached") == 0))
    return AC_CB_PENDING;
  return failed_before + 1 >= 3 ? AC_CB_UNREACHABLE : AC_CB_PENDING;
}
