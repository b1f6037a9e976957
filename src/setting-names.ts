/**
 * Every setting `loadConfig` (src/config.ts) reads. Each is also a command-line flag of start, api,
 * worker and migrate (`PORT` is `--port`); the CLI refuses flags not in this list. test/cli.test.ts
 * checks the list against what config.ts reads, so a new setting cannot be forgotten here.
 */
export const SETTING_NAMES = [
  'PORT', 'HOST', 'DATA_DIR', 'PUBLIC_URL', 'MEDIA_BASE_URL', 'DATABASE_URL', 'DATABASE_REPLICA_URL',
  'REDIS_URL', 'REDIS_CLUSTER_NODES', 'REDIS_KEY_PREFIX', 'S3_ENDPOINT', 'S3_BUCKET', 'S3_REGION',
  'S3_ACCESS_KEY_ID', 'S3_SECRET_ACCESS_KEY', 'S3_FORCE_PATH_STYLE', 'UPLOAD_STAGING', 'MAX_UPLOAD_BYTES',
  'MAX_DURATION_SEC', 'MAX_ENCODE_GIGAPIXELS', 'WORKER_CONCURRENCY', 'TRANSCODE_STALL_SEC', 'SHUTDOWN_GRACE_SEC', 'MEDIA_SIGNING_SECRET',
  'LOG_LEVEL', 'TRUST_PROXY', 'SIGNUP', 'SIGNUPS_PER_ADDRESS_PER_HOUR', 'LOGIN_ATTEMPTS_PER_ADDRESS',
  'DISK_RESERVE_BYTES',
  'QUOTA_VIDEOS_PER_DAY', 'QUOTA_UPLOAD_BYTES_PER_DAY', 'QUOTA_STORAGE_BYTES', 'QUOTA_UNFINISHED_UPLOADS', 'QUOTA_ACTIVE_JOBS',
  'HEADERS_TIMEOUT_SEC', 'REQUEST_TIMEOUT_SEC', 'IDLE_TIMEOUT_SEC',
] as const;
