-- Idempotency keys are scoped to their account (broadcasts, with no account, form a scope of their own): another
-- account reusing a key neither fails nor learns the first event's id. Account ids are never empty, so '' is free.
ALTER TABLE events DROP CONSTRAINT events_idempotency_key_key;
CREATE UNIQUE INDEX events_idempotency_scope ON events ((coalesce(account_id, '')), idempotency_key)
    WHERE idempotency_key IS NOT NULL;

-- ListEvents and the account-wide ListDeliveries page newest first through these.
CREATE INDEX events_account_seq ON events (account_id, seq DESC);
CREATE INDEX deliveries_account_seq ON deliveries (account_id, seq DESC);
