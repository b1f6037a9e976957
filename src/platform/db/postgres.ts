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
    // A server that is gone answers at once (ECONNREFUSED); one behind a dead network or a
    // failing DNS does not: without these a request would hang instead of getting its 503.
    connectionTimeoutMillis: 5_000,
    query_timeout: (opts.statementTimeoutMs ?? 30_000) + 5_000,
    application_name: opts.appName ?? 'kinema',
  });
  // An idle client losing its connection (the server restarting) must not crash the process:
  // the pool drops it and opens a new one on the next query, which reports the outage itself.
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
