-- Tickets: complaints with SLA clocks, their event log, comments, breaches,
-- compensation, per-store settings and SLA overrides, and the outbox.

-- timestamptz + an interval of hours is the same instant whatever the
-- session's time zone; PostgreSQL marks the operator STABLE only because of
-- day and month intervals. Generated columns need IMMUTABLE.
CREATE FUNCTION add_hours(t timestamptz, h integer) RETURNS timestamptz
  LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT t + make_interval(hours => h) $$;

CREATE TABLE store_settings (
  store_id               bigint PRIMARY KEY REFERENCES stores (id),
  rep_limit_cents        bigint NOT NULL DEFAULT 20000 CHECK (rep_limit_cents >= 0),
  supervisor_limit_cents bigint NOT NULL DEFAULT 200000 CHECK (supervisor_limit_cents >= 0),
  reopen_threshold       integer NOT NULL DEFAULT 8 CHECK (reopen_threshold BETWEEN 0 AND 10),
  version                integer NOT NULL DEFAULT 1 CHECK (version > 0),
  updated_at             timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE sla_rules (
  id                     bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  store_id               bigint NOT NULL REFERENCES stores (id),
  severity               text CHECK (severity IN ('urgent', 'important', 'normal')),
  category               text CHECK (category IN ('service_attitude', 'treatment_effect',
                         'product_quality', 'allergy_reaction', 'injury', 'environment',
                         'appointment', 'billing', 'rework', 'delivery_delay', 'medical_legal',
                         'other')),
  first_response_minutes integer NOT NULL CHECK (first_response_minutes BETWEEN 1 AND 525600),
  resolution_minutes     integer NOT NULL CHECK (resolution_minutes BETWEEN 1 AND 525600),
  update_minutes         integer NOT NULL CHECK (update_minutes BETWEEN 1 AND 525600),
  CONSTRAINT sla_rules_one_per_kind UNIQUE NULLS NOT DISTINCT (store_id, severity, category)
);

CREATE TABLE tickets (
  id                      bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  store_id                bigint NOT NULL REFERENCES stores (id),
  customer_id             bigint NOT NULL REFERENCES customers (id),
  channel                 text NOT NULL CHECK (channel IN ('phone', 'wechat', 'mini_program', 'web',
                          'in_store', 'email', 'sms', 'other')),
  category                text NOT NULL CHECK (category IN ('service_attitude', 'treatment_effect',
                          'product_quality', 'allergy_reaction', 'injury', 'environment',
                          'appointment', 'billing', 'rework', 'delivery_delay', 'medical_legal',
                          'other')),
  severity                text NOT NULL CHECK (severity IN ('urgent', 'important', 'normal')),
  status                  text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'acknowledged',
                          'in_progress', 'pending_customer', 'resolved', 'closed')),
  subject                 text NOT NULL CHECK (char_length(subject) BETWEEN 1 AND 200),
  description             text NOT NULL DEFAULT '' CHECK (char_length(description) <= 10000),
  customer_expectation    text CHECK (char_length(customer_expectation) <= 2000),
  tags                    text[] NOT NULL DEFAULT '{}' CHECK (cardinality(tags) <= 20),
  evidence                jsonb NOT NULL DEFAULT '[]'
                          CHECK (jsonb_typeof(evidence) = 'array' AND jsonb_array_length(evidence) <= 20),
  assignee_id             bigint REFERENCES staff (id),
  escalation_level        integer NOT NULL DEFAULT 0 CHECK (escalation_level BETWEEN 0 AND 2),
  first_response_due_at   timestamptz NOT NULL,
  first_responded_at      timestamptz,
  first_response_breached boolean NOT NULL DEFAULT false,
  resolution_due_at       timestamptz,
  resolution_breached     boolean NOT NULL DEFAULT false,
  resolved_at             timestamptz,
  next_update_due_at      timestamptz,
  paused_at               timestamptz,
  remaining_minutes       integer CHECK (remaining_minutes >= 0),
  closed_at               timestamptz,
  satisfaction_score      integer CHECK (satisfaction_score BETWEEN 0 AND 10),
  satisfaction_comment    text CHECK (char_length(satisfaction_comment) <= 2000),
  satisfaction_at         timestamptz,
  reopen_count            integer NOT NULL DEFAULT 0 CHECK (reopen_count >= 0),
  version                 integer NOT NULL DEFAULT 1 CHECK (version > 0),
  created_by              bigint NOT NULL REFERENCES staff (id),
  created_at              timestamptz NOT NULL DEFAULT now(),
  updated_at              timestamptz NOT NULL DEFAULT now(),
  -- Search grams of the subject and the start of the description.
  search_grams            text[] GENERATED ALWAYS AS
                          (name_grams(subject || ' ' || left(description, 1000))) STORED,
  -- The soonest unmet due time (far future when none): the order of sort=due.
  due_sort                timestamptz NOT NULL GENERATED ALWAYS AS (coalesce(
                            CASE WHEN status IN ('resolved', 'closed') THEN NULL ELSE least(
                              CASE WHEN first_responded_at IS NULL THEN first_response_due_at END,
                              CASE WHEN paused_at IS NULL THEN resolution_due_at END,
                              next_update_due_at) END,
                            TIMESTAMPTZ '9999-12-31 00:00:00+00')) STORED,
  -- When the sweeper next has work on this ticket (NULL: none).
  sweep_due_at            timestamptz GENERATED ALWAYS AS (
                            CASE WHEN status = 'closed' THEN NULL
                                 -- 7 days after resolution, unless scored since
                                 WHEN status = 'resolved' THEN
                                   CASE WHEN satisfaction_at IS NULL OR satisfaction_at < resolved_at
                                        THEN add_hours(resolved_at, 168) END
                                 ELSE least(
                                   CASE WHEN first_responded_at IS NULL AND NOT first_response_breached
                                        THEN first_response_due_at END,
                                   CASE WHEN paused_at IS NULL AND NOT resolution_breached
                                        THEN resolution_due_at END,
                                   next_update_due_at) END) STORED,
  CONSTRAINT tickets_resolved_has_time CHECK (status NOT IN ('resolved', 'closed') OR resolved_at IS NOT NULL),
  CONSTRAINT tickets_closed_has_time CHECK (status <> 'closed' OR closed_at IS NOT NULL),
  CONSTRAINT tickets_paused_only_pending CHECK ((paused_at IS NULL) = (status <> 'pending_customer'))
);
CREATE INDEX tickets_store_status_due_idx ON tickets (store_id, status, due_sort, id);
CREATE INDEX tickets_store_created_idx ON tickets (store_id, created_at DESC, id DESC);
CREATE INDEX tickets_created_idx ON tickets (created_at DESC, id DESC);
CREATE INDEX tickets_customer_idx ON tickets (customer_id, created_at DESC);
CREATE INDEX tickets_assignee_idx ON tickets (assignee_id, status) WHERE assignee_id IS NOT NULL;
CREATE INDEX tickets_sweep_idx ON tickets (sweep_due_at) WHERE sweep_due_at IS NOT NULL;
CREATE INDEX tickets_search_idx ON tickets USING gin (search_grams);
CREATE INDEX tickets_tags_idx ON tickets USING gin (tags);

