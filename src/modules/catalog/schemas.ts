import { Type } from '@sinclair/typebox';
import { ID_PATTERN } from '../../platform/ids.js';

export const Visibility = Type.Union([Type.Literal('public'), Type.Literal('unlisted'), Type.Literal('private')], {
  description: 'public: listed and playable by anyone; unlisted: anyone with the link; private: the owner only',
});
export const Title = Type.String({ minLength: 1, maxLength: 200, pattern: '\\S' });
export const Description = Type.String({ maxLength: 5000 });
export const Tags = Type.Array(Type.String({ minLength: 1, maxLength: 40 }), { maxItems: 20 });

export const VideoIdParams = Type.Object({ id: Type.String({ pattern: ID_PATTERN, description: '11-character video id' }) });

export const CreateVideoBody = Type.Object(
  { title: Title, description: Type.Optional(Description), tags: Type.Optional(Tags), visibility: Visibility },
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
  failureReason: Type.Union([Type.String(), Type.Null()]),
  duration: Type.Union([Type.Number(), Type.Null()], { description: 'Seconds' }),
  width: Type.Union([Type.Integer(), Type.Null()]),
  height: Type.Union([Type.Integer(), Type.Null()]),
  owner: Type.Object({ id: Type.String(), username: Type.String() }),
  viewCount: Type.Integer(),
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
    owner: Type.Optional(Type.String({ description: '"me" or a user id: that user\'s videos (all of them when it is you)' })),
  },
  { additionalProperties: false },
);

export const VideoList = Type.Object({ items: Type.Array(Video), nextCursor: Type.Union([Type.String(), Type.Null()]) });
