import type { Cache } from '../../platform/cache/port.js';

/**
 * Fixed-window attempt counting on the shared cache, so every api process sees one count. The
 * count is taken with the cache's atomic `incr` BEFORE the attempt is acted on: checking, then
 * working, then counting let 25 concurrent guesses all through a limit of 10.
 * The window starts at the first attempt; its start is kept beside the count so a refusal can say
 * when the window ends.
 */
export function createAttemptCounter(cache: Cache, now: () => number = Date.now) {
  const sinceKey = (key: string) => `${key}:since`;
  return {
    /** Counts one attempt under `key` and returns the count in the current window, this one included. */
    async hit(key: string, windowSec: number): Promise<number> {
      const count = await cache.incr(key, windowSec);
      if (count === 1) await cache.set(sinceKey(key), now(), windowSec);
      return count;
    },
    /** When the window of `key` ends (an upper bound when its start is unknown). */
    async resetsAt(key: string, windowSec: number): Promise<Date> {
      const since = await cache.get<number>(sinceKey(key));
      return new Date((since ?? now()) + windowSec * 1000);
    },
  };
}

export type AttemptCounter = ReturnType<typeof createAttemptCounter>;

/** "in 14 minutes, at 22:47 UTC": when a limit resets, in words. */
export function describeReset(resetsAt: Date, now = Date.now()): { retryAfterSec: number; words: string } {
  const retryAfterSec = Math.max(1, Math.ceil((resetsAt.getTime() - now) / 1000));
  const minutes = Math.ceil(retryAfterSec / 60);
  const clock = resetsAt.toISOString().slice(11, 16);
  return { retryAfterSec, words: `in ${minutes} minute${minutes === 1 ? '' : 's'}, at ${clock} UTC` };
}
