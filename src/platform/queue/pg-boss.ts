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

    async getState(queue, id) {
      const job = await boss.getJobById(queue, id);
      return job?.state;
    },

    async stop(o = {}) {
      await boss.stop({ graceful: true, timeout: o.timeoutMs ?? 30_000, wait: true, close: false });
    },
  };
}
