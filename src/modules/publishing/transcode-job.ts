import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { hostname } from 'node:os';
import type { Job, JobQueue } from '../../platform/queue/index.js';
import type { ObjectStore } from '../../platform/storage/port.js';
import type { Logger } from '../../platform/log.js';
import type { Metrics } from '../../platform/metrics.js';
import { makeScratchDir } from '../../platform/scratch.js';
import { isAppError } from '../../platform/errors.js';
import { isDependencyOutage, isDiskFull, retryThroughOutage, type Outages } from '../../platform/outage.js';
import type { CatalogService, Lifecycle, VersionRetention } from '../catalog/index.js';
import { newVersionName, originalKey, versionPrefix } from '../media-layout/index.js';
import { encodeTimeLimitSec, isPermanentFailure, transcodeFile, type HlsOutput, type VideoCodec } from '../transcode/index.js';
import { TRANSCODE_QUEUE, TRANSFER_MARGIN_SEC, type TranscodeJobData } from './transcode-queue.js';
import { createLivePublisher, type LivePublisher } from './live-publisher.js';

export interface TranscodeJobDeps {
  queue: JobQueue;
  store: ObjectStore;
  catalog: CatalogService;
  lifecycle: Lifecycle;
  retention: VersionRetention;
  log: Logger;
  metrics: Metrics;
  /** Scratch space for ladders being built (local disk, even when the store is S3). */
  workDir: string;
  maxDurationSec: number;
  /** Compute budget of one upload, gigapixels decoded + encoded (`MAX_ENCODE_GIGAPIXELS`; default the transcode module's). */
  maxEncodeGigapixels?: number;
  /** Video codecs of the ladder (`LADDER_CODECS`; default H.264 only). */
  ladderCodecs?: readonly VideoCodec[];
  /** How often progress reaches the database (and so the API): at most this many ms apart. */
  progressEveryMs?: number;
  /** A heartbeat is written at least this often even when progress did not move. */
  heartbeatMs?: number;
  /** An unpublished attempt's output is deleted no earlier than this after it started. */
  attemptCleanupAfterSec: number;
  outages: Outages;
  /**
   * How long a finished encode waits for the object store or the database to come back before
   * it gives up its output (the job then runs again after the outage). Default 15 minutes.
   */
  outageWaitMs?: number;
  /**
   * Publish the ladder while it encodes (a growing EVENT playlist viewers can start from the
   * beginning), so a video is watchable seconds after its upload (`PUBLISH_WHILE_ENCODING`,
   * default true). False: nothing is watchable until the whole ladder is encoded and uploaded.
   */
  publishWhileEncoding?: boolean;
}

const WORKER_ID = `${hostname()}:${process.pid}`;

/** Runs `fn` and reports how many seconds it took (the encode, without download and upload). */
async function timed<T>(report: (sec: number) => void, fn: () => Promise<T>): Promise<T> {
  const t0 = performance.now();
  try {
    return await fn();
  } finally {
    report((performance.now() - t0) / 1000);
  }
}

/** Encode speed of a published ladder: the figure that sizes a worker fleet (docs/CAPACITY.md). */
function recordEncodeSpeed(metrics: Metrics, encodeSec: number, mediaSec: number): void {
  if (!(mediaSec > 0)) return;
  metrics.encodeSeconds.inc(encodeSec);
  metrics.encodedMediaSeconds.inc(mediaSec);
  metrics.encodeSecondsPerMediaSecond.observe(encodeSec / mediaSec);
}

/** The failure reason a full disk gives the video's owner (mid-encode, or no room to start). */
const DISK_FULL_REASON = 'The server ran out of disk space while processing this video. Nothing of it was published; try again later, and if it keeps happening, tell the site operator.';

/** Why an attempt stopped before publishing, when it was not a failure of the encode itself. */
class AttemptStopped extends Error {
  constructor(readonly why: 'lease-lost' | 'shutdown') {
    super(why === 'lease-lost' ? 'the video was deleted or taken over by another attempt' : 'the worker is shutting down');
  }
}

