import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig } from '../src/config.js';
import { startKinema } from '../src/app.js';
import { createLogger } from '../src/platform/log.js';
import { createServerDatabase } from './support/databases.js';
import { tempDir } from './support/services.js';

test('processes starting at the same moment on an empty PostgreSQL all come up, each set-up step once', async () => {
  const db = await createServerDatabase();
  try {
    const starts = await Promise.allSettled(
      [0, 1, 2, 3].map(async () =>
        startKinema(loadConfig({ DATABASE_URL: db.url, DATA_DIR: await tempDir('kinema-race-'), LOG_LEVEL: 'silent', METRICS_LISTEN: '127.0.0.1:0' }), { api: false, worker: false }, { log: createLogger('silent') }),
      ),
    );
    const failures = starts.filter((s) => s.status === 'rejected').map((s) => String((s as PromiseRejectedResult).reason));
    assert.deepEqual(failures, []);
    const apps = starts.map((s) => (s as PromiseFulfilledResult<Awaited<ReturnType<typeof startKinema>>>).value);
    const { rows } = await apps[0]!.platform.database.sql.query<{ name: string; n: number }>('SELECT name, count(*)::int AS n FROM schema_migrations GROUP BY name');
    assert.ok(rows.length >= 2 && rows.every((r) => r.n === 1));
    await Promise.all(apps.map((a) => a.close()));
  } finally {
    await db.drop();
  }
});
