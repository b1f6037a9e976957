// Delivery: the play API (manifest URLs, recommended starting rung, signed URLs for private
// videos) and the embedded origin that streams media/ from the object store with cache headers,
// byte ranges and CORS; and the cache tiers in front of it (nginx edge/shield configs, takedown
// purges, pre-warming). See docs/DELIVERY.md for the URL and token layout edges rely on.
export {
  createDeliveryService, versionCacheKey, DEFAULT_TOKEN_TTL_SEC, IMMUTABLE_CACHE_CONTROL,
  type DeliveryService, type DeliveryDeps, type PlayResult, type ReadyPlayback, type MediaGrant,
} from './service.js';
export { registerPlayRoutes } from './play-routes.js';
export { createPlayAnswers, type PlayAnswers, type PlayTemplate } from './play-answers.js';
export { registerOriginRoutes } from './origin-routes.js';
export { signMediaToken, verifyMediaToken, tokenExpiry, type TokenCheck } from './signed-url.js';
export { parseMediaPath, mediaPathFor, type MediaPath } from './media-path.js';
export { recommendRendition, readClientHints, type ClientHints, type RungForChoice } from './rendition-choice.js';
export { renderEdgeConfig, parseListen, EDGE_TIMEOUTS, PURGE_HEADER, NEGATIVE_CACHE_SEC, type EdgeConfigOptions, type EdgeTimeouts, type EdgeRole } from './edge-config.js';
export { cacheDirProblem } from './edge-cache-dir.js';
export { prewarmTiers, type PrewarmOptions, type PrewarmReport } from './edge-prewarm.js';
export { createMediaWithdrawal, createRetiredVersionPurge, purgeFromTiers, EDGE_PURGE_QUEUE, EDGE_PURGE_QUEUE_SETTINGS, type EdgePurgeJob } from './edge-purge.js';
export { registerWatchPage, renderWatchPage } from './watch-page.js';
