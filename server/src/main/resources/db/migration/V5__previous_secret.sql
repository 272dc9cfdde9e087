-- After a rotation the old secret keeps signing (in webhook-signature) until previous_secret_expire_time.
ALTER TABLE webhooks ADD COLUMN previous_signing_secret TEXT;
ALTER TABLE webhooks ADD COLUMN previous_secret_expire_time TIMESTAMPTZ;
