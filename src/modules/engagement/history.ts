import { sql } from 'kysely';
import { AppError } from '../../platform/errors.js';
import type { Db } from '../../platform/db/index.js';
import { resumePoint } from './view-rule.js';

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
export function createHistoryService(deps: { db: Db }) {
  const db = deps.db;
  const isPaused = async (userId: string) =>
    (await db.selectFrom('userSettings').select('historyPaused').where('userId', '=', userId).executeTakeFirst())?.historyPaused ?? false;

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
    },

    async clear(userId: string): Promise<void> {
      await db.deleteFrom('watchHistory').where('userId', '=', userId).execute();
    },

    async settings(userId: string): Promise<{ historyPaused: boolean }> {
      return { historyPaused: await isPaused(userId) };
    },

    async updateSettings(userId: string, patch: { historyPaused?: boolean }): Promise<{ historyPaused: boolean }> {
      if (patch.historyPaused !== undefined) {
        await sql`INSERT INTO user_settings (user_id, history_paused) VALUES (${userId}, ${patch.historyPaused})
                  ON CONFLICT (user_id) DO UPDATE SET history_paused = EXCLUDED.history_paused`.execute(db);
      }
      return this.settings(userId);
    },

    /**
     * Where `userId` should resume `videoId` (Jellyfin's 5 %–90 % rule), or null. Paused history
     * resumes nothing: the viewer asked us not to use what they watch.
     */
    async resumeAt(videoId: string, userId: string, durationSec: number | null): Promise<number | null> {
      const row = await db.selectFrom('watchHistory').leftJoin('userSettings', 'userSettings.userId', 'watchHistory.userId')
        .select(['watchHistory.progressSeconds', 'userSettings.historyPaused'])
        .where('watchHistory.userId', '=', userId).where('watchHistory.videoId', '=', videoId)
        .orderBy('watchHistory.watchedAt', 'desc').executeTakeFirst();
      if (!row || row.historyPaused) return null;
      const at = resumePoint(row.progressSeconds, durationSec);
      return at === null ? null : Math.round(at * 10) / 10;
    },
  };
}

export type HistoryService = ReturnType<typeof createHistoryService>;
