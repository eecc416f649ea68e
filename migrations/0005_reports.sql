-- Reports: covering indexes for the figures of GET /v1/reports/*. Each
-- report reads, per store, a range of one of these (the store's period as
-- UTC instants) without touching the table: the columns a figure needs are
-- in the index (index-only scans, once VACUUM has marked the pages visible).

-- tickets created in a period (the population of the ticket figures)
CREATE INDEX tickets_report_created_idx ON tickets (store_id, created_at)
  INCLUDE (id, category, severity, channel, assignee_id, first_responded_at,
           first_response_due_at, resolved_at, resolution_due_at, paused_at, satisfaction_score);
-- tickets resolved in a period, and the backlog at a moment (resolved after it)
CREATE INDEX tickets_report_resolved_idx ON tickets (store_id, resolved_at)
  INCLUDE (created_at, category, severity, channel, assignee_id, reopen_count)
  WHERE resolved_at IS NOT NULL;
-- the backlog that is not resolved at all
CREATE INDEX tickets_report_unresolved_idx ON tickets (store_id, created_at)
  INCLUDE (category, severity, channel, assignee_id)
  WHERE resolved_at IS NULL;
-- callbacks due in a period
CREATE INDEX callbacks_report_due_idx ON callbacks (store_id, due_at)
  INCLUDE (id, kind, status, assignee_id, due_by, completed_at, result_satisfaction);
-- customers new in a period, and lapsed at a moment
CREATE INDEX customers_report_created_idx ON customers (home_store_id, created_at)
  INCLUDE (member_tier);
CREATE INDEX customers_report_last_visit_idx ON customers (home_store_id, last_visit_at)
  INCLUDE (member_tier) WHERE erased_at IS NULL AND last_visit_at IS NOT NULL;
-- visits in a period (the active customers); it serves everything the
-- narrower visits_store_idx did, and the planner, left a choice, took the
-- narrower one and read the table
CREATE INDEX visits_report_idx ON visits (store_id, performed_at)
  INCLUDE (customer_id, staff_id);
DROP INDEX visits_store_idx;
