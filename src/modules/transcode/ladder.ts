import { withCodecRungs, type VideoCodec } from './codecs.js';
import type { FrameRate, LadderPlan, LadderRung, ValidatedSource } from './types.js';

/**
 * The adaptive-bitrate ladder: which sizes, frame rate and bitrates to encode a source into.
 * Pure functions only, so every rule below has a unit test.
 */

/** Standard rungs, named by their shorter side (so portrait video gets the same labels). */
export const STANDARD_RUNGS = [2160, 1440, 1080, 720, 480, 360, 240] as const;

/**
 * Peak bitrate (kbit/s) per rung for a 16:9 frame at 30 fps, H.264 High.
 * Anchors: Apple "HLS Authoring Specification for Apple Devices", video bitrate ladder (H.264,
 * 30 fps): 416x234 145, 640x360 365, 768x432 730/1100, 960x540 2000, 1280x720 3000,
 * 1920x1080 6000 kbit/s. 1080p and 720p are Apple's values. 480p is interpolated by pixel count
 * between Apple's 432p and 540p rungs. 360p and 240p sit above Apple's (which are cellular
 * floor rungs, 365/145) because we use them as the "small screen, decent quality" rungs.
 * 1440p/2160p are not in Apple's H.264 table (HEVC only): ~0.8x the 1080p bits per pixel, since
 * H.264 needs fewer bits per pixel as resolution grows.
 * These are ceilings (`-maxrate`): the encoder runs capped CRF, so easy content uses far less and
 * the master playlist reports what was actually produced.
 */
export const MAXRATE_KBPS_30FPS: Readonly<Record<number, number>> = {
  2160: 16000,
  1440: 9000,
  1080: 6000,
  720: 3000,
  480: 1500,
  360: 800,
  240: 400,
};

/** At most this many rungs: each costs encode time, and players rarely use more. */
export const MAX_RUNGS = 5;
/**
 * 240p is the floor only of ladders that would otherwise have at most this many rungs (sources
 * below 1080p). A 1080p source gets 1080/720/480/360: its 360p rung (≤ 800 kbit/s) already serves
 * slow links, and 240p cost 1.5 s of 46 s CPU (3%) on the 20 s 1080p bench for a rung players
 * rarely pick on a network fast enough to be watching a 1080p upload.
 */
export const MAX_RUNGS_WITH_240P = 4;
/** Apple HLS authoring spec: keyframes every 2 s; segments are 2 GOPs. */
export const GOP_SEC = 2;
export const SEGMENT_SEC = 4;
/** Apple HLS authoring spec: stereo AAC-LC at 128 kbit/s is a safe default for one audio group. */
export const AUDIO_BITRATE_KBPS = 128;
/**
 * The cellular variant. Apple's HLS authoring spec asks for one variant at or under 192 kbit/s in
 * total (video + audio) for cellular networks. Ours: 144p video with a VBV ceiling of 100 kbit/s
 * and a 1 s buffer (a 4 s segment then holds at most 100 x 4 + 100 kbit, 125 kbit/s), plus AAC-LC
 * stereo at 48 kbit/s in its own audio group (ffmpeg's AAC encoder has no HE-AAC). The rung is
 * encoded in the same pass from the smallest rung's frame, and it only exists when the ladder has
 * a 240p rung or bigger: a source that small gets no cheaper than its one rung.
 * BANDWIDTH stays the measured peak: the transcode test checks it is ≤ 192000 on moving content.
 */
export const CELLULAR_SHORT_SIDE = 144;
export const CELLULAR_VIDEO_MAXRATE_KBPS = 100;
export const CELLULAR_AUDIO_BITRATE_KBPS = 48;
export const CELLULAR_TOTAL_KBPS = 192;
/** Smallest regular ladder that also gets the cellular rung (its lowest rung's short side). */
const CELLULAR_MIN_LADDER_SHORT = 240;
/** A non-standard source keeps its own size as the top rung if it is this much bigger. */
const NATIVE_TOP_RUNG_RATIO = 1.25;
/** We never deliver above 60 fps: players and most screens stop there. */
const MAX_FPS = 60;

/**
 * Plan the ladder for a validated source: never upscale, keep the aspect ratio and display
 * orientation, even dimensions, one frame rate (≤ 60) and one GOP length for every rung.
 * `codecs` (LADDER_CODECS) adds a twin of every regular rung per extra codec, after the H.264 ones.
 *
 * @example planLadder(source).rungs.map((r) => r.label) // ['1080p', '720p', '480p', '360p']
 */
