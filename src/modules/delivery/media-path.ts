import { versionPrefix } from '../media-layout/index.js';

/**
 * The origin's URL layout, parsed strictly. Object keys Kinema writes use only
 * `[A-Za-z0-9._-]` per segment, so anything else in a request path — percent-encoding (`%2e%2e`,
 * `%2f`, `%00`), backslashes, empty segments (`//`), `.` or `..` — cannot name a real object and is
 * refused before any lookup. That closes traversal without trying to out-guess a decoder.
 *
 *   /media/{videoId}/{version}/{file…}                 public and unlisted videos
 *   /media/s/{exp}.{sig}/{videoId}/{version}/{file…}    private videos (signed; see signed-url.ts)
 */


export interface MediaPath {
  videoId: string;
  version: string;
  /** Path inside the version, e.g. `720p/seg_00001.m4s`. */
  file: string;
  /** `media/{videoId}/{version}/`: the prefix a token grants. */
  prefix: string;
  /** The object key to read. */
  key: string;
  /** The `{exp}.{sig}` token of a signed URL; undefined for a plain one. */
  token?: string;
}

export const MEDIA_ROUTE_PREFIX = '/media/';
export const SIGNED_SEGMENT = 's';

const SEGMENT = /^[A-Za-z0-9_-][A-Za-z0-9._-]*$/;
const VIDEO_ID = /^[A-Za-z0-9_-]{11}$/;
const MAX_PATH_LENGTH = 512;

/**
 * Parses the raw request target (`req.raw.url`, still percent-encoded, query allowed) of a media
 * request. Returns undefined for anything that is not a well-formed media path.
 *
 * @example parseMediaPath('/media/AbCdEfGhIjK/v1/720p/init.mp4')?.key // 'media/AbCdEfGhIjK/v1/720p/init.mp4'
 */
export function parseMediaPath(rawUrl: string): MediaPath | undefined {
  const path = rawUrl.split('?', 1)[0]!;
  if (!path.startsWith(MEDIA_ROUTE_PREFIX) || path.length > MAX_PATH_LENGTH) return undefined;
  const parts = path.slice(MEDIA_ROUTE_PREFIX.length).split('/');
  // Leading dots are refused too (`.`, `..`, hidden files): no object we write starts with one.
  if (!parts.every((p) => SEGMENT.test(p))) return undefined;
  let token: string | undefined;
  if (parts[0] === SIGNED_SEGMENT) {
    token = parts[1];
    parts.splice(0, 2);
  }
  const [videoId, version, ...file] = parts;
  if (!videoId || !VIDEO_ID.test(videoId) || !version || file.length === 0) return undefined;
  const prefix = versionPrefix(videoId, version);
  return { videoId, version, file: file.join('/'), prefix, key: `${prefix}${file.join('/')}`, token };
}

/** The public path of a file in a version, signed with `token` when given. */
export function mediaPathFor(prefix: string, file: string, token?: string): string {
  const rest = prefix.slice('media/'.length);
  return token ? `${MEDIA_ROUTE_PREFIX}${SIGNED_SEGMENT}/${token}/${rest}${file}` : `${MEDIA_ROUTE_PREFIX}${rest}${file}`;
}
