import { createReadStream, statSync } from 'node:fs';
import { basename } from 'node:path';
import * as tus from 'tus-js-client';

export interface TusOptions {
  endpoint: string;
  token: string;
  videoId: string;
  chunkSizeBytes?: number;
  /** Resume an existing upload instead of creating one. */
  uploadUrl?: string;
  /** Called with bytes sent; return true to abort the upload there (simulating a cut connection). */
  onProgress?: (sentBytes: number, totalBytes: number) => boolean | void;
  metadata?: Record<string, string>;
  /** tus-js-client's own retry schedule (`'client default'`: [0, 1000, 3000, 5000]); none by default. */
  retryDelays?: number[] | 'client default';
}

/**
 * Uploads a file with the real tus client, from a file stream (never read whole into memory).
 * Resolves with the upload URL when done, or `{aborted: url}` when onProgress asked to stop.
 */
export function tusUpload(filePath: string, o: TusOptions): Promise<{ url: string; aborted: boolean }> {
  return new Promise((resolve, reject) => {
    let aborted = false;
    const upload = new tus.Upload(createReadStream(filePath), {
      endpoint: o.endpoint,
      uploadUrl: o.uploadUrl,
      chunkSize: o.chunkSizeBytes ?? 4 * 1024 * 1024,
      uploadSize: statSync(filePath).size,
      headers: { authorization: `Bearer ${o.token}` },
      metadata: o.metadata ?? { videoId: o.videoId, filename: basename(filePath) },
      ...(o.retryDelays === 'client default' ? {} : { retryDelays: o.retryDelays ?? [] }),
      onProgress(sent, total) {
        if (!aborted && o.onProgress?.(sent, total)) {
          aborted = true;
          upload.abort(false).then(() => resolve({ url: upload.url!, aborted: true }), reject);
        }
      },
      onError: (err) => (aborted ? undefined : reject(err)),
      onSuccess: () => resolve({ url: upload.url!, aborted: false }),
    });
    upload.start();
  });
}
