-- The newest change id retention has removed from the change log: a resume token below it may have missed a change,
-- one at or above it has not. Until now the floor was read from the oldest change kept (a token from just before it
-- was honoured). That was exact only while ids were dense and increased with the days: ids step by 2 since V14 (a
-- token from the change before the oldest kept was refused though nothing after it was gone), and a change's day is
-- its transaction's start while its id is drawn at its end (a transaction begun before midnight can take an id
-- after one begun after it, and retiring its day left a gap behind a token the old floor honoured).
CREATE TABLE delivery_changes_pruned (
    single  BOOLEAN PRIMARY KEY DEFAULT true CHECK (single),
    through BIGINT NOT NULL
);
-- What is known of earlier pruning: everything below the oldest change kept may be gone (the old floor).
INSERT INTO delivery_changes_pruned (through)
SELECT coalesce((SELECT min(change_id) - 1 FROM delivery_changes),
    (SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM delivery_changes_change_id_seq));

-- As in V9, and records the newest id of each day of the change log it detaches.
CREATE OR REPLACE FUNCTION webhooks_retire(retention_days int, change_log_days int, lock_ms int) RETURNS SETOF text
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
    -- Read once detached (it is dropped only after this commits): no change can be added to it after the read.
    EXECUTE format('UPDATE delivery_changes_pruned SET through = greatest(through, (SELECT coalesce(max(change_id), 0) FROM %I))',
        'delivery_changes_p' || to_char(d, 'YYYYMMDD'));
    RETURN NEXT 'delivery_changes_p' || to_char(d, 'YYYYMMDD');
  END LOOP;
END $$;
