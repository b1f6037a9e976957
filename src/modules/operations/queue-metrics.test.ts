import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Registry } from 'prom-client';
import { createTestDatabase, ENGINES } from '../../../test/support/databases.js';
import { until } from '../../../test/support/poll.js';
import { createLogger } from '../../platform/log.js';
import type { DatabaseHandle } from '../../platform/db/index.js';
import { createPgBossQueue, type JobQueue } from '../../platform/queue/index.js';
import { readQueueStats, registerQueueMetrics } from './index.js';

const SETTINGS = { retryLimit: 2, retryDelaySec: 1, retryBackoff: false, expireInSec: 600 };

/** One sample of `name{queue="…"}` in a Prometheus text page. */
const sample = (page: string, name: string, queue: string) => Number(new RegExp(`^${name}\\{queue="${queue}"\\} (\\S+)$`, 'm').exec(page)?.[1]);

for (const engine of ENGINES) {
  describe(`queue depth on ${engine}`, () => {
    let h: DatabaseHandle;
    let q: JobQueue;
    const release: (() => void)[] = [];
    before(async () => {
      h = await createTestDatabase(engine);
      q = await createPgBossQueue({ sql: h.sql, log: createLogger('silent'), supervise: false });
    });
    after(async () => {
      for (const r of release) r();
      await q.stop({ timeoutMs: 1000 });
      await h.close();
    });

    test('counts waiting, delayed and running jobs per queue, and the oldest wait; completed jobs and other queues do not count', async () => {
      const [enc, other] = [`enc_${engine}`, `other_${engine}`];
      await q.define(enc, SETTINGS);
      await q.define(other, SETTINGS);
      // One job runs (its handler holds it), one completes, then three wait, one is delayed.
      let started = 0;
      await q.work(enc, { concurrency: 1, pollIntervalSec: 0.2 }, async (job) => {
        started++;
        if ((job.data as { hold?: boolean }).hold) await new Promise<void>((r) => release.push(r));
      });
      const done = await q.send(enc, { hold: false });
      await until(async () => (await q.getState(enc, done!)) === 'completed', 'the first job to complete');
      const held = await q.send(enc, { hold: true });
      await until(async () => (await q.getState(enc, held!)) === 'active', 'the held job to run');
      await q.offWork(enc);
      for (let i = 0; i < 3; i++) await q.send(enc, { n: i });
      const later = await q.send(enc, { n: 'later' });
      await h.sql.query(`UPDATE pgboss.job SET start_after = now() + interval '1 hour' WHERE id = $1`, [later]);
      // The oldest waiting job has been takeable for a minute.
      await h.sql.query(`UPDATE pgboss.job SET start_after = now() - interval '60 seconds' WHERE id = (SELECT id FROM pgboss.job WHERE name = $1 AND data->>'n' = '0')`, [enc]);
      await q.send(other, { n: 'elsewhere' });

      const [e, o, none] = await readQueueStats(h.sql, [enc, other, 'never_used']);
      assert.deepEqual({ ...e, oldestWaitingSec: undefined }, { queue: enc, waiting: 3, delayed: 1, running: 1, oldestWaitingSec: undefined });
      assert.ok(e!.oldestWaitingSec >= 60 && e!.oldestWaitingSec < 3600, `oldest wait ${e!.oldestWaitingSec}`);
      assert.deepEqual({ ...o, oldestWaitingSec: 0 }, { queue: other, waiting: 1, delayed: 0, running: 0, oldestWaitingSec: 0 });
      assert.deepEqual(none, { queue: 'never_used', waiting: 0, delayed: 0, running: 0, oldestWaitingSec: 0 });
      assert.equal(started, 2);

      const registry = new Registry();
      registerQueueMetrics({ registry, sql: h.sql, queues: [enc, other], log: createLogger('silent'), maxAgeMs: 0 });
      const page = await registry.metrics();
      assert.equal(sample(page, 'kinema_queue_waiting_jobs', enc), 3);
      assert.equal(sample(page, 'kinema_queue_delayed_jobs', enc), 1);
      assert.equal(sample(page, 'kinema_queue_running_jobs', enc), 1);
      assert.ok(sample(page, 'kinema_queue_oldest_waiting_seconds', enc) >= 60);
      assert.equal(sample(page, 'kinema_queue_waiting_jobs', other), 1);
      assert.equal(sample(page, 'kinema_queue_oldest_waiting_seconds', other) >= 0, true);
    });

    test('a scrape while the database cannot answer keeps the last figures and counts the miss', async () => {
      const queue = `gone_${engine}`;
      await q.define(queue, SETTINGS);
      await q.send(queue, { n: 1 });
      let broken = false;
      const sql = { query: ((text: string, params?: unknown[]) => (broken ? Promise.reject(Object.assign(new Error('connection refused'), { code: 'ECONNREFUSED' })) : h.sql.query(text, params))) as typeof h.sql.query };
      const registry = new Registry();
      registerQueueMetrics({ registry, sql, queues: [queue], log: createLogger('silent'), maxAgeMs: 0 });
      assert.equal(sample(await registry.metrics(), 'kinema_queue_waiting_jobs', queue), 1);
      broken = true;
      const page = await registry.metrics();
      assert.equal(sample(page, 'kinema_queue_waiting_jobs', queue), 1, 'the last figure stays');
      assert.match(page, /^kinema_queue_stats_failures_total 1$/m);
    });

    test('scrapes within maxAgeMs share one read', async () => {
      const queue = `cached_${engine}`;
      await q.define(queue, SETTINGS);
      let reads = 0;
      const sql = { query: ((text: string, params?: unknown[]) => (reads++, h.sql.query(text, params))) as typeof h.sql.query };
      const registry = new Registry();
      registerQueueMetrics({ registry, sql, queues: [queue], log: createLogger('silent'), maxAgeMs: 3_600_000 });
      await registry.metrics();
      await registry.metrics();
      assert.equal(reads, 1, 'four gauges over two scrapes, one query');
    });
  });
}
