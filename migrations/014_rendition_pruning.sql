-- Rendition pruning (issue 14): a version built from another by leaving out rungs nobody played
-- keeps the list of what it left out, so the play API can tell "removed, can come back" from
-- "never encoded", and a restore knows there is something to bring back. NULL: a full ladder.
ALTER TABLE video_versions ADD COLUMN pruned_renditions jsonb;
