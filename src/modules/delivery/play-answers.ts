import { createHash, randomBytes } from 'node:crypto';
import type { RequestPrincipal } from '../../platform/http/auth.js';
import type { Cache, CacheLease } from '../../platform/cache/port.js';
import { videoAnswerCacheKey, type CatalogService, type VideoRecord } from '../catalog/index.js';
import type { EventRecorder } from '../analytics/index.js';
import { resumeAtSec } from '../engagement/index.js';
import { recommendRendition, type ClientHints, type RungForChoice } from './rendition-choice.js';
import { playEvent, type DeliveryService, type PlayResult, type ReadyPlayback } from './service.js';

/**
 * The play answer of a ready public or unlisted video is the same for every viewer but for two
 * values: the recommended rung (client hints) and the resume point (signed-in viewers). So it is
 * serialised once, by the route's own response schema, cut around those two values and kept in
 * the cache port under the video's answer key, which the catalog drops with the row on every
 * write (publish of any version, edit, visibility, takedown, delete, view counts). A hit is one
 * cache read and a string concatenation: no SQL, no serialisation.
 *
 * Private videos are never kept: their answer carries signed URLs that expire.
 */
export interface PlayTemplate {
  /** A hash of the serialised answer: with the rung, the ETag of an anonymous answer. */
  tag: string;
  /** The answer cut at its two per-viewer values, in the order they appear. */
  parts: [string, string, string];
  /** Whether the rung comes before the resume point in the answer (it does, by schema order). */
  rungFirst: boolean;
  rungs: RungForChoice[];
  version: string;
  /** The duration resume points are measured against: the row's, as the view rule reads it. */
  durationSec: number;
}

/** A fill only needs longer than one row and version read; a lapsed lease only costs a fill. */
const TEMPLATE_LEASE_TTL_SEC = 10;
/** Dropped by every write of the video; the TTL only bounds what no write announces. */
const TEMPLATE_TTL_SEC = 3600;

/** An answer served from its template: the body, and an ETag when it is the same for every anonymous viewer with these hints. */
export interface SharedAnswer {
  json: string;
  /** Set for anonymous answers only: a signed-in one carries that viewer's resume point. */
  etag?: string;
  /** The answer's template, for callers that derive more from it (the watch page). */
  template: PlayTemplate;
}

/** Serialises a ready answer as the route answers it (fast-json-stringify from the response schema). */
export type SerializePlayback = (playback: ReadyPlayback) => string;

export interface PlayAnswerDeps {
  delivery: Pick<DeliveryService, 'play'>;
  catalog: Pick<CatalogService, 'isStale'>;
  cache: Cache;
  analytics: Pick<EventRecorder, 'recordEvent'>;
  /**
   * A signed-in viewer's last position in a video (engagement's watch history): `cached` only
   * looks in the cache (undefined: not there), `read` fills it. Only `cached` runs before the
   * video is known to be visible, so ids nobody may watch never fill anything.
   */
  positions?: {
    cached: (videoId: string, userId: string) => Promise<number | null | undefined>;
    read: (videoId: string, userId: string) => Promise<number | null>;
  };
}

/** Whether the answer built from `video` is the same for every viewer who may see it (and may be kept). */
const isShareable = (video: VideoRecord, playback: ReadyPlayback, catalog: PlayAnswerDeps['catalog']) =>
  video.status === 'ready' && video.visibility !== 'private' && playback.expiresAt === null && !catalog.isStale(video);

/**
 * The play API's answers, from a cached template when there is one.
 * @example const answers = createPlayAnswers({ delivery, catalog, cache, analytics, positions });
 * const a = await answers.answer(videoId, req.principal, hints, serialize);
 * if ('json' in a) reply.send(a.json); else reply.send(playAnswer(a).body);
 */
