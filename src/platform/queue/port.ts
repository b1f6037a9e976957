import type { Db } from '../db/index.js';

/** One job as a handler sees it. */
export interface Job<T> {
  id: string;
  queue: string;
  data: T;
  /** 0 on the first try. */
  retryCount: number;
  retryLimit: number;
}

export interface QueueSettings {
  /** Retries after the first try (3 tries = 2 retries). */
  retryLimit: number;
  retryDelaySec: number;
  /** Exponential backoff between retries. */
  retryBackoff: boolean;
  /** A job running longer than this is failed (and retried). Keep above the longest real run. */
  expireInSec: number;
}

/**
 * The job queue port (pg-boss on the database). Jobs are leased: a job being worked is invisible
 * to other workers until it completes, fails, or its lease expires; failed jobs retry with
 * backoff. Handlers must be idempotent.
 */
export interface JobQueue {
  /** Declares a queue (idempotent). */
  define(queue: string, settings: QueueSettings): Promise<void>;
  /**
   * Enqueues a job. Pass `trx` to enqueue inside a database transaction, so the job exists if and
   * only if the transaction commits. `singletonKey` drops duplicates of a queued job.
   */
  send<T extends object>(queue: string, data: T, opts?: { trx?: Db; singletonKey?: string }): Promise<string | null>;
  /** Works jobs with `concurrency` parallel handlers until `stop`. */
  work<T>(queue: string, opts: { concurrency: number; pollIntervalSec?: number }, handler: (job: Job<T>) => Promise<void>): Promise<void>;
  /** Fails a job now (it retries if tries remain): used to release jobs whose worker died. */
  fail(queue: string, id: string, reason: string): Promise<void>;
  /**
   * Puts an active job back on the queue at once without counting the interrupted try (a worker
   * shutting down hands its work to another). False when the job was no longer active.
   */
  release(queue: string, id: string): Promise<boolean>;
  /**
   * Lets an active job run for `seconds` from its start before the queue fails it as expired,
   * beyond the queue's default (a long encode whose own limit is known once its source is).
   */
  extendLease(queue: string, id: string, seconds: number): Promise<void>;
  /** Stops fetching new jobs of `queue` in this process; running handlers go on. */
  offWork(queue: string): Promise<void>;
  /** Job state, for reapers and tests. */
  getState(queue: string, id: string): Promise<string | undefined>;
  /** Stops fetching; waits up to `timeoutMs` for running jobs, then fails (releases) the rest. */
  stop(opts?: { timeoutMs?: number }): Promise<void>;
}
