import { sql } from 'kysely';
import { LRUCache } from 'lru-cache';
import type { Db } from '../../platform/db/index.js';
import { analyticsQueries, BEACON_EVENT, VIEW_EVENT, type AnalyticsEvent, type BatchHook, type BeaconProps } from '../analytics/index.js';
import type { BeaconTransient } from './beacons.js';
import { VIEW_REPEAT_AFTER_SEC } from './view-rule.js';

const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** The UTC month of `t` as the history bucket ('2026-11-01'). */
export const historyBucket = (t: Date) => `${t.toISOString().slice(0, 7)}-01`;

interface Beacon {
  event: AnalyticsEvent & { videoId: string; sessionId: string; occurredAt: Date };
  props: BeaconProps;
  transient: BeaconTransient;
}

/**
 * What a batch of beacons implies, written in the batch's transaction:
 * - views: each session that reached the view rule is marked (`s:<session>`, once ever); of those
 *   new, each viewer (`u:<user>` or `a:<address+session>`) whose last counted view of the video is
 *   over an hour old is marked too, and that is a view: a `view` event and videos.view_count + 1.
 *   The marks are INSERT … ON CONFLICT statements, so api processes racing on one viewer count once.
 * - watch history: the latest position per signed-in viewer and video, unless they paused history.
 * After the commit, `onViewsCounted` gets the videos whose counts changed (to drop cached rows).
 */
export function createEngagementBatchHook(opts: {
  onViewsCounted: (videoIds: string[]) => Promise<void> | void;
  /** After the commit: the (viewer, video) pairs whose history the batch may have written (to drop cached positions). */
  onHistoryWritten?: (pairs: Array<{ userId: string; videoId: string }>) => Promise<void> | void;
}): BatchHook {
  // Sessions this process has already decided for (counted, or refused by the hourly rule): every
  // later beacon of such a session is a candidate too, and need not ask the database again.
  const decided = new LRUCache<string, true>({ max: 200_000 });

  return async (trx, batch) => {
    const beacons = batch.filter((e): e is Beacon['event'] => e.type === BEACON_EVENT && !!e.videoId && !!e.sessionId)
      .map((event) => ({ event, props: event.props as unknown as BeaconProps, transient: event.transient as unknown as BeaconTransient }));
    const { counted, decidedKeys } = await countViews(trx, beacons, decided);
    const historyPairs = await recordHistory(trx, beacons);
    // Remembered only once committed: a batch rolled back (an outage) decided nothing.
    return async () => {
      for (const key of decidedKeys) decided.set(key, true);
      if (historyPairs.length) await opts.onHistoryWritten?.(historyPairs);
      if (counted.length) await opts.onViewsCounted(counted);
    };
  };
}

