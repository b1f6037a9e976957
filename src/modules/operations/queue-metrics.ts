import { Counter, Gauge, type Registry } from 'prom-client';
import type { SqlClient } from '../../platform/db/index.js';
import type { Logger } from '../../platform/log.js';
import { readQueueStats, type QueueStats } from './queue-stats.js';

export interface QueueMetricsOptions {
  registry: Registry;
  sql: SqlClient;
  queues: readonly string[];
  log: Logger;
  /**
   * A scrape within this long of the last read reuses it (default 5 s): several Prometheus
   * servers, or a scrape per gauge, cost one query, whatever the scrape rate.
   */
  maxAgeMs?: number;
}

/**
 * Queue depth on `/metrics`: per queue, jobs waiting, delayed (a retry's backoff), running, and
 * the age of the oldest waiting job. Read from pg-boss's tables at scrape time, at most once per
 * `maxAgeMs`. When the database cannot answer, the last figures stay and
 * `kinema_queue_stats_failures_total` counts the miss: a scrape never fails for it.
 */
export function registerQueueMetrics(opts: QueueMetricsOptions): void {
  const maxAgeMs = opts.maxAgeMs ?? 5000;
  let last: { at: number; pending: boolean; stats: Promise<QueueStats[] | undefined> } | undefined;

  function stats(): Promise<QueueStats[] | undefined> {
    // The gauges of one scrape collect at once: they share the read in flight.
    if (last && (last.pending || Date.now() - last.at < maxAgeMs)) return last.stats;
    const entry: NonNullable<typeof last> = { at: Date.now(), pending: true, stats: Promise.resolve(undefined) };
    entry.stats = readQueueStats(opts.sql, opts.queues)
      .catch((err: unknown) => {
        failures.inc();
        opts.log.warn({ err }, 'could not read queue depth for /metrics; keeping the last figures');
        return undefined;
      })
      .finally(() => (entry.pending = false));
    last = entry;
    return entry.stats;
  }

  const gauge = (name: string, help: string, pick: (s: QueueStats) => number) =>
    new Gauge({
      name,
      help,
      labelNames: ['queue'],
      registers: [opts.registry],
      async collect() {
        const all = await stats();
        for (const s of all ?? []) this.set({ queue: s.queue }, pick(s));
      },
    });
  gauge('kinema_queue_waiting_jobs', 'Jobs a worker could take now', (s) => s.waiting);
  gauge('kinema_queue_delayed_jobs', 'Jobs waiting for their retry delay to pass', (s) => s.delayed);
  gauge('kinema_queue_running_jobs', 'Jobs leased by a worker', (s) => s.running);
  gauge('kinema_queue_oldest_waiting_seconds', 'How long the oldest waiting job has been takeable', (s) => s.oldestWaitingSec);
  const failures = new Counter({
    name: 'kinema_queue_stats_failures_total',
    help: 'Queue depth reads that failed (figures kept from the last read)',
    registers: [opts.registry],
    // Waits for this scrape's read, so the scrape shows the miss it just had.
    async collect() {
      await stats();
    },
  });
}
