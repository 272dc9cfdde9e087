-- A delivery's creation and its first outcome, when the result writer records both in one batch (the usual case
-- under load: a receiver that answers at once), are one change-log row instead of two. The row holds the outcome's
-- state and created_too; readers (ChangeLog.after) hand it out as two changes: first the delivery as created
-- (pending, no attempt yet, due at its creation time: what the separate row held), then the row's own state.
--
-- Change ids step by 2, so the id just below every new row is never issued: a merged row's creation is the change
-- at change_id - 1. Both changes keep their own resume positions, and "every change after N" is still
-- "change_id > N" (the creation's position is N - 1 when the row's is N). A process of an earlier release (during a
-- rolling upgrade) ignores created_too: its watchers miss the creation of merged deliveries, never an outcome.
ALTER TABLE delivery_changes ADD COLUMN created_too BOOLEAN NOT NULL DEFAULT false;
-- The first id is 2 (also after a RESTART): a creation's position is never 0, which means "from the start".
ALTER SEQUENCE delivery_changes_change_id_seq INCREMENT BY 2 START WITH 2;
SELECT setval('delivery_changes_change_id_seq', 2, false) FROM delivery_changes_change_id_seq WHERE NOT is_called;
