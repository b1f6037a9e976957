import { sql } from 'kysely';
import type { Db } from '../../platform/db/index.js';
import type { WindowEntry } from './rolling-window.js';

// Two-key advisory locks live apart from the one-key locks of migrations and start-up; this class
// only has to be the same in every Kinema process.
const QUOTA_LOCK_CLASS = 7_461_726;

/** The rolling window of the daily quotas, and how long a started upload stays resumable. */
export const DAY_SEC = 24 * 3600;

/** What one user has used, as the database says now (`now` is the database clock). */
export interface Usage {
  now: Date;
  videosCreated: WindowEntry[];
  bytesUploaded: WindowEntry[];
  storageBytes: number;
  unfinishedUploads: number;
  activeJobs: number;
}

/**
 * Every query of the quota module. It reads the catalog's `videos` table (status and original
 * size) to count what a user holds: the check and the write it guards must be one transaction,
 * which a call through the catalog's service could not be.
 */
export const quotaQueries = (db: Db) => ({
  /**
   * Serialises every quota decision of one user until the transaction ends, on PostgreSQL across
   * processes (PGlite runs one transaction at a time anyway). Each statement after it sees what the
   * previous holder committed, so concurrent requests are judged one after another.
   */
  lockUser: (userId: string) => sql`SELECT pg_advisory_xact_lock(${QUOTA_LOCK_CLASS}::int, hashtext(${userId}))`.execute(db),

  /** What `userId` used, leaving `exceptVideoId` out (the video being decided on). */
  async usage(userId: string, exceptVideoId?: string): Promise<Usage> {
    const window = sql<Date>`now() - make_interval(secs => ${DAY_SEC})`;
    const ledger = await db
      .selectFrom('quotaLedger')
      .select(['videoId', 'createdAt', 'uploadBytes', 'uploadAt'])
      .where('userId', '=', userId)
      .where((eb) => eb.or([eb('createdAt', '>', window), eb('uploadAt', '>', window)]))
      .execute();
    let videos = db
      .selectFrom('videos')
      .leftJoin('quotaLedger', 'quotaLedger.videoId', 'videos.videoId')
      .where('videos.userId', '=', userId);
    if (exceptVideoId) videos = videos.where('videos.videoId', '<>', exceptVideoId);
    // An upload in progress (started within its 24 h tus lifetime) already holds its declared bytes
    // and will become a transcode job: it counts in both before its last byte arrives.
    const uploading = sql<boolean>`videos.status = 'awaiting_upload' AND quota_ledger.upload_at > ${window}`;
    const totals = await videos
      .select([
        sql<string>`count(*) FILTER (WHERE videos.status = 'awaiting_upload')`.as('unfinished'),
        sql<string>`count(*) FILTER (WHERE videos.status IN ('uploaded', 'processing') OR (${uploading}))`.as('active'),
        sql<string>`coalesce(sum(CASE WHEN videos.original_size_bytes IS NOT NULL THEN videos.original_size_bytes WHEN ${uploading} THEN quota_ledger.upload_bytes ELSE 0 END), 0)`.as('storage'),
        sql<Date>`now()`.as('now'),
      ])
      .executeTakeFirstOrThrow();
    const since = totals.now.getTime() - DAY_SEC * 1000;
    return {
      now: totals.now,
      videosCreated: ledger.filter((r) => r.createdAt.getTime() > since && r.videoId !== exceptVideoId).map((r) => ({ at: r.createdAt, amount: 1 })),
      bytesUploaded: ledger
        .filter((r) => r.uploadAt && r.uploadAt.getTime() > since && r.videoId !== exceptVideoId)
        .map((r) => ({ at: r.uploadAt!, amount: Number(r.uploadBytes ?? 0) })),
      storageBytes: Number(totals.storage),
      unfinishedUploads: Number(totals.unfinished),
      activeJobs: Number(totals.active),
    };
  },

  recordVideo: (userId: string, videoId: string) => db.insertInto('quotaLedger').values({ userId, videoId }).execute(),

  /**
   * The declared size of a video's upload; a new start of the same upload replaces it. A video
   * without a ledger row (created before quotas, or pruned) keeps its own creation time, so an
   * upload to an old draft is not counted as a video created today.
   */
  recordUpload: (userId: string, videoId: string, sizeBytes: number) =>
    db
      .insertInto('quotaLedger')
      .values({
        userId, videoId, uploadBytes: sizeBytes, uploadAt: sql`now()`,
        createdAt: sql`coalesce((SELECT created_at FROM videos WHERE video_id = ${videoId}), now())`,
      })
      .onConflict((oc) => oc.column('videoId').doUpdateSet({ uploadBytes: sizeBytes, uploadAt: sql`now()` }))
      .execute(),

  /** Ledger rows no window can count any more (a started upload expires within a day too). */
  prune: (userId: string) =>
    db
      .deleteFrom('quotaLedger')
      .where('userId', '=', userId)
      .where('createdAt', '<', sql<Date>`now() - make_interval(secs => ${2 * DAY_SEC})`)
      .where((eb) => eb.or([eb('uploadAt', 'is', null), eb('uploadAt', '<', sql<Date>`now() - make_interval(secs => ${2 * DAY_SEC})`)]))
      .execute(),
});
