-- An account's watch replays its account's changes only (ChangeLog.AFTER_ACCOUNT). Without an index on the account,
-- each replay page read every account's changes from its resume point on (the change log is partitioned by time, and
-- its key starts with the change id), filtering as it went: a tenant reopening watches with a week-old token, or an
-- account with few changes replaying at all, kept the replay threads and their connections on scans of everyone's
-- changes while other tenants' replays waited. Built on every day partition, and on those made later. Every
-- process's writes to the change log (the result writer's batches) wait while it is built: on a large change log,
-- upgrade at a quiet moment.
CREATE INDEX delivery_changes_account ON delivery_changes (account_id, change_id);
