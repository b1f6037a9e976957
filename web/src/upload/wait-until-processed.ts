import { api, ApiError } from '../api.js';
import type { Video } from '../types.js';

/**
 * Polls GET /videos/:id until the video is ready or failed, reporting each answer. Network
 * blips are reported and retried (processing continues on the server regardless).
 */
export async function waitUntilProcessed(
  videoId: string,
  signal: AbortSignal,
  onUpdate: (video: Video | null, error?: ApiError) => void,
  // The worker writes progress every second: polling as often keeps the bar moving at least
  // every 2 s (the same small GET, answered from the metadata cache between writes).
  intervalMs = 1000,
): Promise<Video | null> {
  while (!signal.aborted) {
    try {
      const video = await api.getVideo(videoId, signal);
      onUpdate(video);
      if (video.status === 'ready' || video.status === 'failed') return video;
    } catch (err) {
      if (signal.aborted) return null;
      if (!(err instanceof ApiError)) throw err;
      if (err.status === 404) throw err;
      onUpdate(null, err);
    }
    await delay(intervalMs, signal);
  }
  return null;
}

export function delay(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    }, { once: true });
  });
}
