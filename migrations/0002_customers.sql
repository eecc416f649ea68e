-- Customers (the chain's customer file), their visits, which stores may see
-- them, and the customer event log.

-- Unigrams and bigrams of a lower-cased name: an index on them answers
-- substring searches of one or more characters, which trigram indexes
-- cannot do for the two- and three-character names common in Chinese
-- (see customer_name_grams below).
-- The text is split into characters once: substr at every position would
-- cost time growing with the square of the length (long descriptions).
CREATE FUNCTION name_grams(t text) RETURNS text[]
  LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT AS $$
  SELECT coalesce(array_agg(DISTINCT g), '{}') FROM (
    SELECT c AS g FROM unnest(string_to_array(lower(t), NULL)) AS c
    UNION ALL
    SELECT c || next FROM (SELECT c, lead(c) OVER (ORDER BY i) AS next
                             FROM unnest(string_to_array(lower(t), NULL)) WITH ORDINALITY AS u (c, i)) AS pair
     WHERE next IS NOT NULL) AS grams $$;

-- The grams a search string must all have: itself for one character, its
-- bigrams otherwise (the LIKE that follows confirms their order).
CREATE FUNCTION query_grams(q text) RETURNS text[]
  LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT AS $$
  SELECT CASE WHEN char_length(q) = 1 THEN ARRAY[lower(q)]
    ELSE ARRAY(SELECT DISTINCT substr(lower(q), i, 2) FROM generate_series(1, char_length(q) - 1) AS i)
  END $$;

CREATE TABLE customers (
  id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  home_store_id    bigint NOT NULL REFERENCES stores (id),
  name             text NOT NULL CONSTRAINT customers_name_length CHECK (char_length(name) BETWEEN 1 AND 64),
  name_grams       text[] GENERATED ALWAYS AS (name_grams(name)) STORED,
  -- E.164, unique in the chain; NULL only after erasure. C collation so that
  -- the unique index also serves phone-prefix LIKE searches.
  phone            text COLLATE "C" CONSTRAINT customers_phone_e164 CHECK (phone ~ '^\+[1-9][0-9]{6,14}$'),
  gender           text NOT NULL DEFAULT 'unknown' CHECK (gender IN ('female', 'male', 'unknown')),
  birthday         date CHECK (birthday >= DATE '1900-01-01'),
  member_tier      text NOT NULL DEFAULT 'regular' CHECK (member_tier IN ('regular', 'silver', 'gold', 'vip')),
  points           bigint NOT NULL DEFAULT 0 CHECK (points >= 0),
  source           text NOT NULL DEFAULT 'walk_in'
                   CHECK (source IN ('walk_in', 'referral', 'online', 'mini_program', 'campaign', 'other')),
  tags             text[] NOT NULL DEFAULT '{}' CHECK (cardinality(tags) <= 20),
  marketing_opt_in boolean NOT NULL DEFAULT false,
  notes            text CHECK (char_length(notes) <= 2000),
  profile          jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(profile) = 'object'),
  last_visit_at    timestamptz,
  erased_at        timestamptz,
  erased_by        bigint REFERENCES staff (id),
  version          integer NOT NULL DEFAULT 1 CHECK (version > 0),
  created_at       timestamptz NOT NULL DEFAULT now(),
  updated_at       timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT customers_erased_has_no_phone CHECK (erased_at IS NULL OR phone IS NULL),
  CONSTRAINT customers_phone_present CHECK (erased_at IS NOT NULL OR phone IS NOT NULL)
);
CREATE UNIQUE INDEX customers_phone_key ON customers (phone) WHERE phone IS NOT NULL;
CREATE INDEX customers_tags_idx ON customers USING gin (tags);
CREATE INDEX customers_home_store_idx ON customers (home_store_id, id);

-- Which stores see a customer: the home store and every store with a visit
-- (later also a ticket). Rows are only ever added.
CREATE TABLE customer_stores (
  store_id    bigint NOT NULL REFERENCES stores (id),
  customer_id bigint NOT NULL REFERENCES customers (id),
  PRIMARY KEY (store_id, customer_id)
);
CREATE INDEX customer_stores_customer_idx ON customer_stores (customer_id, store_id);

