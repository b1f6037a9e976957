import { sql } from 'kysely';
import type { Db } from '../../platform/db/index.js';

/** A version prefix that may be deleted now. */
export interface DueCleanup {
  videoId: string;
  version: string;
}

/**
 * What happens to media that is no longer current, as rows in `media_cleanup` (a deletion queue
 * written BEFORE anything could be orphaned, so a crash at any point leaves work, not garbage):
 * - an attempt's output is scheduled when the attempt starts; publishing makes it a version, and
 *   the sweep never deletes a published version nor an attempt that still holds its video;
 * - a superseded version stays servable for a grace period, then stops being servable and is
 *   scheduled in one transaction.
 */
export function createVersionRetention(db: Db) {
  return {
    /** Schedules the deletion of an attempt's output, unless it gets published first. */
    async scheduleAttemptCleanup(videoId: string, version: string, lease: string, afterSec: number): Promise<void> {
      await db
        .insertInto('mediaCleanup')
        .values({ videoId, version, leaseToken: lease, dueAt: sql<Date>`now() + make_interval(secs => ${afterSec})` })
        .onConflict((oc) => oc.columns(['videoId', 'version']).doNothing())
        .execute();
    },

    /**
     * Superseded versions past `graceSec` stop being servable (their row goes) and are queued for
     * deletion, in one transaction. Returns how many were retired.
     */
    async retireSuperseded(graceSec: number, limit = 100): Promise<number> {
      return db.transaction().execute(async (trx) => {
        const rows = await trx
          .selectFrom('videoVersions')
          .select(['videoId', 'version'])
          .where('supersededAt', '<', sql<Date>`now() - make_interval(secs => ${graceSec})`)
          .limit(limit)
          .forUpdate()
          .execute();
        if (rows.length === 0) return 0;
        await trx
          .insertInto('mediaCleanup')
          .values(rows.map((r) => ({ ...r, leaseToken: null, dueAt: sql<Date>`now()` })))
          .onConflict((oc) => oc.columns(['videoId', 'version']).doUpdateSet({ leaseToken: null, dueAt: sql<Date>`now()` }))
          .execute();
        for (const r of rows) {
          await trx.deleteFrom('videoVersions').where('videoId', '=', r.videoId).where('version', '=', r.version).execute();
        }
        return rows.length;
      });
    },

    /**
     * Prefixes due for deletion: never a version that is published (current or in its grace
     * period) and never the output of an attempt that still holds its video. Rows that turned out
     * to be published versions are dropped from the queue here.
     */
    async dueCleanups(limit = 100): Promise<DueCleanup[]> {
      await db
        .deleteFrom('mediaCleanup')
        .where(({ exists, selectFrom }) =>
          exists(selectFrom('videoVersions').select('videoVersions.version').whereRef('videoVersions.videoId', '=', 'mediaCleanup.videoId').whereRef('videoVersions.version', '=', 'mediaCleanup.version')),
        )
        .execute();
      return db
        .selectFrom('mediaCleanup')
        .leftJoin('videos', 'videos.videoId', 'mediaCleanup.videoId')
        .select(['mediaCleanup.videoId', 'mediaCleanup.version'])
        .where('mediaCleanup.dueAt', '<=', sql<Date>`now()`)
        .where((eb) => eb.or([eb('mediaCleanup.leaseToken', 'is', null), eb('videos.leaseToken', 'is', null), eb('videos.leaseToken', '!=', eb.ref('mediaCleanup.leaseToken'))]))
        .orderBy('mediaCleanup.dueAt')
        .limit(limit)
        .execute();
    },

    /** The prefix is gone from the object store: forget it. */
    async cleanupDone(c: DueCleanup): Promise<void> {
      await db.deleteFrom('mediaCleanup').where('videoId', '=', c.videoId).where('version', '=', c.version).execute();
    },
  };
}

export type VersionRetention = ReturnType<typeof createVersionRetention>;
