/**
 * The Cache contract: one list of behaviours every adapter must pass (in-process LRU, Redis).
 * A test file calls `describeCacheContract` once per adapter. Keys are random per test, so tests
 * can run alone, in any order, against one shared cache.
 */
import { randomUUID } from 'node:crypto';
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Cache } from '../../src/platform/cache/port.js';
import { waitFor } from './services.js';
import { until } from './poll.js';

/** A run of commands shorter than this fits inside a 1 s TTL, with room for clock granularity. */
const TTL_WINDOW_MS = 900;
/** How long an entry with a 1 s TTL may take to read as gone on a loaded machine. */
const EXPIRY_DEADLINE_MS = 60_000;

export interface CacheHarness {
  cache: Cache;
  teardown(): Promise<void>;
}

/** Registers the contract suite for one adapter; `setup` runs once before its tests. */
export function describeCacheContract(name: string, setup: () => Promise<CacheHarness>): void {
  describe(`Cache contract: ${name}`, () => {
    let h: CacheHarness;
    let cache: Cache;
    const key = (label: string) => `${label}:${randomUUID()}`;

    /**
     * Runs `attempt` (which uses a 1 s TTL) on a fresh key until one run provably finished inside
     * that second, and returns that run's key and result. On a loaded machine a set and the get
     * after it can be more than a second apart, and then "still there" and "already expired" are
     * both correct answers; timed from before the first command to after the last, a run shorter
     * than the TTL had every command inside it, so its result must be the in-window one. A slower
     * run is not judged; it is repeated with a new key.
     */
    async function insideWindow<T>(label: string, attempt: (k: string) => Promise<T>): Promise<{ k: string; result: T }> {
      return until(async () => {
        const k = key(label);
        const startedAt = performance.now();
        const result = await attempt(k);
        return performance.now() - startedAt < TTL_WINDOW_MS && { k, result };
      }, `a ${label} run that finished inside its 1 s TTL`, 120_000, 0);
    }
    before(async () => {
      h = await setup();
      cache = h.cache;
    });
    after(() => h?.teardown());

    test('returns undefined for unknown keys', async () => {
      assert.equal(await cache.get(key('unknown')), undefined);
    });

    test('round-trips JSON values through set and get', async () => {
      const values: unknown[] = [{ id: 'v1', tags: ['a', 'b'], views: 3, nested: { ok: true } }, 'text', 42, 0, false, null, []];
      for (const value of values) {
        const k = key('value');
        await cache.set(k, value, 60);
        assert.deepEqual(await cache.get(k), value);
      }
    });

    test('stores copies: mutating a cached or returned object does not change the cache', async () => {
      const k = key('copy');
      const original = { title: 'first', tags: ['x'] };
      await cache.set(k, original, 60);
      original.title = 'mutated';
      original.tags.push('y');
      const got = await cache.get<{ title: string; tags: string[] }>(k);
      assert.deepEqual(got, { title: 'first', tags: ['x'] });
      got!.tags.push('z');
      assert.deepEqual(await cache.get(k), { title: 'first', tags: ['x'] });
    });

    test('returns values as JSON would, so a Date comes back as its ISO string', async () => {
      const k = key('date');
      const at = new Date('2024-05-06T07:08:09.000Z');
      await cache.set(k, { at }, 60);
      assert.deepEqual(await cache.get(k), { at: '2024-05-06T07:08:09.000Z' });
    });

    test('rejects values JSON cannot carry and TTLs that are not positive', async () => {
      await assert.rejects(cache.set(key('bad'), undefined, 60), TypeError);
      await assert.rejects(cache.set(key('bad'), 'v', 0), RangeError);
      await assert.rejects(cache.incr(key('bad'), -1), RangeError);
    });

    test('del removes one or several keys, and ignores unknown ones', async () => {
      const [a, b, c] = [key('a'), key('b'), key('c')];
      await cache.set(a, 1, 60);
      await cache.set(b, 2, 60);
      await cache.set(c, 3, 60);
      await cache.del(a);
      await cache.del(b, c, key('never-set'));
      await cache.del();
      assert.equal(await cache.get(a), undefined);
      assert.equal(await cache.get(b), undefined);
      assert.equal(await cache.get(c), undefined);
    });

    test('set replaces the value and its TTL', async () => {
      const k = key('replace');
      await cache.set(k, 'short', 1);
      await cache.set(k, 'long', 60);
      assert.equal(await cache.get(k), 'long');
    });

    test('forgets an entry once its TTL has passed', async () => {
      const { k, result } = await insideWindow('ttl', async (k) => {
        await cache.set(k, 'soon gone', 1);
        return cache.get(k);
      });
      assert.equal(result, 'soon gone', 'read back inside its 1 s TTL');
      assert.ok(await waitFor(async () => (await cache.get(k)) === undefined, EXPIRY_DEADLINE_MS, 100), 'expired within the deadline');
    });

    test('incr counts from 1 within one window', async () => {
      const k = key('counter');
      assert.equal(await cache.incr(k, 60), 1);
      assert.equal(await cache.incr(k, 60), 2);
      assert.equal(await cache.incr(k, 60), 3);
      assert.equal(await cache.get(k), 3, 'a counter reads back as a number');
    });

    test('incr keeps the expiry of the first hit (a fixed window), then starts a new window', async () => {
      const { k, result } = await insideWindow('window', async (k) => [await cache.incr(k, 1), await cache.incr(k, 3600)]);
      assert.deepEqual(result, [1, 2], 'both hits inside the 1 s window count in it');
      // The later hit with a longer TTL must not have extended the window set by the first hit.
      assert.ok(await waitFor(async () => (await cache.get(k)) === undefined, EXPIRY_DEADLINE_MS, 100), 'window ended');
      assert.equal(await cache.incr(k, 60), 1);
    });

    test('incr restarts at 1 after the counter is deleted', async () => {
      const k = key('reset');
      await cache.incr(k, 60);
      await cache.incr(k, 60);
      await cache.del(k);
      assert.equal(await cache.incr(k, 60), 1);
    });

    test('reports itself healthy while its engine answers', async () => {
      assert.equal(await cache.healthy(), true);
    });
  });
}
