/**
 * The Cache contract: one list of behaviours every adapter must pass (in-process LRU, Redis).
 * A test file calls `describeCacheContract` once per adapter. Keys are random per test, so tests
 * can run alone, in any order, against one shared cache.
 */
import { randomUUID } from 'node:crypto';
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Cache, CacheLease } from '../../src/platform/cache/port.js';
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

    test('getOrLease hands the first miss a lease, and setLeased with it fills the key', async () => {
      const k = key('lease');
      const read = await cache.getOrLease<{ title: string }>(k, 60);
      assert.equal(read.hit, false);
      assert.ok(!read.hit && read.lease, 'the first miss gets a lease');
      assert.equal(await cache.setLeased(k, read.lease, { title: 'fresh' }, 60), true);
      assert.deepEqual(await cache.getOrLease(k, 60), { hit: true, value: { title: 'fresh' } });
      assert.deepEqual(await cache.get(k), { title: 'fresh' });
    });

    test('while a lease is out, the key reads as a miss and other readers get no lease', async () => {
      const k = key('leased');
      const first = await cache.getOrLease(k, 60);
      assert.ok(!first.hit && first.lease);
      assert.deepEqual(await cache.getOrLease(k, 60), { hit: false, lease: null });
      assert.equal(await cache.get(k), undefined, 'a lease is not a value');
    });

    test('del between getOrLease and setLeased revokes the lease: the late fill is refused', async () => {
      // The cache-aside race in miniature: a reader leases and reads the old row, a writer commits
      // and deletes the key, then the reader's fill arrives.
      const k = key('revoked');
      const reader = await cache.getOrLease(k, 60);
      assert.ok(!reader.hit && reader.lease);
      await cache.del(k);
      assert.equal(await cache.setLeased(k, reader.lease, 'old row', 60), false);
      assert.equal(await cache.get(k), undefined);
      const next = await cache.getOrLease(k, 60);
      assert.ok(!next.hit && next.lease, 'the next miss gets a new lease');
      assert.notEqual(next.lease, reader.lease);
      assert.equal(await cache.setLeased(k, reader.lease, 'old row', 60), false, 'the old lease stays revoked');
      assert.equal(await cache.setLeased(k, next.lease, 'new row', 60), true);
      assert.equal(await cache.get(k), 'new row');
    });

    test('a set between getOrLease and setLeased wins; a lease fills at most once', async () => {
      const k = key('overwritten');
      const reader = await cache.getOrLease(k, 60);
      assert.ok(!reader.hit && reader.lease);
      await cache.set(k, 'written', 60);
      assert.equal(await cache.setLeased(k, reader.lease, 'late', 60), false);
      assert.equal(await cache.get(k), 'written');

      const k2 = key('once');
      const again = await cache.getOrLease(k2, 60);
      assert.ok(!again.hit && again.lease);
      assert.equal(await cache.setLeased(k2, again.lease, 'first', 60), true);
      assert.equal(await cache.setLeased(k2, again.lease, 'second', 60), false);
      assert.equal(await cache.get(k2), 'first');
    });

    test('an unused lease expires; its holder can no longer fill and the next miss leases again', async () => {
      const k = key('lapsed');
      const reader = await cache.getOrLease(k, 1);
      assert.ok(!reader.hit && reader.lease);
      let next: CacheLease | null = null;
      const lapsed = await waitFor(async () => {
        const read = await cache.getOrLease(k, 60);
        next = read.hit ? null : read.lease;
        return next !== null;
      }, 60_000, 100);
      assert.ok(lapsed && next, 'a new lease once the first one lapsed');
      assert.equal(await cache.setLeased(k, reader.lease, 'late', 60), false);
      assert.equal(await cache.setLeased(k, next, 'on time', 60), true);
      assert.equal(await cache.get(k), 'on time');
    });

    test('leases reject values JSON cannot carry and TTLs that are not positive', async () => {
      await assert.rejects(cache.getOrLease(key('bad'), 0), RangeError);
      const k = key('bad');
      const read = await cache.getOrLease(k, 60);
      assert.ok(!read.hit && read.lease);
      await assert.rejects(cache.setLeased(k, read.lease, undefined, 60), TypeError);
      await assert.rejects(cache.setLeased(k, read.lease, 'v', -1), RangeError);
      assert.equal(await cache.setLeased(k, read.lease, 'v', 60), true, 'a rejected call does not spend the lease');
    });

    test('reports itself healthy while its engine answers', async () => {
      assert.equal(await cache.healthy(), true);
    });
  });
}
