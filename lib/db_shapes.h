/* SQL fragments shared by data-layer files: API shapes built in SQL and the
 * microsecond conversions used to pass times as parameters. Included only
 * by db_*.c files. */
#ifndef AC_DB_SHAPES_H
#define AC_DB_SHAPES_H

/* A bigint parameter of microseconds since the epoch as timestamptz (NULL stays NULL). */
#define SQL_TS(param) "(timestamptz 'epoch' + (" param ")::bigint * interval '1 microsecond')"
/* A timestamptz as microseconds since the epoch. */
#define SQL_US(expr) "(extract(epoch FROM " expr ") * 1000000)::bigint"

/* The API shape of a ticket (alias t), as json. */
#define TICKET_OBJECT                                                                              \
  "json_build_object('id', t.id, 'store_id', t.store_id, 'customer_id', t.customer_id, "          \
  "'channel', t.channel, 'category', t.category, 'severity', t.severity, 'status', t.status, "    \
  "'subject', t.subject, 'description', t.description, "                                          \
  "'customer_expectation', t.customer_expectation, 'tags', to_json(t.tags), "                     \
  "'evidence', t.evidence, 'assignee_id', t.assignee_id, "                                        \
  "'escalation_level', t.escalation_level, 'sla', json_build_object("                             \
  "'first_response_due_at', api_time(t.first_response_due_at), "                                  \
  "'first_responded_at', api_time(t.first_responded_at), "                                        \
  "'resolution_due_at', api_time(t.resolution_due_at), 'resolved_at', api_time(t.resolved_at), "  \
  "'next_update_due_at', api_time(t.next_update_due_at), 'paused_at', api_time(t.paused_at), "    \
  "'remaining_minutes', t.remaining_minutes, 'breaches', coalesce((SELECT json_agg("              \
  "json_build_object('target', b.target, 'due_at', api_time(b.due_at), "                          \
  "'breached_at', api_time(b.breached_at)) ORDER BY b.id) FROM ticket_breaches b "                \
  "WHERE b.ticket_id = t.id), '[]'::json)), "                                                     \
  "'satisfaction', CASE WHEN t.satisfaction_score IS NULL THEN NULL ELSE json_build_object("      \
  "'score', t.satisfaction_score, 'comment', t.satisfaction_comment, "                            \
  "'at', api_time(t.satisfaction_at)) END, 'reopen_count', t.reopen_count, "                      \
  "'version', t.version, 'created_by', t.created_by, 'created_at', api_time(t.created_at), "      \
  "'updated_at', api_time(t.updated_at), 'closed_at', api_time(t.closed_at))"

/* The API shape of a callback task (alias k), as json. */
#define CALLBACK_OBJECT                                                                            \
  "json_build_object('id', k.id, 'store_id', k.store_id, 'customer_id', k.customer_id, "          \
  "'ticket_id', k.ticket_id, 'visit_id', k.visit_id, 'rule_id', k.rule_id, 'kind', k.kind, "      \
  "'status', k.status, 'due_at', api_time(k.due_at), 'due_by', api_time(k.due_by), "              \
  "'assignee_id', k.assignee_id, 'note', k.note, 'attempts', coalesce((SELECT json_agg("          \
  "json_build_object('id', a.id, 'at', api_time(a.at), 'by', a.by_staff, 'outcome', a.outcome, " \
  "'note', a.note) ORDER BY a.id) FROM callback_attempts a WHERE a.callback_id = k.id), "         \
  "'[]'::json), 'result', CASE WHEN k.status = 'completed' THEN json_build_object("              \
  "'satisfaction', k.result_satisfaction, 'summary', k.result_summary, "                          \
  "'follow_up_needed', k.follow_up_needed, 'at', api_time(k.completed_at), "                      \
  "'by', k.completed_by) END, 'cancel_reason', k.cancel_reason, 'version', k.version, "           \
  "'created_by', k.created_by, 'created_at', api_time(k.created_at), "                            \
  "'updated_at', api_time(k.updated_at), 'completed_at', api_time(k.completed_at))"

#endif
