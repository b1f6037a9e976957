/**
 * Runs the shared Cache contract (test/support/cache-contract.ts) against the in-process LRU and
 * the real Redis on 127.0.0.1:6379, then checks Redis degraded mode against Redis servers this
 * file starts and kills itself.
 */
import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { createLogger } from '../log.js';
import { createCache, createRedisCache, type Cache } from './index.js';
import { describeCacheContract } from '../../../test/support/cache-contract.js';
import { ensureRedis, spawnRedisServer, startRedisCluster, waitFor } from '../../../test/support/services.js';

const log = createLogger('silent');
const REDIS_URL = 'redis://127.0.0.1:6379';

/** Removes every key under `prefix` (the contract's keys all have TTLs; this just tidies up). */
async function deleteKeysUnder(url: string, prefix: string): Promise<void> {
  const raw = new Redis(url);
  try {
    for await (const keys of raw.scanStream({ match: `${prefix}*`, count: 500 })) {
      if ((keys as string[]).length) await raw.del(...(keys as string[]));
    }
  } finally {
    raw.disconnect();
  }
}

/**
 * Fails (instead of hanging the run) when a cache call does not settle: a degraded cache must
 * answer at once (within its 500 ms command timeout), while the bug this guards against queues
 * commands forever. 30 s is a hang detector with room for a loaded machine, not a benchmark.
 */
