// Engagement: what viewers do with a video. The watch beacon and the view rule, watch history
// with resume, and likes. Beacons go to analytics' one append path; this module's batch hook turns
// each batch into views and history in the same transaction.
export { createBeaconIntake, type AcceptBeacon } from './beacons.js';
export { createBeaconLimits } from './beacon-limits.js';
export { createEngagementBatchHook } from './batch-hook.js';
export { createHistoryService, resumeAtSec, lastPositionCacheKey, type HistoryService } from './history.js';
export { createRatingService, type RatingService } from './ratings.js';
export { createQoeMetrics } from './qoe-metrics.js';
export { registerEngagementRoutes } from './routes.js';
export { resumePoint, reachesView, viewThresholdSec, isCompleted, RESUME_MAX_FRACTION } from './view-rule.js';