export function planLadder(source: Pick<ValidatedSource, 'width' | 'height' | 'frameRate'>, codecs: readonly VideoCodec[] = ['h264']): LadderPlan {
  const frameRate = capFrameRate(source.frameRate);
  const shortSides = chooseShortSides(Math.min(source.width, source.height));
  const rungs = shortSides.map((short) => buildRung(source.width, source.height, short, frameRate));
  const hasCellular = Math.min(...shortSides) >= CELLULAR_MIN_LADDER_SHORT;
  if (hasCellular) rungs.push(buildCellularRung(source.width, source.height, frameRate));
  return withCodecRungs({
    rungs,
    gopFrames: Math.max(1, Math.round(GOP_SEC * frameRate.fps)),
    segmentSec: SEGMENT_SEC,
    audioBitrateKbps: AUDIO_BITRATE_KBPS,
    ...(hasCellular ? { cellularAudioBitrateKbps: CELLULAR_AUDIO_BITRATE_KBPS } : {}),
  }, codecs);
}

/**
 * Above 60 fps, divide by a whole number (120 → 60, 100 → 50, 240 → 60) so the kept frames are
 * evenly spaced: no judder, unlike resampling 100 fps to exactly 60.
 */
export function capFrameRate(rate: FrameRate): FrameRate {
  if (rate.fps <= MAX_FPS) return rate;
  const divisor = Math.ceil(rate.fps / MAX_FPS - 1e-9);
  const den = rate.den * divisor;
  return { num: rate.num, den, fps: rate.num / den };
}

/** The short sides of the rungs, biggest first. */
export function chooseShortSides(sourceShort: number): number[] {
  const evenShort = Math.max(2, sourceShort - (sourceShort % 2));
  const standard: number[] = STANDARD_RUNGS.filter((r) => r <= sourceShort);
  if (standard.length === 0) return [evenShort]; // tiny source: one rung at its own size
  const top = standard[0] ?? evenShort;
  // A 1000x1000 source should not be capped at 720: keep its own size on top when it is well
  // above the next standard rung. (1920x800 stays at 720p: 800/720 is too close to be worth it.)
  const sides = evenShort >= top * NATIVE_TOP_RUNG_RATIO ? [evenShort, ...standard] : standard;
  return thinRungs(sides, MAX_RUNGS);
}

/**
 * Reduce to `max` rungs. First drop 240p when there are more than MAX_RUNGS_WITH_240P rungs (360p
 * is a good enough floor when the source is big), then the interior rung whose removal leaves the smallest step between neighbours (ties: the
 * higher, more expensive one). A 2160p source thus gets 2160/1080/720/480/360.
 */
function thinRungs(sides: number[], max: number): number[] {
  const kept = [...sides];
  if (kept.length > Math.min(max, MAX_RUNGS_WITH_240P) && kept[kept.length - 1] === 240) kept.pop();
  while (kept.length > max) {
    let bestIndex = 1;
    let bestStep = Infinity;
    for (let i = 1; i < kept.length - 1; i++) {
      const step = (kept[i - 1] ?? 0) / (kept[i + 1] ?? 1);
      if (step < bestStep) {
        bestStep = step;
        bestIndex = i;
      }
    }
    kept.splice(bestIndex, 1);
  }
  return kept;
}

function buildRung(width: number, height: number, short: number, frameRate: FrameRate): LadderRung {
  const isPortrait = height > width;
  const sourceShort = Math.min(width, height);
  const sourceLong = Math.max(width, height);
  const long = Math.min(toEven((short * sourceLong) / sourceShort), floorEven(sourceLong));
  const [w, h] = isPortrait ? [short, long] : [long, short];
  const maxrateKbps = rungMaxrateKbps(short, w * h, frameRate.fps);
  return { label: `${short}p`, width: w, height: h, frameRate, maxrateKbps, bufsizeKbps: maxrateKbps * 2 };
}

function buildCellularRung(width: number, height: number, frameRate: FrameRate): LadderRung {
  const rung = buildRung(width, height, CELLULAR_SHORT_SIDE, frameRate);
  const kbps = CELLULAR_VIDEO_MAXRATE_KBPS;
  return { ...rung, maxrateKbps: kbps, bufsizeKbps: kbps, isCellular: true };
}

/**
 * Scale the table's 16:9/30 fps ceiling by the rung's real pixel count and by √(fps/30): Apple's
 * table lists 60 fps variants at ~1.3–1.5x the 30 fps rate (1080p 6000 → 7800, 720p 3000 → 4500),
 * i.e. roughly the square root of the frame-rate ratio, because consecutive frames differ less.
 */
export function rungMaxrateKbps(short: number, pixels: number, fps: number): number {
  const anchor = nearestAnchor(short);
  const standardPixels = anchor * toEven((anchor * 16) / 9);
  const fpsFactor = Math.min(1.5, Math.max(0.7, Math.sqrt(fps / 30)));
  const kbps = (MAXRATE_KBPS_30FPS[anchor] ?? 400) * (pixels / standardPixels) * fpsFactor;
  return Math.max(100, Math.round(kbps / 10) * 10);
}

/** The table row for a short side (native sizes use the standard rung just below them). */
function nearestAnchor(short: number): number {
  return STANDARD_RUNGS.find((r) => r <= short) ?? 240;
}

const toEven = (n: number) => Math.max(2, Math.round(n / 2) * 2);
const floorEven = (n: number) => Math.max(2, Math.floor(n / 2) * 2);
