import { sql } from 'kysely';
import type { Cache } from '../../platform/cache/port.js';
import type { Db } from '../../platform/db/index.js';
import type { VideoRecord } from '../catalog/index.js';
import { RESUME_MAX_FRACTION } from '../engagement/index.js';
import { listedVideosInOrder } from './listed-videos.js';
import { relatedTo, type Scored, type SeedVideo } from './related.js';
import { trendingIds } from './trending.js';

/** How many of a viewer's latest watches seed their recommendations. */
export const HISTORY_SEEDS = 20;
/** Each older watch weighs this much of the one after it: the latest counts most. */
export const RECENCY_DECAY = 0.85;
/** Related lists are cached this long: new co-visitation and new videos reach them after it. */
export const RELATED_CACHE_TTL_SEC = 60;
/** Personal lists are keyed by the viewer's latest watch, so a new watch is a new key at once. */
export const RECOMMENDATIONS_CACHE_TTL_SEC = 60;
/** How many ranked ids a personal list keeps (more than any page, for those filtered at read). */
const RECOMMENDATION_POOL = 100;

interface HistorySeed extends SeedVideo {
  watchedAt: Date;
}

/**
 * Trending, related videos ("up next") and recommendations. Ranked ids come from the ranking
 * job's tables and the cache port; the videos themselves are read at answer time, so only what
 * is listed now (public and ready) is ever answered.
 * @example const ranking = createRankingService({ db, cache }); const items = await ranking.trending(20);
 */
export function createRankingService(deps: { db: Db; cache: Cache }) {
  const { db, cache } = deps;

  async function relatedIds(seed: SeedVideo): Promise<Scored[]> {
    const key = `related:${seed.videoId}`;
    const cached = await cache.get<Scored[]>(key);
    if (cached) return cached;
    const scored = await relatedTo(db, seed);
    await cache.set(key, scored, RELATED_CACHE_TTL_SEC);
    return scored;
  }

  /** Ids in order, then the listed ones of those (minus `exclude`), at most `limit`. */
  const answer = async (ids: string[], limit: number, exclude: Set<string> = new Set()) =>
    (await listedVideosInOrder(db, ids.filter((id) => !exclude.has(id)).slice(0, limit + 25))).slice(0, limit);

  /** Videos the viewer watched past RESUME_MAX_FRACTION (90 %): finished, never recommended. */
  async function finishedAmong(userId: string, ids: string[]): Promise<Set<string>> {
    if (!ids.length) return new Set();
    const { rows } = await sql<{ videoId: string }>`
      SELECT h.video_id FROM watch_history h JOIN videos v ON v.video_id = h.video_id
       WHERE h.user_id = ${userId} AND h.video_id = ANY(${ids}::text[]) AND v.duration > 0
         AND h.progress_seconds > ${RESUME_MAX_FRACTION}::float8 * v.duration`.execute(db);
    return new Set(rows.map((r) => r.videoId));
  }

  async function historySeeds(userId: string): Promise<HistorySeed[] | null> {
    const { rows } = await sql<HistorySeed & { paused: boolean | null }>`
      SELECT h.video_id, h.watched_at, v.user_id, v.title, v.tags, s.history_paused AS paused
        FROM watch_history h JOIN videos v ON v.video_id = h.video_id
        LEFT JOIN user_settings s ON s.user_id = h.user_id
       WHERE h.user_id = ${userId}
       ORDER BY h.watched_at DESC, h.video_id DESC LIMIT ${HISTORY_SEEDS}`.execute(db);
    // Paused history: the viewer asked us not to use what they watch.
    if (!rows.length || rows[0]!.paused) return null;
    return rows;
  }

  /** Item-to-item from the seeds: each candidate sums its relatedness to every seed, the latest weighing most. */
  async function personalIds(seeds: HistorySeed[]): Promise<string[]> {
    const total = new Map<string, number>();
    const lists = await Promise.all(seeds.map((s) => relatedIds(s)));
    lists.forEach((list, k) => {
      const w = RECENCY_DECAY ** k;
      for (const c of list) total.set(c.videoId, (total.get(c.videoId) ?? 0) + w * c.score);
    });
    return [...total.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, RECOMMENDATION_POOL).map(([id]) => id);
  }

  return {
    /** The current trending list's first `limit` listed videos. */
    async trending(limit: number): Promise<VideoRecord[]> {
      return answer(await trendingIds(db, cache), limit);
    },

    /** Listed videos related to `video` (which the caller has been allowed to see), best first. */
    async related(video: VideoRecord, limit: number): Promise<VideoRecord[]> {
      const scored = await relatedIds({ videoId: video.videoId, userId: video.userId, title: video.title, tags: video.tags });
      return answer(scored.map((s) => s.videoId), limit, new Set([video.videoId]));
    },

    /**
     * For a signed-in viewer: item-to-item from their latest watches, without what they finished,
     * filled with trending; for anyone else (or a viewer who paused history), trending.
     */
    async recommend(userId: string | null, limit: number): Promise<VideoRecord[]> {
      const seeds = userId ? await historySeeds(userId) : null;
      const trending = await trendingIds(db, cache);
      if (!userId || !seeds) return answer(trending, limit);
      const key = `recs:${userId}:${new Date(seeds[0]!.watchedAt).getTime()}`;
      let ids = await cache.get<string[]>(key);
      if (!ids) {
        ids = await personalIds(seeds);
        await cache.set(key, ids, RECOMMENDATIONS_CACHE_TTL_SEC);
      }
      const personal = new Set(ids);
      const candidates = [...ids, ...trending.filter((id) => !personal.has(id))];
      // Enough candidates for a page after the finished ones and those no longer listed go.
      const head = candidates.slice(0, limit * 3 + 50);
      return answer(head, limit, await finishedAmong(userId, head));
    },
  };
}

export type RankingService = ReturnType<typeof createRankingService>;
