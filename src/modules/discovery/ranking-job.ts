import type { Cache } from '../../platform/cache/port.js';
import type { Db } from '../../platform/db/index.js';
import type { Logger } from '../../platform/log.js';
import { updateCovisitation } from './covisitation.js';
import { computeTrending, publishTrending } from './trending.js';

export const RANKING_QUEUE = 'discovery-ranking';
export const RANKING_QUEUE_SETTINGS = { retryLimit: 2, retryDelaySec: 10, retryBackoff: false, expireInSec: 600 };
/** How often the api asks for a run (one job per period, whichever process leases it). */
export const RANKING_PERIOD_SEC = 60;

/**
 * The periodic ranking job: adds the views counted since the last run to the co-visitation
 * counts, recomputes the trending list, and puts the new list in the cache. Idempotent: a
 * retried or overlapping run counts nothing twice and writes the same list.
 * @example const job = createRankingJob({ db, cache, log, retentionDays: 90 }); await job.run();
 */
export function createRankingJob(deps: { db: Db; cache: Cache; log: Logger; retentionDays: number; now?: () => Date }) {
  const now = deps.now ?? (() => new Date());
  return {
    async run(at: Date = now()): Promise<{ newViews: number; trending: number }> {
      const { newViews } = await updateCovisitation(deps.db, at, deps.retentionDays);
      const trending = await computeTrending(deps.db, at);
      await publishTrending(deps.db, deps.cache);
      deps.log.debug({ newViews, trending }, 'ranking job done');
      return { newViews, trending };
    },
  };
}

export type RankingJob = ReturnType<typeof createRankingJob>;
