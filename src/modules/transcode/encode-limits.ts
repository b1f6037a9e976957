import { AppError } from '../../platform/errors.js';
import { CODEC_WORK_FACTOR, rungCodec } from './codecs.js';
import { inputError } from './input-errors.js';
import { planLadder } from './ladder.js';
import type { LadderPlan, ValidatedSource } from './types.js';
import { DEFAULT_MAX_DURATION_SEC, MAX_HEIGHT, MAX_WIDTH } from './validate.js';

/**
 * How long one encode may run before we call it stuck. A demuxer spinning on a hostile file or a
 * wedged filesystem would otherwise hold a worker until the queue's expiry; a legal long 4K
 * encode, on the other hand, must never be cut short. So the limit follows the work: pixels
 * decoded plus pixels encoded, at a speed far below any machine we would run on.
 */

/**
 * Pixels (decoded + encoded, summed over the ladder) per wall second that even a slow, loaded
 * machine sustains. Measured with the production command on the 10 s 1080p30 testsrc2+Mandelbrot
 * source of bench/transcode (4 rungs: 171 Mpx of work per media second): 20.4 s of CPU, i.e.
 * 84 Mpx per CPU second; with the 2-core machine at load average 13–18, 52 s of wall time, i.e.
 * 33 Mpx per wall second. A 3 s 2160p30 source of the same kind (5 rungs, 607 Mpx per media
 * second) gave the same per-pixel cost: 21 s of CPU, 87 Mpx per CPU second, 63 Mpx per wall second
 * at load 5–8. 8 Mpx/s is a tenth of one such core, and 4x below the overloaded run.
 * (Those runs used DEFAULT_TUNING; moving titles now encode with x264 `faster`, ~1.5x the CPU
 * on bench/transcode/content.ts, which leaves the floor ~2.7x below the overloaded run.)
 */
export const FLOOR_PIXELS_PER_SEC = 8_000_000;
/**
 * HDR tone mapping runs in float at source size: such sources encode ~2x slower
 * (ffmpeg-args.ts); counted as 3x for margin.
 */
const HDR_FACTOR = 3;
/** Fixed part: process start, probing, a tiny file on a machine busy with other work. */
export const MIN_ENCODE_TIME_LIMIT_SEC = 10 * 60;

/** What the limit needs to know about a source. */
export type EncodeWorkSource = Pick<ValidatedSource, 'durationSec' | 'width' | 'height' | 'frameRate' | 'isHdr'>;

/**
 * The wall-clock limit, in whole seconds, for encoding `source` into `plan`: every source frame
 * is decoded, every rung frame encoded, at FLOOR_PIXELS_PER_SEC, plus MIN_ENCODE_TIME_LIMIT_SEC.
 *
 * @example encodeTimeLimitSec(source, planLadder(source)) // 10 min of 1080p30: 13 446 s (3.7 h)
 */
export function encodeTimeLimitSec(source: EncodeWorkSource, plan: LadderPlan): number {
  const workSec = encodeWorkPixels(source, plan) / FLOOR_PIXELS_PER_SEC;
  return Math.ceil(MIN_ENCODE_TIME_LIMIT_SEC + workSec * (source.isHdr ? HDR_FACTOR : 1));
}

/**
 * The work of one encode, in pixels: every source frame decoded (display size x frame rate x
 * duration) plus every frame of every rung encoded. The one measure behind both the time limit
 * and the compute budget.
 *
 * @example encodeWorkPixels(source, planLadder(source)) / 1e9 // 2 h of 4K60: 8 737 gigapixels
 */
export function encodeWorkPixels(source: Omit<EncodeWorkSource, 'isHdr'>, plan: LadderPlan): number {
  const decodedPerSec = source.width * source.height * source.frameRate.fps;
  // HEVC and AV1 rungs cost several H.264 rungs of CPU per pixel (codecs.ts).
  const encodedPerSec = plan.rungs.reduce((sum, r) => sum + r.width * r.height * r.frameRate.fps * CODEC_WORK_FACTOR[rungCodec(r)], 0);
  return (decodedPerSec + encodedPerSec) * source.durationSec;
}

/**
 * Default compute budget of one upload, in gigapixels of `encodeWorkPixels` (setting
 * MAX_ENCODE_GIGAPIXELS). 15 000 holds a 12-hour 1080p60 recording (14 798: the longest gaming
 * stream YouTube takes at the resolution most are streamed at) and so also a 2-hour 4K60 film
 * (8 737), or 3.4 hours of 4K60. YouTube takes uploads of up to 12 hours (or 256 GB) at up to 8K:
 * 12 hours of 8K60 is 201 853 gigapixels, 13x this; a site with the machines for it raises the
 * setting. At the slowest speed the time limit assumes, the
 * largest budget job may take 600 s + 15e12 / 8e6 px/s ≈ 22 days; on one free modern core, ~2 days.
 */
