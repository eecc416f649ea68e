-- Callbacks: follow-up call tasks, their attempts, the rules that schedule
-- them (with the SPEC.md defaults), and the daily sweep for birthdays,
-- anniversaries and lapsed customers.

CREATE TABLE callback_rules (
  id                 bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  store_id           bigint REFERENCES stores (id), -- NULL: chain-wide
  trigger            text NOT NULL CHECK (trigger IN ('visit', 'unconverted', 'ticket_resolved',
                     'birthday', 'anniversary', 'inactivity')),
  kind               text NOT NULL CHECK (kind IN ('post_service', 'routine', 'post_resolution',
                     'unconverted', 'win_back', 'birthday', 'holiday', 'reminder')),
  -- A glob with '*' for visit triggers ('*' matches every service).
  service_pattern    text CHECK (char_length(service_pattern) BETWEEN 1 AND 64),
  inactivity_days    integer CHECK (inactivity_days BETWEEN 1 AND 3650),
  profile_date_field text CHECK (profile_date_field ~ '^[a-z_][a-z0-9_]{0,63}$'),
  tiers              text[] CHECK (cardinality(tiers) BETWEEN 1 AND 4
                     AND tiers <@ ARRAY['regular', 'silver', 'gold', 'vip']),
  sample_pct         integer NOT NULL DEFAULT 100 CHECK (sample_pct BETWEEN 1 AND 100),
  offsets_days       integer[] NOT NULL DEFAULT '{0}' CHECK (cardinality(offsets_days) BETWEEN 1 AND 10
                     AND -30 <= ALL (offsets_days) AND 365 >= ALL (offsets_days)),
  window_hours       integer NOT NULL DEFAULT 24 CHECK (window_hours BETWEEN 1 AND 720),
  active             boolean NOT NULL DEFAULT true,
  version            integer NOT NULL DEFAULT 1 CHECK (version > 0),
  created_at         timestamptz NOT NULL DEFAULT now(),
  updated_at         timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT callback_rules_pattern_for_visits
    CHECK ((service_pattern IS NOT NULL) = (trigger IN ('visit', 'unconverted'))),
  CONSTRAINT callback_rules_days_for_inactivity
    CHECK ((inactivity_days IS NOT NULL) = (trigger = 'inactivity')),
  CONSTRAINT callback_rules_field_for_anniversary
    CHECK ((profile_date_field IS NOT NULL) = (trigger = 'anniversary')),
  CONSTRAINT callback_rules_offsets_range
    CHECK (trigger IN ('birthday', 'anniversary') OR 0 <= ALL (offsets_days)),
  CONSTRAINT callback_rules_date_offsets_range
    CHECK (trigger NOT IN ('birthday', 'anniversary') OR 30 >= ALL (offsets_days))
);
-- One rule per store (or chain) and what it reacts to: a store rule with the
-- same key replaces the chain's for that store (see effective_callback_rules).
CREATE UNIQUE INDEX callback_rules_key ON callback_rules (coalesce(store_id, 0), trigger, kind,
  upper(coalesce(service_pattern, '')), coalesce(profile_date_field, ''),
  coalesce(inactivity_days, 0));

INSERT INTO callback_rules (store_id, trigger, kind, service_pattern, inactivity_days,
                            offsets_days, window_hours) VALUES
  (NULL, 'visit', 'post_service', '*', NULL, '{3}', 24),
  (NULL, 'visit', 'routine', '*', NULL, '{30}', 24),
  (NULL, 'ticket_resolved', 'post_resolution', NULL, NULL, '{0}', 48),
  (NULL, 'birthday', 'birthday', NULL, NULL, '{0}', 24),
  (NULL, 'inactivity', 'win_back', NULL, 90, '{0}', 24),
  (NULL, 'unconverted', 'unconverted', '*', NULL, '{1}', 24);

-- The rules that apply to each store: its own, and the chain's that it has no
-- rule of the same key for (an inactive store rule switches a chain rule off).
CREATE VIEW effective_callback_rules AS
  SELECT s.id AS for_store, r.*
    FROM stores s
    JOIN callback_rules r ON r.store_id = s.id OR (r.store_id IS NULL AND NOT EXISTS (
           SELECT 1 FROM callback_rules o
            WHERE o.store_id = s.id AND o.trigger = r.trigger AND o.kind = r.kind
              AND upper(coalesce(o.service_pattern, '')) = upper(coalesce(r.service_pattern, ''))
              AND coalesce(o.profile_date_field, '') = coalesce(r.profile_date_field, '')
              AND coalesce(o.inactivity_days, 0) = coalesce(r.inactivity_days, 0)))
   WHERE r.active AND s.active;

