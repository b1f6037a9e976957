import { sql } from 'kysely';
import { AppError } from '../../platform/errors.js';
import type { Cache } from '../../platform/cache/port.js';
import type { Db } from '../../platform/db/index.js';
import { resumePoint } from './view-rule.js';

/**
 * A viewer's last position in a video, as watch history has it (`null`: never watched, or history
 * paused), cached so a signed-in /play reads no SQL. Every write of history drops the keys it
 * changes after its commit (`forgetPositions`), and fills go through leases, so a position read
 * before a beacon's batch committed is never cached over it.
 */
export const lastPositionCacheKey = (userId: string, videoId: string) => `watch-pos:${userId}:${videoId}`;
/** Dropped on every write; the TTL only bounds what no write announces (a row changed by hand). */
const POSITION_CACHE_TTL_SEC = 3600;
const POSITION_LEASE_TTL_SEC = 10;

export interface HistoryEntry {
  videoId: string;
  positionSec: number;
  watchedAt: Date;
}

function encodeCursor(e: HistoryEntry): string {
  return Buffer.from(JSON.stringify([e.watchedAt.toISOString(), e.videoId])).toString('base64url');
}

function decodeCursor(cursor: string): { at: Date; videoId: string } {
  try {
    const [at, videoId] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as [unknown, unknown];
    if (typeof at === 'string' && typeof videoId === 'string' && !Number.isNaN(Date.parse(at))) return { at: new Date(at), videoId };
  } catch {
    // Fall through: any malformed cursor gets the same clear error below.
  }
  throw new AppError('INVALID_CURSOR', 400, 'The cursor is not one we issued. Start again without it.');
}

/**
 * Watch history, its pause setting and resume points. Writes come from the beacon batch hook;
 * here are the reads and the deletes a viewer asks for.
 */
export function createHistoryService(deps: { db: Db; cache: Cache }) {
  const db = deps.db;
  const isPaused = async (userId: string) =>
    (await db.selectFrom('userSettings').select('historyPaused').where('userId', '=', userId).executeTakeFirst())?.historyPaused ?? false;

  /** Drops the cached positions of `(userId, videoId)` pairs; call after the write has committed. */
  const forgetPositions = async (pairs: Array<{ userId: string; videoId: string }>) => {
    // In slices: clearing a long history must not make one command of thousands of keys.
    for (let i = 0; i < pairs.length; i += 500) await deps.cache.del(...pairs.slice(i, i + 500).map((p) => lastPositionCacheKey(p.userId, p.videoId)));
  };
  /** Every video in a user's history: the positions a clear or a pause changes. */
  const historyVideos = async (userId: string) =>
    (await db.selectFrom('watchHistory').select('videoId').where('userId', '=', userId).execute()).map((r) => ({ userId, videoId: r.videoId }));

  return {
    /** One page, newest first; keyset on (watched_at, video_id), stable while new entries arrive. */
    async list(userId: string, limit: number, cursor?: string): Promise<{ items: HistoryEntry[]; nextCursor: string | null }> {
      let q = db.selectFrom('watchHistory').select(['videoId', 'progressSeconds', 'watchedAt']).where('userId', '=', userId);
      if (cursor) {
        const { at, videoId } = decodeCursor(cursor);
        q = q.where((eb) => eb.or([eb('watchedAt', '<', at), eb.and([eb('watchedAt', '=', at), eb('videoId', '<', videoId)])]));
      }
      const rows = await q.orderBy('watchedAt', 'desc').orderBy('videoId', 'desc').limit(limit + 1).execute();
      const items = rows.slice(0, limit).map((r) => ({ videoId: r.videoId, positionSec: r.progressSeconds, watchedAt: new Date(r.watchedAt) }));
      const last = items[items.length - 1];
      return { items, nextCursor: rows.length > limit && last ? encodeCursor(last) : null };
    },

    async remove(userId: string, videoId: string): Promise<void> {
      await db.deleteFrom('watchHistory').where('userId', '=', userId).where('videoId', '=', videoId).execute();
      await forgetPositions([{ userId, videoId }]);
    },

    async clear(userId: string): Promise<void> {
      const removed = await db.deleteFrom('watchHistory').where('userId', '=', userId).returning('videoId').execute();
      await forgetPositions(removed.map((r) => ({ userId, videoId: r.videoId })));
    },

    async settings(userId: string): Promise<{ historyPaused: boolean }> {
      return { historyPaused: await isPaused(userId) };
    },

    async updateSettings(userId: string, patch: { historyPaused?: boolean }): Promise<{ historyPaused: boolean }> {
      if (patch.historyPaused !== undefined) {
        await sql`INSERT INTO user_settings (user_id, history_paused) VALUES (${userId}, ${patch.historyPaused})
                  ON CONFLICT (user_id) DO UPDATE SET history_paused = EXCLUDED.history_paused`.execute(db);
        // Pausing hides every position, resuming shows them again. Videos without history read
        // null either way, so the videos in the history are all the keys this changes; read after
        // the commit, so a beacon batch committing meanwhile is covered by its own invalidation.
        await forgetPositions(await historyVideos(userId));
      }
      return this.settings(userId);
    },

    forgetPositions,

    /** `lastPosition` if it is in the cache, else undefined; never reads the database nor fills anything. */
    async cachedPosition(videoId: string, userId: string): Promise<number | null | undefined> {
      return (await deps.cache.get<{ positionSec: number | null }>(lastPositionCacheKey(userId, videoId)))?.positionSec;
    },

    /**
     * Where `userId` last was in `videoId` (null: never watched, or history paused: the viewer
     * asked us not to use what they watch). A cache hit is one plain read; a miss leases the key
     * BEFORE reading the primary (Cache.getOrLease), so a fill never lands over a later write.
     */
    async lastPosition(videoId: string, userId: string): Promise<number | null> {
      const key = lastPositionCacheKey(userId, videoId);
      const cached = await deps.cache.get<{ positionSec: number | null }>(key);
      if (cached) return cached.positionSec;
      const read = await deps.cache.getOrLease<{ positionSec: number | null }>(key, POSITION_LEASE_TTL_SEC);
      if (read.hit) return read.value.positionSec;
      const row = await db.selectFrom('watchHistory').leftJoin('userSettings', 'userSettings.userId', 'watchHistory.userId')
        .select(['watchHistory.progressSeconds', 'userSettings.historyPaused'])
        .where('watchHistory.userId', '=', userId).where('watchHistory.videoId', '=', videoId)
        .orderBy('watchHistory.watchedAt', 'desc').executeTakeFirst();
      const positionSec = !row || row.historyPaused ? null : row.progressSeconds;
      if (read.lease) await deps.cache.setLeased(key, read.lease, { positionSec }, POSITION_CACHE_TTL_SEC);
      return positionSec;
    },
  };
}

/**
 * Where to resume a video of `durationSec` last left at `positionSec` (Jellyfin's 5 %–90 % rule,
 * to a tenth of a second), or null to start at 0.
 */
export function resumeAtSec(positionSec: number | null, durationSec: number | null): number | null {
  const at = positionSec === null ? null : resumePoint(positionSec, durationSec);
  return at === null ? null : Math.round(at * 10) / 10;
}

export type HistoryService = ReturnType<typeof createHistoryService>;