export function createPlayAnswers(deps: PlayAnswerDeps) {
  // Unguessable per process, so no title or description can imitate a placeholder.
  const RUNG_MARK_VALUE = randomBytes(12).toString('hex');
  const RUNG_MARK = `"${RUNG_MARK_VALUE}"`;
  const RESUME_MARK_VALUE = 1e15 + randomBytes(4).readUInt32BE();
  const RESUME_MARK = String(RESUME_MARK_VALUE);

  /** The template of `playback`, or undefined when its serialisation does not hold each placeholder exactly once. */
  function templateOf(playback: ReadyPlayback, video: VideoRecord, serialize: SerializePlayback): PlayTemplate | undefined {
    const marked = serialize({ ...playback, recommendedRendition: RUNG_MARK_VALUE, resumeAtSec: RESUME_MARK_VALUE });
    const rungAt = marked.indexOf(RUNG_MARK);
    const resumeAt = marked.indexOf(`"resumeAtSec":${RESUME_MARK}`);
    if (rungAt < 0 || resumeAt < 0 || marked.indexOf(RUNG_MARK, rungAt + 1) >= 0) return undefined;
    const valueAt = resumeAt + '"resumeAtSec":'.length;
    const [first, firstLength, second, secondLength] = rungAt < valueAt ? [rungAt, RUNG_MARK.length, valueAt, RESUME_MARK.length] : [valueAt, RESUME_MARK.length, rungAt, RUNG_MARK.length];
    return {
      tag: createHash('sha1').update(marked).digest('base64url').slice(0, 20),
      parts: [marked.slice(0, first), marked.slice(first + firstLength, second), marked.slice(second + secondLength)],
      rungFirst: rungAt < valueAt,
      rungs: playback.renditions.map((r) => ({ label: r.label, width: r.width, height: r.height, bandwidthBps: r.bandwidth })),
      version: video.currentVersion ?? '',
      durationSec: video.duration ?? playback.duration,
    };
  }

  function fromTemplate(t: PlayTemplate, videoId: string, principal: RequestPrincipal | null, resume: number | null, hints: ClientHints, recordPlay = true): SharedAnswer {
    const rung = recommendRendition(t.rungs, hints) ?? null;
    const rungJson = JSON.stringify(rung);
    const resumeJson = resume === null ? 'null' : String(resume);
    const [a, b] = t.rungFirst ? [rungJson, resumeJson] : [resumeJson, rungJson];
    if (recordPlay) deps.analytics.recordEvent(playEvent(videoId, principal?.userId ?? null, rung, t.version));
    return {
      json: t.parts[0] + a + t.parts[1] + b + t.parts[2],
      etag: principal ? undefined : `"${t.tag}.${rung === null ? '' : t.rungs.findIndex((r) => r.label === rung)}"`,
      template: t,
    };
  }

  /**
   * A miss: the delivery service answers (visibility, the row, the resume point, the play event);
   * a shareable answer fills the template, if `lease` still holds the key.
   */
  async function answerAndFill(key: string, lease: CacheLease | null, videoId: string, principal: RequestPrincipal | null, hints: ClientHints, serialize: SerializePlayback): Promise<SharedAnswer | PlayResult> {
    const result = await deps.delivery.play(videoId, principal, hints);
    if (result.kind !== 'ready' || !isShareable(result.video, result.playback, deps.catalog)) return result;
    const template = templateOf(result.playback, result.video, serialize);
    if (!template) return result;
    if (lease) await deps.cache.setLeased(key, lease, template, TEMPLATE_TTL_SEC);
    // The same answer (and headers) as the hits after it; the service recorded the play.
    return fromTemplate(template, videoId, principal, result.playback.resumeAtSec, hints, false);
  }

  return {
    /**
     * A cache hit: the answer from its template (one cache read; with a signed-in viewer, their
     * position read beside it). A miss: the delivery service's answer, which also fills the
     * template when the video is shareable. The lease is taken BEFORE the service reads the row,
     * and every write drops the row's key before the answer's (catalog `invalidate`), so a
     * template built from a row older than a write never lands (Cache.getOrLease).
     */
    async answer(videoId: string, principal: RequestPrincipal | null, hints: ClientHints, serialize: SerializePlayback, asked: { quality?: string } = {}): Promise<SharedAnswer | PlayResult> {
      // A viewer asking for a quality by name (rare: a removed rung may have to come back) is
      // answered by the service, which starts the restore; the answer is the same as a hit's.
      if (asked.quality) return deps.delivery.play(videoId, principal, hints, asked);
      const key = videoAnswerCacheKey(videoId);
      const positions = principal ? deps.positions : undefined;
      const [cached, cachedPosition] = await Promise.all([deps.cache.get<PlayTemplate>(key), positions?.cached(videoId, principal!.userId)]);
      let template = cached;
      if (!template) {
        const read = await deps.cache.getOrLease<PlayTemplate>(key, TEMPLATE_LEASE_TTL_SEC);
        if (!read.hit) return answerAndFill(key, read.lease, videoId, principal, hints, serialize);
        template = read.value;
      }
      // A template exists only for a video everyone may watch: the viewer's position may be read (and filled) now.
      const position = positions ? (cachedPosition !== undefined ? cachedPosition : await positions.read(videoId, principal!.userId)) : null;
      return fromTemplate(template, videoId, principal, principal ? resumeAtSec(position, template.durationSec) : null, hints);
    },
  };
}

export type PlayAnswers = ReturnType<typeof createPlayAnswers>;
export const isSharedAnswer = (a: SharedAnswer | PlayResult): a is SharedAnswer => 'json' in a;
