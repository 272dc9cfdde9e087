-- API keys: only a SHA-256 of each key's secret part is stored.
CREATE TABLE api_keys (
    seq         BIGSERIAL UNIQUE,
    key_id      TEXT PRIMARY KEY,
    account_id  TEXT,
    name        TEXT NOT NULL,
    secret_hash BYTEA NOT NULL,
    create_time TIMESTAMPTZ NOT NULL DEFAULT now(),
    revoke_time TIMESTAMPTZ
);
