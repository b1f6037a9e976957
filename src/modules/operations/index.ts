// Operations: what running Kinema at scale needs beyond serving it: queue depth for autoscaling
// and dashboards (Prometheus and the KEDA scaler's query), and the storage lifecycle (originals to a
// cold tier, unplayed top rungs removed and restored on demand).
export { readQueueStats, WAITING_JOBS_SQL, RUNNING_JOBS_SQL, type QueueStats } from './queue-stats.js';
export { registerQueueMetrics, type QueueMetricsOptions } from './queue-metrics.js';
export { createStorageLifecycle, s3LifecycleRules, LIFECYCLE_QUEUE, LIFECYCLE_QUEUE_SETTINGS, type LifecycleReport } from './storage-lifecycle.js';
export { createRenditionPruning, PRUNE_ABOVE_SHORT_SIDE, type RenditionPruning, type PruneReport, type PrunedVideo } from './rendition-pruning.js';
export { createRenditionRestore, type RenditionRestore } from './rendition-restore.js';
export { registerRestoreRoutes } from './restore-routes.js';
