import { isIP } from 'node:net';
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { DEFAULT_MAX_ENCODE_GIGAPIXELS, parseLadderCodecs, type VideoCodec } from './modules/transcode/index.js';

/**
 * One typed, validated configuration object, read from environment variables (flags on the
 * command line override them: `kinema start --port 9000` equals `PORT=9000`). A bad value stops
 * start-up with one line naming the variable, so operators never debug a half-configured node.
 */
export interface Config {
  port: number;
  host: string;
  dataDir: string;
  /**
   * The address users reach, when configured. Unset, URLs in API answers are root-relative
   * (`/media/…`, `/api/v1/uploads`): they resolve against whatever host the browser used, so a
   * phone on the LAN works as well as localhost. A guessed absolute default would be wrong for
   * every device but one.
   */
  publicUrl?: string;
  /** Where `hlsManifest` URLs point: a CDN or nginx edge in front of the origin (default PUBLIC_URL; unset: relative). */
  mediaBaseUrl?: string;
  databaseUrl?: string;
  databaseReplicaUrl?: string;
  redisUrl?: string;
  redisClusterNodes?: string[];
  /** Prefix of every Redis key, so several deployments can share one Redis. */
  redisKeyPrefix: string;
  s3?: S3Config;
  /** COLD_AFTER_DAYS (unset: originals never go cold) and COLD_DIR (local storage's cold tier). */
  lifecycle: {
    coldAfterDays?: number;
    coldDir?: string;
    /** PRUNE_AFTER_DAYS: rungs above 720p unplayed this long are removed (undefined: never). */
    pruneAfterDays?: number;
    /** RESTORES_PER_HOUR: restores of removed rungs that viewers' requests may start, site-wide. */
    restoresPerHour: number;
  };
  maxUploadBytes: number;
  /**
   * Where unfinished uploads live: `disk` (DATA_DIR/uploads on the api node; resumes must reach the
   * same node) or `s3` (@tus/s3-store in the bucket; any api node can resume; needs an S3 server
   * with multipart ListParts, which AWS, MinIO and Ceph have and s3rver lacks).
   */
  uploadStaging: 'disk' | 's3';
  maxDurationSec: number;
  /**
   * Compute budget of one upload: gigapixels decoded plus encoded over its whole ladder. Larger
   * uploads are refused before decoding (default: 12 h of 1080p60, or 2 h of 4K60 with room).
   */
  maxEncodeGigapixels: number;
  /**
   * LADDER_CODECS: video codecs of every ladder, `h264` plus any of `hevc`, `av1` (default `h264`).
   * Extra codecs add a twin of each H.264 rung in the same ffmpeg pass, at several times its CPU.
   */
  ladderCodecs: VideoCodec[];
  workerConcurrency: number;
  /** Seconds without a heartbeat after which a transcode job's worker is presumed dead. */
  transcodeStallSec: number;
  /** PUBLISH_WHILE_ENCODING: videos are watchable from their first segments while the ladder encodes (default true). */
  publishWhileEncoding: boolean;
  /** On SIGTERM, how long running jobs may finish before they are released to other workers. */
  shutdownGraceSec: number;
  /** HMAC key for signed media URLs and nothing else; generated into DATA_DIR when unset. */
  mediaSigningSecret?: string;
  logLevel: string;
  /**
   * Proxies whose `X-Forwarded-For` is believed (addresses, CIDRs, or proxy-addr's `loopback`,
   * `linklocal`, `uniquelocal`). Empty: the header is ignored and the client is the socket's peer.
   * Believing it from anyone would let a client pick its own address and dodge per-address limits.
   */
  trustProxy: string[];
  /**
   * Every cache tier a takedown must be purged from (EDGE_PURGE_URLS, comma-separated base URLs:
   * shields first, then edges). Empty: no tiers, nothing to purge.
   */
  edgePurgeUrls: string[];
  /**
   * How long the cache tiers may keep a signed-out viewer's watch page (EDGE_PAGE_TTL_SEC, nginx's
   * X-Accel-Expires; 0: never). A takedown purges it sooner (EDGE_PURGE_URLS).
   */
  edgePageTtlSec: number;
  /** `open`: anyone may create an account; `closed`: only operators, with `kinema users create`. */
  signup: 'open' | 'closed';
  /** Accounts one client address may create per hour (0: no limit). */
  signupsPerAddressPerHour: number;
  /** Sign-in attempts one client address may make per 15 minutes, right or wrong. */
  loginAttemptsPerAddress: number;
  /** Raw analytics events are kept this many days, then dropped a daily partition at a time. */
  eventRetentionDays: number;
  /**
   * Watch beacons one client address may send per minute (0: no limit). A player sends about 6;
   * the default leaves room for a thousand viewers behind one NAT.
   */
  beaconRatePerAddress: number;
  /**
   * Free space kept on DATA_DIR's disk: an upload that would leave less is refused (507) before
   * any byte is accepted, so the embedded database and running encodes never meet a full disk.
   */
  diskReserveBytes: number;
  /** Per-user limits on what an account may create, upload and queue (admins are exempt). */
  quotas: QuotaLimits;
  /** How long slow clients may hold a connection (see HttpTimeouts in platform/http/server.ts). */
  headersTimeoutSec: number;
  requestTimeoutSec: number;
  idleTimeoutSec: number;
  /**
   * Where Prometheus scrapes `/metrics`: its own listener, loopback by default, never the public
   * port (see metricsListen below). Undefined: no metrics listener.
   */
  metricsListen?: { host: string; port: number };
}

