import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { ENGINES, createTestDatabase } from '../../../test/support/databases.js';
import { pino } from 'pino';
import { createLogger } from '../../platform/log.js';
import type { DatabaseHandle } from '../../platform/db/index.js';
import { createEventRecorder } from './recorder.js';
import { until } from '../../../test/support/poll.js';

for (const engine of ENGINES) {
  describe(`event recorder on ${engine}`, () => {
    let handle: DatabaseHandle;
    before(async () => {
      handle = await createTestDatabase(engine);
    });
    after(() => handle.close());

    const countFor = async (videoId: string) =>
      Number((await handle.db.selectFrom('events').select((eb) => eb.fn.countAll().as('n')).where('videoId', '=', videoId).executeTakeFirstOrThrow()).n);

    test('close() writes what is still queued, with the time each event happened', async () => {
      const recorder = createEventRecorder({ db: handle.db, log: createLogger('silent'), flushIntervalMs: 60_000 });
      const at = new Date('2025-03-04T05:06:07.000Z');
      recorder.recordEvent({ type: 'video_play', videoId: 'closeVideo1', occurredAt: at, props: { a: 1 } });
      recorder.recordEvent({ type: 'search', sessionId: 's1' });
      assert.equal(await countFor('closeVideo1'), 0, 'nothing written before a flush');
      await recorder.close();
      const rows = await handle.db.selectFrom('events').selectAll().where('videoId', '=', 'closeVideo1').execute();
      assert.equal(rows.length, 1);
      assert.equal(rows[0]!.occurredAt.toISOString(), at.toISOString());
      assert.deepEqual(rows[0]!.props, { a: 1 });
      recorder.recordEvent({ type: 'video_play', videoId: 'closeVideo1' });
      await recorder.flush();
      assert.equal(await countFor('closeVideo1'), 1, 'events after close are dropped');
    });

    test('a full batch is written without waiting for the timer, in batches of maxBatch', async () => {
      const recorder = createEventRecorder({ db: handle.db, log: createLogger('silent'), flushIntervalMs: 60_000, maxBatch: 10 });
      for (let i = 0; i < 25; i++) recorder.recordEvent({ type: 'video_play', videoId: 'batchVideo1' });
      // 20 are on their way already; only the last 5 wait for the (long) timer.
      await until(async () => (await countFor('batchVideo1')) >= 20, 'the two full batches to be written');
      assert.equal(await countFor('batchVideo1'), 20, 'the last 5 wait for the timer or close()');
      await recorder.close();
      assert.equal(await countFor('batchVideo1'), 25);
    });

    test('a batch that fails is logged and dropped; later batches still land', async () => {
      const lines: string[] = [];
      const log = pino({ level: 'error' }, { write: (line: string) => void lines.push(line) });
      const recorder = createEventRecorder({ db: handle.db, log, flushIntervalMs: 60_000 });
      recorder.recordEvent({ type: null as unknown as string, videoId: 'failVideo1' }); // violates NOT NULL
      await recorder.flush();
      recorder.recordEvent({ type: 'video_play', videoId: 'failVideo1' });
      await recorder.close();
      assert.equal(await countFor('failVideo1'), 1);
      assert.match(lines.join('\n'), /analytics batch lost/);
    });

    test('the batch hook runs in the batch\'s transaction, and its after-commit work after the commit', async () => {
      const seen: number[] = [];
      const after: string[] = [];
      const recorder = createEventRecorder({
        db: handle.db, log: createLogger('silent'),
        onBatch: async (trx, batch) => {
          // Inside the transaction the batch's own rows are already visible.
          const n = await trx.selectFrom('events').select((eb) => eb.fn.countAll().as('n')).where('videoId', '=', 'hookVideo01').executeTakeFirstOrThrow();
          seen.push(Number(n.n), batch.length);
          return () => void after.push('done');
        },
      });
      for (let i = 0; i < 3; i++) recorder.recordEvent({ type: 'beacon', videoId: 'hookVideo01', transient: { secret: 'not stored' } });
      await recorder.close();
      assert.deepEqual(seen, [3, 3]);
      assert.deepEqual(after, ['done']);
      const rows = await handle.db.selectFrom('events').select('props').where('videoId', '=', 'hookVideo01').execute();
      assert.ok(rows.every((r) => !JSON.stringify(r.props).includes('not stored')), 'transient fields are never written');
    });

    test('a hook that fails rolls its batch back: the events and what they imply land together or not at all', async () => {
      const recorder = createEventRecorder({
        db: handle.db, log: createLogger('silent'),
        onBatch: async () => {
          throw new Error('hook failed');
        },
      });
      recorder.recordEvent({ type: 'beacon', videoId: 'hookVideo02' });
      await recorder.close();
      assert.equal(await countFor('hookVideo02'), 0);
    });

    test('a play is not a view: video_play events leave view_count alone', async () => {
      await handle.db.insertInto('users').values({ userId: 'u-views', username: 'views', email: 'v@example.test', passwordHash: 'x' }).execute();
      await handle.db.insertInto('videos').values({
        videoId: 'viewVideo01', userId: 'u-views', title: 't', visibility: 'public', failureReason: null, duration: null, width: null, height: null,
        originalFilename: null, originalSizeBytes: null, currentVersion: null, processedAt: null,
      }).execute();
      const recorder = createEventRecorder({ db: handle.db, log: createLogger('silent') });
      for (let i = 0; i < 3; i++) recorder.recordEvent({ type: 'video_play', videoId: 'viewVideo01' });
      await recorder.close();
      const row = await handle.db.selectFrom('videos').select('viewCount').where('videoId', '=', 'viewVideo01').executeTakeFirstOrThrow();
      assert.equal(Number(row.viewCount), 0);
      assert.equal(await countFor('viewVideo01'), 3);
    });
  });
}
