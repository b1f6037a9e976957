import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createTestDatabase, ENGINES } from '../../../test/support/databases.js';
import { createLogger } from '../log.js';
import type { DatabaseHandle } from '../db/index.js';
import { createPgBossQueue } from './pg-boss.js';
import type { JobQueue } from './port.js';
import { until } from '../../../test/support/poll.js';


for (const engine of ENGINES) {
  describe(`job queue (pg-boss) on ${engine}`, () => {
    let h: DatabaseHandle;
    let q: JobQueue;
    before(async () => {
      h = await createTestDatabase(engine);
      q = await createPgBossQueue({ sql: h.sql, log: createLogger('silent') });
    });
    after(async () => {
      await q.stop({ timeoutMs: 1000 });
      await h.close();
    });

    test('a sent job reaches a worker once with its data', async () => {
      await q.define('echo', { retryLimit: 0, retryDelaySec: 1, retryBackoff: false, expireInSec: 60 });
      const seen: string[] = [];
      await q.work<{ msg: string }>('echo', { concurrency: 2, pollIntervalSec: 0.5 }, async (job) => {
        seen.push(job.data.msg);
      });
      const id = await q.send('echo', { msg: 'hello' });
      assert.ok(id);
      await until(() => seen.length > 0, 'the job');
      await until(async () => (await q.getState('echo', id!)) === 'completed', 'completion');
      assert.deepEqual(seen, ['hello']);
    });

    test('a failing job is retried until it succeeds', async () => {
      await q.define('flaky', { retryLimit: 2, retryDelaySec: 1, retryBackoff: false, expireInSec: 60 });
      const tries: number[] = [];
      await q.work('flaky', { concurrency: 1, pollIntervalSec: 0.5 }, async (job) => {
        tries.push(job.retryCount);
        if (job.retryCount < 1) throw new Error('transient');
      });
      const id = await q.send('flaky', {});
      await until(async () => (await q.getState('flaky', id!)) === 'completed', 'the retried job to complete');
      assert.deepEqual(tries, [0, 1]);
    });

    test('a job sent inside a rolled-back transaction never exists', async () => {
      await q.define('txq', { retryLimit: 0, retryDelaySec: 1, retryBackoff: false, expireInSec: 60 });
      let sentId: string | null = null;
      await assert.rejects(
        h.db.transaction().execute(async (trx) => {
          sentId = await q.send('txq', { a: 1 }, { trx });
          throw new Error('rollback');
        }),
        /rollback/,
      );
      assert.ok(sentId);
      assert.equal(await q.getState('txq', sentId!), undefined);
      const committed = await h.db.transaction().execute((trx) => q.send('txq', { a: 2 }, { trx }));
      assert.equal(await q.getState('txq', committed!), 'created');
    });
  });
}