/**
 * The transcode job: the step of the pipeline that turns a stored original into a published
 * ladder. Each attempt claims the video with its own fencing token, builds the ladder in scratch,
 * uploads it under a fresh immutable version prefix, and publishes it in one transaction that
 * only lands while the token is still current. Whatever stops an attempt leaves the video on its
 * previous published state, and its output on the deletion queue.
 */
export function createTranscodeJob(deps: TranscodeJobDeps) {
  const log = deps.log.child({ module: 'publishing' });
  const progressEveryMs = deps.progressEveryMs ?? 1000;
  const heartbeatMs = deps.heartbeatMs ?? 5000;
  // In-flight attempts: their abort switch and completion, so shutdown can stop and await them.
  const running = new Map<AbortController, { job: Job<TranscodeJobData>; done: Promise<void> }>();
  let shuttingDown = false;

  /** Writes progress when it moved (and a heartbeat at least every `heartbeatMs`); aborts a fenced attempt. */
  function startBeating(videoId: string, lease: string, abort: AbortController) {
    let progress = 0;
    let written = -1;
    let writtenAt = Date.now();
    let inFlight = false;
    const timer = setInterval(() => {
      // A heartbeat that is due goes out even while progress stands still (probing, uploading).
      if (inFlight || (progress === written && Date.now() - writtenAt < heartbeatMs)) return;
      inFlight = true;
      const value = progress;
      deps.lifecycle.heartbeat(videoId, lease, value).then(
        (holds) => {
          deps.outages.database.ok();
          written = value;
          writtenAt = Date.now();
          if (!holds) abort.abort(new AttemptStopped('lease-lost'));
        },
        (err: unknown) => (isDependencyOutage(err) ? deps.outages.database.failed(err) : log.warn({ err, videoId }, 'heartbeat failed')),
      ).finally(() => (inFlight = false));
    }, Math.min(progressEveryMs, heartbeatMs));
    return { set: (pct: number) => (progress = Math.round(pct * 10) / 10), stop: () => clearInterval(timer) };
  }

  async function publish(videoId: string, lease: string, version: string, out: HlsOutput): Promise<boolean> {
    const top = out.renditions[0]!;
    return deps.lifecycle.publish(videoId, lease, {
      version, prefix: versionPrefix(videoId, version), masterPath: out.master, renditions: out.renditions, hasAudio: out.hasAudio,
      posterPath: out.poster, storyboardPath: out.storyboardVtt, duration: out.durationSec, workerId: WORKER_ID,
    }, { width: top.width, height: top.height });
  }

  /**
   * Publishes the attempt's version as it encodes (see live-publisher.ts). Recording it playable
   * is fenced like publishing: a stale attempt's growing version never reaches viewers.
   */
  function createAttemptPublisher(videoId: string, lease: string, version: string, outDir: string, abort: AbortController): LivePublisher {
    return createLivePublisher({
      store: deps.store, log, outDir, prefix: versionPrefix(videoId, version),
      onPlayable: async (playback) => {
        const holds = await deps.lifecycle.markPlayable(videoId, lease, { ...playback, version });
        if (!holds) abort.abort(new AttemptStopped('lease-lost'));
        return holds;
      },
    });
  }

  /**
   * An attempt that stops without publishing takes its growing version away from viewers before
   * its output is deleted and before the queue retries, so no half-ladder stays watchable.
   */
  async function withdrawLive(videoId: string, lease: string, version: string): Promise<void> {
    try {
      await deps.lifecycle.withdrawPlayable(videoId, lease);
    } catch (err) {
      // Safe to leave for a moment: the retry's claim (markProcessing) or the stall reaper
      // (revokeLease) clears it, and the origin stops serving it once its files are deleted.
      log.warn({ err, videoId, version }, 'could not withdraw the growing version; the next claim will');
    }
  }

  /** Removes an attempt's own unpublished output now rather than when its cleanup row falls due. */
  async function discardOutput(videoId: string, version: string): Promise<void> {
    try {
      await deps.store.deletePrefix(versionPrefix(videoId, version));
      await deps.retention.cleanupDone({ videoId, version });
    } catch (err) {
      // Safe to leave: the row scheduled at the start of the attempt makes the sweep delete it.
      log.warn({ err, videoId, version }, 'could not remove the output of an unpublished attempt; the sweep will');
    }
  }

  async function handle(job: Job<TranscodeJobData>): Promise<void> {
    const { videoId } = job.data;
    const started = Date.now();
    const lease = await deps.lifecycle.markProcessing(videoId, job.id);
    if (!lease) {
      // Deleted, already published (a retry of a job that finished), or failed for good.
      const video = await deps.catalog.load(videoId);
      return void log.info({ videoId, status: video?.status ?? 'deleted' }, 'video not waiting for a transcode; job dropped');
    }
    const version = newVersionName(Date.now(), randomBytes(3).toString('hex'));
    // Before any byte is written: a crash from here on leaves a row the sweep finishes.
    await deps.retention.scheduleAttemptCleanup(videoId, version, lease, deps.attemptCleanupAfterSec);
    const abort = new AbortController();
    let settle!: () => void;
    running.set(abort, { job, done: new Promise<void>((r) => (settle = r)) });
    const beat = startBeating(videoId, lease, abort);
    const scratch = await makeScratchDir(deps.workDir, videoId);
    const live = deps.publishWhileEncoding === false ? undefined : createAttemptPublisher(videoId, lease, version, join(scratch, 'out'), abort);
    let published = false;
    try {
      let encodeSec = 0;
      const out = await deps.store.withLocalFile(originalKey(videoId), (path) =>
        timed((sec) => (encodeSec = sec), () => transcodeFile(path, join(scratch, 'out'), {
            maxDurationSec: deps.maxDurationSec,
            maxEncodeGigapixels: deps.maxEncodeGigapixels,
            codecs: deps.ladderCodecs,
            signal: abort.signal,
            log,
            // Encoding is most of the work; uploading the ladder is the last few percent.
            onProgress: (pct: number) => beat.set(pct * 0.95),
            // The encode stops itself at its limit; the queue's lease must outlast it.
            onPlanned: (source, plan) => {
              const leaseSec = encodeTimeLimitSec(source, plan) + TRANSFER_MARGIN_SEC;
              deps.queue.extendLease(TRANSCODE_QUEUE, job.id, leaseSec).catch((err: unknown) => log.warn({ err, videoId }, 'could not extend the job lease'));
              live?.start(source, plan);
            },
        })),
      ).finally(() => live?.stop());
      if (abort.signal.aborted) throw abort.signal.reason;
      // An encode is the expensive part: an outage after it (the store or the database restarting)
      // is waited out here, output kept, rather than thrown away and encoded again. The wait ends
      // early if the lease is lost meanwhile (the heartbeat aborts), and publishing stays fenced.
      const wait = { signal: abort.signal, giveUpAfterMs: deps.outageWaitMs ?? 15 * 60_000 };
      const upload = live ? () => live.finish() : async () => void (await deps.store.putDirectory(join(scratch, 'out'), versionPrefix(videoId, version)));
      await retryThroughOutage(upload, { ...wait, outage: deps.outages.storage });
      published = await retryThroughOutage(() => publish(videoId, lease, version, out), { ...wait, outage: deps.outages.database });
      if (!published) throw new AttemptStopped('lease-lost');
      // After the commit nothing may throw into the queue: a retry would find the video ready.
      deps.metrics.jobs.inc({ queue: TRANSCODE_QUEUE, outcome: 'ready' });
      deps.metrics.jobDuration.observe({ queue: TRANSCODE_QUEUE }, (Date.now() - started) / 1000);
      recordEncodeSpeed(deps.metrics, encodeSec, out.durationSec);
      log.info({ videoId, version, rungs: out.renditions.map((r) => r.label), seconds: (Date.now() - started) / 1000 }, 'video ready');
    } catch (caught) {
      const err = abort.signal.aborted && !(caught instanceof AttemptStopped) ? abort.signal.reason : caught;
      await onAttemptError(job, lease, err);
    } finally {
      beat.stop();
      if (!published && live) await withdrawLive(videoId, lease, version);
      if (!published) await discardOutput(videoId, version);
      await rm(scratch, { recursive: true, force: true });
      running.delete(abort);
      settle();
    }
  }

  /** Decides what an attempt's error means for the video and the job. Rethrows to retry. */
  async function onAttemptError(job: Job<TranscodeJobData>, lease: string, err: unknown): Promise<void> {
    const { videoId } = job.data;
    if (err instanceof AttemptStopped && err.why === 'lease-lost') {
      // Another attempt holds the video (or it was deleted). Touch neither the video nor the job:
      // the job's id is shared with the live attempt, and failing it would cut that one short.
      return void log.warn({ videoId, jobId: job.id }, 'lease lost: another attempt holds this video; output discarded');
    }
    if (shuttingDown) {
      const released = await deps.queue.release(TRANSCODE_QUEUE, job.id);
      return void log.info({ videoId, released }, 'transcode interrupted by shutdown; job handed back without using a try');
    }
    if (isDependencyOutage(err)) {
      // Not the video's fault and not a real try: the queue hands the job back without counting
      // it, and no worker takes jobs while the database is away (see the queue adapter).
      throw err;
    }
    if (isDiskFull(err)) {
      // Retrying at once would fill the same disk again; the operator has to act. Its scratch and
      // output are removed by the caller.
      log.error({ err, videoId }, 'transcode stopped: disk full. Free space in DATA_DIR (worker scratch and, on one machine, the object store)');
      await deps.lifecycle.markFailed(videoId, DISK_FULL_REASON, { lease, retryable: true });
      deps.metrics.jobs.inc({ queue: TRANSCODE_QUEUE, outcome: 'error' });
      return;
    }
    if (isPermanentFailure(err)) {
      await deps.lifecycle.markFailed(videoId, (err as Error).message, { lease, retryable: false });
      deps.metrics.jobs.inc({ queue: TRANSCODE_QUEUE, outcome: 'rejected' });
      return void log.info({ videoId, reason: (err as Error).message }, 'upload rejected');
    }
    log.error({ err, videoId, try: job.retryCount + 1 }, 'transcode failed');
    deps.metrics.jobs.inc({ queue: TRANSCODE_QUEUE, outcome: 'error' });
    if (job.retryCount >= job.retryLimit) {
      // A worker that never had the room to start says so, not "failed on our side".
      const reason = isAppError(err) && err.code === 'TRANSCODE_SCRATCH_FULL' ? DISK_FULL_REASON : 'Processing failed several times on our side. Try again later; if it keeps failing, contact the site operator.';
      await deps.lifecycle.markFailed(videoId, reason, { lease, retryable: true });
      return;
    }
    throw err; // the queue retries with backoff
  }

  return {
    handle,
    /** Attempts running in this process now (the worker's busy slots). */
    busySlots: () => running.size,
    /**
     * Lets running attempts finish for up to `graceMs`, then stops them and hands their jobs back
     * to the queue without using up a try. Call after the queue stopped handing out new jobs.
     */
    async shutdown(graceMs: number): Promise<void> {
      const all = () => [...running.values()].map((r) => r.done);
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([Promise.allSettled(all()), new Promise((r) => (timer = setTimeout(r, graceMs)))]);
      clearTimeout(timer);
      shuttingDown = true;
      const pending = all();
      for (const abort of running.keys()) abort.abort(new AttemptStopped('shutdown'));
      await Promise.allSettled(pending);
    },
  };
}

export type TranscodeJob = ReturnType<typeof createTranscodeJob>;
