#include "ticket_flow.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>

#include "callback_hooks.h"
#include "log.h"
#include "tz.h"

ac_db_status ac_sla_view_load(ac_tx *tx, int64_t store_id, int severity, int category,
                              ac_sla_view *v) {
  ac_db_status s = ac_store_context_load(tx, store_id, &v->store);
  if (s != AC_DB_OK)
    return s;
  const ac_tz *tz = ac_tz_get(v->store.timezone);
  if (!tz) {
    ac_log_error("sla", "time zone %s unknown to the system; using calendar time",
                 v->store.timezone);
    v->cal = (ac_sla_calendar){0};
  } else if (!ac_sla_calendar_from_json(&v->cal, tz, v->store.business_hours)) {
    v->cal = (ac_sla_calendar){.tz = tz};
  }
  v->targets = ac_sla_targets_for((ac_severity)severity, (ac_category)category, v->store.rules,
                                  v->store.n_rules);
  return AC_DB_OK;
}

int64_t ac_sla_view_due_after(const ac_sla_view *v, int64_t from_us, int minutes) {
  return ac_sla_add_minutes(&v->cal, from_us / 1000000, minutes) * 1000000;
}

int64_t ac_sla_view_minutes_left(const ac_sla_view *v, int64_t from_us, int64_t to_us) {
  return ac_sla_minutes_between(&v->cal, from_us / 1000000, to_us / 1000000);
}

void ac_ticket_customer_update(ac_ticket_state *st, int64_t now, const ac_sla_view *v) {
  st->next_update_due = ac_status_owes_updates(st->status)
                            ? ac_sla_view_due_after(v, now, v->targets.update_minutes)
                            : AC_NO_TIME;
}

void ac_ticket_apply_move(ac_ticket_state *st, int64_t now, ac_status to, const ac_sla_view *v) {
  ac_status from = st->status;
  if (from == AC_ST_PENDING_CUSTOMER) { /* the resolution clock resumes */
    st->resolution_due =
        ac_sla_view_due_after(v, now, st->remaining_minutes > 0 ? st->remaining_minutes : 0);
    st->paused_at = AC_NO_TIME;
    st->remaining_minutes = -1;
  }
  if (to == AC_ST_PENDING_CUSTOMER) {
    st->paused_at = now;
    st->remaining_minutes =
        st->resolution_due > now ? (int)ac_sla_view_minutes_left(v, now, st->resolution_due) : 0;
  }
  if (to == AC_ST_ACKNOWLEDGED && st->first_responded == AC_NO_TIME)
    st->first_responded = now;
  if (to == AC_ST_RESOLVED)
    st->resolved_at = now;
  if (to == AC_ST_CLOSED)
    st->closed_at = now;
  if ((from == AC_ST_RESOLVED || from == AC_ST_CLOSED) && to == AC_ST_IN_PROGRESS) {
    st->reopen_count++;
    st->resolved_at = AC_NO_TIME;
    st->closed_at = AC_NO_TIME;
    st->resolution_due = ac_sla_view_due_after(v, now, v->targets.resolution_minutes);
    st->resolution_breached = false;
  }
  st->status = to;
  ac_ticket_customer_update(st, now, v);
}

char *ac_state_json(const char *key, const char *value) {
  json_t *o = json_pack("{s:s?}", key, value);
  char *text = json_dumps(o, JSON_COMPACT);
  json_decref(o);
  return text;
}

ac_db_status ac_ticket_event_owned(ac_tx *tx, const ac_ticket_state *st, const char *type,
                                   char *before, char *after, const char *note) {
  ac_db_status s = ac_ticket_event(tx, st, type, before, after, note);
  free(before);
  free(after);
  return s;
}

static char *dump_and_free(json_t *v) {
  char *text = json_dumps(v, JSON_COMPACT);
  json_decref(v);
  return text;
}

ac_db_status ac_ticket_take_score(ac_tx *tx, ac_ticket_state *st, int64_t now, int score,
                                  const char *comment) {
  ac_sla_view v;
  ac_db_status s = ac_sla_view_load(tx, st->store_id, st->severity, st->category, &v);
  if (s != AC_DB_OK)
    return s;
  int threshold = v.store.reopen_threshold;
  ac_store_context_free(&v.store);
  st->satisfaction_score = score;
  snprintf(st->satisfaction_comment, sizeof st->satisfaction_comment, "%s",
           comment ? comment : "");
  st->satisfaction_at = now;
  s = ac_ticket_event_owned(tx, st, "satisfaction_recorded", NULL,
                            dump_and_free(json_pack("{s:i, s:s?}", "score", score, "comment",
                                                    comment)),
                            NULL);
  if (s != AC_DB_OK)
    return s;
  char why[96];
  int version;
  if (score >= threshold) {
    ac_ticket_apply_move(st, now, AC_ST_CLOSED, &v);
    snprintf(why, sizeof why, "satisfaction %d meets threshold %d", score, threshold);
    s = ac_ticket_write_state(tx, st, &version);
    if (s == AC_DB_OK)
      s = ac_ticket_event_owned(tx, st, "closed", ac_state_json("status", "resolved"),
                                ac_state_json("status", "closed"), why);
    return s;
  }
  /* second remediation: reopen and escalate one level */
  int level = st->escalation_level;
  ac_ticket_apply_move(st, now, AC_ST_IN_PROGRESS, &v);
  if (st->escalation_level < 2)
    st->escalation_level++;
  snprintf(why, sizeof why, "satisfaction %d below threshold %d", score, threshold);
  s = ac_ticket_write_state(tx, st, &version);
  if (s == AC_DB_OK)
    s = ac_ticket_event_owned(
        tx, st, "reopened",
        dump_and_free(json_pack("{s:s, s:i, s:i}", "status", "resolved", "escalation_level", level,
                                "reopen_count", st->reopen_count - 1)),
        dump_and_free(json_pack("{s:s, s:i, s:i}", "status", "in_progress", "escalation_level",
                                st->escalation_level, "reopen_count", st->reopen_count)),
        why);
  if (s == AC_DB_OK) {
    char *payload = dump_and_free(json_pack("{s:i, s:i}", "score", score, "threshold", threshold));
    s = ac_outbox_add(tx, st->store_id, st->id, "low_satisfaction",
                      st->escalation_level >= 2 ? "manager" : "supervisor", payload);
    free(payload);
  }
  if (s == AC_DB_OK)
    s = ac_callbacks_on_ticket_reopened(tx, st->id);
  return s;
}
