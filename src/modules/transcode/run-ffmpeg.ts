import type { Logger } from '../../platform/log.js';
import { AppError } from '../../platform/errors.js';
import { encodeTimedOut } from './encode-limits.js';
import { corruptInput } from './input-errors.js';
import { outputTooLarge, watchOutputSize } from './output-size.js';
import { runProcess, type RunResult } from './run-process.js';

/**
 * Runs the transcode ffmpeg process: turns `-progress pipe:1` into percent callbacks, an
 * AbortSignal or a spent time limit into SIGKILL, and a failed exit into an error that says
 * whose fault it was.
 */

export interface RunFfmpegOptions {
  /** Source duration: the denominator of the progress percentage. */
  durationSec: number;
  /** Percent done (a fraction, 0 < p < 100 while encoding, then 100), rising, ~2 calls/s. */
  onProgress?: (percent: number) => void;
  signal?: AbortSignal;
  /** Kill ffmpeg and reject with TRANSCODE_TIMEOUT after this many seconds (no limit if omitted). */
  timeLimitSec?: number;
  /**
   * Kill ffmpeg and reject with TRANSCODE_OUTPUT_TOO_LARGE once the files under `dirs` pass
   * `maxBytes` (checked every `checkEveryMs`, default 2 s, and once more after ffmpeg exits).
   */
  outputLimit?: { dirs: string[]; maxBytes: number; checkEveryMs?: number };
  log?: Logger;
}

export interface FfmpegRunStats {
  /** Media time ffmpeg reported last (seconds encoded). */
  outTimeSec: number;
  stderrTail: string;
}

/**
 * Run ffmpeg with the given arguments (which must include `-progress pipe:1`). Resolves when it
 * exits 0. Rejects with TRANSCODE_ABORTED when `signal` fires, TRANSCODE_TIMEOUT (retryable)
 * when it runs past `timeLimitSec` and TRANSCODE_OUTPUT_TOO_LARGE (permanent) when it writes more
 * than `outputLimit` (ffmpeg is SIGKILLed first in these cases), with INPUT_CORRUPT
 * when ffmpeg blames the input, else with TRANSCODE_FAILED (retryable).
 *
 * @example await runFfmpeg(args, { durationSec: 12.5, onProgress: (p) => console.log(p) });
 */
export async function runFfmpeg(args: string[], opts: RunFfmpegOptions): Promise<FfmpegRunStats> {
  const progress = createProgressParser(opts.durationSec, opts.onProgress);
  opts.log?.debug({ args }, 'ffmpeg start');
  if (opts.timeLimitSec !== undefined && !(opts.timeLimitSec > 0)) {
    throw new RangeError(`timeLimitSec must be a positive number of seconds, got ${opts.timeLimitSec}`);
  }
  const timeoutMs = opts.timeLimitSec === undefined ? undefined : opts.timeLimitSec * 1000;
  const limit = opts.outputLimit;
  const overflow = new AbortController();
  let overflowBytes = 0;
  const watch = limit && watchOutputSize(limit.dirs, limit.maxBytes, (bytes) => ((overflowBytes = bytes), overflow.abort()), limit.checkEveryMs);
  const signal = opts.signal ? AbortSignal.any([opts.signal, overflow.signal]) : overflow.signal;
  let run: RunResult;
  try {
    run = await runProcess('ffmpeg', args, { signal, timeoutMs, onStdoutLine: progress.onLine });
  } finally {
    watch?.stop();
  }
  // A run that ended between two checks is measured once more, so no encode escapes the bound.
  if (limit && watch && !overflow.signal.aborted && !run.aborted) {
    const bytes = await watch.measure();
    if (bytes > limit.maxBytes) overflowBytes = bytes;
  }
  if (limit && overflowBytes > 0) {
    opts.log?.error({ maxBytes: limit.maxBytes, writtenBytes: overflowBytes, outTimeSec: progress.outTimeSec() }, 'ffmpeg wrote more than the ladder can hold');
    throw outputTooLarge(limit.maxBytes, overflowBytes, opts.durationSec);
  }
  if (run.aborted) {
    throw new AppError('TRANSCODE_ABORTED', 503, 'The transcode was cancelled before it finished.');
  }
  if (run.timedOut) {
    opts.log?.error({ timeLimitSec: opts.timeLimitSec, outTimeSec: progress.outTimeSec(), stderr: run.stderrTail.slice(-2000) }, 'ffmpeg ran past its time limit');
    throw encodeTimedOut(opts.timeLimitSec ?? 0, opts.durationSec);
  }
  if (run.exitCode !== 0) {
    opts.log?.error({ exitCode: run.exitCode, signal: run.signal, stderr: run.stderrTail }, 'ffmpeg failed');
    if (/Invalid data found when processing input|moov atom not found|partial file/i.test(run.stderrTail)) {
      throw corruptInput('ffmpeg could not decode it');
    }
    throw new AppError(
      'TRANSCODE_FAILED',
      500,
      `Transcoding failed (ffmpeg exit ${run.exitCode ?? run.signal}); it will be retried.`,
      { stderr: run.stderrTail.slice(-2000) },
    );
  }
  if (run.stderrTail.trim()) opts.log?.warn({ stderr: run.stderrTail.slice(-4000) }, 'ffmpeg reported errors');
  progress.finish();
  return { outTimeSec: progress.outTimeSec(), stderrTail: run.stderrTail };
}

/**
 * Parser for ffmpeg's `-progress` key=value stream. `out_time_us` is the media time written so
 * far (with several outputs, the furthest one); a `progress=continue|end` line closes each block,
 * one every `-stats_period`. Percent is reported unrounded: for a 12 h video a whole percent is
 * 7 minutes of media, which a slow encode takes far longer than the 2 s a watching person allows.
 */
export function createProgressParser(durationSec: number, onProgress?: (percent: number) => void) {
  let outTimeSec = 0;
  let lastPercent = 0;
  const emit = (percent: number) => {
    // Only rising values: a repeated block (nothing encoded for 0.5 s) is no news.
    if (percent <= lastPercent) return;
    lastPercent = percent;
    onProgress?.(percent);
  };
  return {
    onLine(line: string): void {
      const eq = line.indexOf('=');
      if (eq < 0) return;
      const key = line.slice(0, eq);
      const value = line.slice(eq + 1).trim();
      if (key === 'out_time_us') {
        // `N/A` until the first packet is written.
        const us = Number(value);
        if (Number.isFinite(us) && us > 0) outTimeSec = us / 1e6;
      } else if (key === 'progress' && durationSec > 0) {
        // Stop at 99 until ffmpeg has exited 0: the muxers still write playlists after the last frame.
        emit(Math.min(99, (outTimeSec / durationSec) * 100));
      }
    },
    finish(): void {
      emit(100);
    },
    outTimeSec: () => outTimeSec,
  };
}
