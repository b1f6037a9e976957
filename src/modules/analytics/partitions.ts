import { sql } from 'kysely';
import type { Db } from '../../platform/db/index.js';

// Any constant: the same in every Kinema process, different from the other advisory locks.
const PARTITION_LOCK_KEY = 7_461_726_210;
const DAY_MS = 86_400_000;

/** `events_20261125` for the UTC day that starts at `day`. */
export const partitionName = (day: Date) => `events_${day.toISOString().slice(0, 10).replace(/-/g, '')}`;
const startOfUtcDay = (t: Date) => new Date(Math.floor(t.getTime() / DAY_MS) * DAY_MS);

/** The daily partitions of `events` that exist, oldest first, with the day each one holds. */
export async function listPartitions(db: Db): Promise<Array<{ name: string; day: Date }>> {
  const { rows } = await sql<{ name: string }>`
    SELECT c.relname AS name FROM pg_inherits i
      JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_class p ON p.oid = i.inhparent
     WHERE p.relname = 'events' AND c.relname ~ '^events_[0-9]{8}$' ORDER BY c.relname`.execute(db);
  return rows.map(({ name }) => {
    const d = name.slice(7);
    return { name, day: new Date(`${d.slice(0, 4)}-${d.slice(4, 6)}-${d.slice(6, 8)}T00:00:00.000Z`) };
  });
}

/**
 * Creates the daily partitions of `events` from `now` - 1 day to `now` + `aheadDays`, where missing.
 * Rows that reached the DEFAULT partition for such a day (none, while this runs ahead of time)
 * are moved into the new partition in the same transaction: PostgreSQL refuses to attach a
 * partition whose range the default partition already holds rows of.
 * @example await ensurePartitions(db, new Date(), 2) // yesterday … the day after tomorrow
 */
export async function ensurePartitions(db: Db, now = new Date(), aheadDays = 2): Promise<string[]> {
  const existing = new Set((await listPartitions(db)).map((p) => p.name));
  const created: string[] = [];
  for (let i = -1; i <= aheadDays; i++) {
    const day = new Date(startOfUtcDay(now).getTime() + i * DAY_MS);
    const name = partitionName(day);
    if (existing.has(name)) continue;
    const from = day.toISOString();
    const to = new Date(day.getTime() + DAY_MS).toISOString();
    await db.transaction().execute(async (trx) => {
      // Several processes start together: one creates, the others find it made.
      await sql`SELECT pg_advisory_xact_lock(${sql.lit(PARTITION_LOCK_KEY)})`.execute(trx);
      const { rows } = await sql`SELECT 1 FROM pg_class WHERE relname = ${name}`.execute(trx);
      if (rows.length) return;
      const table = sql.table(name);
      await sql`CREATE TABLE ${table} (LIKE events INCLUDING DEFAULTS)`.execute(trx);
      await sql`WITH moved AS (DELETE FROM events_default WHERE occurred_at >= ${from}::timestamptz AND occurred_at < ${to}::timestamptz RETURNING *)
                INSERT INTO ${table} SELECT * FROM moved`.execute(trx);
      await sql`ALTER TABLE events ATTACH PARTITION ${table} FOR VALUES FROM (${sql.lit(from)}) TO (${sql.lit(to)})`.execute(trx);
      created.push(name);
    });
  }
  return created;
}

/**
 * Drops the daily partitions wholly older than `retentionDays` (a partition is dropped once its
 * last instant is past the cutoff), and deletes what the DEFAULT partition holds from before it.
 * @returns the names of the partitions dropped.
 */
export async function dropExpiredPartitions(db: Db, retentionDays: number, now = new Date()): Promise<string[]> {
  const cutoff = new Date(startOfUtcDay(now).getTime() - retentionDays * DAY_MS);
  const dropped: string[] = [];
  for (const p of await listPartitions(db)) {
    if (p.day.getTime() + DAY_MS > cutoff.getTime()) continue;
    await db.transaction().execute(async (trx) => {
      await sql`SELECT pg_advisory_xact_lock(${sql.lit(PARTITION_LOCK_KEY)})`.execute(trx);
      await sql`DROP TABLE IF EXISTS ${sql.table(p.name)}`.execute(trx);
    });
    dropped.push(p.name);
  }
  await sql`DELETE FROM events_default WHERE occurred_at < ${cutoff.toISOString()}::timestamptz`.execute(db);
  return dropped;
}
