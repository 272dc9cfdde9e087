-- Each process reads the webhooks whose secret was rotated lately (about once a second), so that deliveries it read
-- before a rotation are signed with the new secret. Only rotated webhooks have the column set.
CREATE INDEX webhooks_secret_rotated ON webhooks (previous_secret_expire_time)
    WHERE previous_secret_expire_time IS NOT NULL;
