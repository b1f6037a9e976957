import { AppError } from '../../platform/errors.js';

/**
 * A bound on the password hashes one process runs at once. scrypt at N=2^17 takes ~128 MiB and
 * ~0.4 s of a libuv thread; libuv has 4 threads and they also read uploads and media from disk.
 * 16 parallel wrong sign-ins held all four and raised `/health` from 5 ms to 3 s. With at most
 * `maxRunning` hashes in flight the rest of the pool stays free for I/O; up to `maxWaiting` more
 * wait their turn, and beyond that a sign-in is refused at once with 503 and Retry-After (a queue
 * that grows without bound would only turn the flood into timeouts and memory).
 */
export interface HashGate {
  /** Runs `hash` when a slot is free; rejects with SIGNIN_BUSY (503) when the queue is full. */
  run<T>(hash: () => Promise<T>): Promise<T>;
  /** Hashes running now / waiting now. */
  readonly running: number;
  readonly waiting: number;
}

export interface HashGateOptions {
  maxRunning: number;
  maxWaiting: number;
  /** What a refused caller is told to wait, in seconds (Retry-After). */
  retryAfterSec?: number;
}

export function createHashGate(opts: HashGateOptions): HashGate {
  let running = 0;
  const queue: (() => void)[] = [];

  const release = () => {
    const next = queue.shift();
    if (next) next(); // the slot passes straight to the next in line
    else running--;
  };

  return {
    // Not async: whether a call runs, waits or is refused is decided synchronously, in call order.
    run<T>(hash: () => Promise<T>): Promise<T> {
      const start = () => {
        const done = Promise.resolve().then(hash);
        done.then(release, release);
        return done;
      };
      if (running < opts.maxRunning) {
        running++;
        return start();
      }
      if (queue.length >= opts.maxWaiting) {
        const retryAfterSec = opts.retryAfterSec ?? 5;
        return Promise.reject(
          new AppError('SIGNIN_BUSY', 503, `The server is checking too many passwords right now. Try again in ${retryAfterSec} seconds.`, { retryAfterSec }),
        );
      }
      return new Promise<void>((resolve) => queue.push(resolve)).then(start);
    },
    get running() {
      return running;
    },
    get waiting() {
      return queue.length;
    },
  };
}
