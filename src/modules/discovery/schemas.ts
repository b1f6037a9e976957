import { Type } from '@sinclair/typebox';
import { Video } from '../catalog/index.js';

export const SearchQuery = Type.Object(
  {
    q: Type.String({ minLength: 1, maxLength: 200, description: 'What to look for: words of titles, tags, channel names and descriptions; typos and accents are forgiven, the last word may be unfinished' }),
    limit: Type.Integer({ minimum: 1, maximum: 100, default: 20 }),
    cursor: Type.Optional(Type.String({ maxLength: 300 })),
    duration: Type.Optional(Type.Union([Type.Literal('short'), Type.Literal('medium'), Type.Literal('long')], { description: 'short: under 4 min; medium: 4 to 20 min; long: over 20 min' })),
    uploaded: Type.Optional(Type.Union([Type.Literal('day'), Type.Literal('week'), Type.Literal('month'), Type.Literal('year')], { description: 'Uploaded within the last day, week, month or year' })),
    sort: Type.Union([Type.Literal('relevance'), Type.Literal('date'), Type.Literal('views')], { default: 'relevance' }),
  },
  { additionalProperties: false },
);

export const SearchResults = Type.Object({ items: Type.Array(Video), nextCursor: Type.Union([Type.String(), Type.Null()]) });

export const SuggestionQuery = Type.Object(
  {
    q: Type.String({ maxLength: 100, description: 'What has been typed so far' }),
    limit: Type.Integer({ minimum: 1, maximum: 20, default: 8 }),
  },
  { additionalProperties: false },
);

export const Suggestions = Type.Object({ items: Type.Array(Type.String(), { description: 'Titles, then tags, then channel names, most watched first; no duplicates' }) });
