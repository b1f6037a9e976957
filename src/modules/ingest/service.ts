import type { Upload } from '@tus/utils';
import { AppError, badRequest } from '../../platform/errors.js';
import type { RequestPrincipal } from '../../platform/http/auth.js';
import { assertOwnerOrAdmin } from '../../platform/http/auth.js';
import type { JobQueue } from '../../platform/queue/index.js';
import type { ObjectStore } from '../../platform/storage/port.js';
import type { Logger } from '../../platform/log.js';
import type { Metrics } from '../../platform/metrics.js';
import type { CatalogService, Lifecycle } from '../catalog/index.js';
import { originalKey } from '../media-layout/index.js';
import { createUploadServer, type UploadServer, type UploadStaging } from './upload-server.js';

export const TRANSCODE_QUEUE = 'transcode';
export { originalKey };

export interface IngestDeps {
  catalog: CatalogService;
  lifecycle: Lifecycle;
  queue: JobQueue;
  store: ObjectStore;
  log: Logger;
  metrics: Metrics;
  staging: UploadStaging;
  maxUploadBytes: number;
}

/**
 * Ingest: resumable uploads into `originals/{videoId}/source`, then a transcode job.
 * The upload response never waits for transcoding (the seed's red flag).
 */
export function createIngestService(deps: IngestDeps) {
  const log = deps.log.child({ module: 'ingest' });
  let uploads: UploadServer;

  /**
   * Moves a finished upload to the object store and queues it. Safe to run twice (a crash between
   * the steps is recovered at start-up): the copy overwrites, the status change is conditional.
   */
  async function finish(upload: Upload) {
    const videoId = upload.id;
    const sizeBytes = upload.size ?? upload.offset;
    await uploads.handOff(videoId, originalKey(videoId));
    const moved = await deps.lifecycle.markUploaded(videoId, { filename: upload.metadata?.filename ?? null, sizeBytes }, (trx) =>
      deps.queue.send(TRANSCODE_QUEUE, { videoId }, { trx, singletonKey: videoId }),
    );
    deps.metrics.uploadsBytes.inc(sizeBytes);
    log.info({ videoId, sizeBytes, queued: moved }, 'upload complete');
  }

  uploads = createUploadServer({ staging: deps.staging, store: deps.store, maxSizeBytes: deps.maxUploadBytes, log, onComplete: finish });

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
      const queued = await deps.lifecycle.requeueFailed(videoId, (trx) => deps.queue.send(TRANSCODE_QUEUE, { videoId }, { trx, singletonKey: videoId }));
      if (!queued) throw new AppError('NOT_FAILED', 409, 'The video changed state meanwhile; reload it.');
      log.info({ videoId }, 'video queued for processing again');
    },

    /**
     * Finishes uploads whose last byte arrived but whose hand-over did not (the process died in
     * between), so a crash at the worst moment loses nothing.
     */
    async recoverFinished(): Promise<number> {
      let recovered = 0;
      for (const videoId of await uploads.listStaged()) {
        const upload = await uploads.getUpload(videoId);
        if (!upload || upload.size === undefined || upload.offset !== upload.size) continue;
        const video = await deps.catalog.load(videoId);
        if (!video) await uploads.remove(videoId);
        else if (video.status === 'awaiting_upload') {
          await finish(upload);
          recovered++;
        }
      }
      if (recovered) log.info({ recovered }, 'recovered finished uploads');
      return recovered;
    },

    cleanUpExpired: () => uploads.cleanUpExpired(),
  };
}

export type IngestService = ReturnType<typeof createIngestService>;
