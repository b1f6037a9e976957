import { LRUCache } from 'lru-cache';
import { isDependencyOutage } from '../outage.js';

/**
 * Stale-if-error for reads that must keep working through a short database outage (who is behind
 * a session token, who owns a video): the last value this process read from the database, kept
 * for `maxAgeMs`, and handed out ONLY when the database cannot be asked. Writes in this process
 * `forget` their keys; a change made by another process just before an outage can be seen late,
 * for at most `maxAgeMs` and only while the database is away (docs/DEPLOY.md says so).
 */
export function createLastKnown<T extends object>(o: { max: number; maxAgeMs: number }) {
  const values = new LRUCache<string, T>({ max: o.max, ttl: o.maxAgeMs });
  return {
    remember(key: string, value: T): void {
      values.set(key, value);
    },
    forget(key: string): void {
      values.delete(key);
    },
    /**
     * `read()`, remembering what it returns; when it fails because the database is away, the
     * last value remembered for `key` instead (or the error, when there is none). A `stale` value
     * must never be written to a shared cache: it may predate an invalidation.
     */
    async read<R extends T | undefined>(key: string, read: () => Promise<R>): Promise<{ value: R; stale: boolean }> {
      try {
        const value = await read();
        if (value === undefined) values.delete(key);
        else values.set(key, value);
        return { value, stale: false };
      } catch (err) {
        const last = isDependencyOutage(err) ? values.get(key) : undefined;
        if (last === undefined) throw err;
        return { value: last as R, stale: true };
      }
    },
  };
}

/** How long a last-known value may stand in for the database: outages of a few minutes. */
export const LAST_KNOWN_MAX_AGE_MS = 5 * 60_000;
