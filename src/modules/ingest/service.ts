import type { Upload } from '@tus/utils';
import { AppError, badRequest } from '../../platform/errors.js';
import type { RequestPrincipal } from '../../platform/http/auth.js';
import { assertOwnerOrAdmin } from '../../platform/http/auth.js';
import type { Db } from '../../platform/db/index.js';
import type { ObjectStore } from '../../platform/storage/port.js';
import type { Logger } from '../../platform/log.js';
import type { Metrics } from '../../platform/metrics.js';
import type { CatalogService, Lifecycle } from '../catalog/index.js';
import { originalKey, originalsPrefix } from '../media-layout/index.js';
import { createUploadServer, type UploadServer, type UploadStaging } from './upload-server.js';
import { assertRoomFor } from './disk-space.js';
import { retryThroughOutage, type Outages } from '../../platform/outage.js';

export { originalKey };

export interface IngestDeps {
  catalog: CatalogService;
  lifecycle: Lifecycle;
  store: ObjectStore;
  log: Logger;
  metrics: Metrics;
  staging: UploadStaging;
  maxUploadBytes: number;
  /** Free space to keep on the staging disk (see Config.diskReserveBytes). */
  diskReserveBytes: number;
  /** The finished original is copied to a local object store on the same disk (one machine). */
  originalsOnSameDisk: boolean;
  outages: Outages;
  /** Queues the transcode of a video inside `trx` (the pipeline decides what that means). */
  queueTranscode: (videoId: string, trx: Db) => Promise<unknown>;
  /**
   * The quotas: may the upload of `sizeBytes` to `ownerId`'s video start (it is charged if so)?
   * And may a failed video be queued again, inside the transaction `trx` that queues it? Each
   * throws what to do if not.
   */
  quotas?: {
    admitUpload: (principal: RequestPrincipal, ownerId: string, videoId: string, sizeBytes: number) => Promise<void>;
    admitJob: (trx: Db, principal: RequestPrincipal, ownerId: string, videoId: string) => Promise<void>;
  };
}

/** How long a finished upload's hand-off retries through an outage before recovery takes over. */
const HAND_OFF_OUTAGE_WAIT_MS = 10 * 60_000;

/**
 * Ingest: resumable uploads into `originals/{videoId}/source`, then a transcode job.
 * The upload response never waits for transcoding, nor for the copy to the object store.
 *
 * The hand-off of a finished upload, and where a crash at each step leaves it:
 *   1. last byte durable in staging; `markReceived` (status `uploaded`) → the client gets its
 *      answer. Crash before the commit: staging holds a complete upload of an `awaiting_upload`
 *      video, which recovery finishes.
 *   2. copy staging → object store (in the background). Crash: recovery copies again (overwrite).
 *   3. `markOriginalStored` + transcode job in one transaction. Crash before: as 2.
 *   4. staging removed, only now. Crash before: recovery sees the stored original and removes it.
 */