/**
 * Per-user quotas; 0 means no limit. PeerTube has `user.video_quota` (bytes of originals a user
 * may keep; transcoded files not counted) and `user.video_quota_daily` (bytes per 24 hours), both
 * unlimited by default; YouTube caps uploads per channel per 24 hours without publishing the
 * number. Kinema's defaults are finite because sign-up is open by default: generous for a creator
 * (50 videos and 50 GiB a day, 100 GiB kept: five maximum-size uploads) while one account can no
 * longer fill the disk or the transcode queue. An operator raises or lowers them per instance.
 */
export interface QuotaLimits {
  /** Videos a user may create per rolling 24 hours (deleting one does not give it back). */
  videosPerDay: number;
  /** Bytes a user may start uploading per rolling 24 hours (the declared Upload-Length). */
  uploadBytesPerDay: number;
  /** Bytes of originals a user may keep, uploads in progress included. */
  storageBytes: number;
  /** Videos still waiting for their file. */
  unfinishedUploads: number;
  /** Videos queued or processing, plus uploads in progress (each becomes a transcode job). */
  activeJobs: number;
}

export interface S3Config {
  endpoint?: string;
  bucket: string;
  region: string;
  accessKeyId?: string;
  secretAccessKey?: string;
  forcePathStyle: boolean;
  /** S3_COLD_STORAGE_CLASS: where the lifecycle moves cold originals. */
  coldStorageClass: string;
}

export class ConfigError extends Error {}

type Env = Record<string, string | undefined>;

const MiB = 1024 * 1024;
const GiB = 1024 ** 3;

/** Maps `--some-flag value` / `--some-flag=value` to `SOME_FLAG`. */
export function flagsToEnv(argv: string[]): Env {
  const env: Env = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith('--')) continue;
    const [rawName, inlineValue] = arg.slice(2).split(/=(.*)/s, 2);
    const name = rawName!.replace(/-/g, '_').toUpperCase();
    if (inlineValue !== undefined) env[name] = inlineValue;
    else if (argv[i + 1] !== undefined && !argv[i + 1]!.startsWith('--')) env[name] = argv[++i];
    else env[name] = 'true';
  }
  return env;
}

function int(env: Env, name: string, fallback: number, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(`${name}=${JSON.stringify(raw)} is invalid: expected a whole number from ${min} to ${max}.`);
  }
  return value;
}

function url(env: Env, name: string, protocols: string[]): string | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw new ConfigError(`${name}=${JSON.stringify(raw)} is not a URL (expected e.g. ${protocols[0]}//host).`);
  }
  if (!protocols.includes(parsed.protocol)) {
    throw new ConfigError(`${name} must use ${protocols.join(' or ')}, got ${parsed.protocol}`);
  }
  return raw.replace(/\/+$/, '');
}

