-- Foundation: stores, staff and their store memberships, idempotency records.
-- Applied by `aftercare migrate` inside one transaction under an advisory lock.

CREATE TABLE stores (
  id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  code           text NOT NULL CONSTRAINT stores_code_key UNIQUE
                 CONSTRAINT stores_code_format CHECK (code ~ '^[A-Z0-9_-]{1,16}$'),
  name           text NOT NULL CONSTRAINT stores_name_length CHECK (char_length(name) BETWEEN 1 AND 64),
  industry       text NOT NULL CONSTRAINT stores_industry_known
                 CHECK (industry IN ('beauty', 'fitness', 'bridal', 'other')),
  timezone       text NOT NULL DEFAULT 'Asia/Shanghai'
                 CONSTRAINT stores_timezone_length CHECK (char_length(timezone) BETWEEN 1 AND 64),
  business_hours jsonb CONSTRAINT stores_business_hours_object
                 CHECK (business_hours IS NULL OR jsonb_typeof(business_hours) = 'object'),
  active         boolean NOT NULL DEFAULT true,
  version        integer NOT NULL DEFAULT 1 CHECK (version > 0),
  created_at     timestamptz NOT NULL DEFAULT now(),
  updated_at     timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE staff (
  id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  login         text NOT NULL CONSTRAINT staff_login_key UNIQUE
                CONSTRAINT staff_login_format CHECK (login ~ '^[a-z0-9._-]{3,64}$'),
  name          text NOT NULL CONSTRAINT staff_name_length CHECK (char_length(name) BETWEEN 1 AND 64),
  role          text NOT NULL CONSTRAINT staff_role_known
                CHECK (role IN ('rep', 'supervisor', 'manager', 'hq')),
  password_hash text NOT NULL CONSTRAINT staff_password_argon2id CHECK (password_hash LIKE '$argon2id$%'),
  active        boolean NOT NULL DEFAULT true,
  version       integer NOT NULL DEFAULT 1 CHECK (version > 0),
  created_at    timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE staff_stores (
  staff_id bigint NOT NULL REFERENCES staff (id) ON DELETE CASCADE,
  store_id bigint NOT NULL REFERENCES stores (id),
  PRIMARY KEY (staff_id, store_id)
);
CREATE INDEX staff_stores_store_idx ON staff_stores (store_id, staff_id);

-- A rep or manager belongs to exactly one store, a supervisor to at least
-- one, HQ to none. Checked at commit so a change of role and stores can be
-- written in any order within one transaction.
CREATE FUNCTION staff_store_count_ok() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  sid bigint;
  r   text;
  n   integer;
BEGIN
  IF TG_TABLE_NAME = 'staff' THEN
    sid := NEW.id;
  ELSIF TG_OP = 'DELETE' THEN
    sid := OLD.staff_id;
  ELSE
    sid := NEW.staff_id;
  END IF;
  SELECT s.role, (SELECT count(*) FROM staff_stores ss WHERE ss.staff_id = s.id)
    INTO r, n FROM staff s WHERE s.id = sid;
  IF r IS NULL THEN
    RETURN NULL; -- the staff row itself was deleted
  END IF;
  IF (r IN ('rep', 'manager') AND n <> 1) OR (r = 'supervisor' AND n < 1) OR (r = 'hq' AND n <> 0) THEN
    RAISE EXCEPTION 'staff % with role % cannot belong to % store(s)', sid, r, n
      USING ERRCODE = '23514', CONSTRAINT = 'staff_store_count';
  END IF;
  RETURN NULL;
END $$;

CREATE CONSTRAINT TRIGGER staff_store_count AFTER INSERT OR UPDATE OF role ON staff
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION staff_store_count_ok();
CREATE CONSTRAINT TRIGGER staff_stores_count AFTER INSERT OR DELETE OR UPDATE ON staff_stores
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION staff_store_count_ok();

-- One row per (staff, Idempotency-Key): the first answer to a creating POST,
-- written in the same transaction as what it created. status 0 never
-- commits; it only marks the key as claimed while that transaction runs.
CREATE TABLE idempotency_keys (
  staff_id     bigint NOT NULL REFERENCES staff (id) ON DELETE CASCADE,
  key          text NOT NULL CHECK (char_length(key) BETWEEN 1 AND 255),
  request_hash text NOT NULL,
  status       integer NOT NULL CHECK (status BETWEEN 0 AND 599),
  body         text,
  location     text,
  etag         text,
  created_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (staff_id, key)
);
CREATE INDEX idempotency_keys_created_idx ON idempotency_keys (created_at);

-- Times in answers: RFC 3339 in UTC with a Z, as SPEC.md §3 writes them.
CREATE FUNCTION api_time(t timestamptz) RETURNS text
  LANGUAGE sql STABLE PARALLEL SAFE
  AS $$ SELECT to_char(t AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') $$;
