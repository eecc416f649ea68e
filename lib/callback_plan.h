/* Callback rules of SPEC.md §3 and §6 that need no I/O: names, rule
 * validation, which visit rules apply, due times in a store's time zone,
 * deterministic sampling, and what an attempt does to a task. */
#ifndef AC_CALLBACK_PLAN_H
#define AC_CALLBACK_PLAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tz.h"

/* NULL-terminated name lists, in the order of the enums below. */
extern const char *const AC_CB_KINDS[];
extern const char *const AC_CB_STATUSES[];
extern const char *const AC_CB_OUTCOMES[];
extern const char *const AC_CB_TRIGGERS[];
extern const char *const AC_CB_TIERS[];

typedef enum ac_cb_trigger {
  AC_TRIG_VISIT,
  AC_TRIG_UNCONVERTED,
  AC_TRIG_TICKET_RESOLVED,
  AC_TRIG_BIRTHDAY,
  AC_TRIG_ANNIVERSARY,
  AC_TRIG_INACTIVITY,
} ac_cb_trigger;

typedef enum ac_cb_status {
  AC_CB_PENDING,
  AC_CB_COMPLETED,
  AC_CB_UNREACHABLE,
  AC_CB_CANCELLED,
} ac_cb_status;

/* -1 when the name is not in the list. */
int ac_cb_name_index(const char *const *list, const char *name);

/* Kinds that are marketing (birthday, holiday, win_back): only for customers
 * who opted in. */
bool ac_cb_kind_is_marketing(const char *kind);

#define AC_CB_MAX_OFFSETS 10

/* A rule as written by a client, after merging a PATCH over the stored one. */
typedef struct ac_cb_rule_input {
  int trigger;                 /* ac_cb_trigger */
  const char *service_pattern; /* NULL: none given */
  int64_t inactivity_days;     /* 0: none given */
  const char *profile_date_field;
  int64_t sample_pct;
  int64_t offsets[AC_CB_MAX_OFFSETS];
  size_t n_offsets;
  int64_t window_hours;
} ac_cb_rule_input;

/* NULL when the rule is consistent; else the field at fault, with a static
 * message in *message. Checks the trigger-specific fields, offsets, sample
 * and window (not the enums, which the field specs check). */
const char *ac_cb_rule_check(const ac_cb_rule_input *r, const char **message);

/* `text` matches glob `pattern` ('*' = any run, also empty), ASCII case
 * ignored. */
bool ac_cb_glob_match(const char *pattern, const char *text);
/* Characters of the pattern other than '*': the more, the more specific. */
size_t ac_cb_glob_specificity(const char *pattern);

/* A visit rule as the visit hook sees it. */
typedef struct ac_cb_visit_rule {
  int64_t id;
  const char *kind, *pattern;
  bool store_rule; /* a store's own rule (beats a chain rule of equal specificity) */
} ac_cb_visit_rule;

/* For each kind, the most specific rule matching service_code: the most
 * characters other than '*', then a store rule, then the lowest id. Writes
 * the indexes of the winners to chosen (room for n) and returns how many. */
size_t ac_cb_pick_visit_rules(const ac_cb_visit_rule *rules, size_t n, const char *service_code,
                              size_t *chosen);

/* `from` (UTC seconds) plus whole days at the same local time of day in tz
 * (NULL: UTC). */
int64_t ac_cb_add_local_days(const ac_tz *tz, int64_t from, int days);

/* Deterministic sampling of an occasion: always the same answer for the
 * same text; about pct in 100 occasions are in. pct >= 100: all. */
bool ac_cb_sampled(const char *occasion, int pct);

/* The status after one more attempt with `outcome` on a pending task that
 * had `failed_before` attempts without reached and `reached_before` said
 * whether any was reached: three attempts without `reached` make it
 * unreachable. */
ac_cb_status ac_cb_after_attempt(int failed_before, bool reached_before, const char *outcome);

#endif