CREATE TABLE ticket_breaches (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  ticket_id   bigint NOT NULL REFERENCES tickets (id),
  store_id    bigint NOT NULL REFERENCES stores (id),
  target      text NOT NULL CHECK (target IN ('first_response', 'resolution', 'update')),
  due_at      timestamptz NOT NULL,
  breached_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT ticket_breaches_once UNIQUE (ticket_id, target, due_at)
);

-- The event log: appended in the transaction of each change, never updated.
CREATE TABLE ticket_events (
  id        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  ticket_id bigint NOT NULL REFERENCES tickets (id),
  store_id  bigint NOT NULL REFERENCES stores (id),
  at        timestamptz NOT NULL DEFAULT now(),
  actor_id  bigint REFERENCES staff (id), -- NULL: the system (sweeper)
  type      text NOT NULL CHECK (type IN ('created', 'updated', 'status_changed', 'assigned',
            'comment_added', 'sla_breached', 'escalated', 'compensation_proposed',
            'compensation_approved', 'compensation_rejected', 'compensation_fulfilled',
            'satisfaction_recorded', 'reopened', 'closed')),
  before    jsonb,
  after     jsonb,
  note      text CHECK (char_length(note) <= 2000)
);
CREATE INDEX ticket_events_ticket_idx ON ticket_events (ticket_id, id);

CREATE FUNCTION ticket_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'ticket events are never changed' USING ERRCODE = '23514';
END $$;
CREATE TRIGGER ticket_events_no_change BEFORE UPDATE OR DELETE ON ticket_events
  FOR EACH ROW EXECUTE FUNCTION ticket_events_append_only();

