/**
 * The cache port: a shared key/value cache with TTLs and counters. The in-process LRU serves the
 * one-machine setup; Redis serves many api processes. Values are JSON-serialisable.
 * A cache failure must never fail a request: callers treat errors as misses (adapters for remote
 * engines catch and log them and report `healthy() === false`).
 */
export interface Cache {
  get<T>(key: string): Promise<T | undefined>;
  set(key: string, value: unknown, ttlSec: number): Promise<void>;
  del(...keys: string[]): Promise<void>;
  /**
   * Atomically increments a counter, creating it with `ttlSec` when absent (the window starts at
   * the first hit, as a fixed-window rate limiter wants). Returns the new value.
   */
  incr(key: string, ttlSec: number): Promise<number>;
  /** True while the backing engine answers. */
  healthy(): Promise<boolean>;
  close(): Promise<void>;
}