CREATE TABLE callbacks (
  id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  store_id            bigint NOT NULL REFERENCES stores (id),
  customer_id         bigint NOT NULL REFERENCES customers (id),
  ticket_id           bigint REFERENCES tickets (id),
  visit_id            bigint REFERENCES visits (id),
  rule_id             bigint REFERENCES callback_rules (id),
  -- What generated the task ('visit:12:3', 'birthday:2026:0', ...); NULL for
  -- manual tasks. Unique per store, customer and kind: generation inserts
  -- with ON CONFLICT DO NOTHING, so reruns and concurrent sweeps add nothing.
  occasion            text,
  kind                text NOT NULL CHECK (kind IN ('post_service', 'routine', 'post_resolution',
                      'unconverted', 'win_back', 'birthday', 'holiday', 'reminder')),
  status              text NOT NULL DEFAULT 'pending'
                      CHECK (status IN ('pending', 'completed', 'unreachable', 'cancelled')),
  due_at              timestamptz NOT NULL,
  due_by              timestamptz NOT NULL,
  assignee_id         bigint REFERENCES staff (id),
  note                text CHECK (char_length(note) <= 2000),
  result_satisfaction integer CHECK (result_satisfaction BETWEEN 0 AND 10),
  result_summary      text CHECK (char_length(result_summary) <= 2000),
  follow_up_needed    boolean NOT NULL DEFAULT false,
  completed_at        timestamptz,
  completed_by        bigint REFERENCES staff (id),
  cancel_reason       text CHECK (char_length(cancel_reason) BETWEEN 1 AND 2000),
  version             integer NOT NULL DEFAULT 1 CHECK (version > 0),
  created_by          bigint REFERENCES staff (id), -- NULL: generated by a rule
  created_at          timestamptz NOT NULL DEFAULT now(),
  updated_at          timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT callbacks_once UNIQUE (store_id, customer_id, kind, occasion),
  CONSTRAINT callbacks_window CHECK (due_by >= due_at),
  CONSTRAINT callbacks_generated CHECK ((rule_id IS NULL) = (occasion IS NULL)),
  CONSTRAINT callbacks_completed CHECK ((status = 'completed') = (completed_at IS NOT NULL)),
  CONSTRAINT callbacks_cancelled CHECK ((status = 'cancelled') = (cancel_reason IS NOT NULL))
);
CREATE INDEX callbacks_store_queue_idx ON callbacks (store_id, status, due_at, id);
CREATE INDEX callbacks_assignee_idx ON callbacks (assignee_id, status, due_at, id)
  WHERE assignee_id IS NOT NULL;
CREATE INDEX callbacks_customer_idx ON callbacks (customer_id, due_at DESC);
CREATE INDEX callbacks_ticket_idx ON callbacks (ticket_id) WHERE ticket_id IS NOT NULL;

CREATE TABLE callback_attempts (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  callback_id bigint NOT NULL REFERENCES callbacks (id),
  store_id    bigint NOT NULL REFERENCES stores (id),
  at          timestamptz NOT NULL DEFAULT now(),
  by_staff    bigint NOT NULL REFERENCES staff (id),
  outcome     text NOT NULL CHECK (outcome IN ('reached', 'no_answer', 'busy', 'wrong_number',
              'refused', 'left_message')),
  note        text CHECK (char_length(note) <= 2000)
);
CREATE INDEX callback_attempts_callback_idx ON callback_attempts (callback_id, id);

-- Month and day as one number (1231): birthdays are matched on it.
CREATE FUNCTION month_day(d date) RETURNS integer
  LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT AS $$
  SELECT (extract(month FROM d) * 100 + extract(day FROM d))::integer $$;
CREATE INDEX customers_birthday_idx ON customers (home_store_id, month_day(birthday))
  WHERE birthday IS NOT NULL AND erased_at IS NULL;

-- The month-days that celebrate on `day`: 29 February falls on 28 February
-- in other years.
CREATE FUNCTION celebrated_on(day date) RETURNS integer[]
  LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT AS $$
  SELECT CASE WHEN month_day(day) = 228
               AND extract(day FROM (date_trunc('year', day) + interval '1 month 28 days')) <> 29
              THEN ARRAY[228, 229] ELSE ARRAY[month_day(day)] END $$;

-- A date written in a profile field, or NULL when it is not one.
CREATE FUNCTION profile_date(v text) RETURNS date
  LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE STRICT AS $$
BEGIN
  IF v !~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}$' THEN
    RETURN NULL;
  END IF;
  RETURN v::date;
EXCEPTION WHEN others THEN
  RETURN NULL;
END $$;

-- Deterministic sampling: the same occasion is always in or out.
CREATE FUNCTION callback_sampled(occasion text, pct integer) RETURNS boolean
  LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT AS $$
  SELECT pct >= 100 OR (hashtext(occasion)::bigint & 2147483647) % 100 < pct $$;

-- Kinds that are marketing: only for customers who opted in.
CREATE FUNCTION callback_kind_is_marketing(kind text) RETURNS boolean
  LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT AS $$
  SELECT kind IN ('birthday', 'holiday', 'win_back') $$;

-- The daily sweep: birthday, anniversary and inactivity tasks for every
-- active store, on the store's local date. Sweeps take turns on an advisory
-- lock; the unique occasion makes any rerun a no-op. Returns tasks created.
CREATE FUNCTION sweep_callbacks() RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
  n     integer;
  total integer := 0;
