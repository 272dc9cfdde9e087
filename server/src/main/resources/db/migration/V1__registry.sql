-- Accounts, their plans and their webhooks.
CREATE TABLE accounts (
    account_id  TEXT PRIMARY KEY,
    plan        TEXT NOT NULL DEFAULT 'FREE',
    create_time TIMESTAMPTZ NOT NULL DEFAULT now(),
    update_time TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE webhooks (
    seq                  BIGSERIAL UNIQUE,
    webhook_id           TEXT PRIMARY KEY,
    account_id           TEXT NOT NULL REFERENCES accounts (account_id),
    name                 TEXT NOT NULL,
    url                  TEXT NOT NULL,
    events               TEXT[] NOT NULL,
    enabled              BOOLEAN NOT NULL DEFAULT TRUE,
    signing_secret       TEXT NOT NULL,
    secret_hint          TEXT NOT NULL,
    retry_max_attempts   INT NOT NULL DEFAULT 1,
    retry_initial_ms     BIGINT NOT NULL DEFAULT 1000,
    retry_max_ms         BIGINT NOT NULL DEFAULT 3600000,
    filter_pairs         TEXT[] NOT NULL DEFAULT '{}',
    filter_intervals     TEXT[] NOT NULL DEFAULT '{}',
    filter_min_score     DOUBLE PRECISION NOT NULL DEFAULT 0,
    create_time          TIMESTAMPTZ NOT NULL DEFAULT now(),
    update_time          TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE INDEX webhooks_account_seq ON webhooks (account_id, seq);
-- Fan-out looks up enabled webhooks by subscribed event type.
CREATE INDEX webhooks_events ON webhooks USING GIN (events) WHERE enabled;
