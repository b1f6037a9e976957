import { createReplyCache } from '../../platform/http/reply-cache.js';
import { createLastKnown, LAST_KNOWN_MAX_AGE_MS } from '../../platform/cache/last-known.js';
import { AppError, notFound } from '../../platform/errors.js';
import { newId } from '../../platform/ids.js';
import { assertOwnerOrAdmin, type RequestPrincipal } from '../../platform/http/auth.js';
import type { Cache } from '../../platform/cache/port.js';
import type { Db, Visibility } from '../../platform/db/index.js';
import type { ObjectStore } from '../../platform/storage/port.js';
import type { Logger } from '../../platform/log.js';
import { mediaPrefix, originalsPrefix } from '../media-layout/index.js';
import { catalogQueries, type VideoRecord, type VideoSort } from './queries.js';
import { livePlaybackOf } from './lifecycle.js';

export type { VideoRecord, VideoSort } from './queries.js';

// Video rows are cached for an hour. Every write invalidates the row after it commits, and fills
// go through cache leases (see `load`), so a stale answer never outlives a change.
export const VIDEO_CACHE_TTL_SEC = 3600;
/**
 * How long a reader may hold the right to fill a row after a miss: far longer than one primary-key
 * read. A lease that lapses only costs a fill (the next miss leases again), never correctness.
 */
export const VIDEO_LEASE_TTL_SEC = 10;
export const videoCacheKey = (videoId: string) => `video:${videoId}`;
/**
 * The key of answers derived from a video row (delivery's serialised play answer), dropped with
 * the row on every write: a reader that finds it gone and rebuilds it reads the row after the
 * row's own key is gone (see `invalidate`).
 */
export const videoAnswerCacheKey = (videoId: string) => `video:${videoId}:answer`;
/** Every key a write to the video drops, in the order `invalidate` drops them. For test helpers that write rows directly. */
export const videoCacheKeys = (videoId: string) => [videoCacheKey(videoId), videoAnswerCacheKey(videoId)];
/**
 * A cached anonymous list lives at most a minute: writes drop it at once, so this bounds only what
 * no write announces (e.g. a row changed by hand in SQL).
 */
export const LISTING_CACHE_TTL_SEC = 60;

export interface NewVideo {
  title: string;
  description?: string;
  tags?: string[];
  visibility: Visibility;
}

/** Whether `principal` may see unpublished state: upload URL, progress, failure details. */
export const isOwnerOrAdmin = (video: VideoRecord, principal: RequestPrincipal | null) =>
  !!principal && (principal.userId === video.userId || principal.role === 'admin');

/**
 * Whether `principal` may see `video` at all. Its owner and admins always may; anyone else only
 * once it is playable and not private: ready, or processing with its first segments published (as
 * YouTube, which opens an upload to its audience once the first, low-resolution rendition is
 * processed, and adds the others as they finish). A video still waiting for its file, failed, or
 * processing with nothing playable yet does not exist for others (as an unpublished video on
 * YouTube): its state and failure details (the creator's file name, ffprobe's words) are the
 * creator's business. Listings, search and ranking still show only ready videos.
 */
export function canView(video: VideoRecord, principal: RequestPrincipal | null): boolean {
  return isOwnerOrAdmin(video, principal) || (video.visibility !== 'private' && isPlayable(video));
}

/** Whether `/play` answers with a stream: ready, or processing with a growing version published. */
export const isPlayable = (video: VideoRecord) => video.status === 'ready' || livePlaybackOf(video) !== undefined;

function encodeCursor(sort: VideoSort, v: VideoRecord): string {
  const key = sort === 'popular' ? v.viewCount : v.createdAt.getTime();
  return Buffer.from(JSON.stringify([key, v.videoId])).toString('base64url');
}

function decodeCursor(cursor: string): { key: number; videoId: string } {
  try {
    const [key, videoId] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as [unknown, unknown];
    if (typeof key === 'number' && Number.isFinite(key) && typeof videoId === 'string') return { key, videoId };
  } catch {
    // Fall through: any malformed cursor gets the same clear error below.
  }
  throw new AppError('INVALID_CURSOR', 400, 'The cursor is not one we issued. Start again without it.');
}

/** A video row as it comes back from the cache: JSON turned its Dates into ISO strings. */
type CachedVideo = Omit<VideoRecord, 'createdAt' | 'updatedAt' | 'processedAt'> & { createdAt: string; updatedAt: string; processedAt: string | null };

