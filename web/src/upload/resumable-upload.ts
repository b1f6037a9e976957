import { Upload, type DetailedError } from 'tus-js-client';

/**
 * A tus upload of one file into one video, resumable across network drops (retries) and page
 * reloads (tus-js-client stores the upload URL in localStorage under the file's fingerprint).
 */
export interface ResumableUploadOptions {
  file: File;
  videoId: string;
  onProgress(bytesSent: number, bytesTotal: number): void;
  onSuccess(): void;
  onError(message: string): void;
}

export interface ResumableUpload {
  /** Starts, or resumes from the server's offset when this file was partly uploaded before. */
  start(): Promise<{ resumed: boolean }>;
  pause(): void;
}

/** 8 MiB: few enough requests to be fast, small enough that a retry loses little. */
const CHUNK_SIZE_BYTES = 8 * 1024 * 1024;

export function createResumableUpload(opts: ResumableUploadOptions): ResumableUpload {
  const upload = new Upload(opts.file, {
    // The api hands out an absolute uploadUrl built from PUBLIC_URL; the page always talks to
    // its own origin so the session cookie goes along.
    endpoint: `${location.origin}/api/v1/uploads`,
    chunkSize: CHUNK_SIZE_BYTES,
    retryDelays: [0, 1000, 3000, 5000, 10000, 20000],
    metadata: { videoId: opts.videoId, filename: opts.file.name, filetype: opts.file.type || 'application/octet-stream' },
    storeFingerprintForResuming: true,
    removeFingerprintOnSuccess: true,
    onProgress: opts.onProgress,
    onSuccess: () => opts.onSuccess(),
    onError: (err) => opts.onError(describeUploadError(err)),
    // 4xx (except timeouts/rate limits) will not get better by retrying: e.g. "already uploaded".
    onShouldRetry: (err) => {
      const status = err.originalResponse?.getStatus() ?? 0;
      return status === 0 || status === 408 || status === 409 || status === 423 || status === 429 || status >= 500;
    },
  });

  return {
    async start() {
      const previous = await upload.findPreviousUploads();
      const mine = previous.find((p) => p.metadata.videoId === opts.videoId);
      if (mine) upload.resumeFromPreviousUpload(mine);
      upload.start();
      return { resumed: Boolean(mine) };
    },
    pause() {
      void upload.abort(false);
    },
  };
}

/** The server's own sentence when there is one ({error:{message}}), else a plain explanation. */
function describeUploadError(err: Error | DetailedError): string {
  const res = (err as DetailedError).originalResponse;
  if (res) {
    try {
      const body = JSON.parse(res.getBody()) as { error?: { message?: string } };
      if (body.error?.message) return body.error.message;
    } catch {
      // tus-level errors are plain text: use it below.
    }
    const text = res.getBody()?.trim();
    if (text && text.length < 300) return text;
    return `The upload was refused (HTTP ${res.getStatus()}).`;
  }
  return 'The connection was lost while uploading. Your progress is kept: press Resume to continue.';
}
