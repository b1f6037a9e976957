import { CamelCasePlugin, Kysely, type LogEvent } from 'kysely';
import { openEmbeddedDb, pgliteDialect, runOnPglite } from './pglite.js';
import { openPostgres } from './postgres.js';
import { runMigrations } from './migrate.js';
import type { Database } from './schema.js';
import type { SqlClient } from './sql-client.js';

export type { Database } from './schema.js';
export type * from './schema.js';
export type { SqlClient } from './sql-client.js';
export { runMigrations } from './migrate.js';

export type Db = Kysely<Database>;

/** The database port: typed queries (Kysely) for modules, a raw client for pg-boss. */
export interface DatabaseHandle {
  engine: 'pglite' | 'postgres';
  /** Typed query builder for reads and writes. */
  db: Db;
  /** Typed query builder for read-only queries that may lag (a replica when configured). */
  readDb: Db;
  /** Raw SQL client (pg-boss, health checks). */
  sql: SqlClient;
  /** Runs `fn` on one dedicated session (advisory locks, migrations). */
  withSession<T>(fn: (client: SqlClient) => Promise<T>): Promise<T>;
  migrate(): Promise<string[]>;
  /**
   * Runs `fn` while holding a database-wide start-up lock, so set-up steps of processes starting
   * at the same moment (e.g. pg-boss creating its schema) run one after another. `fn` may use the
   * handle's other connections; on the embedded engine there is only one process anyway.
   */
  exclusively<T>(fn: () => Promise<T>): Promise<T>;
  /**
   * Calls `listener` with the SQL of every statement the modules run (`db` and `readDb`) as it
   * completes; returns the function that removes it. What tests pin "this path runs no SQL" with.
   */
  onQuery(listener: (sql: string) => void): () => void;
  close(): Promise<void>;
}

// Any constant works; it only has to be the same in every Kinema process.
const STARTUP_LOCK_KEY = 7_461_726_102;

export interface DatabaseOptions {
  /** PostgreSQL server URL; when absent the embedded PGlite engine is used. */
  url?: string;
  replicaUrl?: string;
  /** Embedded only: the directory for `db/` (in-memory when absent, for tests). */
  dataDir?: string;
  poolSize?: number;
}

const plugins = [new CamelCasePlugin()];

/** Kysely's `log` hook feeding `onQuery` listeners (none: one empty loop per statement). */
function queryHook() {
  const listeners = new Set<(sql: string) => void>();
  return {
    log: (event: LogEvent) => {
      for (const listener of listeners) listener(event.query.sql);
    },
    onQuery(listener: (sql: string) => void) {
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },
  };
}

/**
 * Opens the configured engine. Same migrations, same queries on both.
 * @example const h = await openDatabase({ dataDir: './data' }); await h.migrate();
 */
export async function openDatabase(opts: DatabaseOptions): Promise<DatabaseHandle> {
  if (!opts.url) {
    const embedded = await openEmbeddedDb(opts.dataDir);
    const hook = queryHook();
    const db = new Kysely<Database>({ dialect: pgliteDialect(embedded), plugins, log: hook.log });
    const withSession = <T>(fn: (c: SqlClient) => Promise<T>) =>
      embedded.lock.run(() => fn({ query: (text, params) => runOnPglite(embedded.pg, text, params) }));
    return {
      engine: 'pglite',
      db,
      readDb: db,
      sql: embedded.client,
      withSession,
      migrate: () => withSession((c) => runMigrations(c)),
      exclusively: (fn) => fn(),
      onQuery: hook.onQuery,
      async close() {
        await db.destroy();
        await embedded.close();
      },
    };
  }
  const primary = openPostgres(opts.url, { max: opts.poolSize });
  const replica = opts.replicaUrl ? openPostgres(opts.replicaUrl, { max: opts.poolSize, appName: 'kinema-replica' }) : undefined;
  const hook = queryHook();
  const db = new Kysely<Database>({ dialect: primary.dialect, plugins, log: hook.log });
  const readDb = replica ? new Kysely<Database>({ dialect: replica.dialect, plugins, log: hook.log }) : db;
  const withSession = async <T>(fn: (c: SqlClient) => Promise<T>) => {
    const conn = await primary.pool.connect();
    try {
      return await fn({
        async query(text, params) {
          const r = await conn.query(text, params);
          return { rows: r.rows, rowCount: r.rowCount ?? 0 };
        },
      });
    } finally {
      conn.release();
    }
  };
  return {
    engine: 'postgres',
    db,
    readDb,
    sql: primary.client,
    withSession,
    migrate: () => withSession((c) => runMigrations(c)),
    exclusively: (fn) =>
      withSession(async (c) => {
        await c.query(`SELECT pg_advisory_lock(${STARTUP_LOCK_KEY})`);
        try {
          return await fn();
        } finally {
          await c.query(`SELECT pg_advisory_unlock(${STARTUP_LOCK_KEY})`);
        }
      }),
    onQuery: hook.onQuery,
    async close() {
      // Kysely's destroy ends the pools it wraps.
      await db.destroy();
      if (readDb !== db) await readDb.destroy();
    },
  };
}
