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
  /**
   * What the batch hook needs about the event that is not stored (e.g. the viewer key of the view
   * rule, derived from the address): kept in memory only, never written.
   */
  transient?: Record<string, unknown>;
}

export const analyticsQueries = (db: Db) => ({
  /**
   * One INSERT for a whole batch: seven array parameters expanded by `unnest`, so the statement
   * and its parse cost stay the same size whatever the batch (a VALUES list of 1000 rows would be
   * 7000 parameters to bind and a new statement text per batch size).
   */
  insertEvents: (trx: Db, events: AnalyticsEvent[]) => {
    const now = new Date();
    return sql`INSERT INTO events (type, video_id, user_id, session_id, occurred_at, props)
      SELECT * FROM unnest(${events.map((e) => e.type)}::text[], ${events.map((e) => e.videoId ?? null)}::text[],
        ${events.map((e) => e.userId ?? null)}::text[], ${events.map((e) => e.sessionId ?? null)}::text[],
        ${events.map((e) => (e.occurredAt ?? now).toISOString())}::timestamptz[], ${events.map((e) => JSON.stringify(e.props ?? {}))}::jsonb[])`.execute(trx);
  },

  /**
   * Adds `n` views to each video. `updated_at` is left alone: a view is not an edit of the video.
   * Deleted videos simply match no row.
   *
   * Rows are locked first, in video_id order, by one `SELECT … ORDER BY video_id FOR UPDATE`
   * (PostgreSQL locks rows as they leave the sort, so in that order). Two api processes flushing
   * batches over the same videos then queue behind each other instead of deadlocking: each one
   * waits only for a row that comes after every row it holds. Sorting the VALUES list alone would
   * not be enough: the UPDATE locks rows in whatever order its plan visits them (index lookups in
   * list order for a small batch, a sequential scan in physical order for a large one).
   */
  async addViews(trx: Db, views: Map<string, number>): Promise<void> {
    const ids = [...views.keys()].sort();
    if (ids.length === 0) return;
    await sql`SELECT 1 FROM videos WHERE video_id IN (${sql.join(ids)}) ORDER BY video_id FOR UPDATE`.execute(trx);
    await sql`UPDATE videos SET view_count = videos.view_count + v.n
        FROM (VALUES ${sql.join(ids.map((id) => sql`(${id}::text, ${views.get(id)!}::bigint)`))}) AS v(video_id, n)
        WHERE videos.video_id = v.video_id`.execute(trx);
  },

  /** Runs `fn` in one transaction, so a batch's events and view counts land together. */
  transaction: <T>(fn: (trx: Db) => Promise<T>) => db.transaction().execute(fn),
});