CREATE TABLE visits (
  id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  customer_id   bigint NOT NULL REFERENCES customers (id),
  store_id      bigint NOT NULL REFERENCES stores (id),
  service_code  text NOT NULL CHECK (service_code ~ '^[A-Za-z0-9_.-]{1,32}$'),
  service_name  text NOT NULL CHECK (char_length(service_name) BETWEEN 1 AND 64),
  performed_at  timestamptz NOT NULL,
  staff_id      bigint REFERENCES staff (id),
  amount_cents  bigint NOT NULL DEFAULT 0 CHECK (amount_cents >= 0),
  converted     boolean NOT NULL DEFAULT true,
  created_by    bigint NOT NULL REFERENCES staff (id),
  created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX visits_customer_idx ON visits (customer_id, performed_at DESC, id DESC);
CREATE INDEX visits_store_idx ON visits (store_id, performed_at);

-- Append-only log of what happened to a customer record (no personal data).
CREATE TABLE customer_events (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  customer_id bigint NOT NULL REFERENCES customers (id),
  at          timestamptz NOT NULL DEFAULT now(),
  actor_id    bigint NOT NULL REFERENCES staff (id),
  type        text NOT NULL CHECK (type IN ('erased')),
  note        text CHECK (char_length(note) <= 2000)
);
CREATE INDEX customer_events_customer_idx ON customer_events (customer_id, id);

-- Name search index: one row per (store that sees the customer, gram of the
-- name), plus store 0 for the chain-wide view HQ searches. A search reads one
-- (store, gram) range in customer id order and stops after a page, however
-- common the name: a GIN index would fetch every match before sorting.
-- Kept by the triggers below; erased customers have no rows.
CREATE TABLE customer_name_grams (
  store_id    bigint NOT NULL, -- 0 = chain-wide
  gram        text NOT NULL,
  customer_id bigint NOT NULL REFERENCES customers (id),
  PRIMARY KEY (store_id, gram, customer_id)
);
CREATE INDEX customer_name_grams_customer_idx ON customer_name_grams (customer_id);

CREATE FUNCTION customer_name_grams_refresh() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM customer_name_grams WHERE customer_id = NEW.id;
  IF NEW.erased_at IS NULL THEN
    INSERT INTO customer_name_grams (store_id, gram, customer_id)
    SELECT s.store_id, g, NEW.id
      FROM unnest(NEW.name_grams) AS g
     CROSS JOIN (SELECT 0::bigint AS store_id
                 UNION SELECT cs.store_id FROM customer_stores cs WHERE cs.customer_id = NEW.id) AS s;
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER customers_name_grams AFTER INSERT OR UPDATE OF name, erased_at ON customers
  FOR EACH ROW EXECUTE FUNCTION customer_name_grams_refresh();

CREATE FUNCTION customer_stores_name_grams() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO customer_name_grams (store_id, gram, customer_id)
  SELECT NEW.store_id, g, c.id FROM customers c CROSS JOIN unnest(c.name_grams) AS g
   WHERE c.id = NEW.customer_id AND c.erased_at IS NULL
  ON CONFLICT DO NOTHING;
  RETURN NULL;
END $$;
CREATE TRIGGER customer_stores_name_grams AFTER INSERT ON customer_stores
  FOR EACH ROW EXECUTE FUNCTION customer_stores_name_grams();

-- For bulk loads that bypass the triggers (bench/gen_customers.sql).
CREATE FUNCTION rebuild_customer_name_grams() RETURNS bigint LANGUAGE sql AS $$
  DELETE FROM customer_name_grams;
  INSERT INTO customer_name_grams (store_id, gram, customer_id)
  SELECT 0, g, c.id FROM customers c CROSS JOIN unnest(c.name_grams) AS g WHERE c.erased_at IS NULL
  UNION ALL
  SELECT cs.store_id, g, c.id FROM customers c JOIN customer_stores cs ON cs.customer_id = c.id
   CROSS JOIN unnest(c.name_grams) AS g WHERE c.erased_at IS NULL;
  SELECT count(*) FROM customer_name_grams $$;