async function countViews(trx: Db, beacons: Beacon[], decided: LRUCache<string, true>): Promise<{ counted: string[]; decidedKeys: string[] }> {
  const fresh = new Map<string, Beacon>();
  for (const b of beacons) {
    const key = `${b.event.videoId}|${b.event.sessionId}`;
    if (b.transient?.isViewCandidate && !decided.has(key) && !fresh.has(key)) fresh.set(key, b);
  }
  const decidedKeys = [...fresh.keys()];
  const none = { counted: [], decidedKeys };
  if (!fresh.size) return none;
  // Sorted: two api processes' batches then take row locks in one order and cannot deadlock.
  const candidates = [...fresh.values()].sort((a, b) => compare(`${a.event.videoId}|s:${a.event.sessionId}`, `${b.event.videoId}|s:${b.event.sessionId}`));

  // Once per session: the first crossing of a session decides, whatever the hourly rule says.
  const newSessions = await sql<{ videoId: string; viewerKey: string }>`
    INSERT INTO view_marks (video_id, viewer_key, counted_at)
    SELECT * FROM unnest(${candidates.map((b) => b.event.videoId)}::text[], ${candidates.map((b) => `s:${b.event.sessionId}`)}::text[],
                         ${candidates.map((b) => b.event.occurredAt.toISOString())}::timestamptz[])
    ON CONFLICT (video_id, viewer_key) DO NOTHING
    RETURNING video_id, viewer_key`.execute(trx);
  const isNewSession = new Set(newSessions.rows.map((r) => `${r.videoId}|${r.viewerKey.slice(2)}`));

  // One row per (video, viewer) in the statement: ON CONFLICT may not touch a row twice.
  const byViewer = new Map<string, Beacon>();
  for (const b of candidates) {
    const key = `${b.event.videoId}|${b.transient.viewerKey}`;
    if (isNewSession.has(`${b.event.videoId}|${b.event.sessionId}`) && !byViewer.has(key)) byViewer.set(key, b);
  }
  if (!byViewer.size) return none;
  const viewers = [...byViewer.entries()].sort(([a], [b]) => compare(a, b)).map(([, b]) => b);
  const admitted = await sql<{ videoId: string; viewerKey: string }>`
    INSERT INTO view_marks (video_id, viewer_key, counted_at)
    SELECT * FROM unnest(${viewers.map((b) => b.event.videoId)}::text[], ${viewers.map((b) => b.transient.viewerKey)}::text[],
                         ${viewers.map((b) => b.event.occurredAt.toISOString())}::timestamptz[])
    ON CONFLICT (video_id, viewer_key) DO UPDATE SET counted_at = EXCLUDED.counted_at
      WHERE view_marks.counted_at <= EXCLUDED.counted_at - make_interval(secs => ${VIEW_REPEAT_AFTER_SEC})
    RETURNING video_id, viewer_key`.execute(trx);
  if (!admitted.rows.length) return none;

  const q = analyticsQueries(trx);
  const views: AnalyticsEvent[] = admitted.rows.map((r) => {
    const b = byViewer.get(`${r.videoId}|${r.viewerKey}`)!;
    return { type: VIEW_EVENT, videoId: r.videoId, userId: b.event.userId ?? null, sessionId: b.event.sessionId, occurredAt: b.event.occurredAt };
  });
  await q.insertEvents(trx, views);
  const perVideo = new Map<string, number>();
  for (const v of views) perVideo.set(v.videoId!, (perVideo.get(v.videoId!) ?? 0) + 1);
  await q.addViews(trx, perVideo);
  return { counted: [...perVideo.keys()], decidedKeys };
}

/** Writes the batch's history; returns the (viewer, video) pairs it may have changed. */
async function recordHistory(trx: Db, beacons: Beacon[]): Promise<Array<{ userId: string; videoId: string }>> {
  const latest = new Map<string, Beacon>();
  for (const b of beacons) {
    // A bot's beacon counts nowhere, history included (a signed-in script must not move resume).
    if (!b.event.userId || b.props.bot) continue;
    const key = `${b.event.userId}|${b.event.videoId}`;
    const seen = latest.get(key);
    if (!seen || seen.event.occurredAt <= b.event.occurredAt) latest.set(key, b);
  }
  if (!latest.size) return [];
  const rows = [...latest.entries()].sort(([a], [b]) => compare(a, b)).map(([, b]) => b);
  const cols = {
    users: rows.map((b) => b.event.userId!),
    buckets: rows.map((b) => historyBucket(b.event.occurredAt)),
    videos: rows.map((b) => b.event.videoId),
    at: rows.map((b) => b.event.occurredAt.toISOString()),
    pos: rows.map((b) => b.props.pos),
  };
  // A video lives in one bucket per user: the month it was last watched in.
  await sql`DELETE FROM watch_history h USING unnest(${cols.users}::text[], ${cols.videos}::text[], ${cols.buckets}::date[]) AS v(user_id, video_id, bucket)
            WHERE h.user_id = v.user_id AND h.video_id = v.video_id AND h.bucket <> v.bucket
              AND NOT EXISTS (SELECT 1 FROM user_settings s WHERE s.user_id = v.user_id AND s.history_paused)`.execute(trx);
  // Joined to users: an account deleted since the beacon leaves nothing behind (and no FK error).
  await sql`INSERT INTO watch_history (user_id, bucket, video_id, watched_at, progress_seconds)
            SELECT v.* FROM unnest(${cols.users}::text[], ${cols.buckets}::date[], ${cols.videos}::text[], ${cols.at}::timestamptz[], ${cols.pos}::float8[])
                     AS v(user_id, bucket, video_id, watched_at, progress_seconds)
              JOIN users u ON u.user_id = v.user_id
             WHERE NOT EXISTS (SELECT 1 FROM user_settings s WHERE s.user_id = v.user_id AND s.history_paused)
            ON CONFLICT (user_id, bucket, video_id) DO UPDATE SET watched_at = EXCLUDED.watched_at, progress_seconds = EXCLUDED.progress_seconds
              WHERE watch_history.watched_at <= EXCLUDED.watched_at`.execute(trx);
  return rows.map((b) => ({ userId: b.event.userId!, videoId: b.event.videoId }));
}
