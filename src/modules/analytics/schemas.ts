import { Type, type Static } from '@sinclair/typebox';

export const MAX_ANALYTICS_DAYS = 90;

export const AnalyticsQuery = Type.Object({
  days: Type.Integer({ minimum: 1, maximum: MAX_ANALYTICS_DAYS, default: 28, description: 'The period: the last N days, today included (UTC)' }),
}, { additionalProperties: false });

const Percent = (description: string) => Type.Union([Type.Number({ minimum: 0, maximum: 100 }), Type.Null()], { description: `${description} (null: no sessions yet)` });
const Ms = (description: string) => Type.Union([Type.Number(), Type.Null()], { description });

/**
 * Quality of experience, as Mux Data defines each figure. Percentiles come from a histogram of
 * startup times (buckets in docs/API.md), so they are exact to the bucket.
 */
export const Qoe = Type.Object({
  sessions: Type.Integer({ description: 'Viewing sessions these figures are drawn from' }),
  startupMsMedian: Ms('Median video startup time: play requested → first frame with the playhead moving'),
  startupMsP95: Ms('95th percentile of video startup time'),
  exitsBeforeStartPercent: Percent('Sessions that asked to play and left before the first frame, of sessions that asked to play'),
  playbackFailurePercent: Percent('Sessions ended by a fatal playback error, of sessions that asked to play'),
  rebufferPercent: Percent('Time stalled after the first frame, of watch time'),
  rebufferCountPerSession: Type.Union([Type.Number(), Type.Null()], { description: 'Stalls per session that started' }),
  avgBitrateKbps: Type.Union([Type.Number(), Type.Null()], { description: 'Bitrate of what was played, weighted by time played' }),
  upscalePercent: Percent('Time played at a rendition shorter than the player (upscaled), of time with a known player size'),
  renditionShare: Type.Array(Type.Object({ height: Type.Integer(), percent: Type.Number() }), { description: 'Share of playback time at each rendition height, tallest first' }),
});
export type Qoe = Static<typeof Qoe>;

export const VideoAnalytics = Type.Object({
  views: Type.Integer({ description: 'Views counted in the period (the view rule: docs/API.md)' }),
  watchTimeSec: Type.Number({ description: 'Seconds of the video watched (union of played ranges per session), summed' }),
  avgViewDurationSec: Type.Union([Type.Number(), Type.Null()], { description: 'watchTimeSec / views' }),
  likes: Type.Integer({ description: 'Likes now (dislikes are never shown)' }),
  timeline: Type.Array(Type.Object({ date: Type.String({ format: 'date', description: 'UTC day' }), views: Type.Integer(), watchTimeSec: Type.Number() }), { description: 'One entry per day of the period, oldest first, days without views included' }),
  retention: Type.Array(Type.Object({ atPercent: Type.Integer(), audiencePercent: Type.Number() }), {
    description: 'Audience curve: at each 5 % of the video (0, 5, … 100), the share of sessions that played that point. Empty when nobody played it.',
  }),
  qoe: Qoe,
  watchingNow: Type.Integer({ description: 'Viewers with a beacon in the last 30 s' }),
  updatedThrough: Type.Union([Type.String({ format: 'date-time' }), Type.Null()], { description: 'Figures other than views include sessions up to this time (the hourly rollup runs every minute)' }),
});
export type VideoAnalytics = Static<typeof VideoAnalytics>;

/** The creator's channel: the same figures over all their videos, plus the top ones. */
export const ChannelAnalytics = Type.Object({
  ...VideoAnalytics.properties,
  topVideos: Type.Array(Type.Object({ id: Type.String(), title: Type.String(), views: Type.Integer(), watchTimeSec: Type.Number() }), { description: 'Up to 10, most views in the period first' }),
});

const QoeBy = <K extends string>(key: K, keySchema: import('@sinclair/typebox').TSchema) =>
  Type.Array(Type.Intersect([Type.Object({ [key]: keySchema } as Record<K, typeof keySchema>), Qoe]));

export const AdminQoe = Type.Object({
  concurrentViewers: Type.Integer({ description: 'Viewers with a beacon in the last 30 s, across the instance (Mux real-time)' }),
  overall: Qoe,
  byBrowser: QoeBy('browser', Type.String({ description: 'Chrome, Firefox, Safari, Edge, Opera, Samsung Internet or Other, from the User-Agent' })),
  byRung: QoeBy('height', Type.Integer({ description: 'The rendition a session spent most time at' })),
  byEdge: QoeBy('edge', Type.String({ description: 'Media host that served the session (the MEDIA_BASE_URL host, or "origin")' })),
  timeline: QoeBy('hour', Type.String({ format: 'date-time', description: 'Start of the UTC hour' })),
  updatedThrough: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
});
