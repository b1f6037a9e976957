/**
 * Every setting `loadConfig` (src/config.ts) reads. Each is also a command-line flag of start, api,
 * worker and migrate (`PORT` is `--port`); the CLI refuses flags not in this list. test/cli.test.ts
 * checks the list against what config.ts reads, so a new setting cannot be forgotten here.
 */
export const SETTING_NAMES = [
  'PORT', 'HOST', 'DATA_DIR', 'PUBLIC_URL', 'MEDIA_BASE_URL', 'DATABASE_URL', 'DATABASE_REPLICA_URL',
  'REDIS_URL', 'REDIS_CLUSTER_NODES', 'REDIS_KEY_PREFIX', 'S3_ENDPOINT', 'S3_BUCKET', 'S3_REGION',
  'S3_ACCESS_KEY_ID', 'S3_SECRET_ACCESS_KEY', 'S3_FORCE_PATH_STYLE', 'UPLOAD_STAGING', 'MAX_UPLOAD_BYTES',
  'MAX_DURATION_SEC', 'WORKER_CONCURRENCY', 'TRANSCODE_STALL_SEC', 'SHUTDOWN_GRACE_SEC', 'MEDIA_SIGNING_SECRET',
  'LOG_LEVEL', 'TRUST_PROXY', 'SIGNUP', 'SIGNUPS_PER_ADDRESS_PER_HOUR', 'LOGIN_ATTEMPTS_PER_ADDRESS',
  'METRICS_LISTEN',
] as const;
