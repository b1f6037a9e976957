import { Type } from '@sinclair/typebox';
import { ID_PATTERN } from '../../platform/ids.js';
import { INVALID_MESSAGE } from '../../platform/http/validation.js';

export const Visibility = Type.Union([Type.Literal('public'), Type.Literal('unlisted'), Type.Literal('private')], {
  description: 'public: listed and playable by anyone; unlisted: anyone with the link; private: the owner only',
});
/** A new video is public unless the creator says otherwise, as on YouTube. */
export const DEFAULT_VISIBILITY = 'public' as const;
export const Title = Type.String({ minLength: 1, maxLength: 200, pattern: '\\S', [INVALID_MESSAGE]: 'The title must contain more than spaces.' });
export const Description = Type.String({ maxLength: 5000 });
export const Tags = Type.Array(Type.String({ minLength: 1, maxLength: 40 }), { maxItems: 20 });

export const VideoIdParams = Type.Object({
  id: Type.String({
    pattern: ID_PATTERN,
    description: '11-character video id',
    [INVALID_MESSAGE]: 'No video with id "{value}": video ids are 11 characters of letters, digits, - and _. Check the link.',
  }),
});

export const CreateVideoBody = Type.Object(
  { title: Title, description: Type.Optional(Description), tags: Type.Optional(Tags), visibility: Type.Optional({ ...Visibility, default: DEFAULT_VISIBILITY }) },
  { additionalProperties: false },
);

export const PatchVideoBody = Type.Object(
  { title: Type.Optional(Title), description: Type.Optional(Description), tags: Type.Optional(Tags), visibility: Type.Optional(Visibility) },
  { additionalProperties: false, minProperties: 1 },
);

export const VideoStatus = Type.Union(['awaiting_upload', 'uploaded', 'processing', 'ready', 'failed'].map((s) => Type.Literal(s)));

export const Video = Type.Object({
  id: Type.String(),
  title: Type.String(),
  description: Type.String(),
  tags: Type.Array(Type.String()),
  visibility: Visibility,
  status: VideoStatus,
  progress: Type.Number({ description: 'Transcoding progress, 0–100' }),
  isPlayable: Type.Boolean({ description: 'Whether /play answers with a stream now: ready, or still processing with its first segments published (watchable from the start while the rest encodes)' }),
  failureReason: Type.Union([Type.String(), Type.Null()]),
  failureRetryable: Type.Union([Type.Boolean(), Type.Null()], {
    description: 'For a failed video: whether processing it again (POST /videos/:id/reprocess) can help. false when the file itself is the problem (not a video, unsupported codec, too long): upload a different file. null unless failed.',
  }),
  duration: Type.Union([Type.Number(), Type.Null()], { description: 'Seconds' }),
  width: Type.Union([Type.Integer(), Type.Null()]),
  height: Type.Union([Type.Integer(), Type.Null()]),
  owner: Type.Object({ id: Type.String(), username: Type.String() }),
  viewCount: Type.Integer({ description: 'Views by the view rule (docs/API.md): 30 s played, or half of a video shorter than 60 s; once per session, once an hour per viewer; not the owner, not bots' }),
  likeCount: Type.Integer({ description: 'Likes (dislikes are never shown: they feed ranking only)' }),
  myRating: Type.Optional(Type.Union([Type.Literal('like'), Type.Literal('dislike'), Type.Null()], { description: 'Your rating of this video: in GET /videos/:id for a signed-in caller' })),
  posterUrl: Type.Union([Type.String(), Type.Null()]),
  createdAt: Type.String({ format: 'date-time' }),
  updatedAt: Type.String({ format: 'date-time' }),
  processedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  uploadUrl: Type.Optional(Type.String({ description: 'tus endpoint to upload the file to (owner only, while awaiting upload)' })),
});

export const ListQuery = Type.Object(
  {
    limit: Type.Integer({ minimum: 1, maximum: 100, default: 24 }),
    cursor: Type.Optional(Type.String({ maxLength: 200 })),
    sort: Type.Union([Type.Literal('newest'), Type.Literal('popular')], { default: 'newest' }),
    owner: Type.Optional(Type.String({ maxLength: 64, description: '"me", a user id or a username: that user\'s videos (all of them when it is you)' })),
  },
  { additionalProperties: false },
);

export const VideoList = Type.Object({ items: Type.Array(Video), nextCursor: Type.Union([Type.String(), Type.Null()]) });
