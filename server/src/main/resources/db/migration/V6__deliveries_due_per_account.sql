-- The claim takes due, unleased deliveries per account in turn (skipping through accounts, then oldest first
-- within each), so one account's backlog cannot block the others; only unleased rows are indexed so that the
-- claim never walks past the deliveries held in memory. Expired leases are still found through deliveries_due.
CREATE INDEX deliveries_account_due ON deliveries (account_id, next_attempt_time)
    WHERE status = 'PENDING' AND lease_owner IS NULL;
