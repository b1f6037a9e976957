import { randomBytes, randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { Job, JobQueue, QueueSettings } from '../../platform/queue/index.js';
import type { ObjectStore } from '../../platform/storage/port.js';
import type { Logger } from '../../platform/log.js';
import { makeScratchDir } from '../../platform/scratch.js';
import type { Lifecycle, VersionRetention } from '../catalog/index.js';
import { newVersionName, originalKey, versionPrefix } from '../media-layout/index.js';
import { transcodeFile } from '../transcode/index.js';

/**
 * Bringing back rungs the storage lifecycle removed: the original (wherever its tier: the cold
 * one reads without a restore step) is encoded again into a full ladder, published as a new
 * version of the video while it stays ready and keeps playing on the pruned ladder meanwhile.
 */
export const RESTORE_QUEUE = 'rendition-restore';
/** 3 tries, a minute apart and more; the lease covers a long encode (as the transcode queue's). */
export const RESTORE_QUEUE_SETTINGS: QueueSettings = { retryLimit: 2, retryDelaySec: 60, retryBackoff: true, expireInSec: 23 * 3600 };

export interface RestoreJobData {
  videoId: string;
}

/** Queues the restore of `videoId`; while one is queued, asking again adds nothing (singleton key). */
export const queueRestoreWith = (queue: JobQueue) => (videoId: string) =>
  queue.send<RestoreJobData>(RESTORE_QUEUE, { videoId }, { singletonKey: `restore-${videoId}` });

export interface RestoreJobDeps {
  queue: JobQueue;
  store: ObjectStore;
  lifecycle: Pick<Lifecycle, 'currentVersion' | 'publishDerived'>;
  retention: Pick<VersionRetention, 'scheduleAttemptCleanup' | 'cleanupDone'>;
  log: Logger;
  workDir: string;
  maxDurationSec: number;
  maxEncodeGigapixels?: number;
}

/** An unpublished restore's output is swept no earlier than this (past the queue's lease). */
const ABANDONED_OUTPUT_AFTER_SEC = 24 * 3600;

/**
 * The restore job. Unlike a first transcode it takes no lease on the video (the video stays
 * `ready`, playable, and a failure leaves it as it was): it publishes by compare-and-swap on the
 * version it started from, so a video deleted, or changed by another publish meanwhile, is left
 * alone. Idempotent: a video with nothing removed (already restored) is dropped.
 */
export function createRestoreJob(deps: RestoreJobDeps) {
  const log = deps.log.child({ module: 'publishing' });
  const running = new Map<AbortController, Promise<void>>();
  const workerId = `${hostname()}:${process.pid}`;
  let stopping = false;

  async function restore(job: Job<RestoreJobData>, signal: AbortSignal): Promise<void> {
    const { videoId } = job.data;
    const from = await deps.lifecycle.currentVersion(videoId);
    if (!from?.prunedRenditions?.length) return void log.info({ videoId }, 'nothing to restore; job dropped');
    const version = newVersionName(Date.now(), randomBytes(3).toString('hex'));
    await deps.retention.scheduleAttemptCleanup(videoId, version, randomUUID(), ABANDONED_OUTPUT_AFTER_SEC);
    const scratch = await makeScratchDir(deps.workDir, videoId);
    let published = false;
    try {
      const out = await deps.store.withLocalFile(originalKey(videoId), (path) =>
        transcodeFile(path, join(scratch, 'out'), { maxDurationSec: deps.maxDurationSec, maxEncodeGigapixels: deps.maxEncodeGigapixels, signal, log }));
      await deps.store.putDirectory(join(scratch, 'out'), versionPrefix(videoId, version));
      const top = out.renditions[0]!;
      published = await deps.lifecycle.publishDerived(videoId, from.version, {
        version, prefix: versionPrefix(videoId, version), masterPath: out.master, renditions: out.renditions, hasAudio: out.hasAudio,
        posterPath: out.poster, storyboardPath: out.storyboardVtt, duration: out.durationSec, workerId,
      }, { width: top.width, height: top.height });
      if (published) log.info({ videoId, from: from.version, to: version, rungs: out.renditions.map((r) => r.label) }, 'removed rungs restored');
      else log.info({ videoId }, 'video changed while its rungs were being restored; output discarded');
    } finally {
      if (!published) {
        await deps.store.deletePrefix(versionPrefix(videoId, version)).then(() => deps.retention.cleanupDone({ videoId, version }))
          // Safe to leave: the cleanup row scheduled above makes the media sweep delete it.
          .catch((err: unknown) => log.warn({ err, videoId, version }, 'could not remove an unpublished restore; the sweep will'));
      }
      await rm(scratch, { recursive: true, force: true });
    }
  }

  return {
    async handle(job: Job<RestoreJobData>): Promise<void> {
      const abort = new AbortController();
      const done = restore(job, abort.signal);
      running.set(abort, done.catch(() => undefined));
      try {
        await done;
      } catch (err) {
        if (stopping) return void (await deps.queue.release(RESTORE_QUEUE, job.id));
        log.error({ err, videoId: job.data.videoId, try: job.retryCount + 1 }, 'restore of removed rungs failed');
        throw err; // the queue retries; the video plays on its pruned ladder meanwhile
      } finally {
        running.delete(abort);
      }
    },
    /** Stops running restores and hands their jobs back without using a try (they start over elsewhere). */
    async shutdown(): Promise<void> {
      stopping = true;
      await deps.queue.offWork(RESTORE_QUEUE);
      const pending = [...running.values()];
      for (const abort of running.keys()) abort.abort(new Error('the worker is shutting down'));
      await Promise.allSettled(pending);
    },
  };
}
