import { LRUCache } from 'lru-cache';
import { isLease, newLease } from './lease.js';
import type { Cache, CacheLease, LeasedRead } from './port.js';

export interface MemoryCacheOptions {
  /**
   * Upper bound on entries; the least recently used go first. Bounds memory, unlike TTLs alone.
   * Default 10 000 (a few MB of typical JSON rows).
   */
  maxEntries?: number;
  /**
   * Caps every TTL. An in-process cache cannot see invalidations made by other processes, so when
   * several processes share a database without Redis, a short cap bounds how stale a read can be.
   */
  maxTtlSec?: number;
}

/** JSON text of a cache value; rejects what JSON cannot carry instead of caching `undefined`. */
export function encodeCacheValue(value: unknown): string {
  const json = JSON.stringify(value);
  if (json === undefined) throw new TypeError('Cache values must be JSON-serialisable (got undefined or a function).');
  return json;
}

/** TTLs are seconds in the port (fractions allowed); both adapters expire in milliseconds. */
export function ttlMsOf(ttlSec: number): number {
  const ms = Math.round(ttlSec * 1000);
  if (!Number.isFinite(ms) || ms <= 0) throw new RangeError(`Cache TTL must be positive, got ${ttlSec} s.`);
  return ms;
}

/**
 * The in-process cache: an LRU with a TTL per entry. Values are stored as JSON text, so a caller
 * mutating what it cached (or got back) cannot change the cache, and values come back exactly as
 * they would from Redis (a Date comes back as its ISO string on both adapters).
 *
 * @example const cache = createMemoryCache({ maxEntries: 10_000 });
 * await cache.set('video:abc', video, 60);
 */
export function createMemoryCache({ maxEntries = 10_000, maxTtlSec = Infinity }: MemoryCacheOptions = {}): Cache {
  // No ttlAutopurge: expired entries are dropped lazily on access or evicted by the LRU bound,
  // which avoids one timer per entry.
  const lru = new LRUCache<string, string>({ max: maxEntries, ttl: 0, allowStale: false });
  const cappedTtlMs = (ttlSec: number) => ttlMsOf(Math.min(ttlSec, maxTtlSec));

  return {
    async get<T>(key: string) {
      const json = lru.get(key);
      return json === undefined || isLease(json) ? undefined : (JSON.parse(json) as T);
    },

    // Each method below runs without an await, so it is atomic within this process, as the
    // Redis scripts are: no other call can touch the key between the check and the write.
    async getOrLease<T>(key: string, leaseTtlSec: number): Promise<LeasedRead<T>> {
      const ttl = cappedTtlMs(leaseTtlSec);
      const json = lru.get(key);
      if (json !== undefined) return isLease(json) ? { hit: false, lease: null } : { hit: true, value: JSON.parse(json) as T };
      const lease = newLease();
      lru.set(key, lease, { ttl });
      return { hit: false, lease };
    },

    async setLeased(key: string, lease: CacheLease, value: unknown, ttlSec: number) {
      const json = encodeCacheValue(value);
      const ttl = cappedTtlMs(ttlSec);
      if (lru.get(key) !== lease) return false;
      lru.set(key, json, { ttl });
      return true;
    },

    async set(key, value, ttlSec) {
      lru.set(key, encodeCacheValue(value), { ttl: cappedTtlMs(ttlSec) });
    },

    async del(...keys) {
      for (const key of keys) lru.delete(key);
    },

    async incr(key, ttlSec) {
      const ttl = ttlMsOf(ttlSec);
      const current = lru.get(key);
      if (current === undefined) {
        lru.set(key, '1', { ttl });
        return 1;
      }
      const next = Number(JSON.parse(current)) + 1;
      if (!Number.isSafeInteger(next)) throw new TypeError(`Cache key "${key}" does not hold an integer counter.`);
      // noUpdateTTL keeps the expiry set by the first hit: a fixed window, as Redis INCR does.
      lru.set(key, String(next), { noUpdateTTL: true });
      return next;
    },

    async healthy() {
      return true;
    },

    async close() {
      lru.clear();
    },
  };
}
