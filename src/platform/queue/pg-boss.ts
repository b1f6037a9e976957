import PgBoss from 'pg-boss';
import { CompiledQuery } from 'kysely';
import type { Db, SqlClient } from '../db/index.js';
import type { Logger } from '../log.js';
import type { Job, JobQueue } from './port.js';

/** pg-boss runs its SQL through this adapter: on PGlite it shares the session lock with Kysely. */
function bossDb(client: SqlClient) {
  return { executeSql: (text: string, values?: unknown[]) => client.query(text, values) };
}

/** A pg-boss adapter bound to a Kysely transaction, for transactional enqueue. */
function trxDb(trx: Db) {
  return {
    async executeSql(text: string, values?: unknown[]) {
      const r = await trx.executeQuery(CompiledQuery.raw(text, values ?? []));
      return { rows: r.rows as unknown[] };
    },
  };
}

/**
 * The job queue on pg-boss, on the same database as everything else (PGlite or PostgreSQL).
 * @example const q = await createPgBossQueue({ sql: h.sql, log }); await q.define('transcode', {...})
 */
export async function createPgBossQueue(opts: { sql: SqlClient; log: Logger; supervise?: boolean }): Promise<JobQueue> {
  const boss = new PgBoss({
    db: bossDb(opts.sql) as unknown as PgBoss.Db,
    // Maintenance (expiring leases, archiving) runs on every node; pg-boss elects one at a time.
    supervise: opts.supervise ?? true,
    schedule: false,
    maintenanceIntervalSeconds: 30,
  });
  boss.on('error', (err) => opts.log.error({ err }, 'job queue error'));
  await boss.start();

  return {
    async define(queue, s) {
      const settings = { retryLimit: s.retryLimit, retryDelay: s.retryDelaySec, retryBackoff: s.retryBackoff, expireInSeconds: s.expireInSec };
      const existing = await boss.getQueue(queue);
      if (existing) await boss.updateQueue(queue, { name: queue, ...settings });
      else await boss.createQueue(queue, { name: queue, ...settings });
    },

    async send(queue, data, o = {}) {
      return boss.send(queue, data, {
        singletonKey: o.singletonKey,
        ...(o.trx ? { db: trxDb(o.trx) as unknown as PgBoss.Db } : {}),
      });
    },

    async work<T>(queue: string, o: { concurrency: number; pollIntervalSec?: number }, handler: (job: Job<T>) => Promise<void>) {
      // pg-boss 10 runs one fetch loop per `work` call; N calls give N concurrent handlers.
      for (let i = 0; i < o.concurrency; i++) {
        await boss.work<T>(queue, { batchSize: 1, includeMetadata: true, pollingIntervalSeconds: o.pollIntervalSec ?? 1 }, async ([job]) => {
          if (!job) return;
          await handler({ id: job.id, queue, data: job.data, retryCount: job.retryCount, retryLimit: job.retryLimit });
        });
      }
    },

    async fail(queue, id, reason) {
      await boss.fail(queue, id, { reason });
    },

    async release(queue, id) {
      // pg-boss counts a try when it hands out a job that has started before (`started_on` set);
      // clearing it makes the next fetch the same try again. pg-boss has no API for this: the
      // statement follows its 10.x schema, and the queue contract suite checks it.
      const r = await opts.sql.query<{ id: string }>(
        `UPDATE pgboss.job SET state = 'retry', start_after = now(), started_on = NULL
          WHERE name = $1 AND id = $2 AND state = 'active' RETURNING id`,
        [queue, id],
      );
      return r.rows.length > 0;
    },

    async extendLease(queue, id, seconds) {
      // pg-boss refuses a queue expiry of 24 h or more, but expires each job by its own
      // `expire_in` column: a job may be given longer once it is known to need it.
      await opts.sql.query(
        `UPDATE pgboss.job SET expire_in = make_interval(secs => $3::double precision)
          WHERE name = $1 AND id = $2 AND state = 'active'`,
        [queue, id, seconds],
      );
    },

    async offWork(queue) {
      await boss.offWork(queue);
    },

    async getState(queue, id) {
      const job = await boss.getJobById(queue, id);
      return job?.state;
    },

    async stop(o = {}) {
      await boss.stop({ graceful: true, timeout: o.timeoutMs ?? 30_000, wait: true, close: false });
    },
  };
}
