-- Analytics events: one row per thing a viewer did. Today only `video_play` (written by the
-- play API); player beacons, watch progress and QoE samples land here later with their own types.
-- No foreign keys: events are written in batches a second after the fact, and a video or user
-- deleted meanwhile must not make the whole batch fail.
CREATE TABLE events (
  id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  type         text NOT NULL,
  video_id     text,
  user_id      text,
  session_id   text,
  occurred_at  timestamptz NOT NULL DEFAULT now(),
  props        jsonb NOT NULL DEFAULT '{}'
);
-- Per-video time windows (views over the last hour/day, a video's history).
CREATE INDEX events_video_time_idx ON events (video_id, occurred_at);
