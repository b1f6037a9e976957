import { PGlite } from '@electric-sql/pglite';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import { unaccent } from '@electric-sql/pglite/contrib/unaccent';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  CompiledQuery,
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
  type DatabaseConnection,
  type Dialect,
  type Driver,
  type QueryResult,
} from 'kysely';
import { acquireDirLock, type DirLock } from './dir-lock.js';
import { SerialLock } from './serial-lock.js';
import type { SqlClient } from './sql-client.js';

/** PGlite's buffer pool (see openEmbeddedDb). */
const EMBEDDED_SHARED_BUFFERS_MB = 32;

/** An open embedded database: the PGlite instance, its session lock and the data-dir lock. */
export interface EmbeddedDb {
  pg: PGlite;
  lock: SerialLock;
  /** A SqlClient that takes the session lock per statement (for pg-boss and migrations). */
  client: SqlClient;
  close(): Promise<void>;
}

/**
 * Opens PGlite in `dataDir/db` (or in memory when `dataDir` is undefined). PGlite is a single
 * process engine: a second process on the same directory would corrupt it, so the directory is
 * locked first and a second process fails with a message saying what to do.
 */
export async function openEmbeddedDb(dataDir: string | undefined): Promise<EmbeddedDb> {
  let dirLock: DirLock | undefined;
  // int8 (counts, sums) as JS numbers, as on the server adapter: our counters stay below 2^53.
  // shared_buffers: PostgreSQL's 128 MB default becomes WASM memory that is never given back; 32 MB
  // holds a small site's whole working set and takes idle RSS from ~410-465 MB to ~340 MB
  // (bench/memory). A catalogue too big for it belongs on PostgreSQL (DATABASE_URL) anyway.
  const options = { extensions: { pg_trgm, unaccent }, parsers: { 20: (v: string) => Number(v) }, postgresqlconf: [`shared_buffers = ${EMBEDDED_SHARED_BUFFERS_MB}MB`] };
  let pg: PGlite;
  if (dataDir) {
    mkdirSync(dataDir, { recursive: true });
    dirLock = acquireDirLock(join(dataDir, 'db.lock'), 'the embedded database');
    pg = new PGlite(join(dataDir, 'db'), options);
  } else {
    pg = new PGlite(options);
  }
  try {
    await pg.waitReady;
  } catch (err) {
    dirLock?.release();
    throw err;
  }
  const lock = new SerialLock();
  const client: SqlClient = {
    query: (text, params) => lock.run(() => runOnPglite(pg, text, params)),
  };
  return {
    pg,
    lock,
    client,
    async close() {
      await lock.run(() => pg.close());
      dirLock?.release();
    },
  };
}

/** Parameterless SQL may hold several statements: PGlite runs those only through `exec`. */
export async function runOnPglite<R>(pg: PGlite, text: string, params?: unknown[]) {
  if (!params || params.length === 0) {
    const results = await pg.exec(text);
    const last = results[results.length - 1];
    return { rows: (last?.rows ?? []) as R[], rowCount: last?.affectedRows ?? last?.rows.length ?? 0 };
  }
  const result = await pg.query<R>(text, params);
  return { rows: result.rows, rowCount: result.affectedRows ?? result.rows.length };
}

class PgliteConnection implements DatabaseConnection {
  constructor(private readonly pg: PGlite) {}

  async executeQuery<R>(compiled: CompiledQuery): Promise<QueryResult<R>> {
    const { rows, rowCount } = await runOnPglite<R>(this.pg, compiled.sql, compiled.parameters as unknown[]);
    const isWrite = /^\s*(insert|update|delete|merge)/i.test(compiled.sql);
    return { rows, numAffectedRows: isWrite ? BigInt(rowCount) : undefined };
  }

  // eslint-disable-next-line require-yield
  async *streamQuery<R>(): AsyncIterableIterator<QueryResult<R>> {
    throw new Error('Streaming queries are not supported on the embedded database.');
  }
}

class PgliteDriver implements Driver {
  readonly #releases = new WeakMap<DatabaseConnection, () => void>();

  constructor(private readonly db: EmbeddedDb) {}

  async init() {}

  async acquireConnection(): Promise<DatabaseConnection> {
    const release = await this.db.lock.acquire();
    const conn = new PgliteConnection(this.db.pg);
    this.#releases.set(conn, release);
    return conn;
  }

  async beginTransaction(conn: DatabaseConnection) {
    await conn.executeQuery(CompiledQuery.raw('begin'));
  }

  async commitTransaction(conn: DatabaseConnection) {
    await conn.executeQuery(CompiledQuery.raw('commit'));
  }

  async rollbackTransaction(conn: DatabaseConnection) {
    await conn.executeQuery(CompiledQuery.raw('rollback'));
  }

  async releaseConnection(conn: DatabaseConnection) {
    this.#releases.get(conn)?.();
    this.#releases.delete(conn);
  }

  async destroy() {}
}

/** Kysely dialect for PGlite: PostgreSQL's compiler and adapter over the embedded engine. */
export function pgliteDialect(db: EmbeddedDb): Dialect {
  return {
    createAdapter: () => new PostgresAdapter(),
    createDriver: () => new PgliteDriver(db),
    createIntrospector: (k) => new PostgresIntrospector(k),
    createQueryCompiler: () => new PostgresQueryCompiler(),
  };
}
