-- Published events, one delivery per event x webhook, and one row per HTTP attempt.
CREATE TABLE events (
    seq                BIGSERIAL UNIQUE,
    event_id           TEXT PRIMARY KEY,
    type               TEXT NOT NULL,
    account_id         TEXT,
    event_time         TIMESTAMPTZ NOT NULL,
    -- The data object exactly as rendered into the payload (json keeps key order; jsonb would not).
    data_json          TEXT NOT NULL,
    idempotency_key    TEXT UNIQUE,
    request_hash       TEXT,
    deliveries_created INT NOT NULL DEFAULT 0,
    create_time        TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE deliveries (
    seq               BIGSERIAL UNIQUE,
    delivery_id       TEXT PRIMARY KEY,
    event_id          TEXT NOT NULL REFERENCES events (event_id),
    webhook_id        TEXT NOT NULL REFERENCES webhooks (webhook_id) ON DELETE CASCADE,
    account_id        TEXT NOT NULL,
    event_type        TEXT NOT NULL,
    url               TEXT NOT NULL,
    status            TEXT NOT NULL,
    attempt_count     INT NOT NULL DEFAULT 0,
    max_attempts      INT NOT NULL,
    retry_initial_ms  BIGINT NOT NULL,
    retry_max_ms      BIGINT NOT NULL,
    response_code     INT NOT NULL DEFAULT 0,
    response_body     TEXT NOT NULL DEFAULT '',
    error             TEXT NOT NULL DEFAULT '',
    duration_ms       BIGINT NOT NULL DEFAULT 0,
    create_time       TIMESTAMPTZ NOT NULL DEFAULT now(),
    complete_time     TIMESTAMPTZ,
    next_attempt_time TIMESTAMPTZ,
    lease_owner       TEXT,
    lease_until       TIMESTAMPTZ
);

CREATE INDEX deliveries_due ON deliveries (next_attempt_time) WHERE status = 'PENDING';
CREATE INDEX deliveries_webhook_seq ON deliveries (webhook_id, seq DESC);

CREATE TABLE delivery_attempts (
    delivery_id   TEXT NOT NULL REFERENCES deliveries (delivery_id) ON DELETE CASCADE,
    attempt       INT NOT NULL,
    start_time    TIMESTAMPTZ NOT NULL,
    duration_ms   BIGINT NOT NULL,
    response_code INT NOT NULL,
    response_body TEXT NOT NULL,
    error         TEXT NOT NULL,
    PRIMARY KEY (delivery_id, attempt)
);
