import type { Db } from '../../platform/db/index.js';
import type { Logger } from '../../platform/log.js';
import type { JobQueue, QueueSettings } from '../../platform/queue/index.js';
import type { ObjectStore } from '../../platform/storage/index.js';
import { PURGE_HEADER } from './edge-config.js';

/**
 * Takedowns at the cache tiers. Public media is stored for a year at every edge and shield; when
 * a video is made private or deleted, each of its media URLs is purged from every tier, shields
 * first (an edge refilling from a shield must not find the old copy there), through the queue,
 * and retried until every tier has confirmed every URL.
 *
 * Why not a versioned prefix flip: a new version prefix makes the *next* URLs differ, but the old
 * URLs stay cached and public at every tier for a year, so whoever kept a link still gets the
 * media. Why not Debian's libnginx-mod-http-cache-purge (2.3): on nginx 1.22 its worker crashes on
 * a PURGE request, and it has no prefix purge. A purge is therefore a GET of each URL with
 * `X-Kinema-Purge: 1` from an allowed address: the tier skips its cache
 * (`proxy_cache_bypass`), and the origin's 403/404 replaces the stored copy (edge-config.ts).
 */
export const EDGE_PURGE_QUEUE = 'edge-purge';

/** Retried for about a day (2 s doubling, capped by pg-boss), until every tier has confirmed. */
export const EDGE_PURGE_QUEUE_SETTINGS: QueueSettings = { retryLimit: 50, retryDelaySec: 2, retryBackoff: true, expireInSec: 15 * 60 };

export interface EdgePurgeJob {
  videoId: string;
  /** URL paths to purge: the watch page and the media (`/media/{id}/{version}/…`). */
  paths: string[];
}

/** Requests in flight per tier: a takedown of a long video is thousands of URLs. */
const PARALLEL_PER_TIER = 8;

/**
 * Queues the purge of every media URL of `videoId` (all its versions), inside `trx` so it exists
 * if and only if the takedown commits. Call before the media objects are deleted: the URLs are
 * read from the object store.
 */
export function createMediaWithdrawal(deps: { queue: JobQueue; store: ObjectStore; tiers: string[] }) {
  return async (videoId: string, trx: Db): Promise<void> => {
    if (deps.tiers.length === 0) return;
    const keys = await deps.store.list(`media/${videoId}/`);
    if (keys.length === 0) return;
    // The signed-out watch page (kept by the tiers for a short while) goes with the media.
    await deps.queue.send<EdgePurgeJob>(EDGE_PURGE_QUEUE, { videoId, paths: [`/watch/${videoId}`, ...keys.map((k) => `/${k}`)] }, { trx });
  };
}

/**
 * Queues the purge of one retired version's media URLs (a version replaced by a newer one, e.g.
 * a ladder whose unplayed rungs were removed, once its grace period is over). Its URLs are no
 * longer handed out, but they were public and cached for a year: a later takedown lists only the
 * versions still stored, so they go from the tiers now. Call before the objects are deleted.
 */
export function createRetiredVersionPurge(deps: { queue: JobQueue; store: ObjectStore; tiers: string[] }) {
  return async (videoId: string, version: string): Promise<void> => {
    if (deps.tiers.length === 0) return;
    const keys = await deps.store.list(`media/${videoId}/${version}/`);
    if (keys.length === 0) return;
    await deps.queue.send<EdgePurgeJob>(EDGE_PURGE_QUEUE, { videoId, paths: keys.map((k) => `/${k}`) });
  };
}

/**
 * Purges `paths` from every tier in order (shields first). A tier confirms a URL when it answers
 * the purge request from the next tier rather than its cache (`X-Cache-Status: BYPASS`) without
 * a 5xx; anything else, or a tier that cannot be reached, throws so the queue retries.
 */
export async function purgeFromTiers(tiers: string[], paths: string[], log: Logger): Promise<void> {
  for (const tier of tiers) {
    const failed: string[] = [];
    let next = 0;
    const purgeOne = async () => {
      while (next < paths.length) {
        const path = paths[next++]!;
        const ok = await fetch(`${tier}${path}`, { headers: { [PURGE_HEADER]: '1' }, signal: AbortSignal.timeout(30_000) }).then(
          async (r) => {
            await r.arrayBuffer();
            return r.status < 500 && r.headers.get('x-cache-status') === 'BYPASS';
          },
          () => false,
        );
        if (!ok) failed.push(path);
      }
    };
    await Promise.all(Array.from({ length: PARALLEL_PER_TIER }, purgeOne));
    if (failed.length > 0) throw new Error(`${tier} did not confirm the purge of ${failed.length} of ${paths.length} URLs (e.g. ${failed[0]}); the job retries`);
    log.info({ tier, urls: paths.length }, 'media purged from a cache tier');
  }
}
