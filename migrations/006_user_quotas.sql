-- Per-user quotas (issue 9). One row per video a user created, kept after the video is deleted:
-- the daily limits count what was created and uploaded in the last 24 hours, so deleting a video
-- does not hand its share of today's budget back (create, upload, delete, repeat stays bounded).
-- upload_bytes is the Upload-Length declared when the upload started (charged before a byte is
-- accepted); a new start of the same video's upload replaces it.
CREATE TABLE quota_ledger (
  video_id      text PRIMARY KEY,
  user_id       text NOT NULL REFERENCES users (user_id) ON DELETE CASCADE,
  created_at    timestamptz NOT NULL DEFAULT now(),
  upload_bytes  bigint,
  upload_at     timestamptz
);
CREATE INDEX quota_ledger_user_idx ON quota_ledger (user_id, created_at);
