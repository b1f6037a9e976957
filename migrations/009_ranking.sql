-- Ranking (issue 11): trending, co-visitation for related videos and recommendations.
-- Written by the periodic ranking job (src/modules/discovery/ranking-job.ts), read by the api.
-- The same SQL on PGlite and PostgreSQL.

-- The last trending list the job computed: listed videos with recent activity, by score, then a
-- fill of the most viewed ones (negative scores) so a quiet instance still has a list.
CREATE TABLE trending_scores (
  video_id     text PRIMARY KEY REFERENCES videos (video_id) ON DELETE CASCADE,
  score        double precision NOT NULL,
  computed_at  timestamptz NOT NULL
);
CREATE INDEX trending_scores_rank_idx ON trending_scores (score DESC, video_id DESC);

-- Which signed-in viewer's first view of which video the co-visitation counts already hold: the
-- job reads view events in overlapping windows, and this key makes counting them idempotent.
-- Swept after the raw events' retention, as the events that hold the same pairs are.
CREATE TABLE covisit_marks (
  user_id     text NOT NULL REFERENCES users (user_id) ON DELETE CASCADE,
  video_id    text NOT NULL REFERENCES videos (video_id) ON DELETE CASCADE,
  watched_at  timestamptz NOT NULL,
  PRIMARY KEY (user_id, video_id)
);
CREATE INDEX covisit_marks_user_time_idx ON covisit_marks (user_id, watched_at);
CREATE INDEX covisit_marks_time_idx ON covisit_marks (watched_at);
CREATE INDEX covisit_marks_video_idx ON covisit_marks (video_id);

-- c_ij: how many viewers watched both videos within the co-visitation window, both directions
-- stored so one video's neighbours are one index range.
CREATE TABLE covisit_pairs (
  video_id  text NOT NULL REFERENCES videos (video_id) ON DELETE CASCADE,
  other_id  text NOT NULL REFERENCES videos (video_id) ON DELETE CASCADE,
  count     integer NOT NULL,
  PRIMARY KEY (video_id, other_id)
);
CREATE INDEX covisit_pairs_top_idx ON covisit_pairs (video_id, count DESC, other_id);
CREATE INDEX covisit_pairs_other_idx ON covisit_pairs (other_id);

-- c_i: how many viewers' first views of the video were counted (the normaliser of c_ij).
CREATE TABLE covisit_viewers (
  video_id  text PRIMARY KEY REFERENCES videos (video_id) ON DELETE CASCADE,
  viewers   integer NOT NULL
);

-- Where the incremental co-visitation job has read view events up to.
CREATE TABLE ranking_state (
  name          text PRIMARY KEY,
  done_through  timestamptz NOT NULL
);

-- Content neighbours: listed videos sharing a tag.
CREATE INDEX videos_listed_tags_idx ON videos USING gin (tags) WHERE visibility = 'public' AND status = 'ready';
