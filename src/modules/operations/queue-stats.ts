import type { SqlClient } from '../../platform/db/index.js';

/** One queue's backlog as the autoscaler and the operator see it. */
export interface QueueStats {
  queue: string;
  /** Jobs a worker could take now: created or waiting for a retry, with their start time passed. */
  waiting: number;
  /** Jobs created or retrying whose start time is still ahead (a retry's backoff). */
  delayed: number;
  /** Jobs leased by a worker. */
  running: number;
  /** How long the oldest waiting job has been takeable, in seconds; 0 when none waits. */
  oldestWaitingSec: number;
}

/**
 * The SQL that counts the jobs a worker could take now in one queue ($1): the same condition
 * pg-boss 10's fetch uses (`state < 'active' AND start_after < now()`), so it is answered from
 * pg-boss's fetch index `job_i5 (name, start_after) WHERE state < 'active'` and costs the backlog,
 * not the queue's history. The KEDA ScaledObject in deploy/kubernetes carries this statement
 * with the queue name inlined (its test checks they agree).
 */
export const WAITING_JOBS_SQL = `SELECT count(*)::int AS waiting FROM pgboss.job WHERE name = $1 AND state < 'active' AND start_after < now()`;

/** The SQL that counts the jobs leased by workers in one queue ($1). */
export const RUNNING_JOBS_SQL = `SELECT count(*)::int AS running FROM pgboss.job WHERE name = $1 AND state = 'active'`;

/**
 * Backlog of each queue in one statement. Completed jobs stay in pgboss.job until pg-boss
 * archives them (12 h by default), so the `running` count reads that partition's recent history;
 * `waiting` and `delayed` use the fetch index.
 * @example await readQueueStats(db.sql, ['transcode']) // [{ queue: 'transcode', waiting: 3, … }]
 */
export async function readQueueStats(sql: SqlClient, queues: readonly string[]): Promise<QueueStats[]> {
  const r = await sql.query<{ name: string; waiting: number; delayed: number; running: number; oldest_sec: number | string | null }>(
    `SELECT name,
            count(*) FILTER (WHERE state < 'active' AND start_after < now())::int AS waiting,
            count(*) FILTER (WHERE state < 'active' AND start_after >= now())::int AS delayed,
            count(*) FILTER (WHERE state = 'active')::int AS running,
            EXTRACT(EPOCH FROM now() - min(start_after) FILTER (WHERE state < 'active' AND start_after < now()))::float8 AS oldest_sec
       FROM pgboss.job
      WHERE name = ANY($1::text[]) AND state <= 'active'
      GROUP BY name`,
    [queues],
  );
  const byName = new Map(r.rows.map((row) => [row.name, row]));
  return queues.map((queue) => {
    const row = byName.get(queue);
    return {
      queue,
      waiting: row?.waiting ?? 0,
      delayed: row?.delayed ?? 0,
      running: row?.running ?? 0,
      oldestWaitingSec: Math.max(0, Number(row?.oldest_sec ?? 0)),
    };
  });
}
