import { createLastKnown, LAST_KNOWN_MAX_AGE_MS } from '../../platform/cache/last-known.js';
import { AppError, notFound } from '../../platform/errors.js';
import type { RequestPrincipal } from '../../platform/http/auth.js';
import type { Cache } from '../../platform/cache/port.js';
import { livePlaybackOf, videoCacheKey, type CatalogService, type Lifecycle, type PublishedVersion, type VideoRecord } from '../catalog/index.js';
import type { EventRecorder } from '../analytics/index.js';
import { mediaPathFor, type MediaPath } from './media-path.js';
import { recommendRendition, type ClientHints } from './rendition-choice.js';
import { signMediaToken, tokenExpiry, verifyMediaToken } from './signed-url.js';
import { AUDIO_DIR, rungPlaylist, versionPrefix } from '../media-layout/index.js';
import { resumeAtSec } from '../engagement/index.js';

/** Published versions are immutable, so their cache entry only ages out; 1 h like the video row. */
export const VERSION_CACHE_TTL_SEC = 3600;
/** Signed private URLs live 6 h (plus up to 5 min of rounding); /play issues fresh ones. */
export const DEFAULT_TOKEN_TTL_SEC = 6 * 3600;
export const IMMUTABLE_CACHE_CONTROL = 'public, max-age=31536000, immutable';
/**
 * The playlists of a version still being encoded change every segment (and become VOD at the
 * end): one second, so an edge coalesces a crowd's polls into one fetch a second and a player
 * polling every target duration (2 s) always gets news. Segments never change: immutable as usual.
 */
export const GROWING_PLAYLIST_MAX_AGE_SEC = 1;

/**
 * The cache key of one published version's playback info. It shares the `video:{id}` family but
 * never needs invalidating: a version never changes after publish, and which version is current
 * comes from the video row (`video:{id}`), which the catalog invalidates on every publish, edit
 * and delete. So a publish switches readers to a new key instead of leaving a stale one behind.
 */
export const versionCacheKey = (videoId: string, version: string) => `${videoCacheKey(videoId)}:version:${version}`;

export interface DeliveryDeps {
  catalog: CatalogService;
  lifecycle: Pick<Lifecycle, 'currentVersion' | 'servableVersion'>;
  cache: Cache;
  analytics: Pick<EventRecorder, 'recordEvent'>;
  /** Where a signed-in viewer last was in a video (engagement's watch history; null: never, or history paused). */
  lastPosition?: (videoId: string, userId: string) => Promise<number | null>;
  /**
   * Base of every media URL handed out (an edge/CDN, or the api itself): config.mediaBaseUrl.
   * Unset, URLs are root-relative (`/media/…`): browsers and hls.js resolve them against the
   * page, so they reach this origin by whatever name the viewer used.
   */
  mediaBaseUrl?: string;
  signingSecret: string;
  tokenTtlSec?: number;
  /** A viewer asked for a rendition the storage lifecycle removed (operations' restore trigger). */
  onRemovedRenditionAsked?: (videoId: string) => Promise<void>;
  /** Clock in Unix seconds; tests pass a fixed one. */
  nowSec?: () => number;
}

export interface PlayableRendition {
  label: string;
  width: number;
  height: number;
  bandwidth: number;
  url: string;
}

export interface ReadyPlayback {
  videoId: string;
  title: string;
  description: string;
  duration: number;
  hlsManifest: string;
  renditions: PlayableRendition[];
  /** The audio rendition's media playlist (null for silent videos), so players can prefetch it. */
  audioUrl: string | null;
  recommendedRendition: string | null;
  posterUrl: string | null;
  storyboardUrl: string | null;
  /** When the signed URLs stop working (private videos); null when they never do. */
  expiresAt: string | null;
  /** Where this viewer left off (5 %–90 % of the video), or null: start at 0. */
  resumeAtSec: number | null;
  /** Labels of rungs removed for want of plays (they come back when asked for). */
  removedRenditions?: string[];
  /**
   * Still being encoded: the media playlists are growing EVENT playlists (no `EXT-X-ENDLIST` yet),
   * renditions' bandwidths are ceilings, no poster or storyboard yet. Start at 0 and follow.
   */
  processing: boolean;
}

export type PlayResult =
  /** `video`: the row the answer was built from (play-answers.ts decides from it whether the answer may be shared). */
  | { kind: 'ready'; playback: ReadyPlayback; video: VideoRecord }
  | { kind: 'pending'; status: VideoRecord['status']; progress: number }
  | { kind: 'failed'; failureReason: string };

/** The `video_play` event a ready answer records: a play, not a view (views come from watch beacons). */
export const playEvent = (videoId: string, userId: string | null, recommendedRendition: string | null, version: string | null, processing = false) =>
  ({ type: 'video_play', videoId, userId, props: { recommendedRendition, version, ...(processing ? { processing: true } : {}) } });

