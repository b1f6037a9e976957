import { sql } from 'kysely';
import type { Db } from '../../platform/db/index.js';

/** An arbitrary constant naming the ranking job's advisory lock (any 64-bit key no one else uses). */
const RANKING_LOCK_KEY = 7_311_011;

/**
 * Holds the ranking job's lock until the transaction `trx` ends: ranking runs in other
 * processes (a retry beside a slow run, two api nodes) wait for it instead of interleaving.
 */
export async function lockRanking(trx: Db): Promise<void> {
  await sql`SELECT pg_advisory_xact_lock(${RANKING_LOCK_KEY}::bigint)`.execute(trx);
}
