import type { QuotaLimits } from '../../config.js';
import { AppError } from '../../platform/errors.js';
import type { Db } from '../../platform/db/index.js';
import type { RequestPrincipal } from '../../platform/http/auth.js';
import { DAY_SEC, quotaQueries, type Usage } from './queries.js';
import { describeWhen, formatBytes, nextRoom, type WindowEntry } from './rolling-window.js';

export type QuotaName = keyof QuotaLimits;

const DAY_MS = DAY_SEC * 1000;

/**
 * The refusal: `429 QUOTA_EXCEEDED` for counts, `413` for bytes (RFC 9110 §15.5.14: with
 * Retry-After when the condition is temporary). `details` says which quota, its limit, what is
 * used, and when it resets (null when waiting will not help: the person must delete or finish
 * something). The HTTP layer turns `retryAfterSec` into the Retry-After header.
 */
function exceeded(quota: QuotaName, status: 413 | 429, f: { limit: number; used: number; requested?: number; resetsAt: Date | null; now: Date }, message: string) {
  const retryAfterSec = f.resetsAt ? Math.max(1, Math.ceil((f.resetsAt.getTime() - f.now.getTime()) / 1000)) : undefined;
  return new AppError('QUOTA_EXCEEDED', status, message, {
    details: { quota, limit: f.limit, used: f.used, ...(f.requested !== undefined ? { requested: f.requested } : {}), resetsAt: f.resetsAt?.toISOString() ?? null },
    ...(retryAfterSec ? { retryAfterSec } : {}),
  });
}

const total = (entries: WindowEntry[]) => entries.reduce((sum, e) => sum + e.amount, 0);
const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

function checkNewVideo(u: Usage, limits: QuotaLimits) {
  const { unfinishedUploads: maxUnfinished, videosPerDay } = limits;
  if (maxUnfinished && u.unfinishedUploads >= maxUnfinished) {
    throw exceeded('unfinishedUploads', 429, { limit: maxUnfinished, used: u.unfinishedUploads, resetsAt: null, now: u.now },
      `You have ${plural(u.unfinishedUploads, 'video', 'videos')} waiting for a file, the most allowed at once. Upload their files or delete the ones you no longer need, then create another.`);
  }
  const created = u.videosCreated.length;
  if (videosPerDay && created >= videosPerDay) {
    const resetsAt = nextRoom(u.videosCreated, DAY_MS, videosPerDay, 1);
    throw exceeded('videosPerDay', 429, { limit: videosPerDay, used: created, resetsAt, now: u.now },
      `You created ${plural(created, 'video', 'videos')} in the last 24 hours, the most allowed.${resetsAt ? ` You can create another ${describeWhen(resetsAt, u.now)}.` : ''}`);
  }
}

function checkActiveJobs(u: Usage, limits: QuotaLimits, what: string) {
  if (limits.activeJobs && u.activeJobs + 1 > limits.activeJobs) {
    throw exceeded('activeJobs', 429, { limit: limits.activeJobs, used: u.activeJobs, resetsAt: null, now: u.now },
      `You have ${plural(u.activeJobs, 'video', 'videos')} uploading or waiting to be processed, the most allowed at once. ${what} once one of them is ready.`);
  }
}

function checkUpload(u: Usage, limits: QuotaLimits, sizeBytes: number) {
  checkActiveJobs(u, limits, 'Start this upload');
  const { storageBytes, uploadBytesPerDay } = limits;
  if (storageBytes && u.storageBytes + sizeBytes > storageBytes) {
    throw exceeded('storageBytes', 413, { limit: storageBytes, used: u.storageBytes, requested: sizeBytes, resetsAt: null, now: u.now },
      sizeBytes > storageBytes
        ? `This file (${formatBytes(sizeBytes)}) is larger than your whole storage quota (${formatBytes(storageBytes)}).`
        : `This file (${formatBytes(sizeBytes)}) would bring your videos to ${formatBytes(u.storageBytes + sizeBytes)}, over your storage quota of ${formatBytes(storageBytes)}. Delete videos you no longer need to make room.`);
  }
  const today = total(u.bytesUploaded);
  if (uploadBytesPerDay && today + sizeBytes > uploadBytesPerDay) {
    const resetsAt = nextRoom(u.bytesUploaded, DAY_MS, uploadBytesPerDay, sizeBytes);
    throw exceeded('uploadBytesPerDay', 413, { limit: uploadBytesPerDay, used: today, requested: sizeBytes, resetsAt, now: u.now },
      resetsAt
        ? `This file (${formatBytes(sizeBytes)}) would bring your uploads of the last 24 hours to ${formatBytes(today + sizeBytes)}, over the daily limit of ${formatBytes(uploadBytesPerDay)}. You can upload it ${describeWhen(resetsAt, u.now)}.`
        : `This file (${formatBytes(sizeBytes)}) is larger than the daily upload limit (${formatBytes(uploadBytesPerDay)}).`);
  }
}

