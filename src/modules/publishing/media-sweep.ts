import type { ObjectStore } from '../../platform/storage/port.js';
import type { Logger } from '../../platform/log.js';
import type { VersionRetention } from '../catalog/index.js';
import { versionPrefix } from '../media-layout/index.js';

/**
 * Deletes media nobody may be served any more: superseded versions once their grace period is
 * over, and the output of attempts that never published. Idempotent, so every worker may run it.
 * Returns how many prefixes it deleted.
 */
export function createMediaSweep(deps: {
  retention: VersionRetention; store: ObjectStore; log: Logger; graceSec: number;
  /** Queues the purge of a prefix's URLs from the cache tiers before it is deleted (delivery's retired-version purge). */
  purgeFromTiers?: (videoId: string, version: string) => Promise<void>;
}) {
  return async function sweep(): Promise<number> {
    const retired = await deps.retention.retireSuperseded(deps.graceSec);
    let deleted = 0;
    for (const due of await deps.retention.dueCleanups()) {
      // Queued first: if the deletion then fails, the row stays and the next sweep purges again (harmless).
      await deps.purgeFromTiers?.(due.videoId, due.version);
      await deps.store.deletePrefix(versionPrefix(due.videoId, due.version));
      await deps.retention.cleanupDone(due);
      deleted++;
    }
    if (retired || deleted) deps.log.info({ retired, deleted }, 'old media swept');
    return deleted;
  };
}
