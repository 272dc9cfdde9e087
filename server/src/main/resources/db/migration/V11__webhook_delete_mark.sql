-- A webhook's delete marks it at each of its steps (WebhookDeletes): a publish skips a webhook whose mark has not run
-- out (WebhookDao.TAKES_EVENTS), so a publish that starts after the mark neither makes deliveries for it while they are
-- being deleted nor locks it, and the last step (deleting the row) waits only for the publishes already in progress.
-- Before, publishes that kept overlapping could keep that step waiting for good. A delete that stops clears its mark;
-- one whose process ended leaves it to run out. Nullable, no default: adding it rewrites nothing. Processes of the
-- previous release ignore it (they neither mark nor skip), so during a rolling upgrade their publishes can still hold
-- a delete back, as before.
ALTER TABLE webhooks ADD COLUMN deleting_until TIMESTAMPTZ;