/** One quota as the API reports it: `limit` null when there is none. */
export interface QuotaFigure {
  limit: number | null;
  used: number;
  /** When the oldest thing counted leaves the 24-hour window (daily quotas), else null. */
  resetsAt: string | null;
}

const figure = (limit: number, used: number, window?: WindowEntry[]): QuotaFigure => {
  const oldest = window?.length ? Math.min(...window.map((e) => e.at.getTime())) : undefined;
  return { limit: limit || null, used, resetsAt: oldest !== undefined ? new Date(oldest + DAY_MS).toISOString() : null };
};

/**
 * Per-user quotas (issue 9): what one account may create, upload, keep and queue, so no account
 * can fill the disk or the transcode queue. Every decision runs in a transaction under a per-user
 * lock, together with the write it admits: concurrent requests are judged one after another and
 * never overshoot a limit. Admins are exempt (what they do is still recorded).
 */
export function createQuotaService(deps: { db: Db; limits: QuotaLimits; maxUploadBytes: number }) {
  const { limits } = deps;
  const isExempt = (p: RequestPrincipal) => p.role === 'admin';

  return {
    /**
     * Admits a new video of `principal` inside the catalog's insert transaction `trx`, or throws
     * QUOTA_EXCEEDED (unfinished uploads, videos per day).
     */
    async admitVideo(trx: Db, principal: RequestPrincipal, videoId: string): Promise<void> {
      const q = quotaQueries(trx);
      await q.lockUser(principal.userId);
      if (!isExempt(principal)) checkNewVideo(await q.usage(principal.userId), limits);
      await q.recordVideo(principal.userId, videoId);
    },

    /**
     * Admits the start of an upload of `sizeBytes` (its declared Upload-Length) to `ownerId`'s
     * video, before a byte is accepted, and charges it; or throws QUOTA_EXCEEDED (active jobs,
     * storage, bytes per day). A new start of the same video's upload replaces its earlier charge.
     */
    async admitUpload(principal: RequestPrincipal, ownerId: string, videoId: string, sizeBytes: number): Promise<void> {
      await deps.db.transaction().execute(async (trx) => {
        const q = quotaQueries(trx);
        await q.lockUser(ownerId);
        if (!isExempt(principal)) checkUpload(await q.usage(ownerId, videoId), limits, sizeBytes);
        await q.recordUpload(ownerId, videoId, sizeBytes);
        await q.prune(ownerId);
      });
    },

    /** Admits one more transcode job of `ownerId` (a failed video processed again) inside `trx`. */
    async admitJob(trx: Db, principal: RequestPrincipal, ownerId: string, videoId: string): Promise<void> {
      const q = quotaQueries(trx);
      await q.lockUser(ownerId);
      if (!isExempt(principal)) checkActiveJobs(await q.usage(ownerId, videoId), limits, 'Try again');
    },

    /** The caller's limits and what they used, for the web app and integrators to show. */
    async report(principal: RequestPrincipal) {
      const u = await quotaQueries(deps.db).usage(principal.userId);
      return {
        exempt: isExempt(principal),
        maxUploadBytes: deps.maxUploadBytes,
        quotas: {
          videosPerDay: figure(limits.videosPerDay, u.videosCreated.length, u.videosCreated),
          uploadBytesPerDay: figure(limits.uploadBytesPerDay, total(u.bytesUploaded), u.bytesUploaded),
          storageBytes: figure(limits.storageBytes, u.storageBytes),
          unfinishedUploads: figure(limits.unfinishedUploads, u.unfinishedUploads),
          activeJobs: figure(limits.activeJobs, u.activeJobs),
        },
      };
    },
  };
}

export type QuotaService = ReturnType<typeof createQuotaService>;
