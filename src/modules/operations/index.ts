// Operations: what running Kinema at scale needs beyond serving it: queue depth for autoscaling
// and dashboards (Prometheus and the KEDA scaler's query), and storage lifecycle.
export { readQueueStats, WAITING_JOBS_SQL, RUNNING_JOBS_SQL, type QueueStats } from './queue-stats.js';
export { registerQueueMetrics, type QueueMetricsOptions } from './queue-metrics.js';
export { createStorageLifecycle, s3LifecycleRules, LIFECYCLE_QUEUE, LIFECYCLE_QUEUE_SETTINGS, type LifecycleReport } from './storage-lifecycle.js';
