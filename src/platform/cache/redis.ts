import { Cluster, Redis } from 'ioredis';
import type { Logger } from '../log.js';
import { isLease, newLease } from './lease.js';
import { createMemoryCache, encodeCacheValue, ttlMsOf } from './memory.js';
import type { Cache, LeasedRead } from './port.js';

export interface RedisCacheOptions {
  /** `redis://[user:pass@]host:port[/db]`; default `redis://127.0.0.1:6379`. Ignored with clusterNodes. */
  url?: string;
  /** `host:port` seeds of a Redis Cluster; when set, a cluster client is used instead of `url`. */
  clusterNodes?: string[];
  /** Prepended to every key (`kinema:`), so several apps or test runs can share one Redis. */
  keyPrefix?: string;
  /** A command without a reply after this long counts as an outage. Default 500 ms. */
  commandTimeoutMs?: number;
  log: Logger;
}

/**
 * INCR + "PEXPIRE NX": the TTL is set only when the key has none, i.e. on the first hit of a
 * window; later hits keep the original expiry. PTTL == -1 rather than EXPIRE's NX flag so this
 * also runs on Redis < 7 and on engines without NX.
 */
const INCR_FIXED_WINDOW = `
local n = redis.call('INCR', KEYS[1])
if redis.call('PTTL', KEYS[1]) == -1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return n`;

/**
 * getOrLease: the stored text on a hit (or someone else's lease), else leaves ARGV[1] as the lease
 * and answers nil. One script so no other client can fill or lease between the GET and the SET.
 */
const GET_OR_LEASE = `
local v = redis.call('GET', KEYS[1])
if v then return v end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return false`;

/** setLeased: writes ARGV[2] only while the key still holds the lease ARGV[1] (compare-and-set). */
const SET_IF_LEASED = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
return 1`;

/** How many lost invalidations we remember for replay; past that, TTLs bound the staleness. */
const MAX_LOST_INVALIDATIONS = 10_000;
const CONNECT_TIMEOUT_MS = 2000;
/** Reconnect backoff: 100 ms doubling, capped at 2 s, forever, so recovery needs no restart. */
const retryDelayMs = (attempt: number) => Math.min(100 * 2 ** Math.min(attempt, 5), 2000);

const FAILED = Symbol('redis call failed');

function connect(opts: RedisCacheOptions, commandTimeout: number): Redis | Cluster {
  // Degraded mode rests on these: without an offline queue and with one retry, a command issued
  // while Redis is unreachable fails at once instead of waiting for a reconnect that may never come.
  const perConnection = { commandTimeout, connectTimeout: CONNECT_TIMEOUT_MS, maxRetriesPerRequest: 1 };
  if (opts.clusterNodes?.length) {
    const nodes = opts.clusterNodes.map((hostPort) => {
      const { hostname, port } = new URL(`redis://${hostPort}`);
      return { host: hostname, port: Number(port || 6379) };
    });
    return new Cluster(nodes, {
      keyPrefix: opts.keyPrefix,
      enableOfflineQueue: false,
      clusterRetryStrategy: retryDelayMs,
      redisOptions: perConnection,
    });
  }
  return new Redis(opts.url ?? 'redis://127.0.0.1:6379', {
    ...perConnection,
    keyPrefix: opts.keyPrefix,
    enableOfflineQueue: false,
    retryStrategy: retryDelayMs,
  });
}

/**
 * Cache on Redis (or Valkey), shared by every api process. A Redis outage never fails a caller:
 * `get` misses, `set`/`del` do nothing, `getOrLease` misses without a lease and `setLeased`
 * refuses, `incr` counts in this process (so rate limits still hold per process), `healthy()` is
 * false, and one warning is logged per outage. ioredis reconnects in
 * the background and the cache resumes by itself.
 *
 * Invalidation during an outage: a lost `del` (or `set`) could leave a stale value in Redis if
 * Redis was only unreachable, not restarted empty. This adapter remembers those keys (up to
 * 10 000), treats reads of them as misses, and deletes them once Redis is back. What it cannot
 * cover — another process reading before this one replays, or this process exiting during the
 * outage — is bounded by the entry's TTL: keep TTLs short for data that must not be stale.
 *
 * @example const cache = createRedisCache({ url: process.env.REDIS_URL, keyPrefix: 'kinema:', log });
 */
