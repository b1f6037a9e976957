import { randomUUID } from 'node:crypto';
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
  /**
   * Rungs of the full ladder this version leaves out (nobody played them for a long time); they
   * come back by re-encoding the original. Empty or absent: the full ladder.
   */
  prunedRenditions?: StoredRendition[];
}

/**
 * A version published while it is still being encoded (issue 14, "watchable while it
 * transcodes"): its media playlists are HLS `EVENT` playlists that grow segment by segment and end
 * with `EXT-X-ENDLIST`. Held in the video row (`live_version`, `live_playback`) only while the
 * attempt that writes it holds the video; publishing makes the same version current.
 */
export interface LivePlayback {
  version: string;
  masterPath: string;
  /** Provisional: BANDWIDTH from the plan's rate ceilings (measured once the version is complete). */
  renditions: StoredRendition[];
  hasAudio: boolean;
  /** The source's duration: what the version holds once complete. */
  duration: number;
}

/** The growing version a video can be watched from now, if any (the row's JSON, parsed). */
export function livePlaybackOf(video: { status: VideoStatus; liveVersion: string | null; livePlayback: unknown }): LivePlayback | undefined {
  if (video.status !== 'processing' || !video.liveVersion || !video.livePlayback) return undefined;
  const live = (typeof video.livePlayback === 'string' ? JSON.parse(video.livePlayback) : video.livePlayback) as LivePlayback;
  return live.version === video.liveVersion ? live : undefined;
}

/** Columns that withdraw a growing version from viewers (every way an attempt stops holding its video). */
const NO_LIVE = { liveVersion: null, livePlayback: null } as const;

type VersionRow = Omit<PublishedVersion, 'prefix' | 'renditions' | 'workerId' | 'prunedRenditions'> & { renditions: unknown; prunedRenditions: unknown };

const parseJson = (v: unknown) => (typeof v === 'string' ? JSON.parse(v) : v);

function toPublished(videoId: string, row: VersionRow): PublishedVersion {
  const renditions = parseJson(row.renditions) as StoredRendition[];
  const prunedRenditions = (parseJson(row.prunedRenditions) ?? []) as StoredRendition[];
  return { ...row, renditions, prunedRenditions, prefix: versionPrefix(videoId, row.version) };
}

/** The columns of a version row that make a PublishedVersion. */
const VERSION_COLUMNS = ['version', 'masterPath', 'renditions', 'hasAudio', 'posterPath', 'storyboardPath', 'duration', 'prunedRenditions'] as const;

/**
 * The status machine of a video, driven by ingest and the transcode worker:
 * awaiting_upload → uploaded → processing → ready | failed; failed → uploaded only by an explicit
 * reprocess. Each attempt at processing holds a fencing token (`lease`). Each transition is one conditional UPDATE, so two workers racing on one video cannot both win.
 */
