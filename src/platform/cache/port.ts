/**
 * The cache port: a shared key/value cache with TTLs and counters. The in-process LRU serves the
 * one-machine setup; Redis serves many api processes. Values are JSON-serialisable.
 * A cache failure must never fail a request: callers treat errors as misses (adapters for remote
 * engines catch and log them and report `healthy() === false`).
 */
export interface Cache {
  get<T>(key: string): Promise<T | undefined>;
  set(key: string, value: unknown, ttlSec: number): Promise<void>;
  /** Removes the keys, and with them any lease outstanding on them (see `getOrLease`). */
  del(...keys: string[]): Promise<void>;
  /**
   * Atomically increments a counter, creating it with `ttlSec` when absent (the window starts at
   * the first hit, as a fixed-window rate limiter wants). Returns the new value.
   */
  incr(key: string, ttlSec: number): Promise<number>;
  /**
   * Cache-aside without stale fills. Returns the value on a hit; on a miss, atomically leaves a
   * lease in the key (for `leaseTtlSec`) and returns it, or `lease: null` when another reader holds
   * one or the cache is unavailable. Call it BEFORE reading the source of truth, then fill with
   * `setLeased`. A key holding a lease reads as a miss everywhere.
   *
   * Why a fill can then never be stale: the fill lands only if the key still holds this very
   * lease, and every `del` or `set` of the key replaces it. A writer deletes the key after its
   * change is committed; a reader whose source read predates that commit took its lease earlier
   * still, so the delete comes after the lease and either revokes it (the fill is refused) or
   * removes the filled value. A lease lost any other way (expiry, eviction, outage) only refuses.
   * This is the lease scheme of Facebook's memcache (Nishtala et al., NSDI 2013, section 3.2.1).
   *
   * @example
   * const read = await cache.getOrLease<Row>(key, 10);
   * if (read.hit) return read.value;
   * const row = await db.find(id);
   * if (row && read.lease) await cache.setLeased(key, read.lease, row, 3600);
   */
  getOrLease<T>(key: string, leaseTtlSec: number): Promise<LeasedRead<T>>;
  /** Fills `key` if it still holds `lease` (see `getOrLease`); false when the fill was refused. */
  setLeased(key: string, lease: CacheLease, value: unknown, ttlSec: number): Promise<boolean>;
  /** True while the backing engine answers. */
  healthy(): Promise<boolean>;
  close(): Promise<void>;
}

/** The right to fill one key after a miss; opaque, single-use, revoked by any write of the key. */
export type CacheLease = string & { readonly __cacheLease: true };

export type LeasedRead<T> = { hit: true; value: T } | { hit: false; lease: CacheLease | null };
