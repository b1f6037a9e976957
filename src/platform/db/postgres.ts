import pg from 'pg';
import { PostgresDialect, type Dialect } from 'kysely';
import type { SqlClient } from './sql-client.js';

// int8 (counts, sums) as JS numbers: our counters stay far below 2^53.
pg.types.setTypeParser(20, (v) => Number(v));

export interface PostgresPool {
  pool: pg.Pool;
  client: SqlClient;
  dialect: Dialect;
  close(): Promise<void>;
}

/**
 * A pooled connection to a PostgreSQL server. Every session gets a statement timeout so a
 * runaway query cannot hold a connection forever.
 */
export function openPostgres(url: string, opts: { max?: number; statementTimeoutMs?: number; appName?: string } = {}): PostgresPool {
  const pool = new pg.Pool({
    connectionString: url,
    max: opts.max ?? 10,
    statement_timeout: opts.statementTimeoutMs ?? 30_000,
    application_name: opts.appName ?? 'kinema',
  });
  // An idle client losing its connection must not crash the process; the pool replaces it.
  pool.on('error', () => {});
  return {
    pool,
    client: {
      async query(text, params) {
        const r = await pool.query(text, params);
        return { rows: r.rows, rowCount: r.rowCount ?? 0 };
      },
    },
    dialect: new PostgresDialect({ pool }),
    close: () => pool.end(),
  };
}