export function createLifecycle(db: Db, onChange: (videoId: string) => Promise<void>) {
  /**
   * A write of the attempt holding `lease` on a video it is processing. False when it no longer
   * holds it (deleted, or taken over after it was presumed dead): the attempt must stop.
   */
  async function updateWhileHeld(videoId: string, lease: string, set: Record<string, unknown>): Promise<boolean> {
    const r = await db
      .updateTable('videos')
      .set(set)
      .where('videoId', '=', videoId)
      .where('leaseToken', '=', lease)
      .where('status', '=', 'processing')
      .executeTakeFirst();
    await onChange(videoId);
    return Number(r.numUpdatedRows) > 0;
  }

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
     * The last byte of an upload is durable in staging: the video is `uploaded` (its file is ours)
     * while the hand-off copies it to the object store in the background. Returns false when the
     * video was not waiting for its file (already received, or deleted).
     */
    async markReceived(videoId: string, original: { filename: string | null; sizeBytes: number }): Promise<boolean> {
      const ok = await transition(videoId, ['awaiting_upload'], { status: 'uploaded', originalFilename: original.filename, originalSizeBytes: original.sizeBytes, progress: 0, originalStoredAt: null });
      await onChange(videoId);
      return ok;
    },

    /**
     * The original is in the object store: record it and queue its transcode in ONE transaction,
     * so either both happened or neither did. False when it was recorded already (a second
     * hand-off of the same upload), so a repeated hand-off never queues twice.
     */
    async markOriginalStored(videoId: string, enqueue: (trx: Db) => Promise<unknown>): Promise<boolean> {
      const ok = await db.transaction().execute(async (trx) => {
        const r = await trx
          .updateTable('videos')
          .set({ originalStoredAt: sql`now()`, updatedAt: sql`now()` })
          .where('videoId', '=', videoId)
          .where('status', '=', 'uploaded')
          .where('originalStoredAt', 'is', null)
          .executeTakeFirst();
        const moved = Number(r.numUpdatedRows) > 0;
        if (moved) await enqueue(trx);
        return moved;
      });
      await onChange(videoId);
      return ok;
    },

    /** Received and stored in one step (the original is already in the object store). */
    async markUploaded(videoId: string, original: { filename: string | null; sizeBytes: number }, enqueue: (trx: Db) => Promise<unknown>): Promise<boolean> {
      const ok = await db.transaction().execute(async (trx) => {
        const moved = await transition(videoId, ['awaiting_upload'], {
          status: 'uploaded', originalFilename: original.filename, originalSizeBytes: original.sizeBytes, progress: 0, originalStoredAt: sql`now()`,
        }, trx);
        if (moved) await enqueue(trx);
        return moved;
      });
      await onChange(videoId);
      return ok;
    },

    /** A failed video goes back on the queue (owner's "try again"), in one transaction. */
    async requeueFailed(videoId: string, enqueue: (trx: Db) => Promise<unknown>): Promise<boolean> {
      const ok = await db.transaction().execute(async (trx) => {
        const moved = await transition(videoId, ['failed'], { status: 'uploaded', failureReason: null, progress: 0, leaseToken: null }, trx);
        if (moved) await enqueue(trx);
        return moved;
      });
      await onChange(videoId);
      return ok;
    },

    /**
     * Claims the video for one attempt of job `jobId` and returns the attempt's fencing token, or
     * null when the video is not waiting for a transcode. A retry of the same job takes over from
     * an attempt that stopped (`processing`), and the old attempt's token stops working. A `ready`
     * or `failed` video is never claimed: only an explicit reprocess moves it back to `uploaded`.
     */
    async markProcessing(videoId: string, jobId: string): Promise<string | null> {
      const lease = randomUUID();
      const r = await db
        .updateTable('videos')
        .set({ status: 'processing', progress: 0, failureReason: null, jobId, leaseToken: lease, jobHeartbeatAt: sql`now()`, updatedAt: sql`now()`, ...NO_LIVE })
        .where('videoId', '=', videoId)
        .where('status', 'in', ['uploaded', 'processing'])
        .where('originalStoredAt', 'is not', null)
        .executeTakeFirst();
      await onChange(videoId);
      return Number(r.numUpdatedRows) > 0 ? lease : null;
    },

    /**
     * Progress and heartbeat in one write. False when the attempt no longer holds the video
     * (deleted, or taken over after it was presumed dead): the attempt must stop.
     */
    heartbeat(videoId: string, lease: string, progress: number): Promise<boolean> {
      return updateWhileHeld(videoId, lease, { progress: Math.max(0, Math.min(100, progress)), jobHeartbeatAt: sql`now()` });
    },

    /**
     * The attempt holding `lease` has every rung's first segments uploaded under `live.version`:
     * viewers may watch it from now on while the rest encodes. False when the attempt no longer
     * holds the video (it must stop).
     */
    markPlayable(videoId: string, lease: string, live: LivePlayback): Promise<boolean> {
      // The row's duration is what the view rule and watch history read: a view counts while it grows.
      return updateWhileHeld(videoId, lease, { liveVersion: live.version, livePlayback: JSON.stringify(live), duration: live.duration, updatedAt: sql`now()` });
    },

    /**
     * The attempt holding `lease` stopped without publishing (an error it retries, a shutdown): its
     * growing version stops being watchable at once, before the queue's retry claims the video,
     * so no half-ladder stays playable. A no-op when the attempt no longer holds the video.
     */
    async withdrawPlayable(videoId: string, lease: string): Promise<void> {
      const r = await db
        .updateTable('videos')
        .set({ ...NO_LIVE, updatedAt: sql`now()` })
        .where('videoId', '=', videoId)
        .where('leaseToken', '=', lease)
        .where('liveVersion', 'is not', null)
        .executeTakeFirst();
      if (Number(r.numUpdatedRows) > 0) await onChange(videoId);
    },

    /**
     * Marks the video failed with a reason its owner can read. With `lease`, only while that
     * attempt still holds the video (a stale attempt cannot fail a video another one is working).
     */
    async markFailed(videoId: string, reason: string, opts: { lease?: string; retryable?: boolean } = {}): Promise<void> {
      let q = db
        .updateTable('videos')
        .set({ status: 'failed', failureReason: reason, failureRetryable: opts.retryable ?? true, jobHeartbeatAt: null, leaseToken: null, updatedAt: sql`now()`, ...NO_LIVE })
        .where('videoId', '=', videoId)
        .where('status', 'in', ['uploaded', 'processing']);
      if (opts.lease) q = q.where('leaseToken', '=', opts.lease);
      await q.execute();
      await onChange(videoId);
    },

    /**
     * Takes the video away from a job presumed dead (its heartbeat stopped): its token stops
     * working, so if it wakes up it can neither beat nor publish. True when the job held it.
     */
    async revokeLease(videoId: string, jobId: string): Promise<boolean> {
      const r = await db
        .updateTable('videos')
        .set({ leaseToken: null, ...NO_LIVE })
        .where('videoId', '=', videoId)
        .where('jobId', '=', jobId)
        .where('status', '=', 'processing')
        .executeTakeFirst();
      await onChange(videoId);
      return Number(r.numUpdatedRows) > 0;
    },

    /**
     * Stores the version and makes it current in one transaction, only while `lease` still holds
     * the video: a half-published ladder is never visible, and a stale attempt never publishes.
     * The version it replaces is marked superseded (still served until its grace period ends).
     */
    async publish(videoId: string, lease: string, v: PublishedVersion, dims: { width: number; height: number }): Promise<boolean> {
      const ok = await db.transaction().execute(async (trx) => {
        const holder = await trx.selectFrom('videos').select(['leaseToken', 'status', 'currentVersion']).where('videoId', '=', videoId).forUpdate().executeTakeFirst();
        if (!holder || holder.leaseToken !== lease || holder.status !== 'processing') return false;
        await trx
          .insertInto('videoVersions')
          .values({
            videoId, version: v.version, masterPath: v.masterPath, renditions: JSON.stringify(v.renditions), hasAudio: v.hasAudio,
            posterPath: v.posterPath, storyboardPath: v.storyboardPath, duration: v.duration, workerId: v.workerId ?? null,
          })
          .execute();
        if (holder.currentVersion) {
          await trx.updateTable('videoVersions').set({ supersededAt: sql`now()` }).where('videoId', '=', videoId).where('version', '=', holder.currentVersion).execute();
        }
        return transition(videoId, ['processing'], {
          status: 'ready', currentVersion: v.version, duration: v.duration, width: dims.width, height: dims.height,
          progress: 100, failureReason: null, processedAt: sql`now()`, jobHeartbeatAt: null, leaseToken: null, ...NO_LIVE,
        }, trx);
      });
      await onChange(videoId);
      return ok;
    },

    /**
     * Publishes a version derived from the current one without an encode attempt (a ladder with
     * unplayed rungs left out, or a re-encode that brings them back): in one transaction, and
     * only while the video is ready, no attempt holds it and `fromVersion` is still current (a
     * compare-and-swap: a concurrent publish or delete makes it refuse). The video stays ready
     * throughout, so it plays on the old version until the switch and on the new one after; the
     * old one is superseded (served through its grace period, then swept).
     */
    async publishDerived(videoId: string, fromVersion: string, v: PublishedVersion, dims: { width: number; height: number }): Promise<boolean> {
      const ok = await db.transaction().execute(async (trx) => {
        const holder = await trx.selectFrom('videos').select(['leaseToken', 'status', 'currentVersion']).where('videoId', '=', videoId).forUpdate().executeTakeFirst();
        if (!holder || holder.status !== 'ready' || holder.leaseToken !== null || holder.currentVersion !== fromVersion) return false;
        await trx
          .insertInto('videoVersions')
          .values({
            videoId, version: v.version, masterPath: v.masterPath, renditions: JSON.stringify(v.renditions), hasAudio: v.hasAudio,
            posterPath: v.posterPath, storyboardPath: v.storyboardPath, duration: v.duration, workerId: v.workerId ?? null,
            prunedRenditions: v.prunedRenditions?.length ? JSON.stringify(v.prunedRenditions) : null,
          })
          .execute();
        await trx.updateTable('videoVersions').set({ supersededAt: sql`now()` }).where('videoId', '=', videoId).where('version', '=', fromVersion).execute();
        return transition(videoId, ['ready'], { currentVersion: v.version, width: dims.width, height: dims.height }, trx);
      });
      await onChange(videoId);
      return ok;
    },

    /** A published version that is still served: current, or superseded within its grace period. */
    async servableVersion(videoId: string, version: string): Promise<PublishedVersion | undefined> {
      const row = await db
        .selectFrom('videoVersions')
        .select(VERSION_COLUMNS)
        .where('videoId', '=', videoId)
        .where('version', '=', version)
        .executeTakeFirst();
      return row ? toPublished(videoId, row) : undefined;
    },

    async currentVersion(videoId: string): Promise<PublishedVersion | undefined> {
      const row = await db
        .selectFrom('videos')
        .innerJoin('videoVersions', (j) => j.onRef('videoVersions.videoId', '=', 'videos.videoId').onRef('videoVersions.version', '=', 'videos.currentVersion'))
        .select(VERSION_COLUMNS.map((c) => `videoVersions.${c}` as const))
        .where('videos.videoId', '=', videoId)
        .executeTakeFirst();
      return row ? toPublished(videoId, row) : undefined;
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