CREATE TABLE ticket_comments (
  id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  ticket_id  bigint NOT NULL REFERENCES tickets (id),
  store_id   bigint NOT NULL REFERENCES stores (id),
  author_id  bigint NOT NULL REFERENCES staff (id),
  visibility text NOT NULL CHECK (visibility IN ('internal', 'customer')),
  body       text NOT NULL CHECK (char_length(body) BETWEEN 1 AND 10000),
  at         timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ticket_comments_ticket_idx ON ticket_comments (ticket_id, id);

CREATE TABLE compensations (
  id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  ticket_id    bigint NOT NULL REFERENCES tickets (id),
  store_id     bigint NOT NULL REFERENCES stores (id),
  kind         text NOT NULL CHECK (kind IN ('redo_service', 'free_sessions', 'stored_value_credit',
               'gift', 'partial_refund', 'full_refund', 'medical_expense')),
  amount_cents bigint NOT NULL CHECK (amount_cents >= 0),
  sessions     integer NOT NULL DEFAULT 0 CHECK (sessions >= 0),
  note         text CHECK (char_length(note) <= 2000),
  status       text NOT NULL DEFAULT 'proposed'
               CHECK (status IN ('proposed', 'approved', 'rejected', 'fulfilled')),
  proposed_by  bigint NOT NULL REFERENCES staff (id),
  proposed_at  timestamptz NOT NULL DEFAULT now(),
  decided_by   bigint REFERENCES staff (id),
  decided_at   timestamptz,
  fulfilled_by bigint REFERENCES staff (id),
  fulfilled_at timestamptz,
  CONSTRAINT compensations_decided CHECK ((status = 'proposed') = (decided_at IS NULL)),
  CONSTRAINT compensations_fulfilled CHECK ((status = 'fulfilled') = (fulfilled_at IS NOT NULL))
);
CREATE INDEX compensations_ticket_idx ON compensations (ticket_id, id);

-- Notifications decided by the server, written in the transaction of their
-- cause; delivery (webhooks) comes with the notifications issue.
CREATE TABLE outbox (
  id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  store_id       bigint NOT NULL REFERENCES stores (id),
  kind           text NOT NULL CHECK (kind IN ('urgent_ticket', 'sla_breach', 'low_satisfaction')),
  ticket_id      bigint REFERENCES tickets (id),
  recipient_role text NOT NULL CHECK (recipient_role IN ('rep', 'supervisor', 'manager', 'hq')),
  payload        jsonb NOT NULL DEFAULT '{}',
  created_at     timestamptz NOT NULL DEFAULT now(),
  delivered_at   timestamptz
);
CREATE INDEX outbox_undelivered_idx ON outbox (id) WHERE delivered_at IS NULL;

-- The sweeper: one batch of tickets with work due, claimed with SKIP LOCKED
-- so that several servers share the work and never do it twice. Breaches are
-- unique per (ticket, target, due time). Returns the number of actions.
CREATE FUNCTION sweep_tickets(batch integer) RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
  t     record;
  b     record;
  lvl   integer;
  acted integer := 0;
BEGIN
  FOR t IN SELECT * FROM tickets WHERE sweep_due_at <= now()
           ORDER BY sweep_due_at LIMIT batch FOR UPDATE SKIP LOCKED LOOP
    IF t.status = 'resolved' THEN
      UPDATE tickets SET status = 'closed', closed_at = now(), version = version + 1,
                         updated_at = now() WHERE id = t.id;
      INSERT INTO ticket_events (ticket_id, store_id, actor_id, type, before, after, note)
      VALUES (t.id, t.store_id, NULL, 'closed', jsonb_build_object('status', 'resolved'),
              jsonb_build_object('status', 'closed'), 'no_response');
      acted := acted + 1;
      CONTINUE;
    END IF;
    lvl := t.escalation_level;
    FOR b IN SELECT * FROM (VALUES
               ('first_response', CASE WHEN t.first_responded_at IS NULL AND NOT t.first_response_breached
                                       THEN t.first_response_due_at END),
               ('resolution', CASE WHEN t.paused_at IS NULL AND NOT t.resolution_breached
                                   THEN t.resolution_due_at END),
               ('update', t.next_update_due_at)) AS v (target, due_at)
             WHERE v.due_at IS NOT NULL AND v.due_at <= now() LOOP
      INSERT INTO ticket_breaches (ticket_id, store_id, target, due_at)
      VALUES (t.id, t.store_id, b.target, b.due_at) ON CONFLICT DO NOTHING;
      IF FOUND THEN
        INSERT INTO ticket_events (ticket_id, store_id, actor_id, type, after)
        VALUES (t.id, t.store_id, NULL, 'sla_breached',
                jsonb_build_object('target', b.target, 'due_at', api_time(b.due_at)));
        IF lvl < 2 THEN
          INSERT INTO ticket_events (ticket_id, store_id, actor_id, type, before, after)
          VALUES (t.id, t.store_id, NULL, 'escalated', jsonb_build_object('escalation_level', lvl),
                  jsonb_build_object('escalation_level', lvl + 1));
          lvl := lvl + 1;
        END IF;
        INSERT INTO outbox (store_id, kind, ticket_id, recipient_role, payload)
        VALUES (t.store_id, 'sla_breach', t.id, CASE WHEN lvl <= 1 THEN 'supervisor' ELSE 'manager' END,
                jsonb_build_object('target', b.target, 'due_at', api_time(b.due_at),
                                   'escalation_level', lvl));
        acted := acted + 1;
      END IF;
      UPDATE tickets SET
        first_response_breached = first_response_breached OR b.target = 'first_response',
        resolution_breached = resolution_breached OR b.target = 'resolution',
        next_update_due_at = CASE WHEN b.target = 'update' THEN NULL ELSE next_update_due_at END,
        escalation_level = lvl, version = version + 1, updated_at = now()
      WHERE id = t.id;
    END LOOP;
  END LOOP;
  RETURN acted;
END $$;
