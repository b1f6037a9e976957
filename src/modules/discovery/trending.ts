import { sql } from 'kysely';
import type { Cache } from '../../platform/cache/port.js';
import type { Db } from '../../platform/db/index.js';
import { lockRanking } from './ranking-lock.js';

const HOUR_MS = 3_600_000;
/** Activity in this many hours is "recent": it makes a video trend. */
export const RECENT_HOURS = 72;
/** The video's own past pace is measured over this many hours before the recent window. */
export const PAST_HOURS = 168;
/** Recent activity halves in weight every this many hours. */
export const HALF_LIFE_HOURS = 12;
/** Watch time worth one view: five minutes watched weigh as much as one more viewer. */
export const WATCH_SEC_PER_VIEW = 300;
/** A like weighs as three views, a dislike takes one away. */
export const LIKE_WEIGHT = 3;
export const DISLIKE_WEIGHT = 1;
/** Weight of one doubling over the video's usual pace, against one decade of activity. */
export const GROWTH_WEIGHT = 0.5;
/** How many videos the list holds (active ones first, then a fill by views). */
export const TRENDING_SIZE = 500;
/** Fill rows score below every active video: they are there so a quiet instance has a list. */
const FILL_SCORE = -100;

export const TRENDING_CACHE_KEY = 'trending:ids';
/** The job writes the list each minute; if jobs stop, readers fall back to the table after this. */
export const TRENDING_JOB_CACHE_TTL_SEC = 600;
const TRENDING_READ_CACHE_TTL_SEC = 60;

/**
 * Sum of the decay weights over the recent window for an even pace of one unit per hour: what a
 * video at its usual pace scores, the denominator of its growth.
 */
export const STEADY_HEAT_PER_HOURLY_UNIT = Array.from({ length: RECENT_HOURS }, (_, a) => 0.5 ** ((a + 0.5) / HALF_LIFE_HOURS)).reduce((s, w) => s + w, 0);

/**
 * Recomputes the trending list as of `now` and replaces the stored one, in one transaction.
 *
 * heat: the last RECENT_HOURS of views plus watch time (video_hourly, the analytics rollup) and
 * likes minus dislikes (video_ratings), each hour weighed by 0.5^(age / HALF_LIFE_HOURS): the
 * exponential decay of Reddit's "hot" (log of votes plus age, which is votes times e^(age/τ)).
 * expected: what the video's own pace over the PAST_HOURS before that (per hour it existed, at
 * least a day) would score. score = log10(1 + heat) + GROWTH_WEIGHT × log2((heat + 1) / (expected + 1)):
 * a video at its usual pace gains nothing from growth, a new one rising from nothing gains a lot,
 * so a new video with a few hundred views outranks an old giant with a steady ten thousand.
 * Only listed videos (public, ready) with heat enter; then the most viewed others fill the list.
 */
