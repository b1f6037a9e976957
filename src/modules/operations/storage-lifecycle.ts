import { sql } from 'kysely';
import type { Db } from '../../platform/db/index.js';
import type { Logger } from '../../platform/log.js';
import { hasColdTier, type ObjectStore } from '../../platform/storage/index.js';
import type { QueueSettings } from '../../platform/queue/index.js';
import { originalKey } from '../media-layout/index.js';
import type { PruneReport, RenditionPruning } from './rendition-pruning.js';

export const LIFECYCLE_QUEUE = 'storage-lifecycle';
/** One pass a day is asked for; a pass that fails is tried twice more, a minute apart and more. */
export const LIFECYCLE_QUEUE_SETTINGS: QueueSettings = { retryLimit: 2, retryDelaySec: 60, retryBackoff: true, expireInSec: 6 * 3600 };

export interface LifecycleReport {
  movedToCold: number;
  alreadyCold: number;
  /** Originals no longer in the store (a video deleted while the pass ran): marked and skipped. */
  missing: number;
  /** Rungs above 720p removed for want of plays (or, in a dry run, that would be); absent when pruning is off. */
  pruning?: PruneReport;
}

export interface StorageLifecycleDeps {
  db: Db;
  store: ObjectStore;
  log: Logger;
  /** Originals stored longer ago than this go to the cold tier; unset: the lifecycle does nothing. */
  coldAfterDays?: number;
  /** Removes unplayed rungs above 720p (PRUNE_AFTER_DAYS); unset: rungs are never removed. */
  pruning?: RenditionPruning;
  batchSize?: number;
}

/**
 * The storage lifecycle pass (`kinema lifecycle`, and the daily `storage-lifecycle` job): moves
 * originals uploaded more than `coldAfterDays` ago to the store's cold tier, then removes rungs
 * above 720p nobody played (rendition-pruning.ts). An original is only
 * read again to re-encode its video, which the cold tier serves as it is (GLACIER_IR and
 * COLD_DIR read at once, no restore step), so nothing else changes. The row records the move, so
 * each original costs one copy once, and a pass reads only the originals still hot.
 * @example await createStorageLifecycle({ db, store, log, coldAfterDays: 30 }).run()
 */
export function createStorageLifecycle(deps: StorageLifecycleDeps) {
  const batchSize = deps.batchSize ?? 100;
  const log = deps.log.child({ module: 'operations' });

  /** `dryRun`: nothing moves or is removed; the report counts what would be. */
  async function run(opts: { dryRun?: boolean } = {}): Promise<LifecycleReport> {
    const report = await moveOriginals(!!opts.dryRun);
    if (deps.pruning) {
      report.pruning = await deps.pruning.run(opts);
      const bytes = report.pruning.pruned.reduce((s, p) => s + p.bytes, 0);
      if (report.pruning.pruned.length && !opts.dryRun) log.info({ videos: report.pruning.pruned.length, bytes }, 'unplayed rungs pruned');
    }
    return report;
  }

  async function moveOriginals(dryRun: boolean): Promise<LifecycleReport> {
    const report: LifecycleReport = { movedToCold: 0, alreadyCold: 0, missing: 0 };
    const { store, coldAfterDays } = deps;
    if (coldAfterDays === undefined) return report;
    if (dryRun) {
      const row = await deps.db.selectFrom('videos').select((eb) => eb.fn.countAll<string>().as('n'))
        .where('originalColdAt', 'is', null)
        .where('originalStoredAt', '<', sql<Date>`now() - make_interval(days => ${coldAfterDays})`)
        .executeTakeFirstOrThrow();
      report.movedToCold = Number(row.n);
      return report;
    }
    if (!hasColdTier(store)) throw new Error('COLD_AFTER_DAYS is set but the object store has no cold tier (set COLD_DIR for local storage)');
    for (;;) {
      const batch = await deps.db
        .selectFrom('videos')
        .select('videoId')
        .where('originalColdAt', 'is', null)
        .where('originalStoredAt', '<', sql<Date>`now() - make_interval(days => ${coldAfterDays})`)
        .orderBy('originalStoredAt')
        .limit(batchSize)
        .execute();
      if (batch.length === 0) break;
      for (const { videoId } of batch) {
        const outcome = await store.moveToColdTier(originalKey(videoId));
        if (outcome === 'moved') report.movedToCold++;
        else if (outcome === 'already-cold') report.alreadyCold++;
        else report.missing++;
        await deps.db.updateTable('videos').set({ originalColdAt: sql<Date>`now()` }).where('videoId', '=', videoId).execute();
      }
    }
    if (report.movedToCold || report.missing) log.info({ ...report, tier: store.coldTierName }, 'storage lifecycle pass');
    return report;
  }

  return { run };
}

/**
 * The same rule as an S3 lifecycle configuration (PutBucketLifecycleConfiguration's body), for
 * operators who let the provider move originals instead of this job: objects under `originals/`
 * transition `coldAfterDays` after they were written, which is when the upload finished.
 * @example s3LifecycleRules({ coldAfterDays: 30, storageClass: 'GLACIER_IR' })
 */
export function s3LifecycleRules(o: { coldAfterDays: number; storageClass: string }) {
  return {
    Rules: [
      {
        ID: 'kinema-originals-to-cold-tier',
        Status: 'Enabled',
        Filter: { Prefix: 'originals/' },
        Transitions: [{ Days: o.coldAfterDays, StorageClass: o.storageClass }],
      },
    ],
  };
}
