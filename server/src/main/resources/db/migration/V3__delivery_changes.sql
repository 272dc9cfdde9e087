-- Every state change of every delivery, in commit order: the live stream's source and its resume log.
-- Writers take pg_advisory_xact_lock(7270001) before inserting, so ids are committed in increasing order
-- and a reader that has seen id N has seen every change up to N.
CREATE TABLE delivery_changes (
    change_id         BIGSERIAL PRIMARY KEY,
    delivery_id       TEXT NOT NULL,
    webhook_id        TEXT NOT NULL,
    account_id        TEXT NOT NULL,
    event_id          TEXT NOT NULL,
    event_type        TEXT NOT NULL,
    url               TEXT NOT NULL,
    status            TEXT NOT NULL,
    response_code     INT NOT NULL,
    error             TEXT NOT NULL,
    attempt_count     INT NOT NULL,
    duration_ms       BIGINT NOT NULL,
    create_time       TIMESTAMPTZ NOT NULL,
    complete_time     TIMESTAMPTZ,
    next_attempt_time TIMESTAMPTZ,
    change_time       TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE INDEX delivery_changes_time ON delivery_changes (change_time);
