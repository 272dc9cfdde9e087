-- Events, deliveries, delivery attempts and the change log are partitioned by UTC day of creation, so that retention
-- drops whole days (a catalog change taking milliseconds, leaving no dead rows behind) instead of deleting rows.
-- Partitions are named <table>_pYYYYMMDD; the server creates them days ahead (webhooks_create_partitions) and drops
-- the days past retention (webhooks_retire). Both run as the schema owner, so the server's run-time role needs no
-- DDL rights.
--
-- What partitioning changes:
-- - A primary key must hold the partition key: events (event_id, create_time), deliveries (delivery_id,
--   create_time), delivery_attempts (delivery_id, delivery_create_time, attempt), delivery_changes (change_id,
--   change_time). Ids stay unique: they are random (or come from a sequence).
-- - No foreign keys between these tables (dropping a referenced partition would need a scan of the referencing
--   table); deliveries keep theirs to webhooks (ON DELETE CASCADE). webhooks_retire keeps a day while anything
--   pending needs it.
-- - Idempotency keys cannot be unique across partitions; the publisher serializes each key's scope with an advisory
--   lock and looks it up in every kept day instead. A key is remembered as long as its event: the retention window.
-- - New ids carry their creation time (webhooks_time_id: the prefix, then 32 hex digits laid out as a UUIDv7: 48 bits
--   of Unix milliseconds, version 7, random), so a lookup by id reads one day's partition, and an id whose day was
--   retired is told apart from one that never existed. Ids made before this migration (UUIDv4 or base62) stay valid.

-- An id with its creation time: prefix, then 12 hex digits of Unix milliseconds, '7', 19 random hex digits.
CREATE FUNCTION webhooks_time_id(prefix text, created timestamptz DEFAULT now()) RETURNS text LANGUAGE sql VOLATILE AS $$
  SELECT prefix || lpad(to_hex(floor(extract(epoch FROM created) * 1000)::bigint), 12, '0') || '7'
      || substr(replace(gen_random_uuid()::text, '-', ''), 14)
$$;

-- The creation time an id made by webhooks_time_id carries (to the millisecond); NULL for older ids. Not STRICT, so
-- that PostgreSQL inlines it (a call per partition per row made run-time pruning cost more than the index scan).
CREATE FUNCTION webhooks_id_time(id text) RETURNS timestamptz LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE WHEN id ~ '^[a-z]+_[0-9a-f]{12}7[0-9a-f]{19}$'
      THEN to_timestamp(('x' || lpad(substr(id, strpos(id, '_') + 1, 12), 16, '0'))::bit(64)::bigint / 1000.0) END
$$;

-- Bounds on the creation time of the row an id names, for lookups by id to read one day's partition:
-- "create_time >= webhooks_id_from(id) AND create_time < webhooks_id_until(id)"; unbounded for older ids.
CREATE FUNCTION webhooks_id_from(id text) RETURNS timestamptz LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT coalesce(webhooks_id_time(id), '-infinity')
$$;
CREATE FUNCTION webhooks_id_until(id text) RETURNS timestamptz LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT coalesce(webhooks_id_time(id) + interval '1 second', 'infinity')
$$;

-- Creates the day partitions from first_day to last_day (UTC) that do not exist yet; returns how many it made.
-- Serialized by an advisory lock, so several server processes may call it at once.
CREATE FUNCTION webhooks_create_partitions(first_day date, last_day date) RETURNS int
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  d date;
  t text;
  made int := 0;
BEGIN
  PERFORM pg_advisory_xact_lock(7270003);
  FOR d IN SELECT generate_series(first_day, last_day, interval '1 day')::date LOOP
    FOREACH t IN ARRAY ARRAY['events', 'deliveries', 'delivery_attempts', 'delivery_changes'] LOOP
      IF to_regclass(t || '_p' || to_char(d, 'YYYYMMDD')) IS NULL THEN
        EXECUTE format('CREATE TABLE %I PARTITION OF %I FOR VALUES FROM (%L) TO (%L)',
            t || '_p' || to_char(d, 'YYYYMMDD'), t, to_char(d, 'YYYY-MM-DD') || ' 00:00:00+00',
            to_char(d + 1, 'YYYY-MM-DD') || ' 00:00:00+00');
        made := made + 1;
      END IF;
    END LOOP;
  END LOOP;
  RETURN made;
END $$;

