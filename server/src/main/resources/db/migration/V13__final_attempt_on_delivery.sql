-- A delivery's final attempt is kept on its row only, not copied into delivery_attempts as well. The row already held
-- that attempt's answer (response code, body, error, duration); it now holds its start time too. Most deliveries end
-- on their first attempt, so this is one row write fewer per delivery (its heap tuple and its key's index entry), and
-- a receiver's answer body (up to 16 KiB) stored once instead of twice.
--
-- What delivery_attempts holds from now on: every attempt after which the delivery stayed pending (a retry followed),
-- and a final attempt that a redelivery moved there from the row (the trigger below) before making the delivery
-- pending again. Every attempt of a delivery is: those rows, and the row's own attempt while the delivery is final
-- (delivered or failed) and its start time is set. Rows written before this migration have no start time; all their
-- attempts are in delivery_attempts already. A process of an earlier release still copies every attempt there
-- (during a rolling upgrade); the row's attempt is then listed once, from delivery_attempts.
ALTER TABLE deliveries ADD COLUMN attempt_start_time TIMESTAMPTZ;

-- A delivery made pending again (a redelivery, by a process of any release) logs the final attempt its row held, in
-- the same statement: the next attempt will take the row's place. In the database, so that a redelivery by a process
-- of an earlier release, which knows nothing of this, keeps it too. Fires for no outcome (those leave or end the
-- pending state). AFTER, not BEFORE: a BEFORE row trigger makes every update it could fire for, every outcome
-- included, lock its row a second time first (a WAL record each) to evaluate the condition.
CREATE FUNCTION webhooks_log_final_attempt() RETURNS trigger LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
BEGIN
  INSERT INTO delivery_attempts (delivery_id, attempt, start_time, duration_ms, response_code, response_body, error,
      delivery_create_time)
  VALUES (OLD.delivery_id, OLD.attempt_count, OLD.attempt_start_time, OLD.duration_ms, OLD.response_code,
      OLD.response_body, OLD.error, OLD.create_time)
  ON CONFLICT (delivery_id, delivery_create_time, attempt) DO NOTHING;
  RETURN NULL;
END $$;

CREATE TRIGGER deliveries_log_final_attempt AFTER UPDATE OF status ON deliveries
  FOR EACH ROW WHEN (OLD.status <> 'PENDING' AND NEW.status = 'PENDING' AND OLD.attempt_start_time IS NOT NULL
      AND OLD.attempt_count > 0)
  EXECUTE FUNCTION webhooks_log_final_attempt();

-- Every attempt of every delivery, as described above: what ListDeliveryAttempts reads (by id, so each branch reads
-- one delivery's rows through its primary key).
CREATE VIEW delivery_attempt_log AS
  SELECT a.delivery_id, a.delivery_create_time, a.attempt, a.start_time, a.duration_ms, a.response_code,
      a.response_body, a.error
  FROM delivery_attempts a
  UNION ALL
  SELECT d.delivery_id, d.create_time, d.attempt_count, d.attempt_start_time, d.duration_ms, d.response_code,
      d.response_body, d.error
  FROM deliveries d
  WHERE d.status <> 'PENDING' AND d.attempt_start_time IS NOT NULL AND d.attempt_count > 0
    AND NOT EXISTS (SELECT 1 FROM delivery_attempts a
                    WHERE a.delivery_id = d.delivery_id AND a.delivery_create_time = d.create_time
                      AND a.attempt = d.attempt_count);
