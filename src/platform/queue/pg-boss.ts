import PgBoss from 'pg-boss';
import { CompiledQuery } from 'kysely';
import type { Db, SqlClient } from '../db/index.js';
import type { Logger } from '../log.js';
import { createOutageLog, isDependencyOutage, pause, retryThroughOutage, type OutageLog } from '../outage.js';
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

/** What pg-boss stores as a failed try's output: the message, not the whole error object. */
function errorOutput(err: unknown) {
  return { message: err instanceof Error ? err.message : String(err) };
}

/** A job handed back because a dependency was away waits this long before it is taken again. */
const OUTAGE_RETRY_DELAY_SEC = 5;

/**
 * The job queue on pg-boss, on the same database as everything else (PGlite or PostgreSQL).
 * @example const q = await createPgBossQueue({ sql: h.sql, log }); await q.define('transcode', {...})
 */
export async function createPgBossQueue(opts: { sql: SqlClient; log: Logger; supervise?: boolean; outage?: OutageLog }): Promise<JobQueue> {
  const outage = opts.outage ?? createOutageLog(opts.log, 'database');
  const boss = new PgBoss({
    db: bossDb(opts.sql) as unknown as PgBoss.Db,
    // Maintenance (expiring leases, archiving) runs on every node; pg-boss elects one at a time.
    supervise: opts.supervise ?? true,
    schedule: false,
    maintenanceIntervalSeconds: 30,
  });
  // Maintenance runs on a timer: while the database is away it fails every round, which is the
  // outage already reported, not a new error each time.
  boss.on('error', (err) => (isDependencyOutage(err) ? outage.failed(err) : opts.log.error({ err }, 'job queue error')));
  await boss.start();

  // Our own fetch loops instead of pg-boss's `work`: pg-boss 10 completes and fails a job without
  // awaiting it, so a database outage at the end of a job became an unhandled rejection that
  // killed the process (issue 15). Here every settlement is awaited and retried through an
  // outage, and a handler that failed because a dependency was away hands its job back without
  // using up a try. (pg-boss 11+, which awaits them, needs Node 22.)
  const loops = new Map<string, { stop: AbortController; running: Set<Promise<void>> }>();
  // Aborted when `stop` gives up waiting: settlements still retrying through an outage stop.
  const closing = new AbortController();

  /** Completes, fails or hands back a job, waiting out an outage; gives up only at close. */
  async function settle(queue: string, id: string, outcome: { kind: 'complete' } | { kind: 'fail'; reason: unknown } | { kind: 'release' }) {
    try {
      await retryThroughOutage(async () => {
        if (outcome.kind === 'complete') await boss.complete(queue, id);
        else if (outcome.kind === 'fail') await boss.fail(queue, id, errorOutput(outcome.reason));
        else await releaseJob(queue, id, OUTAGE_RETRY_DELAY_SEC);
      }, { outage, signal: closing.signal });
    } catch (err) {
      // Not settled: its lease expires and pg-boss retries it; the handler is idempotent.
      opts.log.error({ err, queue, jobId: id, outcome: outcome.kind }, 'could not record the outcome of a job; it will be retried when its lease expires');
    }
  }

  async function releaseJob(queue: string, id: string, delaySec = 0): Promise<boolean> {
    // pg-boss counts a try when it hands out a job that has started before (`started_on` set);
    // clearing it makes the next fetch the same try again. pg-boss has no API for this: the
    // statement follows its 10.x schema, and the queue contract suite checks it.
    const r = await opts.sql.query<{ id: string }>(
      `UPDATE pgboss.job SET state = 'retry', start_after = now() + make_interval(secs => $3::double precision), started_on = NULL
        WHERE name = $1 AND id = $2 AND state = 'active' RETURNING id`,
      [queue, id, delaySec],
    );
    return r.rows.length > 0;
  }

  async function fetchLoop<T>(queue: string, pollMs: number, stop: AbortSignal, running: Set<Promise<void>>, handler: (job: Job<T>) => Promise<void>) {
    while (!stop.aborted) {
      // pg-boss's fetch answers [] when the database is away, so an outage just pauses taking jobs.
      const [job] = await boss.fetch<T>(queue, { batchSize: 1, includeMetadata: true }).catch((err: unknown) => {
        outage.failed(err);
        return [];
      });
      if (!job) {
        await pause(pollMs, stop);
        continue;
      }
      const run = (async () => {
        let outcome: Parameters<typeof settle>[2];
        try {
          await handler({ id: job.id, queue, data: job.data, retryCount: job.retryCount, retryLimit: job.retryLimit });
          outcome = { kind: 'complete' };
        } catch (err) {
          outcome = isDependencyOutage(err) ? { kind: 'release' } : { kind: 'fail', reason: err };
          if (outcome.kind === 'release') opts.log.warn({ queue, jobId: job.id, err }, 'job interrupted by an outage; handed back to run again once it is over');
        }
        await settle(queue, job.id, outcome);
      })();
      running.add(run);
      await run;
      running.delete(run);
    }
  }

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
      let entry = loops.get(queue);
      if (!entry || entry.stop.signal.aborted) loops.set(queue, (entry = { stop: new AbortController(), running: new Set() }));
      const pollMs = (o.pollIntervalSec ?? 1) * 1000;
      for (let i = 0; i < o.concurrency; i++) {
        void fetchLoop(queue, pollMs, entry.stop.signal, entry.running, handler).catch((err: unknown) => opts.log.error({ err, queue }, 'job loop stopped'));
      }
    },

    async fail(queue, id, reason) {
      await boss.fail(queue, id, { reason });
    },

    release: (queue, id) => releaseJob(queue, id),

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
      loops.get(queue)?.stop.abort();
    },

    async getState(queue, id) {
      const job = await boss.getJobById(queue, id);
      return job?.state;
    },

    async stop(o = {}) {
      for (const { stop } of loops.values()) stop.abort();
      const running = [...loops.values()].flatMap((l) => [...l.running]);
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([Promise.allSettled(running), new Promise((r) => (timer = setTimeout(r, o.timeoutMs ?? 30_000)))]);
      clearTimeout(timer);
      closing.abort();
      await Promise.allSettled(running);
      await boss.stop({ graceful: true, timeout: 1000, wait: true, close: false });
    },
  };
}
