import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { openDatabase, type DatabaseHandle } from '../../src/platform/db/index.js';

export const POSTGRES_ADMIN_URL = process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** The engines every database-backed suite runs against. */
export const ENGINES = ['pglite', 'postgres'] as const;
export type Engine = (typeof ENGINES)[number];

/**
 * Creates a fresh, migrated database on `engine`: an in-memory PGlite, or a new uniquely named
 * database on the local PostgreSQL server (dropped again by `close`). Each test file gets its
 * own, so suites can run in parallel and in any order.
 */
export async function createTestDatabase(engine: Engine): Promise<DatabaseHandle & { url?: string }> {
  if (engine === 'pglite') {
    const handle = await openDatabase({});
    await handle.migrate();
    return handle;
  }
  const { url, drop } = await createServerDatabase();
  const handle = await openDatabase({ url, poolSize: 4 });
  await handle.migrate();
  return {
    ...handle,
    url,
    async close() {
      await handle.close();
      await drop();
    },
  };
}

/** A new empty database on the local server; fails loudly when the server is unreachable. */
export async function createServerDatabase(): Promise<{ url: string; drop: () => Promise<void> }> {
  const { ensurePostgres } = await import('./services.js');
  await ensurePostgres();
  const name = `kinema_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: POSTGRES_ADMIN_URL });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = POSTGRES_ADMIN_URL.replace(/\/[^/]*$/, `/${name}`);
  return {
    url,
    async drop() {
      const c = new pg.Client({ connectionString: POSTGRES_ADMIN_URL });
      await c.connect();
      try {
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await c.end();
      }
    },
  };
}
