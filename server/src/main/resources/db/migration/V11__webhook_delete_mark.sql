-- A webhook's delete marks it at each of its steps (Webhooks.delete): a publish skips a webhook whose mark has not run
-- out (EventDao.TAKES_EVENTS), so it neither makes deliveries for it while they are being deleted nor locks it, and
-- the last step (deleting the row) waits only for publishes already in progress. Before, publishes that kept
-- overlapping could keep that step waiting for good. The mark runs out by itself: a delete that stops (its call
-- cancelled, its process gone) leaves the webhook taking events again soon after. Nullable, no default: adding it
-- rewrites nothing, and processes of the previous release ignore it.
ALTER TABLE webhooks ADD COLUMN deleting_until TIMESTAMPTZ;