export function createRedisCache(opts: RedisCacheOptions): Cache {
  const log = opts.log.child({ module: 'cache' });
  const client = connect(opts, opts.commandTimeoutMs ?? 500);
  const localCounters = createMemoryCache({ maxEntries: 100_000 });
  const lostInvalidations = new Set<string>();
  let state: 'starting' | 'up' | 'down' = 'starting';
  let closing = false;

  // Calls made while the first connection is being attempted wait for its outcome (bounded by
  // the connect timeout) instead of failing at once, so a freshly started api does not miss.
  const firstOutcome = new Promise<void>((resolve) => {
    client.once('ready', resolve);
    client.once('error', () => resolve());
    setTimeout(resolve, CONNECT_TIMEOUT_MS).unref();
  });

  function markDown(err?: unknown): void {
    if (state === 'down' || closing) return;
    state = 'down';
    log.warn({ err }, 'Redis unavailable: cache reads miss and counters are per-process until it returns');
  }

  client.on('error', markDown); // also keeps ioredis from printing each reconnect failure
  client.on('close', () => markDown());
  // 'ready' covers a reconnect; a success after timeouts on a live connection (Redis paused or
  // overloaded, the socket never dropped) also ends an outage, hence markUp in call().
  client.on('ready', markUp);

  function markUp(): void {
    const wasDown = state === 'down';
    state = 'up';
    if (!wasDown) return;
    log.info({ lostInvalidations: lostInvalidations.size }, 'Redis is back: cache restored');
    if (lostInvalidations.size > 0) void replayLostInvalidations();
  }

  let replaying = false;
  async function replayLostInvalidations(): Promise<void> {
    if (replaying) return;
    replaying = true;
    try {
      // One key per DEL so this also works on a cluster (multi-key DEL must stay in one slot).
      for (const key of [...lostInvalidations]) {
        if ((await call(() => client.del(key))) === FAILED) return; // down again: retried on recovery
        lostInvalidations.delete(key);
      }
    } finally {
      replaying = false;
    }
  }

  function rememberLost(keys: string[]): void {
    for (const key of keys) {
      if (lostInvalidations.size >= MAX_LOST_INVALIDATIONS) {
        log.error({ key }, 'too many invalidations lost during the Redis outage: stale entries may be served until their TTL');
        return;
      }
      lostInvalidations.add(key);
    }
  }

  /** Runs a command, turning any failure into FAILED; only transport failures mean an outage. */
  async function call<T>(command: () => Promise<T>): Promise<T | typeof FAILED> {
    if (state === 'starting') await firstOutcome;
    if (client.status !== 'ready') {
      markDown();
      return FAILED;
    }
    try {
      const result = await command();
      if (state !== 'up') markUp();
      return result;
    } catch (err) {
      // A ReplyError is Redis answering "no" (wrong type, script error): a bug, not an outage.
      if ((err as Error).name === 'ReplyError') log.error({ err }, 'Redis rejected a cache command');
      else markDown(err);
      return FAILED;
    }
  }

  function parseEntry<T>(key: string, json: string): T | undefined {
    try {
      return JSON.parse(json) as T;
    } catch (err) {
      log.error({ err, key }, 'cache entry is not JSON; treating it as a miss');
      return undefined;
    }
  }

  return {
    async get<T>(key: string) {
      if (lostInvalidations.has(key)) return undefined; // may be stale: its invalidation is pending
      const json = await call(() => client.get(key));
      if (json === FAILED || json === null || isLease(json)) return undefined;
      return parseEntry<T>(key, json);
    },

    async getOrLease<T>(key: string, leaseTtlSec: number): Promise<LeasedRead<T>> {
      const ttlMs = ttlMsOf(leaseTtlSec);
      // A key whose invalidation is pending may hold a stale value in Redis: neither serve it nor
      // lease over it; the replay clears it.
      if (lostInvalidations.has(key)) return { hit: false, lease: null };
      const lease = newLease();
      const stored = await call(() => client.eval(GET_OR_LEASE, 1, key, lease, String(ttlMs)) as Promise<string | null>);
      if (stored === FAILED) return { hit: false, lease: null };
      if (stored === null) return { hit: false, lease };
      if (isLease(stored)) return { hit: false, lease: null };
      const value = parseEntry<T>(key, stored);
      return value === undefined ? { hit: false, lease: null } : { hit: true, value };
    },

    async setLeased(key, lease, value, ttlSec) {
      const json = encodeCacheValue(value);
      const ttlMs = ttlMsOf(ttlSec);
      if (lostInvalidations.has(key)) return false; // the delete that revokes this lease is pending
      const landed = await call(() => client.eval(SET_IF_LEASED, 1, key, lease, json, String(ttlMs)) as Promise<number>);
      // Unlike set(), a landed fill leaves lostInvalidations alone: a delete lost while the fill
      // was on its way must still be replayed.
      return landed !== FAILED && Number(landed) === 1;
    },

    async set(key, value, ttlSec) {
      const json = encodeCacheValue(value);
      const ttlMs = ttlMsOf(ttlSec);
      const ok = await call(() => client.set(key, json, 'PX', ttlMs));
      if (ok === FAILED) rememberLost([key]);
      else lostInvalidations.delete(key); // the fresh value replaced whatever was stale
    },

    async del(...keys) {
      if (keys.length === 0) return;
      const ok = await call(() => Promise.all(keys.map((key) => client.del(key))));
      if (ok === FAILED) rememberLost(keys);
    },

    async incr(key, ttlSec) {
      const ttlMs = ttlMsOf(ttlSec);
      const n = await call(() => client.eval(INCR_FIXED_WINDOW, 1, key, String(ttlMs)) as Promise<number>);
      return n === FAILED ? localCounters.incr(key, ttlSec) : Number(n);
    },

    async healthy() {
      return (await call(() => client.ping())) !== FAILED;
    },

    async close() {
      closing = true;
      await localCounters.close();
      if (client.status === 'ready') {
        try {
          await client.quit();
          return;
        } catch {
          // QUIT can fail if Redis drops at this very moment; disconnect below still frees the socket.
        }
      }
      client.disconnect();
    },
  };
}
