import { sweepDeadScratch } from '../../platform/scratch.js';
import { reportFailure } from '../../platform/outage.js';
import { createMediaSweep } from './media-sweep.js';
import { createStallReaper } from './stall-reaper.js';
import { createTranscodeJob, type TranscodeJobDeps } from './transcode-job.js';
import { createRestoreJob, RESTORE_QUEUE, type RestoreJobData } from './restore-job.js';
import { TRANSCODE_QUEUE, type TranscodeJobData } from './transcode-queue.js';

export interface PipelineWorkerDeps extends Pick<TranscodeJobDeps, 'queue' | 'store' | 'catalog' | 'lifecycle' | 'retention' | 'log' | 'metrics' | 'maxDurationSec' | 'maxEncodeGigapixels' | 'ladderCodecs' | 'outages' | 'publishWhileEncoding'> {
  /** Scratch for ladders being built, and where S3 downloads land: swept of dead processes' leftovers at start. */
  scratchDirs: { work: string; downloads?: string };
  concurrency: number;
  /** A job whose heartbeat is older than this is presumed dead and released for a retry. */
  stallAfterSec: number;
  /** How long a superseded version stays servable (at least the signed-URL lifetime). */
  supersededGraceSec: number;
  sweepEveryMs?: number;
  /** Queues the purge of a swept version's URLs from the cache tiers (EDGE_PURGE_URLS set). */
  purgeFromTiers?: (videoId: string, version: string) => Promise<void>;
}

/**
 * The worker role of the pipeline: works the transcode queue, releases stalled jobs, and sweeps
 * media that is no longer served.
 */
export function createPipelineWorker(deps: PipelineWorkerDeps) {
  const log = deps.log.child({ module: 'publishing' });
  // An attempt's unpublished output is swept an hour after it started at the earliest, and never
  // while the attempt still holds its video.
  const job = createTranscodeJob({
    ...deps, workDir: deps.scratchDirs.work, attemptCleanupAfterSec: 3600,
    // At least three heartbeats per stall period, so a live attempt is never taken for a dead one.
    heartbeatMs: Math.min(5000, (deps.stallAfterSec * 1000) / 3),
  });
  // Restores of removed rungs: rare, one at a time per worker, beside the transcode slots.
  const restore = createRestoreJob({ ...deps, workDir: deps.scratchDirs.work });
  const reap = createStallReaper({ ...deps, log, outage: deps.outages.database });
  const sweep = createMediaSweep({ ...deps, log, graceSec: deps.supersededGraceSec });
  const timers: NodeJS.Timeout[] = [];
  const every = (what: string, fn: () => Promise<unknown>, ms: number) => {
    const t = setInterval(() => fn().catch((err: unknown) => reportFailure(deps.outages, log, what, err)), ms);
    t.unref();
    timers.push(t);
  };

  return {
    handle: job.handle,
    reap,
    sweep,
    async start() {
      for (const dir of [deps.scratchDirs.work, deps.scratchDirs.downloads]) {
        if (!dir) continue;
        const removed = await sweepDeadScratch(dir);
        if (removed.length) log.info({ dir, removed: removed.length }, 'removed scratch files left by stopped workers');
      }
      await deps.queue.work<TranscodeJobData>(TRANSCODE_QUEUE, { concurrency: deps.concurrency }, job.handle);
      await deps.queue.work<RestoreJobData>(RESTORE_QUEUE, { concurrency: 1 }, restore.handle);
      // Busy slots over all slots: near 1 across the fleet means the queue decides the wait.
      deps.metrics.gauge('kinema_worker_slots', 'Transcode jobs this worker runs at once (WORKER_CONCURRENCY)', () => deps.concurrency);
      deps.metrics.gauge('kinema_worker_busy_slots', 'Transcode jobs running in this worker', job.busySlots);
      deps.metrics.gauge('kinema_worker_busy_ratio', 'Busy transcode slots over all slots in this worker', () => job.busySlots() / deps.concurrency);
      every('stalled-job reaper', reap, Math.max(1000, (deps.stallAfterSec * 1000) / 4));
      every('media sweep', sweep, deps.sweepEveryMs ?? 60_000);
    },
    /** Stops taking jobs, gives running ones `graceMs`, then hands them back to the queue. */
    async shutdown(graceMs: number) {
      for (const t of timers) clearInterval(t);
      await deps.queue.offWork(TRANSCODE_QUEUE);
      await Promise.all([job.shutdown(graceMs), restore.shutdown()]);
    },
  };
}
