// Catalog: videos, their metadata, visibility and ownership, and the status machine that
// ingest and transcoding drive (awaiting_upload → uploaded → processing → ready | failed).
export { createCatalogService, canView, isOwnerOrAdmin, isPlayable, videoCacheKey, videoAnswerCacheKey, videoCacheKeys, type CatalogService, type VideoRecord, type NewVideo, type AdmitVideo, type WithdrawMedia } from './service.js';
export { createLifecycle, livePlaybackOf, type Lifecycle, type LivePlayback, type PublishedVersion, type StoredRendition } from './lifecycle.js';
export { createVersionRetention, type VersionRetention, type DueCleanup } from './version-retention.js';
export { registerCatalogRoutes, createVideoJson, type PosterUrlFor, type VideoJson } from './routes.js';
export { VideoIdParams, Video } from './schemas.js';
