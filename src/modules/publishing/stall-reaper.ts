import type { JobQueue } from '../../platform/queue/index.js';
import type { Logger } from '../../platform/log.js';
import type { OutageLog } from '../../platform/outage.js';
import type { Lifecycle } from '../catalog/index.js';
import { TRANSCODE_QUEUE } from './transcode-queue.js';

/**
 * Releases transcodes whose worker stopped beating (killed, crashed, paused, partitioned) long
 * before the queue's own lease would expire. The stalled attempt loses its fencing token first,
 * so if it wakes up it can neither beat nor publish beside the retry.
 */
export function createStallReaper(deps: { queue: JobQueue; lifecycle: Lifecycle; log: Logger; stallAfterSec: number; outage?: OutageLog }) {
  return async function reap(): Promise<void> {
    const stalled = await deps.lifecycle.findStalled(deps.stallAfterSec);
    deps.outage?.ok();
    // Heartbeats could not land while the database was away: until it has been back for a whole
    // stall period, a missing heartbeat says nothing about the worker (and every running job
    // would otherwise be taken for dead after an outage, burning a try each).
    if (deps.outage?.downWithin(deps.stallAfterSec * 1000)) return;
    for (const { videoId, jobId } of stalled) {
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