BEGIN
  PERFORM pg_advisory_xact_lock(hashtext('sweep_callbacks'));

  -- birthdays (and days around them): the occasion day is today - offset
  WITH r AS (
    SELECT e.*, s.timezone AS tz, (now() AT TIME ZONE s.timezone)::date AS today, o AS off
      FROM effective_callback_rules e JOIN stores s ON s.id = e.for_store
     CROSS JOIN unnest(e.offsets_days) AS o
     WHERE e.trigger = 'birthday')
  INSERT INTO callbacks (store_id, customer_id, rule_id, occasion, kind, due_at, due_by)
  SELECT r.for_store, c.id, r.id, x.occasion, r.kind, x.due_at,
         x.due_at + make_interval(hours => r.window_hours)
    FROM r
    JOIN customers c ON c.home_store_id = r.for_store AND c.birthday IS NOT NULL
                    AND c.erased_at IS NULL
                    AND month_day(c.birthday) = ANY (celebrated_on(r.today - r.off))
   CROSS JOIN LATERAL (SELECT
           'birthday:' || extract(year FROM r.today - r.off) || ':' || r.off AS occasion,
           (r.today + time '10:00') AT TIME ZONE r.tz AS due_at) AS x
   WHERE (r.tiers IS NULL OR c.member_tier = ANY (r.tiers))
     AND (c.marketing_opt_in OR NOT callback_kind_is_marketing(r.kind))
     AND callback_sampled(x.occasion || ':' || c.id, r.sample_pct)
     AND x.due_at + make_interval(hours => r.window_hours) > now()
  ON CONFLICT DO NOTHING;
  GET DIAGNOSTICS n = ROW_COUNT;
  total := total + n;

  -- anniversaries of a date in the profile, from the first one on
  WITH r AS (
    SELECT e.*, s.timezone AS tz, (now() AT TIME ZONE s.timezone)::date AS today, o AS off
      FROM effective_callback_rules e JOIN stores s ON s.id = e.for_store
     CROSS JOIN unnest(e.offsets_days) AS o
     WHERE e.trigger = 'anniversary')
  INSERT INTO callbacks (store_id, customer_id, rule_id, occasion, kind, due_at, due_by)
  SELECT r.for_store, c.id, r.id, x.occasion, r.kind, x.due_at,
         x.due_at + make_interval(hours => r.window_hours)
    FROM r
    JOIN customers c ON c.home_store_id = r.for_store AND c.erased_at IS NULL
                    AND c.profile ? r.profile_date_field
   CROSS JOIN LATERAL (SELECT profile_date(c.profile ->> r.profile_date_field) AS d) AS p
   CROSS JOIN LATERAL (SELECT
           'anniversary:' || r.profile_date_field || ':' || extract(year FROM r.today - r.off)
             || ':' || r.off AS occasion,
           (r.today + time '10:00') AT TIME ZONE r.tz AS due_at) AS x
   WHERE p.d IS NOT NULL AND month_day(p.d) = ANY (celebrated_on(r.today - r.off))
     AND extract(year FROM r.today - r.off) > extract(year FROM p.d)
     AND (r.tiers IS NULL OR c.member_tier = ANY (r.tiers))
     AND (c.marketing_opt_in OR NOT callback_kind_is_marketing(r.kind))
     AND callback_sampled(x.occasion || ':' || c.id, r.sample_pct)
  ON CONFLICT DO NOTHING;
  GET DIAGNOSTICS n = ROW_COUNT;
  total := total + n;

  -- lapsed customers: once per lapse (the occasion is the last visit)
  WITH r AS (
    SELECT e.*, s.timezone AS tz, (now() AT TIME ZONE s.timezone)::date AS today, o AS off
      FROM effective_callback_rules e JOIN stores s ON s.id = e.for_store
     CROSS JOIN unnest(e.offsets_days) AS o
     WHERE e.trigger = 'inactivity')
  INSERT INTO callbacks (store_id, customer_id, rule_id, occasion, kind, due_at, due_by)
  SELECT r.for_store, c.id, r.id, x.occasion, r.kind, x.due_at,
         x.due_at + make_interval(hours => r.window_hours)
    FROM r
    JOIN customers c ON c.home_store_id = r.for_store AND c.erased_at IS NULL
                    AND c.last_visit_at <= now() - make_interval(days => r.inactivity_days)
   CROSS JOIN LATERAL (SELECT
           'lapse:' || r.inactivity_days || ':'
             || (extract(epoch FROM c.last_visit_at) * 1000000)::bigint || ':' || r.off AS occasion,
           (r.today + r.off + time '10:00') AT TIME ZONE r.tz AS due_at) AS x
   WHERE (r.tiers IS NULL OR c.member_tier = ANY (r.tiers))
     AND (c.marketing_opt_in OR NOT callback_kind_is_marketing(r.kind))
     AND callback_sampled(x.occasion || ':' || c.id, r.sample_pct)
  ON CONFLICT DO NOTHING;
  GET DIAGNOSTICS n = ROW_COUNT;
  total := total + n;

  RETURN total;
END $$;
