// Analytics: the one append path for viewer events (batched, into daily partitions), the hourly
// rollups a queue job builds from them, and the figures creators and admins read (views, watch
// time, retention, quality of experience).
export { createEventRecorder, type EventRecorder, type EventRecorderOptions, type RecorderBacklog, type BatchHook } from './recorder.js';
export { analyticsQueries, type AnalyticsEvent } from './queries.js';
export { mergeRanges, playedSeconds, coveredPoints, RETENTION_POINTS, type PlayedRanges } from './played-ranges.js';
export { ensurePartitions, dropExpiredPartitions, listPartitions, partitionName } from './partitions.js';
export { BEACON_EVENT, VIEW_EVENT, type BeaconProps } from './event-types.js';
export { type SessionQoe } from './qoe.js';
export { createRollup, ROLLUP_QUEUE, ROLLUP_QUEUE_SETTINGS, type Rollup } from './rollup.js';
export { createAnalyticsFigures, type AnalyticsFigures } from './figures.js';
export { registerAnalyticsRoutes } from './routes.js';
