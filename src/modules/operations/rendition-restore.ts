import type { Cache } from '../../platform/cache/port.js';
import type { RequestPrincipal } from '../../platform/http/auth.js';
import type { Logger } from '../../platform/log.js';
import type { ObjectStore } from '../../platform/storage/index.js';
import { conflict } from '../../platform/errors.js';
import type { CatalogService, Lifecycle } from '../catalog/index.js';
import { originalKey } from '../media-layout/index.js';

export interface RenditionRestoreDeps {
  catalog: Pick<CatalogService, 'getOwned'>;
  lifecycle: Pick<Lifecycle, 'currentVersion'>;
  store: Pick<ObjectStore, 'head'>;
  cache: Cache;
  log: Logger;
  /** Queues the re-encode (publishing's restore job; one queued per video at most). */
  queueRestore: (videoId: string) => Promise<unknown>;
  /** Restores viewers' requests may start per hour, site-wide (RESTORES_PER_HOUR). */
  viewerRestoresPerHour: number;
}

/** A video's viewers ask again within this long: no new request (one restore is on its way). */
const VIEWER_ASK_DEDUP_SEC = 3600;

/**
 * Asking for rungs the storage lifecycle removed. As on YouTube or Vimeo, nobody waits for them:
 * the video keeps playing on the ladder it has, and a re-encode from the original brings the full
 * ladder back as a new version (minutes later). Its owner or an admin asks explicitly; a viewer
 * asks by requesting a removed quality from the play API, which costs an encode, so viewers'
 * requests are deduplicated per video for an hour and capped site-wide per hour (anonymous
 * requests cannot turn into unbounded encoding).
 */
export function createRenditionRestore(deps: RenditionRestoreDeps) {
  const log = deps.log.child({ module: 'operations' });
  return {
    /** Owner or admin: queue the restore. 409 when nothing was removed or the original is gone. */
    async requestByOwner(principal: RequestPrincipal, videoId: string): Promise<{ status: 'queued'; renditions: string[] }> {
      const video = await deps.catalog.getOwned(videoId, principal);
      const current = video.status === 'ready' ? await deps.lifecycle.currentVersion(videoId) : undefined;
      const removed = current?.prunedRenditions ?? [];
      if (removed.length === 0) throw conflict('NOTHING_TO_RESTORE', 'This video has every rendition it was encoded with: nothing to restore.');
      if (!(await deps.store.head(originalKey(videoId)))) {
        throw conflict('ORIGINAL_MISSING', 'The original file of this video is gone, so its removed renditions cannot be made again.');
      }
      await deps.queueRestore(videoId);
      log.info({ videoId, by: principal.userId, renditions: removed.map((r) => r.label) }, 'restore of removed rungs requested');
      return { status: 'queued', renditions: removed.map((r) => r.label) };
    },

    /**
     * A viewer asked the play API for a removed quality of a video they may watch. Never throws:
     * the answer to the viewer does not depend on it.
     */
    async askedByViewer(videoId: string): Promise<void> {
      try {
        if ((await deps.cache.incr(`restore-asked:${videoId}`, VIEWER_ASK_DEDUP_SEC)) > 1) return;
        const hour = Math.floor(Date.now() / 3_600_000);
        if ((await deps.cache.incr(`restore-asked-hour:${hour}`, 3600)) > deps.viewerRestoresPerHour) {
          return void log.warn({ videoId, perHour: deps.viewerRestoresPerHour }, 'restore asked by a viewer not started: RESTORES_PER_HOUR reached (asked again after an hour)');
        }
        await deps.queueRestore(videoId);
        log.info({ videoId }, 'restore of removed rungs requested by a viewer');
      } catch (err) {
        log.warn({ err, videoId }, 'could not request the restore of removed rungs');
      }
    },
  };
}

export type RenditionRestore = ReturnType<typeof createRenditionRestore>;
