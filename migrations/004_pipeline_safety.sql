-- Crash safety of the upload → publish pipeline.

-- When the original reached the object store. A finished upload first becomes `uploaded` with
-- this NULL (its bytes are durable in staging, the client has its answer), then the hand-off
-- copies it and sets this in the same transaction that queues the transcode.
ALTER TABLE videos ADD COLUMN original_stored_at timestamptz;
UPDATE videos SET original_stored_at = updated_at WHERE status <> 'awaiting_upload';

-- A fencing token per transcode attempt: pg-boss keeps a job's id across retries, so a worker
-- that lost its lease (paused, partitioned) would otherwise still beat and publish beside its
-- replacement. Progress, heartbeat and publish only land with the current token.
ALTER TABLE videos ADD COLUMN lease_token text;

-- A superseded version stays servable for a grace period (viewers in the middle of it keep
-- playing); a sweep deletes it afterwards.
ALTER TABLE video_versions ADD COLUMN superseded_at timestamptz;
CREATE INDEX video_versions_superseded_idx ON video_versions (superseded_at) WHERE superseded_at IS NOT NULL;

-- Object prefixes to delete once due: outputs of attempts that never published, and superseded
-- versions past their grace. Written before the objects exist (or before the version stops
-- being servable), so a crash at any point leaves a row the sweep finishes, never orphans.
-- `lease_token` (attempt outputs): never deleted while that attempt still holds the video.
CREATE TABLE media_cleanup (
  video_id     text NOT NULL,
  version      text NOT NULL,
  lease_token  text,
  due_at       timestamptz NOT NULL,
  PRIMARY KEY (video_id, version)
);
CREATE INDEX media_cleanup_due_idx ON media_cleanup (due_at);