export function createIngestService(deps: IngestDeps) {
  const log = deps.log.child({ module: 'ingest' });
  let uploads: UploadServer;
  // Hand-offs running in this process, so one upload is never copied twice at once here and
  // shutdown can wait for them.
  const handOffs = new Map<string, Promise<void>>();
  // Aborted at shutdown: hand-offs waiting out an outage stop, and recovery finishes them later.
  const stopping = new AbortController();

  /** Steps 2–4 above. Safe to run again after any failure. */
  async function handOff(videoId: string): Promise<void> {
    await uploads.storeOriginal(videoId, originalKey(videoId));
    const queued = await deps.lifecycle.markOriginalStored(videoId, (trx) => deps.queueTranscode(videoId, trx));
    if (!queued && !(await deps.catalog.load(videoId))) {
      // Deleted while we copied: the delete already removed its objects, and our copy came after.
      await deps.store.deletePrefix(originalsPrefix(videoId));
    }
    await uploads.remove(videoId);
    if (queued) log.info({ videoId }, 'original stored; transcode queued');
  }

  /** Runs the hand-off of `videoId` unless one is already running here. Never rejects. */
  function startHandOff(videoId: string): Promise<void> {
    const running = handOffs.get(videoId);
    if (running) return running;
    // An object store or database outage is waited out here, so the video moves on as soon as it
    // ends; anything else (or a very long outage) is left to the periodic recovery.
    const p = retryThroughOutage(() => handOff(videoId), { outage: deps.outages, giveUpAfterMs: HAND_OFF_OUTAGE_WAIT_MS, signal: stopping.signal })
      .catch((err: unknown) => log.warn({ err, videoId }, 'hand-off of a finished upload failed; recovery will retry it'))
      .finally(() => handOffs.delete(videoId));
    handOffs.set(videoId, p);
    return p;
  }

  /** Step 1: the last PATCH is answered as soon as this commits. */
  async function received(upload: Upload): Promise<void> {
    const videoId = upload.id;
    const sizeBytes = upload.size ?? upload.offset;
    if (await deps.lifecycle.markReceived(videoId, { filename: upload.metadata?.filename ?? null, sizeBytes })) {
      deps.metrics.uploadsBytes.inc(sizeBytes);
      log.info({ videoId, sizeBytes }, 'upload complete');
    }
    void startHandOff(videoId);
  }

  uploads = createUploadServer({ staging: deps.staging, store: deps.store, maxSizeBytes: deps.maxUploadBytes, log, onComplete: received, outages: deps.outages });

  return {
    server: uploads.server,

    /** May `principal` start an upload of `sizeBytes` for this video? Throws what to do if not. */
    async authorizeCreate(principal: RequestPrincipal, videoId: string | undefined, sizeBytes: number) {
      if (!videoId) throw badRequest('UPLOAD_METADATA_MISSING', 'Upload-Metadata must carry the videoId from POST /api/v1/videos (and the filename).');
      const video = await deps.catalog.getVisible(videoId, principal);
      assertOwnerOrAdmin(principal, video.userId);
      if (video.status !== 'awaiting_upload') {
        throw new AppError('ALREADY_UPLOADED', 409, `Video ${videoId} already has its file (status: ${video.status}). Create a new video to upload another file.`);
      }
      if (!Number.isSafeInteger(sizeBytes) || sizeBytes <= 0) {
        throw badRequest('UPLOAD_LENGTH_INVALID', 'Send Upload-Length with the file size in bytes (deferred lengths are not supported).');
      }
      if (sizeBytes > deps.maxUploadBytes) {
        throw new AppError('UPLOAD_TOO_LARGE', 413, `The file is ${sizeBytes} bytes; the limit is ${deps.maxUploadBytes} bytes (MAX_UPLOAD_BYTES).`);
      }
      // A new creation replaces an unfinished earlier attempt (e.g. a browser that lost its URL).
      await uploads.remove(videoId);
      if (deps.staging.kind === 'disk') {
        // Staged, then copied into the object store before the staged copy is removed. Checked
        // before the quota charge, so a refusal for want of room costs the creator nothing.
        await assertRoomFor(deps.staging.directory, sizeBytes * (deps.originalsOnSameDisk ? 2 : 1), deps.diskReserveBytes);
      }
      // Charged here, on the declared Upload-Length, before the tus server accepts a byte: tus
      // refuses to store more than the declared length, and deferred lengths are refused above.
      await deps.quotas?.admitUpload(principal, video.userId, videoId, sizeBytes);
    },

    /** May `principal` resume, inspect or cancel the upload of this video? */
    async authorizeExisting(principal: RequestPrincipal, videoId: string) {
      const video = await deps.catalog.getVisible(videoId, principal);
      assertOwnerOrAdmin(principal, video.userId);
    },

    /**
     * "Try again" for a failed video: its original is processed anew (after a transient failure
     * that exhausted the retries, or after the operator upgraded ffmpeg). Owner or admin only.
     */
    async reprocess(principal: RequestPrincipal, videoId: string) {
      const video = await deps.catalog.getVisible(videoId, principal);
      assertOwnerOrAdmin(principal, video.userId);
      if (video.status !== 'failed') {
        throw new AppError('NOT_FAILED', 409, `Only a failed video can be processed again; this one is ${video.status}.`);
      }
      if (!(await deps.store.head(originalKey(videoId)))) {
        throw new AppError('ORIGINAL_MISSING', 409, 'The original file of this video is gone. Upload it again as a new video.');
      }
      const queued = await deps.lifecycle.requeueFailed(videoId, async (trx) => {
        await deps.quotas?.admitJob(trx, principal, video.userId, videoId);
        return deps.queueTranscode(videoId, trx);
      });
      if (!queued) throw new AppError('NOT_FAILED', 409, 'The video changed state meanwhile; reload it.');
      log.info({ videoId }, 'video queued for processing again');
    },

    /**
     * Finishes hand-offs that a crash or an outage interrupted (see the steps above), so a
     * failure at the worst moment loses nothing. Runs at start-up and periodically.
     */
    async recoverFinished(): Promise<number> {
      let recovered = 0;
      for (const videoId of await uploads.listStaged()) {
        const upload = await uploads.getUpload(videoId);
        if (!upload || upload.size === undefined || upload.offset !== upload.size) continue;
        const video = await deps.catalog.load(videoId);
        if (!video) {
          await uploads.remove(videoId);
        } else if (video.status === 'awaiting_upload') {
          await received(upload);
          await startHandOff(videoId);
          recovered++;
        } else if (video.status === 'uploaded' && !video.originalStoredAt) {
          await startHandOff(videoId);
          recovered++;
        } else {
          // Stored and queued before a crash took the staging removal with it.
          await uploads.remove(videoId);
        }
      }
      if (recovered) log.info({ recovered }, 'recovered finished uploads');
      return recovered;
    },

    /** Waits for hand-offs running in this process (shutdown). What does not finish is recovered later. */
    async drain(timeoutMs: number): Promise<void> {
      if (handOffs.size === 0) return;
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([Promise.allSettled([...handOffs.values()]), new Promise((r) => (timer = setTimeout(r, timeoutMs)))]);
      clearTimeout(timer);
      stopping.abort();
    },

    cleanUpExpired: () => uploads.cleanUpExpired(),
  };
}

export type IngestService = ReturnType<typeof createIngestService>;
