-- Storage lifecycle (issue 14): when the original moved to the cold tier (NULL: still hot).
-- Numbered after the issue, not the next free number, so parallel branches do not collide.
ALTER TABLE videos ADD COLUMN original_cold_at timestamptz;
-- The lifecycle's daily question, "stored long ago and still hot", reads only such rows.
CREATE INDEX videos_hot_originals ON videos (original_stored_at) WHERE original_cold_at IS NULL AND original_stored_at IS NOT NULL;
