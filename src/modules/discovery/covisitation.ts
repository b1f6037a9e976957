import { sql } from 'kysely';
import type { Db } from '../../platform/db/index.js';
import { VIEW_EVENT } from '../analytics/index.js';
import { lockRanking } from './ranking-lock.js';

const HOUR_MS = 3_600_000;
/**
 * Two videos are co-visited when one viewer watched both within this long of each other: a
 * day, the period of the co-visitation counts in Davidson et al. (RecSys 2010, section 3.2).
 */
export const COVISIT_WINDOW_HOURS = 24;
/** Each new view pairs with at most this many of the viewer's views nearest to it in time. */
export const COVISIT_PARTNERS = 50;
/** View events are read again this far before where the last run stopped (late batches). */
const OVERLAP_MS = 15 * 60_000;
/** Window read per pass when catching up, so one transaction stays bounded. */
const CHUNK_MS = 24 * HOUR_MS;
const STATE = 'covisitation';

/**
 * The co-visitation counts, kept incrementally from counted views of signed-in viewers (the
 * player's session ends with its video, so an account is what ties two videos together). Each
 * viewer's first counted view of a video is marked once (covisit_marks); a new mark adds one to
 * c_i (covisit_viewers) and one to c_ij for each of the viewer's other marked videos watched
 * within COVISIT_WINDOW_HOURS (covisit_pairs, both directions). Marks, pairs and counts are
 * written in one transaction per window, so a window read twice (the overlap, a retried job)
 * counts nothing twice. Viewers who paused their history are left out, as in watch history.
 * @example await updateCovisitation(db, new Date(), 90);
 */
export async function updateCovisitation(db: Db, now: Date, retentionDays: number): Promise<{ newViews: number }> {
  const state = await sql<{ doneThrough: Date }>`SELECT done_through FROM ranking_state WHERE name = ${STATE}`.execute(db);
  const oldest = now.getTime() - retentionDays * 24 * HOUR_MS;
  let from = Math.max(oldest, state.rows[0] ? new Date(state.rows[0].doneThrough).getTime() - OVERLAP_MS : oldest);
  let newViews = 0;
  while (from < now.getTime()) {
    const to = Math.min(from + CHUNK_MS, now.getTime());
    // Each window with its progress: a long catch-up cut short (the job's lease) resumes there.
    newViews += await db.transaction().execute(async (trx) => {
      const n = await countWindow(trx, new Date(from), new Date(to));
      await sql`INSERT INTO ranking_state (name, done_through) VALUES (${STATE}, ${new Date(to)})
                ON CONFLICT (name) DO UPDATE SET done_through = GREATEST(ranking_state.done_through, EXCLUDED.done_through)`.execute(trx);
      return n;
    });
    from = to;
  }
  await sql`DELETE FROM covisit_marks WHERE watched_at < ${new Date(oldest)}`.execute(db);
  return { newViews };
}

async function countWindow(trx: Db, from: Date, to: Date): Promise<number> {
  // Runs at once would each miss the pairs between their own new marks and the other's.
  await lockRanking(trx);
  // Sorted: overlapping runs take the marks' row locks in one order and cannot deadlock.
  const marks = await sql<{ userId: string; videoId: string; watchedAt: Date }>`
    INSERT INTO covisit_marks (user_id, video_id, watched_at)
    SELECT f.user_id, f.video_id, f.occurred_at FROM (
      SELECT DISTINCT ON (e.user_id, e.video_id) e.user_id, e.video_id, e.occurred_at
        FROM events e
       WHERE e.type = ${VIEW_EVENT} AND e.user_id IS NOT NULL AND e.video_id IS NOT NULL
         AND e.occurred_at >= ${from} AND e.occurred_at < ${to}
       ORDER BY e.user_id, e.video_id, e.occurred_at) f
    JOIN users u ON u.user_id = f.user_id
    JOIN videos v ON v.video_id = f.video_id
    WHERE NOT EXISTS (SELECT 1 FROM user_settings s WHERE s.user_id = f.user_id AND s.history_paused)
    ORDER BY f.user_id, f.video_id
    ON CONFLICT (user_id, video_id) DO NOTHING
    RETURNING user_id, video_id, watched_at`.execute(trx);
  if (!marks.rows.length) return 0;
  const users = marks.rows.map((m) => m.userId);
  const videos = marks.rows.map((m) => m.videoId);
  const ats = marks.rows.map((m) => new Date(m.watchedAt).toISOString());
  // A pair of two new marks is counted once, from the later of the two: the partner must be an
  // earlier mark, or a new one that comes before this one (a hash join, not a scan per partner).
  await sql`
    WITH n AS (SELECT * FROM unnest(${users}::text[], ${videos}::text[], ${ats}::timestamptz[]) AS n(user_id, video_id, watched_at)),
    near AS (
      SELECT n.user_id, n.video_id AS a, n.watched_at AS a_at, m.video_id AS b, m.watched_at AS b_at
        FROM n CROSS JOIN LATERAL (
          SELECT m.video_id, m.watched_at FROM covisit_marks m
           WHERE m.user_id = n.user_id AND m.video_id <> n.video_id
             AND m.watched_at BETWEEN n.watched_at - make_interval(hours => ${COVISIT_WINDOW_HOURS}) AND n.watched_at + make_interval(hours => ${COVISIT_WINDOW_HOURS})
           ORDER BY abs(extract(epoch FROM (m.watched_at - n.watched_at))), m.video_id
           LIMIT ${COVISIT_PARTNERS}) m),
    p AS (
      SELECT near.a, near.b FROM near LEFT JOIN n AS newer ON newer.user_id = near.user_id AND newer.video_id = near.b
       WHERE newer.user_id IS NULL OR (near.b_at, near.b) < (near.a_at, near.a)),
    d AS (SELECT a, b FROM p UNION ALL SELECT b, a FROM p)
    INSERT INTO covisit_pairs (video_id, other_id, count)
    SELECT a, b, count(*)::int FROM d GROUP BY a, b ORDER BY a, b
    ON CONFLICT (video_id, other_id) DO UPDATE SET count = covisit_pairs.count + EXCLUDED.count`.execute(trx);
  await sql`
    INSERT INTO covisit_viewers (video_id, viewers)
    SELECT video_id, count(*)::int FROM unnest(${videos}::text[]) AS n(video_id) GROUP BY video_id ORDER BY video_id
    ON CONFLICT (video_id) DO UPDATE SET viewers = covisit_viewers.viewers + EXCLUDED.viewers`.execute(trx);
  return marks.rows.length;
}

export interface CovisitNeighbour {
  videoId: string;
  /** c_ij / sqrt(c_i × c_j), in (0, 1]. */
  score: number;
  count: number;
}

/** The video's co-visited neighbours, most co-visited first (at most `limit`), normalised. */
export async function covisitNeighbours(db: Db, videoId: string, limit: number): Promise<CovisitNeighbour[]> {
  const { rows } = await sql<{ otherId: string; count: number; ci: number; cj: number }>`
    SELECT p.other_id, p.count, ci.viewers AS ci, cj.viewers AS cj
      FROM covisit_pairs p
      JOIN covisit_viewers ci ON ci.video_id = p.video_id
      JOIN covisit_viewers cj ON cj.video_id = p.other_id
     WHERE p.video_id = ${videoId}
     ORDER BY p.count DESC, p.other_id LIMIT ${limit}`.execute(db);
  return rows.map((r) => ({ videoId: r.otherId, count: r.count, score: r.count / Math.sqrt(Math.max(1, r.ci) * Math.max(1, r.cj)) }));
}
