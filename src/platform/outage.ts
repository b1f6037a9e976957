import type { Logger } from './log.js';

/**
 * Telling "a dependency is away" (PostgreSQL restarting, the S3 endpoint answering 503, DNS
 * failing) from "this request or this data is wrong". The first is waited out and retried; the
 * second is reported. Everything that talks to an engine decides with `isDependencyOutage`.
 */

// Node and undici network errors: the peer is down, unreachable, or its name does not resolve.
const NETWORK_CODES = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EHOSTDOWN', 'ENETDOWN', 'EPIPE',
  'ECONNABORTED', 'EAI_AGAIN', 'ENOTFOUND', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED',
  'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT',
]);

// PostgreSQL SQLSTATEs of a server going away or not taking sessions: class 08 (connection
// exception), admin/crash shutdown, "starting up", too many connections, and a standby that
// cannot take writes during a failover.
const PG_OUTAGE_STATES = /^(08...|57P01|57P02|57P03|53300|25006)$/;

// node-postgres reports a lost connection with messages, not codes.
const PG_OUTAGE_MESSAGES = /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|Query read timeout|the database system is (starting up|shutting down|in recovery mode)|terminating connection due to administrator command/i;

// The AWS SDK marks throttling and transient server errors; S3-compatible servers answer 5xx.
const S3_OUTAGE_NAMES = new Set(['TimeoutError', 'RequestTimeout', 'RequestTimeoutException', 'ServiceUnavailable', 'SlowDown', 'InternalError', 'ThrottlingException', 'NetworkingError']);

/** True when `err` (or its cause) says an engine is unreachable or temporarily refusing work. */
export function isDependencyOutage(err: unknown, depth = 0): boolean {
  if (!err || typeof err !== 'object' || depth > 5) return false;
  const e = err as {
    code?: unknown; name?: unknown; message?: unknown; cause?: unknown; errors?: unknown;
    $metadata?: { httpStatusCode?: number }; $retryable?: unknown;
  };
  if (typeof e.code === 'string' && (NETWORK_CODES.has(e.code) || PG_OUTAGE_STATES.test(e.code))) return true;
  if (typeof e.message === 'string' && PG_OUTAGE_MESSAGES.test(e.message)) return true;
  if (typeof e.name === 'string' && S3_OUTAGE_NAMES.has(e.name)) return true;
  if (e.$retryable) return true;
  const status = e.$metadata?.httpStatusCode;
  if (typeof status === 'number' && (status >= 500 || status === 429)) return true;
  // `connect` to a name with several addresses fails with every attempt in `errors`.
  if (Array.isArray(e.errors) && e.errors.some((x) => isDependencyOutage(x, depth + 1))) return true;
  return isDependencyOutage(e.cause, depth + 1);
}

/** Which engine an outage error came from: the AWS SDK marks its errors with `$metadata`. */
export function outageSource(err: unknown): keyof Outages {
  const e = err as { $metadata?: unknown; name?: unknown } | undefined;
  return e && (e.$metadata !== undefined || (typeof e.name === 'string' && S3_OUTAGE_NAMES.has(e.name))) ? 'storage' : 'database';
}

/** Seconds a client is asked to wait (`Retry-After`) when a request met an outage. */
export const OUTAGE_RETRY_AFTER_SEC = 5;

/** True when `err` says a disk is full (the local object store, staging or worker scratch). */
export function isDiskFull(err: unknown, depth = 0): boolean {
  if (!err || typeof err !== 'object' || depth > 5) return false;
  const e = err as { code?: unknown; message?: unknown; cause?: unknown; details?: { stderr?: unknown } };
  if (e.code === 'ENOSPC' || e.code === 'EDQUOT') return true;
  // ffmpeg reports it in its own words on stderr, which our errors quote.
  const diskFullWords = /No space left on device|Disk quota exceeded/i;
  if (typeof e.message === 'string' && diskFullWords.test(e.message)) return true;
  if (typeof e.details?.stderr === 'string' && diskFullWords.test(e.details.stderr)) return true;
  return isDiskFull(e.cause, depth + 1);
}

/**
 * One warning when a dependency goes away and one line when it is back, however many requests
 * and timers ran into it meanwhile (an outage must not flood the logs).
 */
export interface OutageLog {
  /** Note a failure; logs only when the dependency was believed up. */
  failed(err: unknown): void;
  /** Note a success; logs how long the outage lasted when there was one. */
  ok(): void;
  /** Whether the last thing that happened was a failure. */
  readonly down: boolean;
  /**
   * Whether the dependency was down at any time in the last `ms` (or is now): judgements that
   * rest on writes having landed, like "this worker stopped beating", must wait that long.
   */
  downWithin(ms: number): boolean;
}

/** One OutageLog per engine a process talks to, shared by everything that uses it. */
export interface Outages {
  database: OutageLog;
  storage: OutageLog;
}

export function createOutages(log: Logger): Outages {
  return { database: createOutageLog(log, 'database'), storage: createOutageLog(log, 'object storage') };
}

export function createOutageLog(log: Logger, dependency: string): OutageLog {
  let downSince: number | undefined;
  let upAgainAt = -Infinity;
  return {
    failed(err) {
      if (downSince !== undefined) return;
      downSince = Date.now();
      log.warn({ dependency, err }, `${dependency} is unreachable; work that needs it waits and retries until it is back`);
    },
    ok() {
      if (downSince === undefined) return;
      log.warn({ dependency, outageSec: Math.round((Date.now() - downSince) / 100) / 10 }, `${dependency} is reachable again`);
      downSince = undefined;
      upAgainAt = Date.now();
    },
    get down() {
      return downSince !== undefined;
    },
    downWithin(ms) {
      return downSince !== undefined || Date.now() - upAgainAt < ms;
    },
  };
}

/** A background task's failure: an outage is reported once by its engine's log, anything else each time. */
export function reportFailure(outages: Outages, log: Logger, what: string, err: unknown): void {
  if (isDependencyOutage(err)) outages[outageSource(err)].failed(err);
  else log.warn({ err }, `${what} failed`);
}

/** Resolves after `ms`, or at once when `signal` aborts. */
export function pause(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}

/**
 * Runs `fn` until it succeeds, waiting out dependency outages with capped exponential backoff
 * (0.25 s doubling to `maxDelayMs`). Any other error, an abort, or an outage that outlasts
 * `giveUpAfterMs` is thrown.
 */
export async function retryThroughOutage<T>(
  fn: () => Promise<T>,
  o: { outage?: OutageLog | Outages; signal?: AbortSignal; giveUpAfterMs?: number; maxDelayMs?: number } = {},
): Promise<T> {
  // Given every engine's log, the error says which one it was; given one, it is that one.
  const logOf = (err?: unknown): OutageLog | undefined => (!o.outage ? undefined : 'failed' in o.outage ? o.outage : err === undefined ? undefined : o.outage[outageSource(err)]);
  const started = Date.now();
  let delay = 250;
  for (;;) {
    try {
      const value = await fn();
      if (o.outage && 'failed' in o.outage) o.outage.ok();
      return value;
    } catch (err) {
      if (!isDependencyOutage(err) || o.signal?.aborted || Date.now() - started >= (o.giveUpAfterMs ?? Infinity)) throw err;
      logOf(err)?.failed(err);
      await pause(delay, o.signal);
      if (o.signal?.aborted) throw err;
      delay = Math.min(delay * 2, o.maxDelayMs ?? 5000);
    }
  }
}
