import { AppError } from '../../platform/errors.js';
import { fileUrl } from './probe.js';
import { runProcess } from './run-process.js';
import type { ValidatedSource } from './types.js';

/**
 * A fast look at how much a title moves, before the real encode, so rate control can follow the
 * content (Netflix's and Mux's per-title encoding, at the scale of one probe): a slide deck or a
 * screencast codes every still picture once and wants its keyframes only where segments start;
 * anything that moves gets the encoder effort the CPU budget allows.
 *
 * The probe decodes a few frames at a few points of the source (each starts at the keyframe
 * before its point, `-noaccurate_seek`, with the loop filter skipped: cheap, and enough to tell
 * change from stillness), shrinks them to 160 px wide grey, and reads `signalstats`' YDIF: the
 * mean absolute luma difference from the previous frame, 0–255. Shrinking first averages sensor
 * noise away, so a still picture filmed with a grainy camera still reads as still.
 */

/** Points of the source that are sampled, as fractions of its duration. */
const SAMPLE_POINTS = [0.2, 0.5, 0.8] as const;
/** Frames decoded per point: 5 frames give 4 frame-to-frame differences. */
const FRAMES_PER_SAMPLE = 5;
const PROBE_WIDTH = 160;
/**
 * Median YDIF at or below this is a still title. Measured on bench/transcode/content.ts: slide
 * deck 0.0 (only the frames where a slide changes move), talking head 0.53, high motion 2.0.
 */
export const STATIC_MAX_MEDIAN_DIFF = 0.15;
/** Median YDIF at or above this is busy (high motion, every frame changes a lot). */
export const BUSY_MIN_MEDIAN_DIFF = 1.2;

export interface MotionProbe {
  /** Median of the frame-to-frame luma differences of the sampled frames (0–255 scale). */
  medianFrameDiff: number;
  /** How many differences were measured. */
  samples: number;
}

export type ContentClass = 'static' | 'moving' | 'busy';

/**
 * Pure: a title is static when most sampled frames do not change, busy when most change a lot. The median (not the mean)
 * ignores the few frames where a slide changes and the jumps between sample points.
 *
 * @example classifyContent({ medianFrameDiff: 0, samples: 12 }) // 'static'
 */
export function classifyContent(probe: MotionProbe): ContentClass {
  if (probe.samples === 0) return 'moving'; // nothing measured: the safe choice is the 2 s GOP
  if (probe.medianFrameDiff <= STATIC_MAX_MEDIAN_DIFF) return 'static';
  return probe.medianFrameDiff >= BUSY_MIN_MEDIAN_DIFF ? 'busy' : 'moving';
}

/** The ffmpeg arguments of the probe (pure; the input restrictions are those of the encode). */
export function motionProbeArgs(inputPath: string, source: Pick<ValidatedSource, 'formatName' | 'durationSec' | 'videoStreamIndex'>): string[] {
  const demuxerOptions = source.formatName === 'mov' ? ['-enable_drefs', '0'] : [];
  const inputs = SAMPLE_POINTS.flatMap((at) => [
    '-protocol_whitelist', 'file', ...demuxerOptions, '-f', source.formatName,
    '-skip_loop_filter', 'all', '-noaccurate_seek', '-ss', (source.durationSec * at).toFixed(3),
    '-i', fileUrl(inputPath),
  ]);
  const branches = SAMPLE_POINTS.map((_at, i) =>
    `[${i}:${source.videoStreamIndex}]trim=end_frame=${FRAMES_PER_SAMPLE},scale=${PROBE_WIDTH}:-2:flags=area,format=gray,` +
    `signalstats,metadata=mode=print:key=lavfi.signalstats.YDIF:file=-[p${i}]`);
  const outputs = SAMPLE_POINTS.flatMap((_at, i) => ['-map', `[p${i}]`, '-f', 'null', '-']);
  return ['-hide_banner', '-nostdin', '-v', 'error', ...inputs, '-filter_complex', branches.join(';'), ...outputs];
}

/** Reads `lavfi.signalstats.YDIF=…` lines; the first frame of each sample has no predecessor. */
export function parseMotionProbe(stdout: string): MotionProbe {
  const diffs: number[] = [];
  let frameOfSample = 0;
  for (const line of stdout.split('\n')) {
    const frame = /^frame:(\d+)/.exec(line);
    if (frame) frameOfSample = Number(frame[1]);
    const match = /^lavfi\.signalstats\.YDIF=([\d.]+)$/.exec(line.trim());
    if (match && frameOfSample > 0) diffs.push(Number(match[1]));
  }
  diffs.sort((a, b) => a - b);
  const mid = diffs.length >> 1;
  const median = diffs.length === 0 ? 0 : diffs.length % 2 ? diffs[mid]! : (diffs[mid - 1]! + diffs[mid]!) / 2;
  return { medianFrameDiff: median, samples: diffs.length };
}

/**
 * Run the probe. Costs a few dozen decoded frames whatever the length of the title.
 *
 * @example classifyContent(await probeMotion(path, source)) // 'moving'
 */
export async function probeMotion(
  inputPath: string,
  source: Pick<ValidatedSource, 'formatName' | 'durationSec' | 'videoStreamIndex'>,
  opts: { signal?: AbortSignal; timeoutMs?: number } = {},
): Promise<MotionProbe> {
  const run = await runProcess('ffmpeg', motionProbeArgs(inputPath, source), { signal: opts.signal, timeoutMs: opts.timeoutMs ?? 60_000, maxStdoutBytes: 1 << 20 });
  if (run.aborted) throw new AppError('TRANSCODE_ABORTED', 503, 'The transcode was cancelled before it finished.');
  if (run.exitCode !== 0) throw new Error(`motion probe failed: ${run.stderrTail.trim().split('\n').pop() ?? run.signal}`);
  return parseMotionProbe(run.stdout);
}