-- The days (UTC) a partitioned table has partitions for, from their names.
CREATE FUNCTION webhooks_partition_days(parent text) RETURNS SETOF date LANGUAGE sql STABLE AS $$
  SELECT to_date(substr(c.relname, length(parent) + 3), 'YYYYMMDD')
  FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
  WHERE i.inhparent = to_regclass(parent) AND c.relname ~ ('^' || parent || '_p[0-9]{8}$')
$$;

-- Detaches the days of events, deliveries and attempts older than retention_days, oldest first, and the days of the
-- change log older than change_log_days; returns the partitions detached (webhooks_drop_detached then drops them,
-- after this commits: freeing their files takes longer than the catalog change, and no lock need wait for it). A day
-- whose deliveries (or whose events' deliveries) are still pending stays, and so do the days after it, until they
-- are done. lock_ms bounds the wait for the tables (then nothing is retired this time), so that queries never queue
-- behind it for long.
CREATE FUNCTION webhooks_retire(retention_days int, change_log_days int, lock_ms int) RETURNS SETOF text
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  keep_from date := ((now() - retention_days * interval '1 day') AT TIME ZONE 'UTC')::date;
  changes_from date := ((now() - change_log_days * interval '1 day') AT TIME ZONE 'UTC')::date;
  d date;
  day_start timestamptz;
  day_end timestamptz;
  t text;
  locked boolean := false;
BEGIN
  IF retention_days < 1 OR change_log_days < 1 THEN
    RAISE EXCEPTION 'retention must be at least one day';
  END IF;
  PERFORM pg_advisory_xact_lock(7270003);
  PERFORM set_config('lock_timeout', lock_ms || 'ms', true);
  FOR d IN SELECT day FROM (SELECT webhooks_partition_days('events') AS day
      UNION SELECT webhooks_partition_days('deliveries') UNION SELECT webhooks_partition_days('delivery_attempts')) s
      WHERE day < keep_from ORDER BY day LOOP
    IF NOT locked THEN
      -- The parents first, in one order (DROP locks the parent anyway), so nothing turns pending meanwhile. ONLY:
      -- locking every partition would wait for autovacuum on today's.
      LOCK TABLE ONLY events, deliveries, delivery_attempts IN ACCESS EXCLUSIVE MODE;
      locked := true;
    END IF;
    day_start := (to_char(d, 'YYYY-MM-DD') || ' 00:00:00+00')::timestamptz;
    day_end := day_start + interval '1 day';
    EXIT WHEN EXISTS (SELECT 1 FROM deliveries WHERE status = 'PENDING' AND create_time < day_end)
        OR EXISTS (SELECT 1 FROM deliveries dl JOIN events e ON e.event_id = dl.event_id
                   WHERE dl.status = 'PENDING' AND e.create_time >= day_start AND e.create_time < day_end);
    FOREACH t IN ARRAY ARRAY['delivery_attempts', 'deliveries', 'events'] LOOP
      IF to_regclass(t || '_p' || to_char(d, 'YYYYMMDD')) IS NOT NULL THEN
        EXECUTE format('ALTER TABLE %I DETACH PARTITION %I', t, t || '_p' || to_char(d, 'YYYYMMDD'));
        RETURN NEXT t || '_p' || to_char(d, 'YYYYMMDD');
      END IF;
    END LOOP;
  END LOOP;
  FOR d IN SELECT day FROM webhooks_partition_days('delivery_changes') AS day WHERE day < changes_from ORDER BY day LOOP
    EXECUTE format('ALTER TABLE delivery_changes DETACH PARTITION %I', 'delivery_changes_p' || to_char(d, 'YYYYMMDD'));
    RETURN NEXT 'delivery_changes_p' || to_char(d, 'YYYYMMDD');
  END LOOP;
END $$;

-- Drops the day tables webhooks_retire detached (also those a crash left behind); returns their names.
CREATE FUNCTION webhooks_drop_detached() RETURNS SETOF text
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  t text;
BEGIN
  PERFORM pg_advisory_xact_lock(7270003);
  FOR t IN SELECT c.relname FROM pg_class c
      WHERE c.relnamespace = 'public'::regnamespace AND c.relkind = 'r' AND NOT c.relispartition
        AND c.relname ~ '^(events|deliveries|delivery_attempts|delivery_changes)_p[0-9]{8}$' LOOP
    EXECUTE format('DROP TABLE %I', t);
    RETURN NEXT t;
  END LOOP;
END $$;

-- Move the data: new partitioned tables shaped like the old ones (LIKE keeps every column, default and check, also
-- those another migration added), then the rows, then the indexes (faster built once, after the load). Indexes and
-- keys are made anew below: an index another migration added to these tables must be added there too.
ALTER TABLE delivery_attempts RENAME TO delivery_attempts_unpartitioned;
ALTER TABLE deliveries RENAME TO deliveries_unpartitioned;
ALTER TABLE events RENAME TO events_unpartitioned;
ALTER TABLE delivery_changes RENAME TO delivery_changes_unpartitioned;

CREATE TABLE events (LIKE events_unpartitioned INCLUDING ALL EXCLUDING INDEXES) PARTITION BY RANGE (create_time);
CREATE TABLE deliveries (LIKE deliveries_unpartitioned INCLUDING ALL EXCLUDING INDEXES) PARTITION BY RANGE (create_time);
-- Attempts live in the partition of their delivery's day, so they retire with it.
CREATE TABLE delivery_attempts (LIKE delivery_attempts_unpartitioned INCLUDING ALL EXCLUDING INDEXES,
    delivery_create_time TIMESTAMPTZ NOT NULL) PARTITION BY RANGE (delivery_create_time);
CREATE TABLE delivery_changes (LIKE delivery_changes_unpartitioned INCLUDING ALL EXCLUDING INDEXES) PARTITION BY RANGE (change_time);

-- New ids carry their time.
ALTER TABLE events ALTER COLUMN event_id SET DEFAULT webhooks_time_id('evt_');
ALTER TABLE deliveries ALTER COLUMN delivery_id SET DEFAULT webhooks_time_id('dlv_');

-- The sequences move to the new tables (they would go with the old ones).
ALTER SEQUENCE events_seq_seq OWNED BY events.seq;
ALTER SEQUENCE deliveries_seq_seq OWNED BY deliveries.seq;
ALTER SEQUENCE delivery_changes_change_id_seq OWNED BY delivery_changes.change_id;

-- One partition for each day that has data, and the days until three days ahead.
SELECT webhooks_create_partitions(day, day) FROM (
  SELECT DISTINCT (create_time AT TIME ZONE 'UTC')::date AS day FROM events_unpartitioned
  UNION SELECT DISTINCT (create_time AT TIME ZONE 'UTC')::date FROM deliveries_unpartitioned
  UNION SELECT DISTINCT (change_time AT TIME ZONE 'UTC')::date FROM delivery_changes_unpartitioned) days;
SELECT webhooks_create_partitions((now() AT TIME ZONE 'UTC')::date, (now() AT TIME ZONE 'UTC')::date + 3);

INSERT INTO events SELECT * FROM events_unpartitioned;
INSERT INTO deliveries SELECT * FROM deliveries_unpartitioned;
INSERT INTO delivery_attempts SELECT a.*, d.create_time
FROM delivery_attempts_unpartitioned a JOIN deliveries_unpartitioned d ON d.delivery_id = a.delivery_id;
INSERT INTO delivery_changes SELECT * FROM delivery_changes_unpartitioned;

DROP TABLE delivery_attempts_unpartitioned;
DROP TABLE deliveries_unpartitioned;
DROP TABLE events_unpartitioned;
DROP TABLE delivery_changes_unpartitioned;

ALTER TABLE events ADD PRIMARY KEY (event_id, create_time);
CREATE INDEX events_account_seq ON events (account_id, seq DESC);
CREATE INDEX events_idempotency_scope ON events ((coalesce(account_id, '')), idempotency_key)
    WHERE idempotency_key IS NOT NULL;

ALTER TABLE deliveries ADD PRIMARY KEY (delivery_id, create_time);
ALTER TABLE deliveries ADD FOREIGN KEY (webhook_id) REFERENCES webhooks (webhook_id) ON DELETE CASCADE;
CREATE INDEX deliveries_due ON deliveries (next_attempt_time) WHERE status = 'PENDING';
CREATE INDEX deliveries_account_due ON deliveries (account_id, next_attempt_time)
    WHERE status = 'PENDING' AND lease_owner IS NULL;
CREATE INDEX deliveries_webhook_seq ON deliveries (webhook_id, seq DESC);
CREATE INDEX deliveries_account_seq ON deliveries (account_id, seq DESC);

ALTER TABLE delivery_attempts ADD PRIMARY KEY (delivery_id, delivery_create_time, attempt);

ALTER TABLE delivery_changes ADD PRIMARY KEY (change_id, change_time);