/** A comma-separated list of http(s) base URLs. */
function urlList(env: Env, name: string): string[] {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return [];
  return raw.split(',').map((entry, i) => url({ [`${name}[${i}]`]: entry.trim() }, `${name}[${i}]`, ['http:', 'https:'])!);
}

function bool(env: Env, name: string, fallback: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (/^(1|true|yes|on)$/i.test(raw)) return true;
  if (/^(0|false|no|off)$/i.test(raw)) return false;
  throw new ConfigError(`${name}=${JSON.stringify(raw)} is invalid: expected true or false.`);
}

function s3(env: Env): S3Config | undefined {
  const bucket = env.S3_BUCKET;
  const anyS3 = Object.keys(env).some((k) => k.startsWith('S3_') && env[k]);
  if (!anyS3) return undefined;
  if (!bucket) throw new ConfigError('S3_BUCKET is required when any S3_* setting is given.');
  return {
    endpoint: url(env, 'S3_ENDPOINT', ['http:', 'https:']),
    bucket,
    region: env.S3_REGION || 'us-east-1',
    accessKeyId: env.S3_ACCESS_KEY_ID || undefined,
    secretAccessKey: env.S3_SECRET_ACCESS_KEY || undefined,
    forcePathStyle: bool(env, 'S3_FORCE_PATH_STYLE', Boolean(env.S3_ENDPOINT)),
    coldStorageClass: coldStorageClass(env),
  };
}

/** S3 storage classes a cold original can be read from at once (no restore step). */
const INSTANT_COLD_CLASSES = ['GLACIER_IR', 'STANDARD_IA', 'ONEZONE_IA', 'INTELLIGENT_TIERING'];

function coldStorageClass(env: Env): string {
  const raw = env.S3_COLD_STORAGE_CLASS || 'GLACIER_IR';
  if (!INSTANT_COLD_CLASSES.includes(raw)) {
    throw new ConfigError(`S3_COLD_STORAGE_CLASS=${JSON.stringify(raw)} is not allowed: use one of ${INSTANT_COLD_CLASSES.join(', ')} (classes that need a restore before a read, like GLACIER, would break reprocessing).`);
  }
  return raw;
}

/**
 * The storage lifecycle: originals go cold COLD_AFTER_DAYS after upload (unset: never); rungs above
 * 720p nobody played for PRUNE_AFTER_DAYS are removed (default 90; 0: never).
 */
function storageLifecycle(env: Env, hasS3: boolean): Config['lifecycle'] {
  const coldDir = env.COLD_DIR ? resolve(env.COLD_DIR) : undefined;
  const coldAfterDays = env.COLD_AFTER_DAYS ? int(env, 'COLD_AFTER_DAYS', 30, 1, 36500) : undefined;
  if (coldAfterDays !== undefined && !hasS3 && !coldDir) {
    throw new ConfigError('COLD_AFTER_DAYS needs a cold tier: set COLD_DIR (a directory on another volume) or use S3 (S3_COLD_STORAGE_CLASS).');
  }
  if (coldDir && hasS3) throw new ConfigError('COLD_DIR applies to local storage only; with S3 the cold tier is a storage class (S3_COLD_STORAGE_CLASS).');
  const pruneAfterDays = int(env, 'PRUNE_AFTER_DAYS', 90, 0, 36500);
  const restoresPerHour = int(env, 'RESTORES_PER_HOUR', 20, 0, 1_000_000);
  return { coldAfterDays, coldDir, pruneAfterDays: pruneAfterDays === 0 ? undefined : pruneAfterDays, restoresPerHour };
}

function uploadStaging(env: Env): 'disk' | 's3' {
  const raw = env.UPLOAD_STAGING || 'disk';
  if (raw !== 'disk' && raw !== 's3') throw new ConfigError(`UPLOAD_STAGING=${JSON.stringify(raw)} is invalid: use disk or s3.`);
  if (raw === 's3' && !env.S3_BUCKET) throw new ConfigError('UPLOAD_STAGING=s3 needs the S3_* settings (S3_BUCKET at least).');
  return raw;
}

// proxy-addr's names for address ranges (what Fastify's trustProxy accepts besides addresses).
const PROXY_RANGE_NAMES = ['loopback', 'linklocal', 'uniquelocal'];

