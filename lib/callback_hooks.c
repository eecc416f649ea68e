#include "callback_hooks.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "callback_plan.h"
#include "clock.h"
#include "db_callbacks.h"
#include "log.h"
#include "tz.h"

static const ac_tz *store_zone(const ac_cb_occasion *o) {
  const ac_tz *tz = ac_tz_get(o->timezone);
  if (!tz)
    ac_log_error("callbacks", "time zone %s unknown to the system; using UTC", o->timezone);
  return tz;
}

/* Inserts one task per offset of `rule`; `source` names the occasion
 * ("visit:12", "ticket:7:0"). *earliest gets the soonest due time created. */
static ac_db_status generate(ac_tx *tx, const ac_cb_occasion *o, const ac_cb_rule_row *rule,
                             const ac_tz *tz, const char *source, int64_t ticket_id,
                             int64_t visit_id, int64_t *earliest) {
  int64_t now = ac_now_us();
  int64_t sub_us = o->trigger_us % 1000000;
  for (int i = 0; i < rule->n_offsets; i++) {
    char occasion[96];
    snprintf(occasion, sizeof occasion, "%s:%d", source, rule->offsets[i]);
    char sample_key[128];
    snprintf(sample_key, sizeof sample_key, "%s:%" PRId64, occasion, rule->id);
    if (!ac_cb_sampled(sample_key, rule->sample_pct))
      continue;
    int64_t due = ac_cb_add_local_days(tz, o->trigger_us / 1000000, rule->offsets[i]) * 1000000 +
                  sub_us;
    int64_t due_by = due + (int64_t)rule->window_hours * 3600 * 1000000;
    if (due_by < now)
      continue; /* recorded too late: the window has closed */
    ac_cb_new n = {.store_id = o->store_id,
                   .customer_id = o->customer_id,
                   .ticket_id = ticket_id,
                   .visit_id = visit_id,
                   .rule_id = rule->id,
                   .occasion = occasion,
                   .kind = rule->kind,
                   .due_at_us = due,
                   .due_by_us = due_by};
    int64_t id;
    ac_db_status s = ac_cb_insert(tx, &n, &id);
    if (s != AC_DB_OK)
      return s;
    if (id && (*earliest == 0 || due < *earliest))
      *earliest = due;
  }
  return AC_DB_OK;
}

ac_db_status ac_callbacks_on_visit(ac_tx *tx, const ac_visit_event *visit) {
  ac_cb_occasion o;
  ac_db_status s = ac_cb_occasion_for_visit(tx, visit->visit_id, &o);
  if (s != AC_DB_OK || o.n_rules == 0)
    return s == AC_DB_NOROW ? AC_DB_OK : s;
  ac_cb_visit_rule view[AC_CB_MAX_RULES];
  for (size_t i = 0; i < o.n_rules; i++)
    view[i] = (ac_cb_visit_rule){o.rules[i].id, o.rules[i].kind, o.rules[i].pattern,
                                 o.rules[i].store_rule};
  size_t chosen[AC_CB_MAX_RULES];
  size_t n = ac_cb_pick_visit_rules(view, o.n_rules, o.service_code, chosen);
  const ac_tz *tz = store_zone(&o);
  char source[48];
  snprintf(source, sizeof source, "visit:%" PRId64, visit->visit_id);
  for (size_t i = 0; i < n; i++) {
    const ac_cb_rule_row *rule = &o.rules[chosen[i]];
    int64_t earliest = 0;
    s = generate(tx, &o, rule, tz, source, 0, visit->visit_id, &earliest);
    if (s == AC_DB_OK && earliest && strcmp(rule->kind, "routine") == 0)
      s = ac_cb_supersede_routine(tx, o.store_id, o.customer_id, earliest, visit->visit_id);
    if (s != AC_DB_OK)
      return s;
  }
  return AC_DB_OK;
}

ac_db_status ac_callbacks_on_ticket_resolved(ac_tx *tx, int64_t ticket_id) {
  ac_cb_occasion o;
  ac_db_status s = ac_cb_occasion_for_ticket(tx, ticket_id, &o);
  if (s != AC_DB_OK)
    return s == AC_DB_NOROW ? AC_DB_OK : s;
  const ac_tz *tz = o.n_rules ? store_zone(&o) : NULL;
  /* each resolution is its own occasion: a reopened and resolved-again
   * ticket gets a new call */
  char source[64];
  snprintf(source, sizeof source, "ticket:%" PRId64 ":%d", ticket_id, o.reopen_count);
  for (size_t i = 0; i < o.n_rules && s == AC_DB_OK; i++) {
    int64_t earliest = 0;
    s = generate(tx, &o, &o.rules[i], tz, source, ticket_id, 0, &earliest);
  }
  return s;
}

ac_db_status ac_callbacks_on_ticket_reopened(ac_tx *tx, int64_t ticket_id) {
  return ac_cb_cancel_for_ticket(tx, ticket_id);
}

ac_db_status ac_callbacks_on_customer_erased(ac_tx *tx, int64_t customer_id) {
  return ac_cb_cancel_for_customer(tx, customer_id);
}
