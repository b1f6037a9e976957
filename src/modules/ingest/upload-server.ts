import { Server, EVENTS } from '@tus/server';
import { FileStore } from '@tus/file-store';
import type { DataStore, Upload } from '@tus/utils';
import { mkdirSync } from 'node:fs';
import type { Logger } from '../../platform/log.js';

export const UPLOADS_PATH = '/api/v1/uploads';
// Unfinished uploads are kept this long after creation (tus expiration extension), then removed.
export const UPLOAD_EXPIRY_MS = 24 * 3600 * 1000;

export interface UploadServerOptions {
  /** Where partial uploads live until complete (the file store), when no datastore is given. */
  directory?: string;
  /** Another tus datastore (e.g. @tus/s3-store for scale-out). */
  datastore?: DataStore;
  maxSizeBytes: number;
  log: Logger;
  /** Called once the last byte is stored; must move the file on and queue its processing. */
  onComplete: (upload: Upload) => Promise<void>;
}

/**
 * A tus 1.0 server (core, creation, termination, expiration). The upload id is the video id,
 * so every video has at most one upload and a client can always find it again.
 */
export function createUploadServer(opts: UploadServerOptions) {
  let datastore = opts.datastore;
  if (!datastore) {
    mkdirSync(opts.directory!, { recursive: true });
    datastore = new FileStore({ directory: opts.directory!, expirationPeriodInMilliseconds: UPLOAD_EXPIRY_MS });
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
    namingFunction: (_req, metadata) => metadata!.videoId!,
    onUploadFinish: async (_req, upload) => {
      await opts.onComplete(upload);
      return {};
    },
  });
  server.on(EVENTS.POST_CREATE, (_req, upload) => opts.log.info({ videoId: upload.id, sizeBytes: upload.size }, 'upload created'));
  return server;
}

export type UploadServer = ReturnType<typeof createUploadServer>;