/** TRUST_PROXY: a comma-separated list of proxy addresses or CIDRs; anything else stops start-up. */
function trustProxy(env: Env): string[] {
  const raw = env.TRUST_PROXY;
  if (raw === undefined || raw.trim() === '' || /^(0|false|no|off)$/i.test(raw.trim())) return [];
  const entries = raw.split(',').map((s) => s.trim()).filter(Boolean);
  for (const entry of entries) {
    if (/^(1|true|yes|on)$/i.test(entry)) {
      throw new ConfigError(`TRUST_PROXY=${JSON.stringify(raw)} would believe X-Forwarded-For from anyone: list your proxies' addresses instead (e.g. 127.0.0.1,10.0.0.0/8).`);
    }
    if (PROXY_RANGE_NAMES.includes(entry)) continue;
    const [address, bits, extra] = entry.split('/');
    const family = isIP(address!);
    const maxBits = family === 6 ? 128 : 32;
    const bitsOk = bits === undefined || (/^\d{1,3}$/.test(bits) && Number(bits) <= maxBits);
    if (!family || !bitsOk || extra !== undefined) {
      throw new ConfigError(`TRUST_PROXY entry ${JSON.stringify(entry)} is not an IP address or CIDR (expected e.g. 127.0.0.1,10.0.0.0/8,::1).`);
    }
  }
  return entries;
}

/**
 * METRICS_LISTEN: `host:port` (`[::1]:9464` for IPv6) or `off`. Metrics get a listener of their
 * own, as Prometheus exporters do (9464 is OpenTelemetry's Prometheus exporter port) and as
 * PeerTube (its exporter on 127.0.0.1:9091) and GitLab (exporters on localhost ports) do: the
 * public port then has nothing to hide, and a firewall or the bind address decides who scrapes.
 */
function metricsListen(env: Env): { host: string; port: number } | undefined {
  const raw = (env.METRICS_LISTEN ?? '').trim() || '127.0.0.1:9464';
  if (/^(off|false|no|0)$/i.test(raw)) return undefined;
  const match = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]\s]+)):(\d{1,5})$/.exec(raw);
  const host = match?.[1] ?? match?.[2];
  const port = Number(match?.[3]);
  if (!host || !(port <= 65535) || (match?.[1] && isIP(host) !== 6)) {
    throw new ConfigError(`METRICS_LISTEN=${JSON.stringify(raw)} is invalid: expected host:port (e.g. 127.0.0.1:9464, or 10.0.0.5:9464 for a scraper on another machine) or off.`);
  }
  return { host, port };
}

function ladderCodecs(env: Env): VideoCodec[] {
  try {
    return parseLadderCodecs(env.LADDER_CODECS);
  } catch (err) {
    throw new ConfigError((err as Error).message);
  }
}

function signup(env: Env): 'open' | 'closed' {
  const raw = env.SIGNUP || 'open';
  if (raw !== 'open' && raw !== 'closed') throw new ConfigError(`SIGNUP=${JSON.stringify(raw)} is invalid: use open or closed.`);
  return raw;
}

/**
 * Builds the config from `env` (defaults to process.env) and optional CLI flags.
 * @example loadConfig({ PORT: '0', DATA_DIR: '/tmp/k' })
 */
