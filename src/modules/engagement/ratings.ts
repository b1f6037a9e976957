import { sql } from 'kysely';
import type { Db } from '../../platform/db/index.js';
import type { RequestPrincipal } from '../../platform/http/auth.js';
import type { CatalogService } from '../catalog/index.js';

export type RatingValue = 'like' | 'dislike';
const toValue = (r: RatingValue) => (r === 'like' ? 1 : -1);
const fromValue = (v: number | undefined): RatingValue | null => (v === 1 ? 'like' : v === -1 ? 'dislike' : null);

/**
 * Likes and dislikes. The counts on the video row move in the same transaction as the rating,
 * under the video row's lock, so concurrent ratings never lose an update; the cached row is
 * dropped after the commit so every reader sees the new count.
 */
export function createRatingService(deps: { db: Db; catalog: Pick<CatalogService, 'getVisible' | 'invalidate'> }) {
  async function setRating(videoId: string, principal: RequestPrincipal, next: RatingValue | null) {
    await deps.catalog.getVisible(videoId, principal);
    const likeCount = await deps.db.transaction().execute(async (trx) => {
      const locked = await sql<{ likeCount: number }>`SELECT like_count FROM videos WHERE video_id = ${videoId} FOR UPDATE`.execute(trx);
      if (!locked.rows.length) return 0; // deleted meanwhile: nothing to count
      const prev = (await trx.selectFrom('videoRatings').select('value').where('videoId', '=', videoId).where('userId', '=', principal.userId).executeTakeFirst())?.value;
      const nextValue = next === null ? undefined : toValue(next);
      if (nextValue === undefined) await trx.deleteFrom('videoRatings').where('videoId', '=', videoId).where('userId', '=', principal.userId).execute();
      else {
        await sql`INSERT INTO video_ratings (video_id, user_id, value) VALUES (${videoId}, ${principal.userId}, ${nextValue})
                  ON CONFLICT (video_id, user_id) DO UPDATE SET value = EXCLUDED.value, rated_at = now()`.execute(trx);
      }
      const dl = (nextValue === 1 ? 1 : 0) - (prev === 1 ? 1 : 0);
      const dd = (nextValue === -1 ? 1 : 0) - (prev === -1 ? 1 : 0);
      const r = await sql<{ likeCount: number }>`UPDATE videos SET like_count = like_count + ${dl}, dislike_count = dislike_count + ${dd}
                                                  WHERE video_id = ${videoId} RETURNING like_count`.execute(trx);
      return Number(r.rows[0]?.likeCount ?? 0);
    });
    await deps.catalog.invalidate(videoId);
    return { likeCount, myRating: next };
  }

  return {
    rate: (videoId: string, principal: RequestPrincipal, value: RatingValue) => setRating(videoId, principal, value),
    unrate: (videoId: string, principal: RequestPrincipal) => setRating(videoId, principal, null),
    /** The caller's rating of a video (GET /videos/:id shows it). */
    async ratingOf(videoId: string, userId: string): Promise<RatingValue | null> {
      const row = await deps.db.selectFrom('videoRatings').select('value').where('videoId', '=', videoId).where('userId', '=', userId).executeTakeFirst();
      return fromValue(row?.value);
    },
  };
}

export type RatingService = ReturnType<typeof createRatingService>;
