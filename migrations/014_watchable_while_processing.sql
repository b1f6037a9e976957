-- Watchable while it transcodes (issue 14): the version an attempt publishes as it encodes.
-- live_version: its name (media/{videoId}/{live_version}/…), set once every rung has a segment
-- uploaded, cleared when the attempt publishes, fails, is taken over or its worker is presumed
-- dead. live_playback: what the play API needs meanwhile (master path, provisional renditions,
-- audio, expected duration), as JSON. Numbered after the issue, like 014_storage_tiers.
ALTER TABLE videos ADD COLUMN live_version text;
ALTER TABLE videos ADD COLUMN live_playback jsonb;
