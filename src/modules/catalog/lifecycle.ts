import { sql } from 'kysely';
import type { Db, VideoStatus } from '../../platform/db/index.js';
import type { Rendition } from '../transcode/index.js';
import { versionPrefix } from '../media-layout/index.js';

/** One playable rung of a published version, stored as the transcoder reported it. */
export type StoredRendition = Rendition;

export interface PublishedVersion {
  version: string;
  /** Object key prefix of the version: `media/{videoId}/{version}/`. */
  prefix: string;
  masterPath: string;
  renditions: StoredRendition[];
  hasAudio: boolean;
  posterPath: string | null;
  storyboardPath: string | null;
  duration: number;
  /** host:pid of the worker that built the version. */
  workerId?: string | null;
}

/**
 * The status machine of a video, driven by ingest and the transcode worker:
 * awaiting_upload → uploaded → processing → ready | failed (a re-transcode goes back to processing).
 * Each transition is one conditional UPDATE, so two workers racing on one video cannot both win.
 */
export function createLifecycle(db: Db, onChange: (videoId: string) => Promise<void>) {
  async function transition(videoId: string, from: VideoStatus[], set: Record<string, unknown>, trx: Db = db): Promise<boolean> {
    const r = await trx
      .updateTable('videos')
      .set({ ...set, updatedAt: sql`now()` })
      .where('videoId', '=', videoId)
      .where('status', 'in', from)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }

  return {
    /**
     * Records a completed upload and queues its transcode in ONE transaction: either the video
     * is `uploaded` with a job on the queue, or neither happened.
     */
    async markUploaded(videoId: string, original: { filename: string | null; sizeBytes: number }, enqueue: (trx: Db) => Promise<unknown>): Promise<boolean> {
      const ok = await db.transaction().execute(async (trx) => {
        const moved = await transition(videoId, ['awaiting_upload'], { status: 'uploaded', originalFilename: original.filename, originalSizeBytes: original.sizeBytes, progress: 0 }, trx);
        if (moved) await enqueue(trx);
        return moved;
      });
      await onChange(videoId);
      return ok;
    },

    /** A failed video goes back on the queue (owner's "try again"), in one transaction. */
    async requeueFailed(videoId: string, enqueue: (trx: Db) => Promise<unknown>): Promise<boolean> {
      const ok = await db.transaction().execute(async (trx) => {
        const moved = await transition(videoId, ['failed'], { status: 'uploaded', failureReason: null, progress: 0 }, trx);
        if (moved) await enqueue(trx);
        return moved;
      });
      await onChange(videoId);
      return ok;
    },

    /** Claims the video for a job (a retry of the same or an earlier job may take it over). */
    async markProcessing(videoId: string, jobId: string): Promise<boolean> {
      const ok = await transition(videoId, ['uploaded', 'processing', 'failed', 'ready'], {
        status: 'processing', progress: 0, failureReason: null, jobId, jobHeartbeatAt: sql`now()`,
      });
      await onChange(videoId);
      return ok;
    },

    /** Progress and heartbeat in one write; returns false when the video was deleted meanwhile. */
    async heartbeat(videoId: string, jobId: string, progress: number): Promise<boolean> {
      const r = await db
        .updateTable('videos')
        .set({ progress: Math.max(0, Math.min(100, progress)), jobHeartbeatAt: sql`now()` })
        .where('videoId', '=', videoId)
        .where('jobId', '=', jobId)
        .executeTakeFirst();
      await onChange(videoId);
      return Number(r.numUpdatedRows) > 0;
    },

    async markFailed(videoId: string, reason: string, opts: { retryable?: boolean } = {}): Promise<void> {
      await transition(videoId, ['uploaded', 'processing'], { status: 'failed', failureReason: reason, failureRetryable: opts.retryable ?? true, jobHeartbeatAt: null });
      await onChange(videoId);
    },

    /** Stores the version and makes it current in one transaction: a half-published ladder is never visible. */
    async publish(videoId: string, jobId: string, v: PublishedVersion, dims: { width: number; height: number }): Promise<boolean> {
      const ok = await db.transaction().execute(async (trx) => {
        const owner = await trx.selectFrom('videos').select('jobId').where('videoId', '=', videoId).forUpdate().executeTakeFirst();
        if (!owner || owner.jobId !== jobId) return false;
        await trx
          .insertInto('videoVersions')
          .values({
            videoId, version: v.version, masterPath: v.masterPath, renditions: JSON.stringify(v.renditions), hasAudio: v.hasAudio,
            posterPath: v.posterPath, storyboardPath: v.storyboardPath, duration: v.duration, workerId: v.workerId ?? null,
          })
          .execute();
        return transition(videoId, ['processing'], {
          status: 'ready', currentVersion: v.version, duration: v.duration, width: dims.width, height: dims.height,
          progress: 100, failureReason: null, processedAt: sql`now()`, jobHeartbeatAt: null,
        }, trx);
      });
      await onChange(videoId);
      return ok;
    },

    async currentVersion(videoId: string): Promise<PublishedVersion | undefined> {
      const row = await db
        .selectFrom('videos')
        .innerJoin('videoVersions', (j) => j.onRef('videoVersions.videoId', '=', 'videos.videoId').onRef('videoVersions.version', '=', 'videos.currentVersion'))
        .select(['videoVersions.version', 'videoVersions.masterPath', 'videoVersions.renditions', 'videoVersions.hasAudio', 'videoVersions.posterPath', 'videoVersions.storyboardPath', 'videoVersions.duration'])
        .where('videos.videoId', '=', videoId)
        .executeTakeFirst();
      if (!row) return undefined;
      const renditions = (typeof row.renditions === 'string' ? JSON.parse(row.renditions) : row.renditions) as StoredRendition[];
      return { ...row, renditions, prefix: versionPrefix(videoId, row.version) };
    },

    /** Videos whose job stopped beating (its worker died): `{videoId, jobId}` pairs to release. */
    async findStalled(olderThanSec: number): Promise<{ videoId: string; jobId: string }[]> {
      const rows = await db
        .selectFrom('videos')
        .select(['videoId', 'jobId'])
        .where('status', '=', 'processing')
        .where('jobHeartbeatAt', '<', sql<Date>`now() - make_interval(secs => ${olderThanSec})`)
        .execute();
      return rows.filter((r): r is { videoId: string; jobId: string } => r.jobId !== null);
    },
  };
}

export type Lifecycle = ReturnType<typeof createLifecycle>;
