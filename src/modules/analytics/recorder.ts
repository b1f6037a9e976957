import type { Db } from '../../platform/db/index.js';
import type { Logger } from '../../platform/log.js';
import { isDependencyOutage, type OutageLog } from '../../platform/outage.js';
import { analyticsQueries, type AnalyticsEvent } from './queries.js';

/**
 * Work done with a batch inside the transaction that inserts it (engagement: the view rule, watch
 * history), so the events and what they imply land together or not at all. It may return work
 * for after the commit (cache invalidation), which must not throw.
 */
export type BatchHook = (trx: Db, batch: AnalyticsEvent[]) => Promise<(() => Promise<void> | void) | void>;

export interface EventRecorderOptions {
  db: Db;
  log: Logger;
  /** Where a database outage is reported (once); its batches wait and are written after it. */
  outage?: OutageLog;
  /** Longest an event waits in memory before its batch is written (default 1 s). */
  flushIntervalMs?: number;
  /** A batch this large is written at once (default 100). */
  maxBatch?: number;
  /**
   * Events held in memory while the database is slow or away (default 10 000), counting both the
   * queue and the batches waiting their turn to be written; beyond it new events are dropped and
   * counted in the log, so an outage costs analytics, never memory.
   */
  maxPending?: number;
  /** Runs with every batch in its transaction (see BatchHook). */
  onBatch?: BatchHook;
}

/** How much the recorder holds right now, and how much it has turned away. */
export interface RecorderBacklog {
  /** Events accepted but not yet written: queued plus in batches being (or waiting to be) written. */
  waiting: number;
  /** Events dropped since the start because `waiting` had reached maxPending. */
  dropped: number;
}

export interface EventRecorder {
  /** Queues an event; never throws, never waits on the database. */
  recordEvent(event: AnalyticsEvent): void;
  /** Writes everything queued so far (tests and shutdown). */
  flush(): Promise<void>;
  /** Stops the timer and writes what is left; later events are dropped. */
  close(): Promise<void>;
  /** What is held in memory now and what was turned away (tests and monitoring). */
  backlog(): RecorderBacklog;
}

/** While the database is away, a waiting batch is tried again this often. */
const OUTAGE_RETRY_MS = 2000;

/**
 * The one append path for analytics: events collect in memory and are written as one multi-row
 * INSERT (plus the batch hook's statements) every second or every `maxBatch` events, whichever
 * comes first, so a beacon costs the request nothing and the database one statement per batch.
 * A batch that fails because the database is away waits for it (within the memory bound); one
 * that fails for a reason inside it (a bad row) is logged and dropped, since retrying it would
 * block every later event.
 *
 * @example
 * const analytics = createEventRecorder({ db, log });
 * analytics.recordEvent({ type: 'beacon', videoId, userId, sessionId, props });
 * await analytics.close(); // on shutdown, before the database closes
 */
export function createEventRecorder(opts: EventRecorderOptions): EventRecorder {
  const q = analyticsQueries(opts.db);
  const log = opts.log.child({ module: 'analytics' });
  const flushIntervalMs = opts.flushIntervalMs ?? 1000;
  const maxBatch = opts.maxBatch ?? 100;
  const maxPending = opts.maxPending ?? 10_000;
  let pending: AnalyticsEvent[] = [];
  let timer: NodeJS.Timeout | undefined;
  let writing: Promise<void> = Promise.resolve();
  /** Events in batches handed to `writing` and not finished yet (written or lost). */
  let inFlight = 0;
  /** Dropped since the last warning, and since the start. */
  let dropped = 0;
  let droppedTotal = 0;
  let closed = false;

  async function write(batch: AnalyticsEvent[]): Promise<void> {
    try {
      const afterCommit = await q.transaction(async (trx) => {
        await q.insertEvents(trx, batch);
        return opts.onBatch?.(trx, batch);
      });
      opts.outage?.ok();
      if (afterCommit) await afterCommit();
    } catch (err) {
      if (isDependencyOutage(err) && !closed) {
        opts.outage?.failed(err);
        // Back to the front, in order; tried again on the next tick of the timer.
        pending.unshift(...batch);
        if (!timer) {
          timer = setTimeout(() => void flush(), Math.max(flushIntervalMs, OUTAGE_RETRY_MS));
          timer.unref();
        }
        return;
      }
      log.error({ err, events: batch.length }, 'analytics batch lost: writing it failed');
    }
  }

  /** Batches are written one after another, in order, so counts never race each other. */
  function flush(): Promise<void> {
    clearTimeout(timer);
    timer = undefined;
    if (dropped) {
      log.warn({ dropped }, 'analytics events dropped: too many waiting to be written');
      dropped = 0;
    }
    while (pending.length) {
      const batch = pending.splice(0, maxBatch);
      inFlight += batch.length;
      writing = writing.then(() => write(batch)).finally(() => {
        inFlight -= batch.length;
      });
    }
    return writing;
  }

  return {
    recordEvent(event) {
      if (closed) return void log.debug({ type: event.type }, 'analytics event after close dropped');
      // Batches already chained count too: while the database is stuck, flush() empties the
      // queue into an ever longer chain, so the queue alone would never reach the bound.
      if (pending.length + inFlight >= maxPending) {
        dropped++;
        droppedTotal++;
        return;
      }
      pending.push({ ...event, occurredAt: event.occurredAt ?? new Date() });
      if (pending.length >= maxBatch) void flush();
      else if (!timer) {
        timer = setTimeout(() => void flush(), flushIntervalMs);
        // A pending batch must not keep a finishing process alive; close() writes it.
        timer.unref();
      }
    },
    flush,
    backlog: () => ({ waiting: pending.length + inFlight, dropped: droppedTotal }),
    async close() {
      closed = true;
      await flush();
    },
  };
}
