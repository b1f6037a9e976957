import type { Logger } from '../../platform/log.js';
import { AppError } from '../../platform/errors.js';
import { corruptInput } from './input-errors.js';
import { runProcess } from './run-process.js';

/**
 * Runs the transcode ffmpeg process: turns `-progress pipe:1` into percent callbacks, an
 * AbortSignal into SIGKILL, and a failed exit into an error that says whose fault it was.
 */

export interface RunFfmpegOptions {
  /** Source duration: the denominator of the progress percentage. */
  durationSec: number;
  onProgress?: (percent: number) => void;
  signal?: AbortSignal;
  log?: Logger;
}

export interface FfmpegRunStats {
  /** Media time ffmpeg reported last (seconds encoded). */
  outTimeSec: number;
  stderrTail: string;
}

/** Emit at most one callback per this many ms unless a whole percent more is done. */
const PROGRESS_MIN_INTERVAL_MS = 1000;

/**
 * Run ffmpeg with the given arguments (which must include `-progress pipe:1`). Resolves when it
 * exits 0. Rejects with TRANSCODE_ABORTED when `signal` fires (ffmpeg is SIGKILLed first), with
 * INPUT_CORRUPT when ffmpeg blames the input, else with TRANSCODE_FAILED (retryable).
 *
 * @example await runFfmpeg(args, { durationSec: 12.5, onProgress: (p) => console.log(p) });
 */
export async function runFfmpeg(args: string[], opts: RunFfmpegOptions): Promise<FfmpegRunStats> {
  const progress = createProgressParser(opts.durationSec, opts.onProgress);
  opts.log?.debug({ args }, 'ffmpeg start');
  const run = await runProcess('ffmpeg', args, { signal: opts.signal, onStdoutLine: progress.onLine });
  if (run.aborted) {
    throw new AppError('TRANSCODE_ABORTED', 503, 'The transcode was cancelled before it finished.');
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
 * far (with several outputs, the furthest one); `progress=end` is the last block.
 */
export function createProgressParser(durationSec: number, onProgress?: (percent: number) => void) {
  let outTimeSec = 0;
  let lastPercent = -1;
  let lastEmitAt = 0;
  const emit = (percent: number) => {
    const now = Date.now();
    if (percent === lastPercent) return;
    if (percent - lastPercent < 1 && now - lastEmitAt < PROGRESS_MIN_INTERVAL_MS && percent < 100) return;
    lastPercent = percent;
    lastEmitAt = now;
    onProgress?.(percent);
  };
  return {
    onLine(line: string): void {
      const eq = line.indexOf('=');
      if (eq < 0) return;
      const key = line.slice(0, eq);
      const value = line.slice(eq + 1).trim();
      if (key === 'out_time_us') {
        const us = Number(value);
        if (Number.isFinite(us) && us > 0) outTimeSec = us / 1e6;
      } else if (key === 'progress') {
        // Stop at 99 until ffmpeg has exited 0: the muxers still write playlists after the last frame.
        const percent = durationSec > 0 ? Math.min(99, Math.floor((outTimeSec / durationSec) * 100)) : 0;
        emit(percent);
      }
    },
    finish(): void {
      emit(100);
    },
    outTimeSec: () => outTimeSec,
  };
}
