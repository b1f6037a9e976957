import { sql } from 'kysely';
import type { Db } from '../../platform/db/index.js';

/** One analytics event as stored (`events` table). */
export interface AnalyticsEvent {
  type: string;
  videoId?: string | null;
  userId?: string | null;
  sessionId?: string | null;
  /** When it happened; the recorder stamps it at record time, not at flush time. */
  occurredAt?: Date;
  props?: Record<string, unknown>;
}

export const analyticsQueries = (db: Db) => ({
  /** One multi-row INSERT for a whole batch. */
  insertEvents: (trx: Db, events: AnalyticsEvent[]) =>
    trx
      .insertInto('events')
      .values(events.map((e) => ({
        type: e.type,
        videoId: e.videoId ?? null,
        userId: e.userId ?? null,
        sessionId: e.sessionId ?? null,
        occurredAt: e.occurredAt ?? new Date(),
        props: JSON.stringify(e.props ?? {}),
      })))
      .execute(),

  /**
   * Adds `n` views to each video in one statement. `updated_at` is left alone: a view is not an
   * edit of the video. Deleted videos simply match no row.
   */
  addViews: (trx: Db, views: Map<string, number>) =>
    sql`UPDATE videos SET view_count = videos.view_count + v.n
        FROM (VALUES ${sql.join([...views].map(([id, n]) => sql`(${id}::text, ${n}::bigint)`))}) AS v(video_id, n)
        WHERE videos.video_id = v.video_id`.execute(trx),

  /** Runs `fn` in one transaction, so a batch's events and view counts land together. */
  transaction: <T>(fn: (trx: Db) => Promise<T>) => db.transaction().execute(fn),
});
