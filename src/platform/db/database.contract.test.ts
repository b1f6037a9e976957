import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { sql } from 'kysely';
import { createTestDatabase, ENGINES } from '../../../test/support/databases.js';
import { openDatabase, type DatabaseHandle } from './index.js';

// One contract, every engine: what the modules rely on from the database port.
for (const engine of ENGINES) {
  describe(`database port on ${engine}`, () => {
    let h: DatabaseHandle;
    before(async () => {
      h = await createTestDatabase(engine);
    });
    after(() => h.close());

    test('migrations are recorded and a second run applies nothing', async () => {
      const { rows } = await h.sql.query<{ name: string }>('SELECT name FROM schema_migrations ORDER BY name');
      assert.ok(rows.some((r) => r.name === '001_foundation.sql'));
      assert.deepEqual(await h.migrate(), []);
    });

    test('maps camelCase properties to snake_case columns both ways', async () => {
      await h.db.insertInto('users').values({ userId: 'u-map', username: 'Map', email: 'map@x.io', passwordHash: 'h' }).execute();
      const row = await h.db.selectFrom('users').selectAll().where('userId', '=', 'u-map').executeTakeFirstOrThrow();
      assert.equal(row.passwordHash, 'h');
      assert.ok(row.createdAt instanceof Date);
      const { rows } = await h.sql.query<{ password_hash: string }>('SELECT password_hash FROM users WHERE user_id = $1', ['u-map']);
      assert.equal(rows[0]?.password_hash, 'h');
    });

    test('a failed transaction leaves no trace, and interleaved work is not swallowed by it', async () => {
      let outside: Promise<unknown> | undefined;
      const failing = h.db.transaction().execute(async (trx) => {
        await trx.insertInto('users').values({ userId: 'u-tx', username: 'tx', email: 'tx@x.io', passwordHash: 'h' }).execute();
        // Sent from inside, so it is certainly issued while the transaction is open (no sleep
        // deciding that); it must commit on its own, not roll back with the transaction.
        outside = h.db.insertInto('users').values({ userId: 'u-out', username: 'out', email: 'out@x.io', passwordHash: 'h' }).execute();
        // Two more round trips on the open transaction: on a single session (PGlite) a statement
        // sent meanwhile would have been run inside it by now, unless the session is locked.
        const own = await trx.selectFrom('users').select('userId').where('userId', '=', 'u-tx').execute();
        assert.equal(own.length, 1, 'the transaction sees its own insert');
        await sql`SELECT 1`.execute(trx);
        throw new Error('boom');
      });
      await assert.rejects(failing, /boom/);
      await outside;
      const ids = (await h.db.selectFrom('users').select('userId').where('userId', 'in', ['u-tx', 'u-out']).execute()).map((r) => r.userId);
      assert.deepEqual(ids, ['u-out']);
    });

    test('unique indexes are case-insensitive on username and email', async () => {
      await h.db.insertInto('users').values({ userId: 'u-ci', username: 'Case', email: 'case@x.io', passwordHash: 'h' }).execute();
      await assert.rejects(
        h.db.insertInto('users').values({ userId: 'u-ci2', username: 'CASE', email: 'other@x.io', passwordHash: 'h' }).execute(),
        (err: { code?: string }) => err.code === '23505',
      );
    });

    test('counts come back as numbers and arrays/jsonb round-trip', async () => {
      const { c } = await h.db.selectFrom('users').select(sql<number>`count(*)`.as('c')).executeTakeFirstOrThrow();
      assert.equal(typeof c, 'number');
      await h.db.insertInto('videos').values({ videoId: 'v-arr', userId: 'u-map', title: 't', visibility: 'public', tags: ['a', 'b'], failureReason: null, duration: null, width: null, height: null, originalFilename: null, originalSizeBytes: null, currentVersion: null, processedAt: null }).execute();
      const v = await h.db.selectFrom('videos').select(['tags', 'viewCount']).where('videoId', '=', 'v-arr').executeTakeFirstOrThrow();
      assert.deepEqual(v.tags, ['a', 'b']);
      assert.equal(v.viewCount, 0);
    });

    test('a parameterless multi-statement script runs as one call', async () => {
      await h.sql.query('CREATE TEMP TABLE t1 (x int); INSERT INTO t1 VALUES (1), (2);');
      const { rows } = await h.sql.query<{ s: number }>('SELECT sum(x)::int AS s FROM t1');
      assert.equal(rows[0]?.s, 3);
    });
  });
}

describe('embedded database directory', () => {
  test('a second process on the same DATA_DIR refuses to start with a clear message', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kinema-lock-'));
    const first = await openDatabase({ dataDir: dir });
    try {
      const script = `import('${new URL('./index.ts', import.meta.url).pathname}').then(m => m.openDatabase({ dataDir: '${dir}' })).then(() => process.exit(0), (e) => { console.error(e.message); process.exit(3); })`;
      const r = spawnSync(process.execPath, ['--import', 'tsx', '-e', script], { encoding: 'utf8' });
      assert.equal(r.status, 3);
      assert.match(r.stderr, /in use by process \d+/);
      assert.match(r.stderr, /DATABASE_URL/);
    } finally {
      await first.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('data survives a close and reopen, and the lock is released', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kinema-reopen-'));
    try {
      const a = await openDatabase({ dataDir: dir });
      await a.migrate();
      await a.db.insertInto('users').values({ userId: 'u1', username: 'keep', email: 'k@x.io', passwordHash: 'h' }).execute();
      await a.close();
      const b = await openDatabase({ dataDir: dir });
      const row = await b.db.selectFrom('users').select('username').executeTakeFirst();
      await b.close();
      assert.equal(row?.username, 'keep');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
