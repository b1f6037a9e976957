import type { Db } from '../../platform/db/index.js';
import type { JobQueue, QueueSettings } from '../../platform/queue/index.js';

export const TRANSCODE_QUEUE = 'transcode';

export interface TranscodeJobData {
  videoId: string;
}

/**
 * 3 tries in all, 5 s then 10 s apart (pg-boss doubles the delay each retry). The queue's lease
 * is the longest pg-boss allows (under 24 h); once a job's source is probed, the job gets a lease
 * beyond its own encode limit (`extendLease`), so a legal multi-day encode is never expired. A
 * dead worker is noticed much sooner by the heartbeat reaper.
 */
export const TRANSCODE_QUEUE_SETTINGS: QueueSettings = { retryLimit: 2, retryDelaySec: 5, retryBackoff: true, expireInSec: 23 * 3600 };

/** Fetching the original and uploading the ladder, on top of the encode's own limit. */
export const TRANSFER_MARGIN_SEC = 3600;

/** Queues the transcode of `videoId` inside `trx`; a video already queued is not queued twice. */
export const queueTranscodeWith = (queue: JobQueue) => (videoId: string, trx: Db) =>
  queue.send<TranscodeJobData>(TRANSCODE_QUEUE, { videoId }, { trx, singletonKey: videoId });