export function loadConfig(env: Env = process.env, argv: string[] = []): Config {
  const merged: Env = { ...env, ...flagsToEnv(argv) };
  const port = int(merged, 'PORT', 8080, 0, 65535);
  const host = merged.HOST || '0.0.0.0';
  const publicUrl = url(merged, 'PUBLIC_URL', ['http:', 'https:']);
  const redisUrl = url(merged, 'REDIS_URL', ['redis:', 'rediss:']);
  const clusterRaw = merged.REDIS_CLUSTER_NODES;
  const redisClusterNodes = clusterRaw ? clusterRaw.split(',').map((s) => s.trim()).filter(Boolean) : undefined;
  if (redisClusterNodes?.some((n) => !/^[^:\s]+:\d+$/.test(n))) {
    throw new ConfigError(`REDIS_CLUSTER_NODES must be a comma-separated list of host:port, got ${JSON.stringify(clusterRaw)}.`);
  }
  const secret = merged.MEDIA_SIGNING_SECRET || undefined;
  if (secret !== undefined && secret.length < 32) {
    throw new ConfigError('MEDIA_SIGNING_SECRET must be at least 32 characters (e.g. `openssl rand -hex 32`).');
  }
  const logLevel = merged.LOG_LEVEL || 'info';
  if (!['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].includes(logLevel)) {
    throw new ConfigError(`LOG_LEVEL=${JSON.stringify(logLevel)} is invalid: use error, warn, info or debug.`);
  }
  return {
    port,
    host,
    dataDir: resolve(merged.DATA_DIR || './data'),
    publicUrl,
    mediaBaseUrl: url(merged, 'MEDIA_BASE_URL', ['http:', 'https:']) ?? publicUrl,
    databaseUrl: url(merged, 'DATABASE_URL', ['postgres:', 'postgresql:']),
    databaseReplicaUrl: url(merged, 'DATABASE_REPLICA_URL', ['postgres:', 'postgresql:']),
    redisUrl,
    redisClusterNodes,
    redisKeyPrefix: merged.REDIS_KEY_PREFIX || 'kinema:',
    s3: s3(merged),
    lifecycle: storageLifecycle(merged, !!merged.S3_BUCKET),
    maxUploadBytes: int(merged, 'MAX_UPLOAD_BYTES', 20 * GiB, 1),
    uploadStaging: uploadStaging(merged),
    maxDurationSec: int(merged, 'MAX_DURATION_SEC', 12 * 3600, 1),
    maxEncodeGigapixels: int(merged, 'MAX_ENCODE_GIGAPIXELS', DEFAULT_MAX_ENCODE_GIGAPIXELS, 1),
    ladderCodecs: ladderCodecs(merged),
    workerConcurrency: int(merged, 'WORKER_CONCURRENCY', Math.max(1, Math.floor(availableParallelism() / 2)), 0, 64),
    transcodeStallSec: int(merged, 'TRANSCODE_STALL_SEC', 60, 2, 3600),
    publishWhileEncoding: bool(merged, 'PUBLISH_WHILE_ENCODING', true),
    shutdownGraceSec: int(merged, 'SHUTDOWN_GRACE_SEC', 20, 1, 3600),
    mediaSigningSecret: secret,
    logLevel,
    trustProxy: trustProxy(merged),
    edgePurgeUrls: urlList(merged, 'EDGE_PURGE_URLS'),
    edgePageTtlSec: int(merged, 'EDGE_PAGE_TTL_SEC', 30, 0, 86_400),
    signup: signup(merged),
    signupsPerAddressPerHour: int(merged, 'SIGNUPS_PER_ADDRESS_PER_HOUR', 5, 0),
    loginAttemptsPerAddress: int(merged, 'LOGIN_ATTEMPTS_PER_ADDRESS', 30, 1),
    eventRetentionDays: int(merged, 'EVENT_RETENTION_DAYS', 90, 1, 3650),
    beaconRatePerAddress: int(merged, 'BEACON_RATE_PER_ADDRESS', 6000, 0),
    diskReserveBytes: int(merged, 'DISK_RESERVE_BYTES', 512 * MiB, 0),
    quotas: {
      videosPerDay: int(merged, 'QUOTA_VIDEOS_PER_DAY', 50, 0),
      uploadBytesPerDay: int(merged, 'QUOTA_UPLOAD_BYTES_PER_DAY', 50 * GiB, 0),
      storageBytes: int(merged, 'QUOTA_STORAGE_BYTES', 100 * GiB, 0),
      unfinishedUploads: int(merged, 'QUOTA_UNFINISHED_UPLOADS', 10, 0),
      activeJobs: int(merged, 'QUOTA_ACTIVE_JOBS', 10, 0),
    },
    // nginx's defaults are 60 s for a client's header, each body read and each write; a header
    // needs far less than that from a real client, so 20 s (slow-loris connections go sooner).
    headersTimeoutSec: int(merged, 'HEADERS_TIMEOUT_SEC', 20, 1, 3600),
    requestTimeoutSec: int(merged, 'REQUEST_TIMEOUT_SEC', 60, 1, 3600),
    idleTimeoutSec: int(merged, 'IDLE_TIMEOUT_SEC', 60, 1, 3600),
    metricsListen: metricsListen(merged),
  };
}
