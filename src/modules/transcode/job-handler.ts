import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Job, JobQueue } from '../../platform/queue/index.js';
import type { ObjectStore } from '../../platform/storage/port.js';
import type { Logger } from '../../platform/log.js';
import type { Metrics } from '../../platform/metrics.js';
import type { CatalogService, Lifecycle } from '../catalog/index.js';
import { originalKey, TRANSCODE_QUEUE } from '../ingest/index.js';
import { transcodeFile } from './transcode-file.js';
import { isPermanentFailure } from './input-errors.js';

export interface TranscodeWorkerDeps {
  queue: JobQueue;
  store: ObjectStore;
  catalog: CatalogService;
  lifecycle: Lifecycle;
  log: Logger;
  metrics: Metrics;
  /** Scratch space for ladders being built (local disk, even when the store is S3). */
  workDir: string;
  concurrency: number;
  maxDurationSec: number;
  /** A job whose heartbeat is older than this is presumed dead and released for a retry. */
  stallAfterSec?: number;
  heartbeatSec?: number;
}

const WORKER_ID = `${hostname()}:${process.pid}`;

// 3 tries in all, 5 s then 10 s apart (pg-boss doubles the delay each retry).
export const TRANSCODE_QUEUE_SETTINGS = { retryLimit: 2, retryDelaySec: 5, retryBackoff: true, expireInSec: 23 * 3600 };

/**
 * The transcode worker: leases `transcode` jobs, builds the ladder in a scratch directory,
 * uploads it under a fresh immutable version prefix, then publishes it in one transaction.
 * A worker killed at any point leaves at most an unreferenced version prefix, which the next
 * attempt removes; the video stays on its previous state until publish.
 */
