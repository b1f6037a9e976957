import { Server, EVENTS } from '@tus/server';
import { FileStore } from '@tus/file-store';
import { S3Store } from '@tus/s3-store';
import type { KvStore, Upload } from '@tus/utils';
import { mkdirSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { S3Config } from '../../config.js';
import type { Cache } from '../../platform/cache/port.js';
import type { Logger } from '../../platform/log.js';
import type { ObjectStore } from '../../platform/storage/port.js';
import { isDependencyOutage, isDiskFull, OUTAGE_RETRY_AFTER_SEC, outageSource, type Outages } from '../../platform/outage.js';
import { DISK_FULL_BODY } from './disk-space.js';

export const UPLOADS_PATH = '/api/v1/uploads';
// Unfinished uploads are kept this long after creation (tus expiration extension), then removed.
export const UPLOAD_EXPIRY_MS = 24 * 3600 * 1000;
const VIDEO_ID = /^[A-Za-z0-9_-]{11}$/;
const UPLOAD_URL = new RegExp(`^${UPLOADS_PATH}/([A-Za-z0-9_-]{11})$`);

/**
 * The video id an upload's request-target names, or undefined. Only the exact form the server
 * hands out (`/api/v1/uploads/<id>`, see generateUrl) is accepted: no query string, fragment,
 * escapes, dot segments or further path. The route authorizes this id and the tus server acts on
 * the same parse of the same string, so no URL can name one upload to the route and another to
 * tus (issue 9: `/api/v1/uploads/<own id>?/<victim id>`).
 * @example uploadIdOf('/api/v1/uploads/dQw4w9WgXcQ') // 'dQw4w9WgXcQ'
 */
export function uploadIdOf(requestTarget: string | undefined): string | undefined {
  return requestTarget === undefined ? undefined : UPLOAD_URL.exec(requestTarget)?.[1];
}

/**
 * The request-target as the client sent it. tus receives a web Request (srvx) whose `url` has
 * been rebuilt and normalised (`..` resolved), so the raw Node request underneath is read when
 * it is there; otherwise the rebuilt URL must still be the exact form, with nothing after it.
 */
function requestTargetOf(req: Request): string | undefined {
  const raw = (req as { runtime?: { node?: { req?: { url?: string } } } }).runtime?.node?.req?.url;
  if (raw !== undefined) return raw;
  const { pathname, search, hash } = new URL(req.url);
  return search || hash || req.url.includes('?') || req.url.includes('#') ? undefined : pathname;
}

/** Where partial uploads live: a local directory (one machine), or the S3 bucket (any api node). */
export type UploadStaging = { kind: 'disk'; directory: string } | { kind: 's3'; s3: S3Config; cache: Cache };

export interface UploadServerOptions {
  staging: UploadStaging;
  store: ObjectStore;
  maxSizeBytes: number;
  log: Logger;
  /** Called once the last byte is stored; the last PATCH is answered when it resolves. */
  onComplete: (upload: Upload) => Promise<void>;
  outages: Outages;
}

/**
 * tus keeps S3 multipart ids in a key/value store; sharing it through the cache port (Redis when
 * configured) lets any api node resume an upload another node started. A miss is safe: the S3
 * store then reads the upload's `.info` object from the bucket.
 */
function cacheKvStore<T>(cache: Cache): KvStore<T> {
  const key = (k: string) => `tus:${k}`;
  return {
    get: (k) => cache.get<T>(key(k)),
    set: (k, v) => cache.set(key(k), v, UPLOAD_EXPIRY_MS / 1000),
    delete: (k) => cache.del(key(k)),
  };
}

/**
 * A tus 1.0 server (core, creation, termination, expiration). The upload id is the video id,
 * so every video has at most one upload and a client can always find it again. On S3 the parts
 * land in the bucket under `uploads/{videoId}` and are copied server-side to the original's key.
 */
export function createUploadServer(opts: UploadServerOptions) {
  const { staging } = opts;
  const onS3 = staging.kind === 's3';
  const internalId = (videoId: string) => (onS3 ? `uploads/${videoId}` : videoId);
  const videoIdOf = (id: string) => id.replace(/^uploads\//, '');

  let datastore: FileStore | S3Store;
  if (staging.kind === 'disk') {
    mkdirSync(staging.directory, { recursive: true });
    datastore = new FileStore({ directory: staging.directory, expirationPeriodInMilliseconds: UPLOAD_EXPIRY_MS });
  } else {
    const { s3 } = staging;
    datastore = new S3Store({
      partSize: 8 * 1024 * 1024,
      expirationPeriodInMilliseconds: UPLOAD_EXPIRY_MS,
      cache: cacheKvStore(staging.cache),
      s3ClientConfig: {
        bucket: s3.bucket,
        region: s3.region,
        endpoint: s3.endpoint,
        forcePathStyle: s3.forcePathStyle,
        credentials: s3.accessKeyId && s3.secretAccessKey ? { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey } : undefined,
        // Same reason as the object store adapter: many S3-compatible servers mishandle the
        // SDK's default streaming checksums.
        ...(s3.endpoint ? { requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED' } : {}),
      },
    });
  }

  const server = new Server({
    path: UPLOADS_PATH,
    datastore,
    maxSize: opts.maxSizeBytes,
    // Relative Location headers work behind any proxy or host name.
    relativeLocation: true,
    respectForwardedHeaders: true,
    // Finished uploads are moved to the object store and answered by the catalog from then on.
    disableTerminationForFinishedUploads: true,
    // The route authorized exactly this video id (from the same header) before the creation.
    namingFunction: (_req, metadata) => {
      const videoId = metadata?.videoId;
      if (!videoId || !VIDEO_ID.test(videoId)) throw new Error('upload creation without a valid videoId reached the tus server');
      return internalId(videoId);
    },
    // tus's own `lastPath` is the last segment of the whole URL, query and fragment included:
    // never used. See uploadIdOf.
    getFileIdFromRequest: (req) => {
      const videoId = uploadIdOf(requestTargetOf(req));
      return videoId ? internalId(videoId) : undefined;
    },
    generateUrl: (_req, { path, id }) => `${path}/${videoIdOf(id)}`,
    // tus answers 500 for anything its store or our hook threw. A dependency outage is retryable
    // (503: tus-js-client retries 5xx, and its retry budget starts over after any progress); a
    // full disk is the operator's to fix, and the partial upload is removed to give the space back.
    onResponseError: async (req, err) => {
      if (isDependencyOutage(err)) {
        const source = outageSource(err);
        opts.outages[source].failed(err);
        const what = source === 'storage' ? 'object storage' : 'database';
        return { status_code: 503, body: JSON.stringify({ error: { code: 'DEPENDENCY_UNAVAILABLE', message: `The ${what} is unreachable right now. Your bytes so far are kept: resume the upload in a few seconds.`, dependency: what, retryAfterSec: OUTAGE_RETRY_AFTER_SEC } }) };
      }
      if (isDiskFull(err)) {
        const videoId = uploadIdOf(requestTargetOf(req));
        opts.log.error({ err, videoId }, 'upload stopped: disk full. Free space in DATA_DIR');
        if (videoId) await datastore.remove(internalId(videoId)).catch(() => undefined);
        return { status_code: 507, body: DISK_FULL_BODY };
      }
      return undefined;
    },
    onUploadFinish: async (_req, upload) => {
      await opts.onComplete({ ...upload, id: videoIdOf(upload.id) } as Upload);
      return {};
    },
  });
  server.on(EVENTS.POST_CREATE, (_req, upload) => opts.log.info({ videoId: videoIdOf(upload.id), sizeBytes: upload.size }, 'upload created'));

  return {
    server,
    /** Copies the finished bytes to `destKey` in the object store. The staged copy stays until `remove`. */
    async storeOriginal(videoId: string, destKey: string) {
      if (onS3) await opts.store.copy(internalId(videoId), destKey);
      else await opts.store.putFile(destKey, join((staging as { directory: string }).directory, videoId));
    },
    /** The upload of a video, or undefined when there is none. */
    getUpload: (videoId: string) => datastore.getUpload(internalId(videoId)).then((u) => ({ ...u, id: videoId }) as Upload, () => undefined),
    /** Drops a video's staged upload, if any (a failure is logged: recovery or expiry removes it later). */
    remove: (videoId: string) =>
      datastore.remove(internalId(videoId)).catch((err: unknown) => {
        // tus answers "not found" for an upload that is already gone: nothing to report.
        if ((err as { status_code?: number }).status_code !== 404) opts.log.warn({ err, videoId }, 'could not remove the staged upload');
      }),
    /** Video ids that have a staged upload (finished or not). */
    async listStaged(): Promise<string[]> {
      const names = onS3
        ? (await opts.store.list('uploads/')).filter((k) => k.endsWith('.info')).map((k) => k.slice('uploads/'.length, -'.info'.length))
        : await readdir((staging as { directory: string }).directory).catch(() => [] as string[]);
      return names.filter((n) => VIDEO_ID.test(n));
    },
    cleanUpExpired: () => server.cleanUpExpiredUploads(),
  };
}

export type UploadServer = ReturnType<typeof createUploadServer>;
