/* The SLA engine: targets by severity and category, and due times on the
 * calendar or inside business hours in a store's time zone. Pure: no I/O
 * (zones arrive as ac_tz data). Times are UTC seconds. */
#ifndef AC_SLA_H
#define AC_SLA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tz.h"

typedef enum ac_severity { AC_SEV_URGENT, AC_SEV_IMPORTANT, AC_SEV_NORMAL, AC_SEV_COUNT } ac_severity;

typedef enum ac_category {
  AC_CAT_SERVICE_ATTITUDE,
  AC_CAT_TREATMENT_EFFECT,
  AC_CAT_PRODUCT_QUALITY,
  AC_CAT_ALLERGY_REACTION,
  AC_CAT_INJURY,
  AC_CAT_ENVIRONMENT,
  AC_CAT_APPOINTMENT,
  AC_CAT_BILLING,
  AC_CAT_REWORK,
  AC_CAT_DELIVERY_DELAY,
  AC_CAT_MEDICAL_LEGAL,
  AC_CAT_OTHER,
  AC_CAT_COUNT
} ac_category;

/* -1 when unknown. Names as in SPEC.md ("urgent", "medical_legal"). */
int ac_severity_parse(const char *name);
int ac_category_parse(const char *name);
const char *ac_severity_name(ac_severity s);
const char *ac_category_name(ac_category c);

typedef struct ac_sla_targets {
  int first_response_minutes;
  int resolution_minutes;
  int update_minutes;
} ac_sla_targets;

/* A store override row; severity/category -1 = any. */
typedef struct ac_sla_override {
  int severity;
  int category;
  ac_sla_targets targets;
} ac_sla_override;

/* SPEC.md defaults: 120 min first response; resolution 1440 (urgent,
 * important), 2880 (normal), 4320 for medical_legal and injury; update 1440. */
ac_sla_targets ac_sla_default_targets(ac_severity s, ac_category c);
/* The most specific override wins: severity+category, category, severity,
 * store-wide; none: the defaults. */
ac_sla_targets ac_sla_targets_for(ac_severity s, ac_category c, const ac_sla_override *overrides,
                                  size_t n);

/* Opening hours per weekday in local minutes since midnight; closed days
 * have open == close. days[0] is Monday. */
typedef struct ac_sla_calendar {
  const ac_tz *tz;     /* borrowed */
  bool business_hours; /* false: the clock runs all the time */
  struct {
    int open, close; /* 0 <= open <= close <= 1440 */
  } days[7];
} ac_sla_calendar;

/* start + minutes of clock time: calendar minutes, or minutes inside the
 * opening hours. A start outside the hours counts from the next opening.
 * Without any open day, business hours fall back to the calendar. */
int64_t ac_sla_add_minutes(const ac_sla_calendar *cal, int64_t start, int minutes);
/* Clock minutes between a and b (0 when b <= a), the inverse of add. */
int64_t ac_sla_minutes_between(const ac_sla_calendar *cal, int64_t a, int64_t b);

/* Builds a calendar from a store's business_hours JSON text ({"mon":
 * {"open": "10:00", "close": "21:00"}, ...}) or NULL/"null" for none. */
bool ac_sla_calendar_from_json(ac_sla_calendar *cal, const ac_tz *tz, const char *json);

#endif