export const DEFAULT_MAX_ENCODE_GIGAPIXELS = 15_000;

/**
 * Refuse a source whose ladder would cost more than `maxGigapixels` of work (INPUT_OVER_BUDGET),
 * before a single frame is decoded.
 *
 * @example assertWithinComputeBudget(source, planLadder(source), config.maxEncodeGigapixels);
 */
export function assertWithinComputeBudget(
  source: Omit<EncodeWorkSource, 'isHdr'>,
  plan: LadderPlan,
  maxGigapixels: number = DEFAULT_MAX_ENCODE_GIGAPIXELS,
): void {
  const gigapixels = encodeWorkPixels(source, plan) / 1e9;
  if (gigapixels <= maxGigapixels) return;
  const fps = Math.round(source.frameRate.fps * 100) / 100;
  throw inputError(
    'INPUT_OVER_BUDGET',
    `The video (${source.width}x${source.height} at ${fps} fps for ${formatSpan(source.durationSec)}) needs ` +
      `${formatGigapixels(gigapixels)} gigapixels of encoding; this site allows ${maxGigapixels} per upload ` +
      `(${budgetExample(maxGigapixels)}). Lower its resolution or frame rate, or split it into parts.`,
    { gigapixels: Math.ceil(gigapixels), maxGigapixels },
  );
}

const formatGigapixels = (gp: number) => (gp < 10 ? String(Number(gp.toPrecision(2))) : String(Math.ceil(gp)));

/** What a budget means in footage a person knows: hours of 1080p30. */
function budgetExample(maxGigapixels: number): string {
  const hd30 = { width: 1920, height: 1080, frameRate: { num: 30, den: 1, fps: 30 } };
  const perSec = encodeWorkPixels({ ...hd30, durationSec: 1 }, planLadder(hd30)) / 1e9;
  return `about ${formatSpan(maxGigapixels / perSec)} of 1080p at 30 fps`;
}

/**
 * The heaviest source validation lets through: 8K (MAX_WIDTH x MAX_HEIGHT), 240 fps (the highest
 * rate `readFrameRate` believes), HDR.
 */
export const HEAVIEST_LEGAL_SOURCE: Omit<EncodeWorkSource, 'durationSec'> = {
  width: MAX_WIDTH,
  height: MAX_HEIGHT,
  frameRate: { num: 240, den: 1, fps: 240 },
  isHdr: true,
};

/**
 * The limit of the longest legal job: `maxDurationSec` of the heaviest source (by default the
 * heaviest validation accepts; pass e.g. 4K60 SDR for a site that only expects that). A queue's
 * job expiry must lie beyond it, or the queue hands a healthy encode to a second worker.
 *
 * @example longestEncodeTimeLimitSec(12 * 3600, { width: 3840, height: 2160, frameRate: { num: 60, den: 1, fps: 60 }, isHdr: false })
 */
export function longestEncodeTimeLimitSec(
  maxDurationSec: number = DEFAULT_MAX_DURATION_SEC,
  heaviest: Omit<EncodeWorkSource, 'durationSec'> = HEAVIEST_LEGAL_SOURCE,
): number {
  return encodeTimeLimitSec({ ...heaviest, durationSec: maxDurationSec }, planLadder(heaviest));
}

/**
 * The encode ran past its limit: ffmpeg was killed. Retryable (not an input error): a machine
 * far busier than usual can be that slow, and the queue's attempt limit bounds the cost.
 */
export function encodeTimedOut(limitSec: number, durationSec: number): AppError {
  return new AppError(
    'TRANSCODE_TIMEOUT',
    500,
    `The encode ran past its limit of ${formatSpan(limitSec)} for a video of ${formatSpan(durationSec)} and was stopped; it will be retried.`,
    { limitSec, durationSec },
  );
}

/** `45 s`, `12 min`, `3 h 20 min`: minutes are what a person thinks in for encodes. */
export function formatSpan(sec: number): string {
  if (sec < 90) return `${Math.round(sec)} s`;
  const totalMin = Math.round(sec / 60);
  const h = Math.floor(totalMin / 60);
  const m = totalMin % 60;
  return h === 0 ? `${m} min` : m === 0 ? `${h} h` : `${h} h ${m} min`;
}
