import { ACCEPTED_CONTAINERS, ACCEPTED_VIDEO_CODECS } from './formats.js';
import { corruptInput, inputError, notAVideo } from './input-errors.js';
import { capFrameRate } from './ladder.js';
import type { FrameRate, ProbeResult, ProbeStream, SourceLimits, ValidatedSource } from './types.js';

/** 12 hours: the longest upload we accept unless the caller says otherwise. */
export const DEFAULT_MAX_DURATION_SEC = 12 * 60 * 60;
/** 8K UHD. Bigger frames are decompression bombs more often than real footage. */
export const MAX_WIDTH = 7680;
export const MAX_HEIGHT = 4320;

/** Containers in which an MJPEG track is a real (camera) video rather than a picture. */
const MJPEG_CONTAINERS = new Set(['mov', 'avi', 'matroska']);

/**
 * Decide whether a probed file is a video we will transcode, and extract what the ladder needs.
 * Pure: no I/O. Throws a 422 AppError with a stable code (see `input-errors.ts`).
 *
 * @example const source = validateSource(await probeMedia(path), { maxDurationSec: 3600 });
 */
export function validateSource(probe: ProbeResult, limits: SourceLimits = {}): ValidatedSource {
  const formatList = probe.format.format_name ?? 'unknown';
  const formatName = ACCEPTED_CONTAINERS[formatList];
  if (!formatName) throw notAVideo(formatList);

  const video = pickVideoStream(probe.streams);
  if (!video) throw notAVideo(`${formatList} without a video track`);
  const codec = video.codec_name ?? 'unknown';
  if (!ACCEPTED_VIDEO_CODECS.has(codec) || (codec === 'mjpeg' && !MJPEG_CONTAINERS.has(formatName))) {
    throw inputError(
      'INPUT_UNSUPPORTED_CODEC',
      `unsupported codec: ${codec}. Export the video as H.264, HEVC, VP9 or AV1 and upload it again.`,
      { codec },
    );
  }
  if (video.nb_frames === '1') throw notAVideo(`a single still frame (${codec})`);

  const codedWidth = video.width ?? 0;
  const codedHeight = video.height ?? 0;
  if (codedWidth <= 0 || codedHeight <= 0) throw corruptInput('the video track has no picture size');
  if (Math.max(codedWidth, codedHeight) > MAX_WIDTH || Math.min(codedWidth, codedHeight) > MAX_HEIGHT) {
    throw inputError(
      'INPUT_RESOLUTION_TOO_LARGE',
      `The video is ${codedWidth}x${codedHeight}; the largest we accept is ${MAX_WIDTH}x${MAX_HEIGHT} (8K).`,
    );
  }

  const durationSec = readDuration(probe, video);
  if (durationSec === undefined) throw corruptInput('its duration is unknown or zero');
  const maxDurationSec = limits.maxDurationSec ?? DEFAULT_MAX_DURATION_SEC;
  if (durationSec > maxDurationSec) {
    throw inputError(
      'INPUT_TOO_LONG',
      `The video is ${formatDuration(durationSec)} long; the limit is ${formatDuration(maxDurationSec)}. Trim it or split it into parts.`,
    );
  }

  const rotationDeg = readRotation(video);
  const isQuarterTurn = rotationDeg === 90 || rotationDeg === 270;
  // Anamorphic sources (720x480 with 32:27 pixels) are planned at their display width.
  const sampleAspectRatio = readSampleAspectRatio(video);
  const displayCodedWidth = Math.max(2, Math.round(codedWidth * sampleAspectRatio));
  // The ladder is planned on the display size, so that is what must fit: a 7680x4320 source
  // with 4:1 pixels would otherwise plan a 30720-wide rung. Rotation swaps the sides, which the
  // long-side/short-side comparison already allows for.
  if (Math.max(displayCodedWidth, codedHeight) > MAX_WIDTH || Math.min(displayCodedWidth, codedHeight) > MAX_HEIGHT) {
    throw inputError(
      'INPUT_RESOLUTION_TOO_LARGE',
      `The video is ${codedWidth}x${codedHeight} with pixels ${formatRatio(sampleAspectRatio)} times as wide as tall, so it plays at ` +
        `${displayCodedWidth}x${codedHeight}; the largest we accept is ${MAX_WIDTH}x${MAX_HEIGHT} (8K). Export it with square pixels at 8K or less.`,
      { displayWidth: displayCodedWidth, displayHeight: codedHeight, sampleAspectRatio },
    );
  }
  const transfer = video.color_transfer;
  return {
    formatList,
    formatName,
    videoCodec: codec,
    videoStreamIndex: video.index,
    width: isQuarterTurn ? codedHeight : displayCodedWidth,
    height: isQuarterTurn ? displayCodedWidth : codedHeight,
    sampleAspectRatio,
    rotationDeg,
    frameRate: readFrameRate(video),
    durationSec,
    ...(positive(video.duration) ? { videoDurationSec: positive(video.duration) } : {}),
    hasAudio: probe.streams.some(isUsableAudio),
    pixelFormat: video.pix_fmt ?? 'unknown',
    bitDepth: readBitDepth(video),
    // `progressive` and `unknown` are treated as progressive: bwdif's deint=interlaced would
    // still catch per-frame interlace flags, but we only pay for it when the stream says so.
    isInterlaced: ['tt', 'bb', 'tb', 'bt'].includes(video.field_order ?? ''),
    // PQ (HDR10, Dolby Vision base layers) and HLG are the two HDR transfer functions.
    isHdr: transfer === 'smpte2084' || transfer === 'arib-std-b67',
    ...(transfer ? { colorTransfer: transfer } : {}),
  };
}