/** How the origin may serve one object: its key and the Cache-Control it gets. */
export interface MediaGrant {
  key: string;
  cacheControl: string;
  /**
   * Seconds an nginx tier may keep this answer (`X-Accel-Expires`, which wins over the tier's own
   * `proxy_cache_valid`): set for growing playlists only (edge-config.ts).
   */
  edgeExpiresSec?: number;
}

/**
 * Playback: the play API's answer (URLs, recommended rung) and the origin's access decisions.
 * @example const delivery = createDeliveryService({ catalog, lifecycle, cache, analytics, mediaBaseUrl, signingSecret });
 */
export function createDeliveryService(deps: DeliveryDeps) {
  const tokenTtlSec = deps.tokenTtlSec ?? DEFAULT_TOKEN_TTL_SEC;
  const nowSec = deps.nowSec ?? (() => Math.floor(Date.now() / 1000));
  const base = (deps.mediaBaseUrl ?? '').replace(/\/+$/, '');
  const lastKnownVersions = createLastKnown<PublishedVersion>({ max: 5_000, maxAgeMs: LAST_KNOWN_MAX_AGE_MS });

  /** The published version `version` of a video (cache first), or undefined if it is no longer current. */
  async function loadVersion(videoId: string, version: string): Promise<PublishedVersion | undefined> {
    const cached = await deps.cache.get<PublishedVersion>(versionCacheKey(videoId, version));
    if (cached) return cached;
    // Published versions never change, so the last one read here can answer through an outage.
    const { value: current } = await lastKnownVersions.read(videoId, async () => (await deps.lifecycle.currentVersion(videoId)) ?? undefined);
    if (!current) return undefined;
    await deps.cache.set(versionCacheKey(videoId, current.version), current, VERSION_CACHE_TTL_SEC);
    // A publish between reading the video row and this query: the caller's row is outdated.
    return current.version === version ? current : undefined;
  }

  /**
   * A version replaced by a newer one is still served for its grace period (the publishing sweep
   * retires it afterwards), so a viewer in the middle of it never gets a 404. Remembered briefly,
   * both ways: after retirement it stops within a minute, and probing random names costs no query.
   */
  async function isServableOlderVersion(videoId: string, version: string): Promise<boolean> {
    const key = `servable:${videoId}:${version}`;
    const cached = await deps.cache.get<boolean>(key);
    if (cached !== undefined) return cached;
    const servable = !!(await deps.lifecycle.servableVersion(videoId, version));
    await deps.cache.set(key, servable, 60);
    return servable;
  }

  /** Turns version-relative paths into media URLs (absolute, or root-relative without a base), signed for private videos. */
  function urlMaker(video: VideoRecord, prefix: string) {
    if (video.visibility !== 'private') return { expiresAtSec: null, url: (file: string) => `${base}${mediaPathFor(prefix, file)}` };
    const expSec = tokenExpiry(nowSec(), tokenTtlSec);
    const token = signMediaToken(deps.signingSecret, prefix, expSec);
    return { expiresAtSec: expSec, url: (file: string) => `${base}${mediaPathFor(prefix, file, token)}` };
  }

  async function playback(video: VideoRecord, hints: ClientHints): Promise<ReadyPlayback | undefined> {
    if (!video.currentVersion) return undefined;
    const v = await loadVersion(video.videoId, video.currentVersion);
    return v ? playbackOf(video, v, hints, false) : undefined;
  }

  /** The growing version of a video still being encoded, when its first segments are out. */
  function growingPlayback(video: VideoRecord, hints: ClientHints): ReadyPlayback | undefined {
    const live = livePlaybackOf(video);
    if (!live) return undefined;
    const v: PublishedVersion = { ...live, prefix: versionPrefix(video.videoId, live.version), posterPath: null, storyboardPath: null };
    return playbackOf(video, v, hints, true);
  }

  function playbackOf(video: VideoRecord, v: PublishedVersion, hints: ClientHints, processing: boolean): ReadyPlayback {
    const { url, expiresAtSec } = urlMaker(video, v.prefix);
    return {
      videoId: video.videoId,
      title: video.title,
      description: video.description,
      duration: v.duration,
      hlsManifest: url(v.masterPath),
      renditions: v.renditions.map((r) => ({ label: r.label, width: r.width, height: r.height, bandwidth: r.bandwidthBps, url: url(r.playlist) })),
      // The ladder layout (transcode module): one audio group at audio/index.m3u8.
      audioUrl: v.hasAudio ? url(rungPlaylist(AUDIO_DIR)) : null,
      recommendedRendition: recommendRendition(v.renditions, hints) ?? null,
      posterUrl: v.posterPath ? url(v.posterPath) : null,
      storyboardUrl: v.storyboardPath ? url(v.storyboardPath) : null,
      expiresAt: expiresAtSec === null ? null : new Date(expiresAtSec * 1000).toISOString(),
      resumeAtSec: null,
      // Only on a ladder that lost rungs: the answer for every other video stays as it was.
      ...(v.prunedRenditions?.length ? { removedRenditions: v.prunedRenditions.map((r) => r.label) } : {}),
      processing,
    };
  }

  return {
    /**
     * What a player needs to start: 404 (as an AppError) when the caller may not see the video,
     * else ready / pending / failed. A ready answer records a `video_play` event on the side (a
     * play, not a view: views come from watch beacons) and carries the viewer's resume point.
     * Pending and failed answers (progress, failure reason) reach only the owner and admins: for
     * anyone else a video that is not ready does not exist (catalog canView), so it is a 404.
     */
    async play(videoId: string, principal: RequestPrincipal | null, hints: ClientHints, asked: { quality?: string } = {}): Promise<PlayResult> {
      const video = await deps.catalog.getVisible(videoId, principal);
      if (video.status === 'failed') return { kind: 'failed', failureReason: video.failureReason ?? 'Processing failed.' };
      const ready = video.status === 'ready' ? await playback(video, hints) : video.status === 'processing' ? growingPlayback(video, hints) : undefined;
      if (!ready) return { kind: 'pending', status: video.status === 'ready' ? 'processing' : video.status, progress: Math.round(video.progress * 10) / 10 };
      // A removed quality: it starts coming back, and this viewer plays what there is meanwhile.
      if (asked.quality && ready.removedRenditions?.includes(asked.quality)) void deps.onRemovedRenditionAsked?.(videoId);
      // The row's duration, the one the view rule and history read (the same as the version's).
      if (principal && deps.lastPosition) ready.resumeAtSec = resumeAtSec(await deps.lastPosition(videoId, principal.userId), video.duration ?? ready.duration);
      deps.analytics.recordEvent(playEvent(videoId, principal?.userId ?? null, ready.recommendedRendition, ready.processing ? video.liveVersion : video.currentVersion, ready.processing));
      return { kind: 'ready', playback: ready, video };
    },

    /** The poster URL the catalog shows for a video (signed when private: only its owner sees it). */
    async posterUrlFor(video: VideoRecord): Promise<string | null> {
      if (video.status !== 'ready' || !video.currentVersion) return null;
      const v = await loadVersion(video.videoId, video.currentVersion);
      return v?.posterPath ? urlMaker(video, v.prefix).url(v.posterPath) : null;
    },

    /**
     * Decides whether the origin may serve `path`: the current version of an existing video, or
     * an older one within its grace period;
     * private videos only with a valid token. Throws 404 / 403 AppErrors otherwise.
     */
    async authorizeMedia(path: MediaPath): Promise<MediaGrant> {
      let tokenExpSec: number | undefined;
      if (path.token !== undefined) {
        // Checked before any lookup: a forged URL costs no database or cache work.
        const check = verifyMediaToken(deps.signingSecret, path.prefix, path.token, nowSec());
        if (!check.ok) {
          throw check.reason === 'expired'
            ? new AppError('MEDIA_TOKEN_EXPIRED', 403, 'This media link has expired. Ask the play API for a fresh one.')
            : new AppError('MEDIA_TOKEN_INVALID', 403, 'This media link is not valid. Ask the play API for a fresh one.');
        }
        tokenExpSec = check.expiresAtSec;
      }
      const video = await deps.catalog.load(path.videoId);
      const isGrowing = !!video && video.liveVersion === path.version && livePlaybackOf(video) !== undefined;
      if (!video || (video.currentVersion !== path.version && !isGrowing && !(await isServableOlderVersion(path.videoId, path.version)))) {
        throw notFound('MEDIA_NOT_FOUND', 'No such media file.');
      }
      if (isGrowing && path.key.endsWith('.m3u8')) {
        if (tokenExpSec === undefined && video.visibility === 'private') {
          throw new AppError('MEDIA_TOKEN_REQUIRED', 403, 'This video is private: use the signed URLs from the play API.');
        }
        const scope = tokenExpSec === undefined ? 'public' : 'private';
        return { key: path.key, cacheControl: `${scope}, max-age=${GROWING_PLAYLIST_MAX_AGE_SEC}`, edgeExpiresSec: GROWING_PLAYLIST_MAX_AGE_SEC };
      }
      if (tokenExpSec !== undefined) {
        // Never cacheable past the token's own life, and never by shared caches.
        return { key: path.key, cacheControl: `private, max-age=${Math.max(0, Math.min(tokenTtlSec, tokenExpSec - nowSec()))}` };
      }
      if (video.visibility === 'private') {
        throw new AppError('MEDIA_TOKEN_REQUIRED', 403, 'This video is private: use the signed URLs from the play API.');
      }
      return { key: path.key, cacheControl: IMMUTABLE_CACHE_CONTROL };
    },
  };
}

export type DeliveryService = ReturnType<typeof createDeliveryService>;
