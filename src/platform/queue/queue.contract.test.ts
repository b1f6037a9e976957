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

    test('a released job runs again at once without using up a try', async () => {
      // No retries at all: if the release counted as a try, the job could never run again.
      await q.define('rel', { retryLimit: 0, retryDelaySec: 60, retryBackoff: false, expireInSec: 60 });
      const tries: number[] = [];
      let released: boolean | undefined;
      await q.work('rel', { concurrency: 1, pollIntervalSec: 0.5 }, async (job) => {
        tries.push(job.retryCount);
        if (tries.length === 1) released = await q.release('rel', job.id);
      });
      const id = await q.send('rel', {});
      await until(async () => tries.length >= 2 && (await q.getState('rel', id!)) === 'completed', 'the released job to run again and complete');
      assert.equal(released, true);
      assert.deepEqual(tries, [0, 0], 'both runs are the first try');
    });

    test('releasing a job that is not active changes nothing', async () => {
      await q.define('rel-idle', { retryLimit: 0, retryDelaySec: 1, retryBackoff: false, expireInSec: 60 });
      const id = await q.send('rel-idle', {});
      assert.equal(await q.release('rel-idle', id!), false);
      assert.equal(await q.getState('rel-idle', id!), 'created');
    });

    test('an active job can be given a lease longer than the queue allows (24 h)', async () => {
      await q.define('long', { retryLimit: 0, retryDelaySec: 1, retryBackoff: false, expireInSec: 60 });
      const seen: number[] = [];
      let release!: () => void;
      const held = new Promise<void>((r) => (release = r));
      await q.work('long', { concurrency: 1, pollIntervalSec: 0.5 }, async (job) => {
        await q.extendLease('long', job.id, 3 * 24 * 3600);
        const r = await h.sql.query<{ secs: number }>('SELECT extract(epoch FROM expire_in)::int AS secs FROM pgboss.job WHERE id = $1', [job.id]);
        seen.push(r.rows[0]!.secs);
        await held;
      });
      const id = await q.send('long', {});
      await until(() => seen.length === 1, 'the job to start');
      assert.deepEqual(seen, [3 * 24 * 3600]);
      release();
      await until(async () => (await q.getState('long', id!)) === 'completed', 'completion');
    });

    test('offWork stops fetching: a job sent afterwards waits', async () => {
      await q.define('off', { retryLimit: 0, retryDelaySec: 1, retryBackoff: false, expireInSec: 60 });
      const seen: string[] = [];
      await q.work<{ n: string }>('off', { concurrency: 1, pollIntervalSec: 0.5 }, async (job) => void seen.push(job.data.n));
      const first = await q.send('off', { n: 'a' });
      await until(async () => (await q.getState('off', first!)) === 'completed', 'the first job');
      await q.offWork('off');
      const second = await q.send('off', { n: 'b' });
      // A fetch loop that was already past its check could still take one job: give it several
      // polling intervals' worth of chances, measured by a job another queue runs meanwhile.
      await q.define('off-probe', { retryLimit: 0, retryDelaySec: 1, retryBackoff: false, expireInSec: 60 });
      let probes = 0;
      await q.work('off-probe', { concurrency: 1, pollIntervalSec: 0.5 }, async () => void probes++);
      for (let i = 0; i < 3; i++) {
        const p = await q.send('off-probe', {});
        await until(async () => (await q.getState('off-probe', p!)) === 'completed', 'a probe job');
      }
      assert.equal(await q.getState('off', second!), 'created');
      assert.deepEqual(seen, ['a']);
      assert.equal(probes, 3);
    });
  });
}
