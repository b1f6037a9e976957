-- Engagement and quality of experience (issue 10).
--
-- Events become the one append path for every viewer signal (player beacons, counted views),
-- partitioned by day so that retention is a DROP TABLE of old partitions, not a DELETE of
-- millions of rows. Daily partitions are created ahead by the analytics module (at start and by
-- the rollup job); the DEFAULT partition catches anything no daily partition covers yet, so an
-- insert never fails for want of one (nothing is lost), and the rollup job moves such rows into
-- their day when it creates it.
ALTER TABLE events RENAME TO events_unpartitioned;
CREATE SEQUENCE events_seq AS bigint;
CREATE TABLE events (
  -- A plain sequence: identity columns on partitioned tables need PostgreSQL 17.
  id           bigint NOT NULL DEFAULT nextval('events_seq'),
  type         text NOT NULL,
  video_id     text,
  user_id      text,
  session_id   text,
  occurred_at  timestamptz NOT NULL DEFAULT now(),
  props        jsonb NOT NULL DEFAULT '{}'
) PARTITION BY RANGE (occurred_at);
ALTER SEQUENCE events_seq OWNED BY events.id;
CREATE TABLE events_default PARTITION OF events DEFAULT;
INSERT INTO events (id, type, video_id, user_id, session_id, occurred_at, props)
  SELECT id, type, video_id, user_id, session_id, occurred_at, props FROM events_unpartitioned;
SELECT setval('events_seq', GREATEST((SELECT max(id) FROM events_unpartitioned), 1));
DROP TABLE events_unpartitioned;
-- Per-video windows (watching now, a video's history); BRIN for the instance-wide time scans of
-- the rollup job and the admin view: tiny, and cheap to keep on an append-only table.
CREATE INDEX events_video_time_idx ON events (video_id, occurred_at);
CREATE INDEX events_time_brin ON events USING brin (occurred_at);

-- Which sessions and viewers already counted a view of a video (the view rule). A session key
-- (`s:<sessionId>`) counts once; a viewer key (`u:<userId>`, or `a:<hash of address+session>`)
-- again only an hour after its last counted view. Rows older than a day are swept by the rollup job.
CREATE TABLE view_marks (
  video_id    text NOT NULL,
  viewer_key  text NOT NULL,
  counted_at  timestamptz NOT NULL,
  PRIMARY KEY (video_id, viewer_key)
);
CREATE INDEX view_marks_time_idx ON view_marks (counted_at);

-- Watch history in the shape of a wide-column store: partition key (user_id, bucket: the UTC
-- month), clustering by video, so it shards by user and time the way Cassandra would hold it. A
-- video appears once per user: writing it in a new month removes it from older buckets.
CREATE TABLE watch_history (
  user_id           text NOT NULL REFERENCES users (user_id) ON DELETE CASCADE,
  bucket            date NOT NULL,
  video_id          text NOT NULL,
  watched_at        timestamptz NOT NULL,
  progress_seconds  double precision NOT NULL,
  PRIMARY KEY (user_id, bucket, video_id)
);
CREATE INDEX watch_history_newest_idx ON watch_history (user_id, watched_at DESC, video_id DESC);
CREATE INDEX watch_history_video_idx ON watch_history (user_id, video_id);

CREATE TABLE user_settings (
  user_id          text PRIMARY KEY REFERENCES users (user_id) ON DELETE CASCADE,
  history_paused   boolean NOT NULL DEFAULT false
);

-- Likes are shown; dislikes feed ranking only. Counts live on the video row, kept in the same
-- transaction as the rating.
CREATE TABLE video_ratings (
  video_id   text NOT NULL REFERENCES videos (video_id) ON DELETE CASCADE,
  user_id    text NOT NULL REFERENCES users (user_id) ON DELETE CASCADE,
  value      smallint NOT NULL CHECK (value IN (-1, 1)),
  rated_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (video_id, user_id)
);
CREATE INDEX video_ratings_user_idx ON video_ratings (user_id, rated_at DESC);
ALTER TABLE videos ADD COLUMN like_count bigint NOT NULL DEFAULT 0;
ALTER TABLE videos ADD COLUMN dislike_count bigint NOT NULL DEFAULT 0;

-- Rollups by video and hour (the rollup job recomputes recent hours from the raw events).
-- `qoe` holds sums and a startup-time histogram that merge by addition (analytics/qoe.ts).
CREATE TABLE video_hourly (
  video_id        text NOT NULL,
  hour            timestamptz NOT NULL,
  views           integer NOT NULL DEFAULT 0,
  sessions        integer NOT NULL DEFAULT 0,
  watch_time_sec  double precision NOT NULL DEFAULT 0,
  -- Sessions whose played ranges cover 0 %, 5 %, … 100 % of the video (21 entries).
  retention       integer[] NOT NULL DEFAULT '{}',
  qoe             jsonb NOT NULL DEFAULT '{}',
  PRIMARY KEY (video_id, hour)
);
CREATE INDEX video_hourly_hour_idx ON video_hourly (hour);

-- The instance's QoE by hour and by one dimension (dim: all, browser, rung, edge).
CREATE TABLE qoe_hourly (
  hour   timestamptz NOT NULL,
  dim    text NOT NULL,
  key    text NOT NULL,
  qoe    jsonb NOT NULL,
  PRIMARY KEY (hour, dim, key)
);

CREATE TABLE rollup_state (
  name          text PRIMARY KEY,
  done_through  timestamptz NOT NULL
);
