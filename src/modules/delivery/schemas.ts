import { Type } from '@sinclair/typebox';
import { ErrorBody } from '../../platform/http/schemas.js';
import { VideoIdParams } from '../catalog/index.js';

export { VideoIdParams };

export const PlayQuery = Type.Object({
  bandwidth: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000_000_000, description: 'Measured throughput in bit/s; the recommended rung fits ~70 % of it' })),
  quality: Type.Optional(Type.String({ pattern: '^[0-9]{2,4}p$', description: 'The rendition the viewer chose (e.g. 1080p). One listed in removedRenditions starts bringing it back; the answer is the same either way' })),
});

// Root-relative (`/media/…`) unless MEDIA_BASE_URL is configured: resolve against the API's address.
const Url = (description: string) => Type.String({ format: 'uri-reference', description });
/**
 * `string | null` as a JSON Schema type list rather than anyOf: fast-json-stringify serialises a
 * type list directly, but picks an anyOf branch by running Ajv on the value, format check included
 * (the uri-reference regex, six times per /play: a third of a cache-hit /play's CPU, bench/http).
 * The same values, the same document for clients (OpenAPI 3.1 allows type lists).
 */
const orNull = <T extends 'string' | 'number'>(type: T, opts: { format?: string; description: string }) =>
  Type.Unsafe<(T extends 'string' ? string : number) | null>({ type: [type, 'null'], ...opts });

export const PlayReady = Type.Object({
  videoId: Type.String(),
  title: Type.String(),
  description: Type.String(),
  duration: Type.Number({ description: 'Seconds' }),
  hlsManifest: Url('HLS master playlist (signed for private videos)'),
  renditions: Type.Array(Type.Object({
    label: Type.String({ description: 'e.g. 720p' }),
    width: Type.Integer(),
    height: Type.Integer(),
    bandwidth: Type.Integer({ description: 'Peak bit/s (HLS BANDWIDTH), audio included' }),
    url: Url('The rung\'s media playlist'),
  })),
  audioUrl: orNull('string', { format: 'uri-reference', description: 'The audio rendition\'s media playlist' }),
  recommendedRendition: orNull('string', { description: 'Label of the rung to start on, from client hints' }),
  posterUrl: orNull('string', { format: 'uri-reference', description: 'Poster image' }),
  storyboardUrl: orNull('string', { format: 'uri-reference', description: 'WebVTT storyboard of scrub-bar thumbnails' }),
  expiresAt: orNull('string', { format: 'date-time', description: 'When signed URLs stop working; request /play again after it' }),
  removedRenditions: Type.Optional(Type.Array(Type.String(), {
    description: 'Present only when some were removed: renditions this video had that were removed because nobody played them for a long time (e.g. 1080p); asking for one with ?quality= brings it back within minutes, and the video plays on the renditions listed meanwhile',
  })),
  processing: Type.Boolean({
    description: 'True while the video is still being encoded: its media playlists are growing HLS EVENT playlists (no EXT-X-ENDLIST yet) that players follow from the start, bandwidths are ceilings, and there is no poster or storyboard yet. Playable all the same; false once complete',
  }),
  resumeAtSec: orNull('number', {
    description: 'Where a signed-in viewer left off, when between 5 % and 90 % of the video (Jellyfin\'s rule); null otherwise: anonymous, history paused, never watched, or past 90 % (counts as watched: start over)',
  }),
});

export const PlayPending = Type.Object({
  status: Type.String({ description: 'awaiting_upload, uploaded or processing' }),
  progress: Type.Number({ description: 'Transcoding progress, 0–100' }),
});

export const PlayFailed = Type.Object({
  status: Type.Literal('failed'),
  failureReason: Type.String(),
  error: ErrorBody.properties.error,
});
