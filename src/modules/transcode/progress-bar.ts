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

/**
 * Create a progress reporter showing percent, speed (× real time) and ETA. It draws 0% at once,
 * so a slow start (probing done, first frames in the encoder's lookahead) already shows a bar.
 */
export function createProgressBar(opts: ProgressBarOptions): ProgressBar {
  const stream = opts.stream ?? process.stderr;
  const now = opts.now ?? (() => performance.now());
  const startedAt = now();
  let lastPlainStep = -1;
  let drawn = false;

  const draw = (percent: number) => {
    const line = formatProgress(percent, (now() - startedAt) / 1000, opts.durationSec);
    if (stream.isTTY) {
      const filled = Math.round((Math.min(100, percent) / 100) * WIDTH);
      stream.write(`\r[${'#'.repeat(filled)}${'.'.repeat(WIDTH - filled)}] ${line}\x1b[K`);
      drawn = true;
      return;
    }
    const step = Math.floor(percent / PLAIN_STEP_PERCENT);
    if (step > lastPlainStep) {
      lastPlainStep = step;
      stream.write(`transcode ${line}\n`);
    }
  };
  draw(0);
  return {
    update: draw,
    done() {
      if (drawn) stream.write('\n');
    },
  };
}

/**
 * ` 42.3% 1.8x ETA 0:12` — speed is media seconds encoded per wall second. One decimal, because
 * on a long video a whole percent can take minutes: the tenths show that work goes on.
 */
export function formatProgress(percent: number, elapsedSec: number, durationSec: number): string {
  const mediaSec = (percent / 100) * durationSec;
  const speed = elapsedSec > 0 ? mediaSec / elapsedSec : 0;
  const etaSec = speed > 0 ? (durationSec - mediaSec) / speed : undefined;
  const eta = etaSec === undefined ? '--:--' : clock(etaSec);
  // Floor, not round: 99.96% must not read as 100% while the muxers are still writing.
  return `${(Math.floor(percent * 10) / 10).toFixed(1).padStart(5)}% ${speed.toFixed(1)}x ETA ${eta}`;
}

function clock(sec: number): string {
  const s = Math.max(0, Math.round(sec));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const pad = (n: number) => String(n).padStart(2, '0');
  return h > 0 ? `${h}:${pad(m)}:${pad(s % 60)}` : `${m}:${pad(s % 60)}`;
}