/**
 * The ladder's `fps` filter turns a source into exactly `durationSec x fps` frames, copying the
 * previous frame over every gap. A few frames that declare hours (a 1.3 KB Matroska file) would
 * so become hours of encoding: filled frames may be at most this many times the real ones (the
 * real frames must cover a quarter of the declared time). Phone VFR video stays far inside it:
 * its planned rate is its own average rate.
 */
export const MAX_FILL_RATIO = 3;
/** Below this much filling (seconds at the planned rate) the ratio is not applied: short clips. */
const FILL_GRACE_SEC = 10;

/**
 * Refuse a source whose declared duration is not backed by frames: `frameCount` (counted in the
 * file, see `countVideoFrames`) against what the ladder would encode (`durationSec` at the planned
 * frame rate, which is also where the encode is cut off). Throws INPUT_SPARSE_FRAMES.
 *
 * @example assertFramesBacked(source, await countVideoFrames(path, source, probe));
 */
export function assertFramesBacked(source: Pick<ValidatedSource, 'durationSec' | 'frameRate'>, frameCount: number): void {
  const fps = capFrameRate(source.frameRate).fps;
  const outputFrames = source.durationSec * fps;
  const filledFrames = outputFrames - frameCount;
  if (filledFrames <= MAX_FILL_RATIO * frameCount || filledFrames <= FILL_GRACE_SEC * fps) return;
  throw inputError(
    'INPUT_SPARSE_FRAMES',
    `The video says it lasts ${formatDuration(source.durationSec)} but holds only ${frameCount} frames ` +
      `(${(frameCount / fps).toFixed(1)} s at ${Math.round(fps * 100) / 100} fps). Export it again at a constant frame rate and upload it.`,
    { frameCount, durationSec: source.durationSec, fps },
  );
}

/** The first real video stream: cover art (`attached_pic`) is a picture, not the video. */
function pickVideoStream(streams: ProbeStream[]): ProbeStream | undefined {
  return streams.find((s) => s.codec_type === 'video' && s.disposition?.attached_pic !== 1);
}

function isUsableAudio(s: ProbeStream): boolean {
  return s.codec_type === 'audio' && (s.channels ?? 0) > 0 && Number(s.sample_rate ?? 0) > 0;
}

function positive(raw: string | undefined): number | undefined {
  const value = Number(raw);
  return raw !== undefined && Number.isFinite(value) && value > 0 ? value : undefined;
}

function readDuration(probe: ProbeResult, video: ProbeStream): number | undefined {
  for (const raw of [probe.format.duration, video.duration]) {
    const value = Number(raw);
    if (raw !== undefined && Number.isFinite(value) && value > 0) return value;
  }
  return undefined;
}

/**
 * Clockwise display rotation. The display matrix (side data) wins over the legacy `rotate` tag;
 * ffprobe reports the matrix angle counter-clockwise, hence the sign flip.
 */
export function readRotation(video: ProbeStream): number {
  const matrix = video.side_data_list?.find((d) => typeof d.rotation === 'number');
  const raw = matrix ? -(matrix.rotation ?? 0) : Number(video.tags?.rotate ?? 0);
  if (!Number.isFinite(raw)) return 0;
  const normalized = ((Math.round(raw / 90) * 90) % 360 + 360) % 360;
  return normalized;
}

/** Parse `30000/1001`; fall back to r_frame_rate, then to 30 fps (a sane default for the GOP). */
export function readFrameRate(video: ProbeStream): FrameRate {
  for (const raw of [video.avg_frame_rate, video.r_frame_rate]) {
    const match = /^(\d+)\/(\d+)$/.exec(raw ?? '');
    if (!match) continue;
    const num = Number(match[1]);
    const den = Number(match[2]);
    const fps = num / den;
    // Above 240 fps the value is a timebase artefact, not a frame rate.
    if (den > 0 && fps >= 1 && fps <= 240) return { num, den, fps };
  }
  return { num: 30, den: 1, fps: 30 };
}

function readSampleAspectRatio(video: ProbeStream): number {
  const match = /^(\d+):(\d+)$/.exec(video.sample_aspect_ratio ?? '');
  const ratio = match ? Number(match[1]) / Number(match[2]) : 1;
  // 0:1 means "unknown"; absurd ratios are treated as square pixels rather than trusted.
  return Number.isFinite(ratio) && ratio >= 0.25 && ratio <= 4 ? ratio : 1;
}

function readBitDepth(video: ProbeStream): number {
  const raw = Number(video.bits_per_raw_sample);
  if (Number.isInteger(raw) && raw > 0) return raw;
  const match = /(?:p|le|be)?(9|10|12|14|16)(?:le|be)?$/.exec(video.pix_fmt ?? '');
  return match ? Number(match[1]) : 8;
}

function formatRatio(ratio: number): string {
  return String(Math.round(ratio * 100) / 100);
}

function formatDuration(sec: number): string {
  const h = Math.floor(sec / 3600);
  const m = Math.floor((sec % 3600) / 60);
  const s = Math.round(sec % 60);
  return h > 0 ? `${h} h ${m} min` : m > 0 ? `${m} min ${s} s` : `${s} s`;
}