async function settles<T>(promise: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const hang = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not settle: commands are being queued`)), 30_000);
  });
  try {
    return await Promise.race([promise, hang]);
  } finally {
    clearTimeout(timer);
  }
}

/** A logger that also records each line's level and message, to count outage warnings. */
function recordingLogger() {
  const lines: Array<{ level: number; msg: string }> = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line) as { level: number; msg: string });
      done();
    },
  });
  const count = (level: number, text: string) => lines.filter((l) => l.level === level && l.msg.includes(text)).length;
  return { log: pino({ level: 'info' }, sink), warnings: (t: string) => count(40, t), infos: (t: string) => count(30, t) };
}

describeCacheContract('memory (LRU)', async () => {
  const cache = createCache({ kind: 'memory', maxEntries: 1000 });
  return { cache, teardown: () => cache.close() };
});

describeCacheContract('redis (127.0.0.1:6379)', async () => {
  await ensureRedis();
  const keyPrefix = `kinema-test:${randomUUID()}:`;
  const cache = createCache({ kind: 'redis', url: REDIS_URL, keyPrefix, log });
  return {
    cache,
    async teardown() {
      await cache.close();
      await deleteKeysUnder(REDIS_URL, keyPrefix);
    },
  };
});

describeCacheContract('redis cluster (3 masters on loopback)', async () => {
  const cluster = await startRedisCluster(3);
  const cache = createCache({ kind: 'redis', clusterNodes: cluster.nodes, keyPrefix: `kinema-test:${randomUUID()}:`, log });
  return {
    cache,
    async teardown() {
      await cache.close();
      await cluster.stop();
    },
  };
});

describe('memory cache specifics', () => {
  test('evicts the least recently used entry beyond maxEntries', async () => {
    const cache = createCache({ kind: 'memory', maxEntries: 2 });
    await cache.set('a', 1, 60);
    await cache.set('b', 2, 60);
    await cache.get('a');
    await cache.set('c', 3, 60);
    assert.equal(await cache.get('b'), undefined);
    assert.equal(await cache.get('a'), 1);
  });
});

describe('redis cache specifics', () => {
  before(() => ensureRedis());

  test('stores every key under the key prefix', async () => {
    const keyPrefix = `kinema-test:${randomUUID()}:`;
    const cache = createRedisCache({ url: REDIS_URL, keyPrefix, log });
    const raw = new Redis(REDIS_URL);
    try {
      await cache.set('video:1', { id: 1 }, 60);
      await cache.incr('hits:1', 60);
      await cache.getOrLease('video:2', 60);
      assert.equal(await raw.get(`${keyPrefix}video:1`), '{"id":1}');
      assert.match((await raw.get(`${keyPrefix}video:2`)) ?? '', /^#lease:/, 'a lease lives in the key it reserves');
      assert.equal(await raw.get(`${keyPrefix}hits:1`), '1');
      assert.ok((await raw.pttl(`${keyPrefix}hits:1`)) > 0, 'counter has a TTL');
    } finally {
      raw.disconnect();
      await cache.close();
      await deleteKeysUnder(REDIS_URL, keyPrefix);
    }
  });
});

describe('redis cache degraded mode', () => {
  let cache: Cache | undefined;
  after(() => cache?.close());

  test('misses, no-ops and counts per process while Redis is down, warning once, then recovers by itself', { timeout: 300_000 }, async () => {
    const first = await spawnRedisServer();
    const recorder = recordingLogger();
    cache = createRedisCache({ url: first.url, log: recorder.log, commandTimeoutMs: 500 });
    await cache.set('k', 'v', 60);
    assert.equal(await cache.get('k'), 'v');
    assert.equal(await cache.healthy(), true);
    const early = await cache.getOrLease('leased', 60);
    assert.ok(!early.hit && early.lease);

    await first.kill();
    assert.ok(await waitFor(async () => !(await cache!.healthy()), 60_000), 'healthy() turns false');
    assert.equal(await settles(cache.get('k'), 'get'), undefined);
    await settles(cache.set('k2', 'v2', 60), 'set');
    await settles(cache.del('k'), 'del');
    assert.deepEqual(await settles(cache.getOrLease('k', 60), 'getOrLease'), { hit: false, lease: null });
    assert.equal(await settles(cache.setLeased('leased', early.lease, 'v', 60), 'setLeased'), false);
    assert.equal(await settles(cache.incr('limit', 60), 'incr'), 1);
    assert.equal(await settles(cache.incr('limit', 60), 'incr'), 2, 'the local counter keeps counting');
    assert.equal(await settles(cache.healthy(), 'healthy'), false);
    assert.equal(recorder.warnings('Redis unavailable'), 1, 'one warning per outage, not per call');

    const second = await spawnRedisServer({ port: first.port });
    try {
      assert.ok(await waitFor(() => cache!.healthy(), 60_000), 'healthy() turns true again');
      await cache.set('k3', { back: true }, 60);
      assert.deepEqual(await cache.get('k3'), { back: true });
      assert.equal(await cache.incr('fresh', 60), 1);
      assert.equal(recorder.infos('Redis is back'), 1);
    } finally {
      await cache.close();
      cache = undefined;
      await second.kill();
    }
  });

  test('starts degraded, without failing calls, when Redis is unreachable at start-up', { timeout: 180_000 }, async () => {
    // Port 1 (tcpmux) is privileged and unused here: connections are refused. A port that was free
    // a moment ago could be taken by another test process meanwhile.
    const down = createRedisCache({ url: 'redis://127.0.0.1:1', log, commandTimeoutMs: 500 });
    try {
      assert.equal(await settles(down.get('k'), 'get'), undefined);
      await settles(down.set('k', 1, 60), 'set');
      assert.equal(await settles(down.incr('n', 60), 'incr'), 1);
      assert.equal(await settles(down.healthy(), 'healthy'), false);
    } finally {
      await settles(down.close(), 'close');
    }
  });

  test('deletes keys whose invalidation was lost in an outage once Redis is back', { timeout: 300_000 }, async () => {
    // Redis with an fsynced AOF comes back from a crash with its data, stale entries included.
    const first = await spawnRedisServer({ appendOnly: true });
    cache = createRedisCache({ url: first.url, log, commandTimeoutMs: 500 });
    await cache.set('video:1', 'old title', 600);
    await cache.set('control', 'kept', 600);
    const reader = await cache.getOrLease('video:2', 600); // a reader about to fill with the old row
    assert.ok(!reader.hit && reader.lease);
    await first.kill();
    assert.ok(await waitFor(async () => !(await cache!.healthy()), 60_000));
    await cache.del('video:1'); // lost: Redis is down
    await cache.del('video:2'); // lost too: the lease it should revoke survives in the AOF
    assert.equal(await cache.get('video:1'), undefined, 'a key with a pending invalidation reads as a miss');

    const second = await spawnRedisServer({ port: first.port, dir: first.dir, appendOnly: true });
    const raw = new Redis(second.url);
    try {
      assert.ok(await waitFor(() => cache!.healthy(), 60_000));
      assert.equal(await raw.get('control'), '"kept"', 'the restarted Redis kept its data');
      assert.equal(await cache.setLeased('video:2', reader.lease, 'old row', 600), false, 'a lease whose revocation was lost cannot fill');
      assert.ok(await waitFor(async () => (await raw.exists('video:2')) === 0, 60_000), 'the lost DEL of the leased key was replayed');
      assert.ok(await waitFor(async () => (await raw.exists('video:1')) === 0, 60_000), 'the lost DEL was replayed');
      assert.equal(await cache.get('video:1'), undefined);
    } finally {
      raw.disconnect();
      await cache.close();
      cache = undefined;
      await second.kill();
    }
  });
});