export function createTranscodeWorker(deps: TranscodeWorkerDeps) {
  const log = deps.log.child({ module: 'transcode' });
  const stallAfterSec = deps.stallAfterSec ?? 60;
  const heartbeatMs = (deps.heartbeatSec ?? 5) * 1000;
  let reaper: NodeJS.Timeout | undefined;
  // In-flight jobs: their abort switch and their completion, so shutdown can stop and await them.
  const running = new Map<AbortController, Promise<unknown>>();
  let shuttingDown = false;

  /** Removes version prefixes left by earlier, interrupted attempts. */
  async function removeStaleVersions(videoId: string, keep: string | null) {
    const keys = await deps.store.list(`media/${videoId}/`);
    const versions = new Set(keys.map((k) => k.split('/')[2]!).filter((v) => v !== keep));
    for (const v of versions) await deps.store.deletePrefix(`media/${videoId}/${v}/`);
  }

  async function handle(job: Job<{ videoId: string }>) {
    const { videoId } = job.data;
    const started = Date.now();
    const video = await deps.catalog.load(videoId);
    if (!video) return void log.info({ videoId }, 'video deleted before transcoding; job dropped');
    if (!(await deps.lifecycle.markProcessing(videoId, job.id))) return void log.warn({ videoId, status: video.status }, 'video not in a transcodable state; job dropped');
    await removeStaleVersions(videoId, video.currentVersion);

    const version = `v${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
    const scratch = await mkdtemp(join(deps.workDir, `${videoId}-`));
    const abort = new AbortController();
    let settle!: () => void;
    running.set(abort, new Promise<void>((r) => (settle = r)));
    let progress = 0;
    const beat = setInterval(() => {
      deps.lifecycle.heartbeat(videoId, job.id, progress).then(
        (alive) => alive || abort.abort(new Error('video deleted or job taken over')),
        (err: unknown) => log.warn({ err, videoId }, 'heartbeat failed'),
      );
    }, heartbeatMs);
    try {
      const out = await deps.store.withLocalFile(originalKey(videoId), (path) =>
        transcodeFile(path, join(scratch, 'out'), {
          maxDurationSec: deps.maxDurationSec,
          signal: abort.signal,
          log,
          // Encoding is most of the work; uploading the ladder is the last few percent.
          onProgress: (pct: number) => (progress = pct * 0.95),
        }),
      );
      const prefix = `media/${videoId}/${version}/`;
      await deps.store.putDirectory(join(scratch, 'out'), prefix);
      const top = out.renditions[0]!;
      const published = await deps.lifecycle.publish(videoId, job.id, {
        version, prefix, masterPath: out.master, renditions: out.renditions, hasAudio: out.hasAudio,
        posterPath: out.poster, storyboardPath: out.storyboardVtt, duration: out.durationSec, workerId: WORKER_ID,
      }, { width: top.width, height: top.height });
      if (!published) {
        await deps.store.deletePrefix(prefix);
        return void log.warn({ videoId }, 'video deleted or re-claimed during transcoding; output discarded');
      }
      if (video.currentVersion) await deps.store.deletePrefix(`media/${videoId}/${video.currentVersion}/`);
      deps.metrics.jobs.inc({ queue: TRANSCODE_QUEUE, outcome: 'ready' });
      deps.metrics.jobDuration.observe({ queue: TRANSCODE_QUEUE }, (Date.now() - started) / 1000);
      log.info({ videoId, version, rungs: out.renditions.map((r) => r.label), seconds: (Date.now() - started) / 1000 }, 'video ready');
    } catch (err) {
      if (shuttingDown) {
        // Released, not failed: pg-boss already handed the job back for another worker to retry.
        return void log.info({ videoId }, 'transcode interrupted by shutdown; job released');
      }
      if (isPermanentFailure(err)) {
        await deps.lifecycle.markFailed(videoId, (err as Error).message);
        deps.metrics.jobs.inc({ queue: TRANSCODE_QUEUE, outcome: 'rejected' });
        return void log.info({ videoId, reason: (err as Error).message }, 'upload rejected');
      }
      log.error({ err, videoId, try: job.retryCount + 1 }, 'transcode failed');
      if (job.retryCount >= job.retryLimit) {
        await deps.lifecycle.markFailed(videoId, 'Processing failed several times on our side. Try uploading again; if it keeps failing, contact the site operator.');
      }
      deps.metrics.jobs.inc({ queue: TRANSCODE_QUEUE, outcome: 'error' });
      throw err; // the queue retries with backoff
    } finally {
      running.delete(abort);
      settle();
      clearInterval(beat);
      await rm(scratch, { recursive: true, force: true });
    }
  }

  /** Releases jobs whose worker stopped beating (killed, crashed, machine lost). */
  async function reap() {
    for (const { videoId, jobId } of await deps.lifecycle.findStalled(stallAfterSec)) {
      const state = await deps.queue.getState(TRANSCODE_QUEUE, jobId);
      if (state === 'active') {
        log.warn({ videoId, jobId }, 'transcode worker stopped responding; releasing the job for a retry');
        await deps.queue.fail(TRANSCODE_QUEUE, jobId, 'worker stopped responding');
      } else if (state === 'failed' || state === undefined) {
        await deps.lifecycle.markFailed(videoId, 'Processing was interrupted too many times. Try uploading again.');
      }
    }
  }

  return {
    handle,
    reap,
    async start() {
      await deps.queue.work<{ videoId: string }>(TRANSCODE_QUEUE, { concurrency: deps.concurrency }, handle);
      reaper = setInterval(() => reap().catch((err: unknown) => log.error({ err }, 'reaper failed')), Math.max(1000, (stallAfterSec * 1000) / 4));
      reaper.unref();
    },
    /** Stops the reaper. Jobs keep running until `abortRunning`. */
    stop() {
      clearInterval(reaper);
    },
    /** Kills the ffmpeg of every job still running (after the shutdown grace period). */
    async abortRunning() {
      shuttingDown = true;
      const pending = [...running.values()];
      for (const abort of running.keys()) abort.abort(new Error('worker shutting down'));
      await Promise.allSettled(pending);
    },
  };
}