const reviveDates = (v: CachedVideo): VideoRecord => ({
  ...v, createdAt: new Date(v.createdAt), updatedAt: new Date(v.updatedAt), processedAt: v.processedAt ? new Date(v.processedAt) : null,
});

/** Tags are trimmed, lower-cased and de-duplicated, so `Cats`, `cats ` and `cats` are one tag. */
const normaliseTags = (tags: string[] | undefined) => [...new Set((tags ?? []).map((t) => t.trim().toLowerCase()).filter(Boolean))];

/**
 * Decides, inside the transaction that inserts a new video, whether its creator may create it
 * (the quotas), throwing what to do if not. Run in the same transaction so that concurrent
 * creations cannot all pass one check.
 */
export type AdmitVideo = (trx: Db, principal: RequestPrincipal, videoId: string) => Promise<void>;

/**
 * Takes a video's media off the cache tiers (delivery's edge purge), queued inside `trx`: called
 * when a video is made private or deleted, before its media objects are removed.
 */
export type WithdrawMedia = (videoId: string, trx: Db) => Promise<void>;

/**
 * The video catalog: metadata, visibility and ownership. Reads go through the cache port.
 * @example const catalog = createCatalogService({ db, cache, store, log });
 */
export function createCatalogService(deps: { db: Db; readDb?: Db; cache: Cache; store: ObjectStore; log: Logger; admitVideo?: AdmitVideo; withdrawMedia?: WithdrawMedia }) {
  const q = catalogQueries(deps.db);
  const rq = catalogQueries(deps.readDb ?? deps.db);
  const lastKnown = createLastKnown<VideoRecord>({ max: 5_000, maxAgeMs: LAST_KNOWN_MAX_AGE_MS });
  /** Rows handed out from `lastKnown` through an outage: they may predate a write, so nothing may be cached from them. */
  const staleRows = new WeakSet<VideoRecord>();
  // Anonymous listings, channel pages and searches, served as cached bodies (bench/http: a page
  // of 20 costs ~20× a /play in SQL and serialisation). Every write to a video drops them all: any
  // write can move a video in or out of a list, and writes are rare next to reads.
  const listings = createReplyCache({ cache: deps.cache, family: 'listings', ttlSec: LISTING_CACHE_TTL_SEC });

  /**
   * A video row, from the cache or the primary. Cache-aside with a lease (Cache.getOrLease): the
   * lease is taken BEFORE the database read and the fill lands only while the key still holds it.
   * Every write calls `invalidate` after its commit, which deletes the key and so the lease. A
   * reader that read the row before a commit therefore took its lease before that commit's
   * invalidation: its fill is refused, or lands first and is deleted. So a row from before a
   * change (a video just made private, or deleted) can never be written back over the change, on
   * either adapter and across api processes sharing Redis.
   */
  async function load(videoId: string): Promise<VideoRecord | undefined> {
    const key = videoCacheKey(videoId);
    const read = await deps.cache.getOrLease<CachedVideo>(key, VIDEO_LEASE_TTL_SEC);
    if (read.hit) return reviveDates(read.value);
    // Read from the primary: a replica could hand back the state from before a write we just made.
    // Through an outage, the row this process read last stands in (uploads, media, /play go on).
    const { value: row, stale } = await lastKnown.read(videoId, () => q.findVideo(videoId));
    if (row && stale) staleRows.add(row);
    if (row && read.lease && !stale) await deps.cache.setLeased(key, read.lease, row, VIDEO_CACHE_TTL_SEC);
    return row;
  }

  /**
   * Call after a write to the video's row has COMMITTED (see `load` for why the order matters).
   * The row's key goes first, then the derived answer's: whoever misses the answer after its
   * delete (and takes its lease) then reads the row after the row's delete, so never the old row.
   */
  const invalidate = async (videoId: string) => {
    lastKnown.forget(videoId);
    const [row, answer] = videoCacheKeys(videoId);
    await Promise.all([deps.cache.del(row!).then(() => deps.cache.del(answer!)), listings.invalidate()]);
  };

  /** A video the caller may see (canView), or a 404 that does not reveal whether a hidden one exists. */
  async function getVisible(videoId: string, principal: RequestPrincipal | null): Promise<VideoRecord> {
    const video = await load(videoId);
    if (!video || !canView(video, principal)) throw notFound('VIDEO_NOT_FOUND', `No video with id "${videoId}". Check the link, or sign in if it is private.`);
    return video;
  }

  async function getOwned(videoId: string, principal: RequestPrincipal): Promise<VideoRecord> {
    const video = await getVisible(videoId, principal);
    assertOwnerOrAdmin(principal, video.userId);
    return video;
  }

  return {
    load,
    invalidate,
    /** Cached bodies of anonymous lists of videos (listing, channel pages, search); dropped by `invalidate`. */
    listings,
    getVisible,
    getOwned,
    /** Whether `video` came from this process's last-known copy through a database outage: never cache anything built from it. */
    isStale: (video: VideoRecord) => staleRows.has(video),

    async create(principal: RequestPrincipal, input: NewVideo): Promise<VideoRecord> {
      const videoId = newId();
      await deps.db.transaction().execute(async (trx) => {
        await deps.admitVideo?.(trx, principal, videoId);
        await catalogQueries(trx).insertVideo({
          videoId,
          userId: principal.userId,
          title: input.title.trim(),
          description: input.description ?? '',
          tags: normaliseTags(input.tags),
          visibility: input.visibility,
        });
      });
      return (await load(videoId))!;
    },

    async update(videoId: string, principal: RequestPrincipal, patch: Partial<NewVideo>): Promise<VideoRecord> {
      const before = await getOwned(videoId, principal);
      // Public and unlisted media sit in the cache tiers; made private, they must leave them.
      const withdraw = patch.visibility === 'private' && before.visibility !== 'private' && deps.withdrawMedia;
      await deps.db.transaction().execute(async (trx) => {
        await catalogQueries(trx).updateVideo(videoId, {
          ...(patch.title !== undefined ? { title: patch.title.trim() } : {}),
          ...(patch.description !== undefined ? { description: patch.description } : {}),
          ...(patch.tags !== undefined ? { tags: normaliseTags(patch.tags) } : {}),
          ...(patch.visibility !== undefined ? { visibility: patch.visibility } : {}),
        });
        if (withdraw) await withdraw(videoId, trx);
      });
      await invalidate(videoId);
      return (await load(videoId))!;
    },

    /**
     * Deletes the row first (so the video disappears at once everywhere), then its objects.
     * A crash between the two leaves unreferenced objects, never a video without its media.
     */
    async remove(videoId: string, principal: RequestPrincipal): Promise<void> {
      const before = await getOwned(videoId, principal);
      await deps.db.transaction().execute(async (trx) => {
        await catalogQueries(trx).deleteVideo(videoId);
        if (before.visibility !== 'private' && deps.withdrawMedia) await deps.withdrawMedia(videoId, trx);
      });
      await invalidate(videoId);
      await Promise.all([deps.store.deletePrefix(originalsPrefix(videoId)), deps.store.deletePrefix(mediaPrefix(videoId))]);
      deps.log.info({ videoId }, 'video deleted');
    },

    /**
     * The user id an `owner` filter (a user id or a username) names, or null when it names nobody.
     * The caller's own id or name needs no lookup: their own list must not wait for a replica
     * that has not seen their account yet; anyone else's is a public listing, read where it lags.
     */
    async resolveOwner(owner: string, principal: RequestPrincipal | null): Promise<string | null> {
      if (principal && (owner === principal.userId || owner.toLowerCase() === principal.username.toLowerCase())) return principal.userId;
      return rq.findOwnerId(owner);
    },

    async list(opts: { principal: RequestPrincipal | null; ownerId?: string; sort: VideoSort; limit: number; cursor?: string }) {
      const isOwnList = !!opts.ownerId && !!opts.principal && (opts.principal.userId === opts.ownerId || opts.principal.role === 'admin');
      // A creator's own list shows every state (a video just created, an upload just finished),
      // so it must see their latest writes: the primary. Public listings tolerate replica lag.
      const source = isOwnList ? q : rq;
      const rows = await source.listVideos({
        ownerId: opts.ownerId,
        includeUnpublished: isOwnList,
        sort: opts.sort,
        limit: opts.limit + 1,
        after: opts.cursor ? decodeCursor(opts.cursor) : undefined,
      });
      const items = rows.slice(0, opts.limit);
      const last = items[items.length - 1];
      return { items, nextCursor: rows.length > opts.limit && last ? encodeCursor(opts.sort, last) : null };
    },
  };
}

export type CatalogService = ReturnType<typeof createCatalogService>;
