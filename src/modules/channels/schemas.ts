import { Type } from '@sinclair/typebox';
import { INVALID_MESSAGE } from '../../platform/http/validation.js';
import { Video } from '../catalog/index.js';

export const ChannelParams = Type.Object({
  username: Type.String({
    minLength: 1, maxLength: 32, pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]*$',
    description: 'The channel\'s username (any case)',
    [INVALID_MESSAGE]: 'No channel named "{value}": usernames are 3–32 letters, digits, _ . and -. Check the link.',
  }),
});

export const PageQuery = Type.Object(
  { limit: Type.Integer({ minimum: 1, maximum: 100, default: 24 }), cursor: Type.Optional(Type.String({ maxLength: 200 })) },
  { additionalProperties: false },
);

export const Channel = Type.Object({
  id: Type.String({ description: 'The user id (what `owner.id` of a video holds)' }),
  username: Type.String(),
  createdAt: Type.String({ format: 'date-time' }),
  subscriberCount: Type.Integer(),
  videoCount: Type.Integer({ description: 'Public, ready videos' }),
  viewCount: Type.Integer({ description: 'Views of those videos' }),
  subscribed: Type.Union([Type.Boolean(), Type.Null()], { description: 'Whether you follow it; null when not signed in' }),
});

export const ChannelPage = Type.Object({
  channel: Channel,
  items: Type.Array(Video, { description: 'Its public, ready videos, newest first' }),
  nextCursor: Type.Union([Type.String(), Type.Null()]),
});

export const SubscriptionState = Type.Object({ subscribed: Type.Boolean(), subscriberCount: Type.Integer() });

export const SubscriptionList = Type.Object({
  items: Type.Array(Type.Intersect([Channel, Type.Object({ subscribedAt: Type.String({ format: 'date-time' }) })]), { description: 'Most recently followed first' }),
  nextCursor: Type.Union([Type.String(), Type.Null()]),
});

export const Feed = Type.Object({ items: Type.Array(Video, { description: 'Newest first' }), nextCursor: Type.Union([Type.String(), Type.Null()]) });
