import type { JobQueue } from '../../platform/queue/index.js';
import type { Logger } from '../../platform/log.js';
import type { Lifecycle } from '../catalog/index.js';
import { TRANSCODE_QUEUE } from './transcode-queue.js';

/**
 * Releases transcodes whose worker stopped beating (killed, crashed, paused, partitioned) long
 * before the queue's own lease would expire. The stalled attempt loses its fencing token first,
 * so if it wakes up it can neither beat nor publish beside the retry.
 */
export function createStallReaper(deps: { queue: JobQueue; lifecycle: Lifecycle; log: Logger; stallAfterSec: number }) {
  return async function reap(): Promise<void> {
    for (const { videoId, jobId } of await deps.lifecycle.findStalled(deps.stallAfterSec)) {
      const state = await deps.queue.getState(TRANSCODE_QUEUE, jobId);
      if (state === 'active') {
        deps.log.warn({ videoId, jobId }, 'transcode worker stopped responding; releasing the job for a retry');
        await deps.lifecycle.revokeLease(videoId, jobId);
        await deps.queue.fail(TRANSCODE_QUEUE, jobId, 'worker stopped responding');
      } else if (state === 'created' || state === 'retry') {
        // Its next try is queued and will claim the video.
      } else {
        // failed, completed by an attempt that was fenced out, or gone: no try is coming.
        deps.log.warn({ videoId, jobId, state }, 'transcode stopped with no try left; marking the video failed');
        await deps.lifecycle.markFailed(videoId, 'Processing was interrupted too many times. Try again.', { retryable: true });
      }
    }
  };
}
