-- A lease is only ever held on a pending delivery: every statement that sets one filters for or sets 'PENDING', and
-- the only statement that ends a delivery clears its lease in the same update. The release and the outcome update
-- rely on it (they name no status, see Leases: a status condition let the planner scan a day's pending index); the
-- constraint makes a statement that would break it fail instead of leaving a finished delivery leased. It holds on
-- every day partition, and on those made later (CREATE TABLE ... PARTITION OF inherits it).
-- Rows written before a release with that rule (none are known) are mended first, so the migration cannot fail on them.
UPDATE deliveries SET lease_owner = NULL, lease_until = NULL WHERE status <> 'PENDING' AND lease_owner IS NOT NULL;
ALTER TABLE deliveries ADD CONSTRAINT deliveries_lease_only_pending CHECK (lease_owner IS NULL OR status = 'PENDING');
