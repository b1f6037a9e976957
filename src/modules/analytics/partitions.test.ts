import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { ENGINES, createTestDatabase } from '../../../test/support/databases.js';
import type { DatabaseHandle } from '../../platform/db/index.js';
import { dropExpiredPartitions, ensurePartitions, listPartitions, partitionName } from './partitions.js';
import { analyticsQueries } from './queries.js';

const DAY = 86_400_000;
const dayStart = (t: number) => new Date(Math.floor(t / DAY) * DAY);

for (const engine of ENGINES) {
  describe(`event partitions on ${engine}`, () => {
    let handle: DatabaseHandle;
    before(async () => {
      handle = await createTestDatabase(engine);
    });
    after(() => handle.close());

    const count = async (table: string, videoId: string) =>
      Number((await sql<{ n: number }>`SELECT count(*)::int AS n FROM ${sql.table(table)} WHERE video_id = ${videoId}`.execute(handle.db)).rows[0]!.n);
    const insertAt = (videoId: string, at: Date) =>
      analyticsQueries(handle.db).insertEvents(handle.db, [{ type: 'beacon', videoId, occurredAt: at }]);

    test('creates yesterday\'s to the day after tomorrow\'s partitions, once, even when asked concurrently', async () => {
      const now = new Date();
      const results = await Promise.all([ensurePartitions(handle.db, now), ensurePartitions(handle.db, now)]);
      const expected = [-1, 0, 1, 2].map((i) => partitionName(new Date(dayStart(now.getTime()).getTime() + i * DAY)));
      assert.deepEqual([...results[0], ...results[1]].sort(), expected, 'each created exactly once');
      const names = (await listPartitions(handle.db)).map((p) => p.name);
      for (const name of expected) assert.ok(names.includes(name), name);
      assert.deepEqual(await ensurePartitions(handle.db, now), [], 'a second run creates nothing');
      await insertAt('p-today', now);
      assert.equal(await count(partitionName(dayStart(now.getTime())), 'p-today'), 1, 'today\'s events land in today\'s partition');
    });

    test('an event for a day without a partition is kept in the default partition, then moved into its day when it is created', async () => {
      const later = new Date(Date.now() + 10 * DAY);
      await insertAt('p-later', later);
      assert.equal(await count('events_default', 'p-later'), 1, 'nothing is lost for want of a partition');
      await ensurePartitions(handle.db, later, 0);
      assert.equal(await count('events_default', 'p-later'), 0);
      assert.equal(await count(partitionName(dayStart(later.getTime())), 'p-later'), 1);
      assert.equal(await count('events', 'p-later'), 1);
    });

    test('retention drops whole partitions older than the retention period, and old rows of the default partition', async () => {
      const now = new Date();
      const old = new Date(now.getTime() - 100 * DAY);
      await ensurePartitions(handle.db, old, 0); // the 101st and 100th days back
      await insertAt('p-old', old);
      await insertAt('p-old', new Date(now.getTime() - 95 * DAY)); // no partition: the default one
      await insertAt('p-old', new Date(now.getTime() - 89 * DAY)); // inside the period, default partition
      await insertAt('p-old', now);
      assert.equal(await count('events', 'p-old'), 4);
      const dropped = await dropExpiredPartitions(handle.db, 90, now);
      assert.deepEqual(dropped, [partitionName(dayStart(old.getTime() - DAY)), partitionName(dayStart(old.getTime()))]);
      assert.equal(await count('events', 'p-old'), 2, 'the two events inside the 90 days stay');
      const names = (await listPartitions(handle.db)).map((p) => p.name);
      assert.ok(!names.includes(partitionName(dayStart(old.getTime()))));
      assert.ok(names.includes(partitionName(dayStart(now.getTime()))), 'current partitions stay');
    });
  });
}
