import { Type } from '@sinclair/typebox';
import { ErrorBody } from '../../platform/http/schemas.js';
import { VideoIdParams } from '../catalog/index.js';

export { VideoIdParams };

export const PlayQuery = Type.Object({
  bandwidth: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000_000_000, description: 'Measured throughput in bit/s; the recommended rung fits ~70 % of it' })),
});

// Root-relative (`/media/…`) unless MEDIA_BASE_URL is configured: resolve against the API's address.
const Url = (description: string) => Type.String({ format: 'uri-reference', description });

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
  audioUrl: Type.Union([Url('The audio rendition\'s media playlist'), Type.Null()]),
  recommendedRendition: Type.Union([Type.String(), Type.Null()], { description: 'Label of the rung to start on, from client hints' }),
  posterUrl: Type.Union([Url('Poster image'), Type.Null()]),
  storyboardUrl: Type.Union([Url('WebVTT storyboard of scrub-bar thumbnails'), Type.Null()]),
  expiresAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()], { description: 'When signed URLs stop working; request /play again after it' }),
  resumeAtSec: Type.Union([Type.Number(), Type.Null()], {
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