export async function computeTrending(db: Db, now: Date): Promise<number> {
  const recentFrom = new Date(now.getTime() - RECENT_HOURS * HOUR_MS);
  const pastFrom = new Date(recentFrom.getTime() - PAST_HOURS * HOUR_MS);
  const ageHours = (col: ReturnType<typeof sql>) => sql`greatest(0, extract(epoch FROM (${now}::timestamptz - ${col}))::float8 / 3600)`;
  const decay = (ageH: ReturnType<typeof sql>) => sql`power(0.5, ${ageH} / ${HALF_LIFE_HOURS}::float8)`;
  return db.transaction().execute(async (trx) => {
    // Two runs at once (a retry beside a slow run) would each insert the full list: one at a time.
    await lockRanking(trx);
    await sql`DELETE FROM trending_scores`.execute(trx);
    const { rows } = await sql<{ n: number }>`
      WITH hourly AS (
        SELECT h.video_id,
               sum(CASE WHEN h.hour >= ${recentFrom}::timestamptz
                        THEN (h.views + h.watch_time_sec / ${WATCH_SEC_PER_VIEW}::float8) * ${decay(sql`greatest(0, ${ageHours(sql`h.hour`)} - 0.5)`)} ELSE 0 END) AS heat,
               sum(CASE WHEN h.hour < ${recentFrom}::timestamptz THEN h.views + h.watch_time_sec / ${WATCH_SEC_PER_VIEW}::float8 ELSE 0 END) AS past
          FROM video_hourly h
         WHERE h.hour >= ${pastFrom}::timestamptz AND h.hour <= ${now}::timestamptz
         GROUP BY h.video_id),
      rated AS (
        SELECT r.video_id, sum(r.value * CASE WHEN r.value > 0 THEN ${LIKE_WEIGHT}::float8 ELSE ${DISLIKE_WEIGHT}::float8 END * ${decay(ageHours(sql`r.rated_at`))}) AS heat
          FROM video_ratings r
         WHERE r.rated_at >= ${recentFrom}::timestamptz AND r.rated_at <= ${now}::timestamptz
         GROUP BY r.video_id),
      active AS (
        SELECT coalesce(h.video_id, r.video_id) AS video_id, greatest(0, coalesce(h.heat, 0) + coalesce(r.heat, 0)) AS heat, coalesce(h.past, 0) AS past
          FROM hourly h FULL JOIN rated r ON r.video_id = h.video_id),
      scored AS (
        SELECT a.video_id, a.heat,
               a.past / greatest(24, extract(epoch FROM (${recentFrom}::timestamptz - greatest(v.created_at, ${pastFrom}::timestamptz)))::float8 / 3600)
                 * ${STEADY_HEAT_PER_HOURLY_UNIT}::float8 AS expected
          FROM active a JOIN videos v ON v.video_id = a.video_id
         WHERE a.heat > 0 AND v.visibility = 'public' AND v.status = 'ready'),
      ins AS (
        INSERT INTO trending_scores (video_id, score, computed_at)
        SELECT video_id, greatest(${FILL_SCORE / 2}::float8, log(1 + heat) + ${GROWTH_WEIGHT}::float8 * ln((heat + 1) / (expected + 1)) / ln(2::float8)), ${now}::timestamptz
          FROM scored ORDER BY 2 DESC, video_id DESC LIMIT ${TRENDING_SIZE}
        RETURNING 1)
      SELECT count(*)::int AS n FROM ins`.execute(trx);
    const active = rows[0]?.n ?? 0;
    if (active < TRENDING_SIZE) {
      await sql`INSERT INTO trending_scores (video_id, score, computed_at)
        SELECT v.video_id, ${FILL_SCORE}::float8 + log(1 + v.view_count::float8), ${now}::timestamptz
          FROM videos v
         WHERE v.visibility = 'public' AND v.status = 'ready' AND NOT EXISTS (SELECT 1 FROM trending_scores t WHERE t.video_id = v.video_id)
         ORDER BY v.view_count DESC, v.video_id DESC LIMIT ${TRENDING_SIZE - active}`.execute(trx);
    }
    return active;
  });
}

const readTrendingIds = async (db: Db) =>
  (await sql<{ videoId: string }>`SELECT video_id FROM trending_scores ORDER BY score DESC, video_id DESC LIMIT ${TRENDING_SIZE}`.execute(db)).rows.map((r) => r.videoId);

/** The ids of the current trending list, best first: from the cache, or the table the job wrote. */
export async function trendingIds(db: Db, cache: Cache): Promise<string[]> {
  const cached = await cache.get<string[]>(TRENDING_CACHE_KEY);
  if (cached) return cached;
  const ids = await readTrendingIds(db);
  await cache.set(TRENDING_CACHE_KEY, ids, TRENDING_READ_CACHE_TTL_SEC);
  return ids;
}

/** After the job's commit: the new list replaces the cached one at once. */
export async function publishTrending(db: Db, cache: Cache): Promise<void> {
  await cache.set(TRENDING_CACHE_KEY, await readTrendingIds(db), TRENDING_JOB_CACHE_TTL_SEC);
}
