-- The claim takes due deliveries per account in turn (skipping through accounts, then oldest first within each),
-- so it reads this index; the global order by due time it replaces let one account's backlog block the others.
CREATE INDEX deliveries_account_due ON deliveries (account_id, next_attempt_time) WHERE status = 'PENDING';
DROP INDEX deliveries_due;
