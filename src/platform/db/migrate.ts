import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../paths.js';
import type { SqlClient } from './sql-client.js';

export const migrationsDir = join(packageRoot, 'migrations');

// Any constant works; it only has to be the same in every Kinema process.
const MIGRATION_LOCK_KEY = 7_461_726_101;

/**
 * Applies every `migrations/NNN_name.sql` not yet recorded in `schema_migrations`, in order, each
 * in its own transaction. On a server, a session-level advisory lock serialises concurrent starts:
 * however many processes boot at once, each migration runs exactly once.
 * Needs a client bound to ONE session (a dedicated pool client), since advisory locks are per session.
 * @returns the names of the migrations applied now.
 */
export async function runMigrations(client: SqlClient, dir: string = migrationsDir): Promise<string[]> {
  const files = readdirSync(dir).filter((f) => /^\d+_.+\.sql$/.test(f)).sort();
  await client.query(`SELECT pg_advisory_lock(${MIGRATION_LOCK_KEY})`);
  try {
    await client.query(
      'CREATE TABLE IF NOT EXISTS schema_migrations (name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())',
    );
    const { rows } = await client.query<{ name: string }>('SELECT name FROM schema_migrations');
    const done = new Set(rows.map((r) => r.name));
    const applied: string[] = [];
    for (const file of files) {
      if (done.has(file)) continue;
      const sql = readFileSync(join(dir, file), 'utf8');
      await client.query('BEGIN');
      try {
        await client.query(sql);
        await client.query('INSERT INTO schema_migrations (name) VALUES ($1)', [file]);
        await client.query('COMMIT');
      } catch (err) {
        await client.query('ROLLBACK');
        throw new Error(`Migration ${file} failed: ${(err as Error).message}`, { cause: err });
      }
      applied.push(file);
    }
    return applied;
  } finally {
    await client.query(`SELECT pg_advisory_unlock(${MIGRATION_LOCK_KEY})`);
  }
}
