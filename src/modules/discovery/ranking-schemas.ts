import { Type } from '@sinclair/typebox';
import { Video } from '../catalog/index.js';

export const RankedQuery = Type.Object(
  { limit: Type.Integer({ minimum: 1, maximum: 50, default: 20 }) },
  { additionalProperties: false },
);

const rankedList = (description: string) => Type.Object({
  items: Type.Array(Video, { description }),
  nextCursor: Type.Union([Type.String(), Type.Null()], { description: 'Always null: a ranked list is one page of at most 50' }),
});

export const TrendingList = rankedList('Public, ready videos gaining views now, best first; then the most viewed, when few are active');
export const RelatedList = rankedList('Public, ready videos watched with this one, and like it (tags, title, channel); never the video itself');
export const RecommendationList = rankedList('Signed in: related to what you watched lately, without what you finished, then trending. Otherwise: trending');
