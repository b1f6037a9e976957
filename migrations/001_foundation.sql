-- Accounts, sessions and the video catalog. Runs unchanged on PGlite and PostgreSQL.

CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE TABLE users (
  user_id        text PRIMARY KEY,
  username       text NOT NULL,
  email          text NOT NULL,
  password_hash  text NOT NULL,
  role           text NOT NULL DEFAULT 'user' CHECK (role IN ('user', 'admin')),
  created_at     timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX users_username_key ON users (lower(username));
CREATE UNIQUE INDEX users_email_key ON users (lower(email));

-- Only a hash of each token is stored: a database leak does not leak live sessions.
CREATE TABLE sessions (
  token_hash    text PRIMARY KEY,
  user_id       text NOT NULL REFERENCES users (user_id) ON DELETE CASCADE,
  created_at    timestamptz NOT NULL DEFAULT now(),
  expires_at    timestamptz NOT NULL,
  revoked_at    timestamptz
);
CREATE INDEX sessions_user_idx ON sessions (user_id);

-- The seed's video_metadata (video_id, user_id, title, description, duration, status,
-- created_at, processed_at) plus what the product needs.
CREATE TABLE videos (
  video_id          text PRIMARY KEY,
  user_id           text NOT NULL REFERENCES users (user_id) ON DELETE CASCADE,
  title             text NOT NULL,
  description       text NOT NULL DEFAULT '',
  tags              text[] NOT NULL DEFAULT '{}',
  visibility        text NOT NULL CHECK (visibility IN ('public', 'unlisted', 'private')),
  status            text NOT NULL DEFAULT 'awaiting_upload'
                    CHECK (status IN ('awaiting_upload', 'uploaded', 'processing', 'ready', 'failed')),
  failure_reason    text,
  progress          real NOT NULL DEFAULT 0,
  duration          double precision,
  width             integer,
  height            integer,
  original_filename text,
  original_size_bytes bigint,
  current_version   text,
  -- The transcode job working this video and its last sign of life: a reaper releases jobs whose
  -- worker died (pg-boss alone would wait for the whole lease to expire).
  job_id            text,
  job_heartbeat_at  timestamptz,
  view_count        bigint NOT NULL DEFAULT 0,
  -- Millisecond precision: keyset pagination carries it through JavaScript Dates.
  created_at        timestamptz NOT NULL DEFAULT date_trunc('milliseconds', now()),
  updated_at        timestamptz NOT NULL DEFAULT now(),
  processed_at      timestamptz
);
CREATE INDEX videos_public_newest_idx ON videos (created_at DESC, video_id DESC)
  WHERE visibility = 'public' AND status = 'ready';
CREATE INDEX videos_owner_newest_idx ON videos (user_id, created_at DESC, video_id DESC);

-- One row per published transcode. Everything under media/{video_id}/{version}/ is immutable;
-- publishing flips videos.current_version in the same transaction that inserts this row.
CREATE TABLE video_versions (
  video_id       text NOT NULL REFERENCES videos (video_id) ON DELETE CASCADE,
  version        text NOT NULL,
  master_path    text NOT NULL,
  renditions     jsonb NOT NULL,
  has_audio      boolean NOT NULL,
  poster_path    text,
  storyboard_path text,
  duration       double precision NOT NULL,
  -- host:pid of the worker that built it: operators can trace a bad encode to a machine.
  worker_id      text,
  created_at     timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (video_id, version)
);
