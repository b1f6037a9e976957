/**
 * Console progress for `kinema transcode`: a redrawn bar on a TTY, occasional plain lines in a
 * log file or CI (carriage returns would make those unreadable).
 */

export interface ProgressBar {
  update(percent: number): void;
  done(): void;
}

export interface ProgressBarOptions {
  durationSec: number;
  stream?: NodeJS.WriteStream;
  /** Monotonic clock in ms (defaults to performance.now). */
  now?: () => number;
}

const WIDTH = 30;
/** Non-TTY: one line per 10% is enough to show life without flooding the log. */
const PLAIN_STEP_PERCENT = 10;

/** Create a progress reporter showing percent, speed (× real time) and ETA. */
export function createProgressBar(opts: ProgressBarOptions): ProgressBar {
  const stream = opts.stream ?? process.stderr;
  const now = opts.now ?? (() => performance.now());
  const startedAt = now();
  let lastPlain = -PLAIN_STEP_PERCENT;
  let drawn = false;

  return {
    update(percent: number) {
      const line = formatProgress(percent, (now() - startedAt) / 1000, opts.durationSec);
      if (stream.isTTY) {
        const filled = Math.round((percent / 100) * WIDTH);
        stream.write(`\r[${'#'.repeat(filled)}${'.'.repeat(WIDTH - filled)}] ${line}\x1b[K`);
        drawn = true;
      } else if (percent >= lastPlain + PLAIN_STEP_PERCENT || percent === 100) {
        lastPlain = percent;
        stream.write(`transcode ${line}\n`);
      }
    },
    done() {
      if (drawn) stream.write('\n');
    },
  };
}

/** `42% 1.8x ETA 0:12` — speed is media seconds encoded per wall second. */
export function formatProgress(percent: number, elapsedSec: number, durationSec: number): string {
  const mediaSec = (percent / 100) * durationSec;
  const speed = elapsedSec > 0 ? mediaSec / elapsedSec : 0;
  const etaSec = speed > 0 ? (durationSec - mediaSec) / speed : undefined;
  const eta = etaSec === undefined ? '--:--' : clock(etaSec);
  return `${String(Math.floor(percent)).padStart(3)}% ${speed.toFixed(1)}x ETA ${eta}`;
}

function clock(sec: number): string {
  const s = Math.max(0, Math.round(sec));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const pad = (n: number) => String(n).padStart(2, '0');
  return h > 0 ? `${h}:${pad(m)}:${pad(s % 60)}` : `${m}:${pad(s % 60)}`;
}
