// Analytics: what viewers do, recorded as events (today `video_play`, from the play API) and
// rolled into videos.view_count. Later: player beacons, watch history and QoE rollups.
export { createEventRecorder, type EventRecorder, type EventRecorderOptions, type RecorderBacklog } from './recorder.js';
export type { AnalyticsEvent } from './queries.js';
