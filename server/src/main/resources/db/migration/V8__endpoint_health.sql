-- Endpoint health. On the webhook: its opt-in disable policy (NULL = never; at most one of the two is set) and why
-- and when it was disabled. Beside it, one small row per webhook with the endpoint's recent record, which the
-- result writer updates once per webhook per batch, so reading it costs one row: the last 100 attempts as two
-- arrays (oldest first), the last completed delivery, and the current run of failures.
ALTER TABLE webhooks ADD COLUMN disable_after_ms BIGINT;
ALTER TABLE webhooks ADD COLUMN disable_after_failures INT;
ALTER TABLE webhooks ADD COLUMN disabled_reason TEXT NOT NULL DEFAULT '';
ALTER TABLE webhooks ADD COLUMN disabled_time TIMESTAMPTZ;

CREATE TABLE webhook_health (
    webhook_id           TEXT PRIMARY KEY REFERENCES webhooks (webhook_id) ON DELETE CASCADE,
    recent_ok            BOOLEAN[] NOT NULL DEFAULT '{}',
    recent_ms            INT[] NOT NULL DEFAULT '{}',
    last_status          TEXT,
    last_time            TIMESTAMPTZ,
    consecutive_failures INT NOT NULL DEFAULT 0,
    failing_since        TIMESTAMPTZ
);
INSERT INTO webhook_health (webhook_id) SELECT webhook_id FROM webhooks;

-- The ring: an array with new values appended, cut to its last 100 (inlined by the planner).
CREATE FUNCTION last_100(anyarray, anyarray) RETURNS anyarray LANGUAGE sql IMMUTABLE
    AS 'SELECT ($1 || $2)[greatest(1, cardinality($1) + cardinality($2) - 99):]';

-- The change of the failed delivery that made a disable policy disable its webhook carries the notice.
ALTER TABLE delivery_changes ADD COLUMN webhook_disabled_reason TEXT;
ALTER TABLE delivery_changes ADD COLUMN webhook_disabled_time TIMESTAMPTZ;
