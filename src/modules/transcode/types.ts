import type { ExtraCodec } from './codecs.js';

/**
 * Shared shapes of the transcode module: what ffprobe tells us (ProbeResult), what we accept
 * (ValidatedSource), what we plan (LadderRung) and what we produce (HlsOutput).
 */

/** The subset of `ffprobe -show_format -show_streams -print_format json` this module reads. */
export interface ProbeStream {
  index: number;
  codec_type?: string;
  codec_name?: string;
  profile?: string;
  width?: number;
  height?: number;
  pix_fmt?: string;
  bits_per_raw_sample?: string;
  sample_aspect_ratio?: string;
  field_order?: string;
  color_transfer?: string;
  color_primaries?: string;
  color_space?: string;
  color_range?: string;
  avg_frame_rate?: string;
  r_frame_rate?: string;
  duration?: string;
  nb_frames?: string;
  sample_rate?: string;
  channels?: number;
  disposition?: { attached_pic?: number; default?: number };
  tags?: Record<string, string>;
  side_data_list?: Array<{ side_data_type?: string; rotation?: number }>;
}

export interface ProbeFormat {
  filename?: string;
  format_name?: string;
  format_long_name?: string;
  duration?: string;
  size?: string;
  bit_rate?: string;
  nb_streams?: number;
}

export interface ProbeResult {
  format: ProbeFormat;
  streams: ProbeStream[];
}

/** Limits a source must respect. */
export interface SourceLimits {
  /** Longest accepted video, in seconds (default 12 h). */
  maxDurationSec?: number;
}

/** A frame rate as an exact rational (e.g. 30000/1001), plus its float value. */
export interface FrameRate {
  num: number;
  den: number;
  fps: number;
}

/** A source that passed validation: every fact later steps need, in display orientation. */
export interface ValidatedSource {
  /** The ffprobe format list (e.g. `mov,mp4,m4a,3gp,3g2,mj2`). */
  formatList: string;
  /** The demuxer name forced with `-f` when ffmpeg opens the file (e.g. `mov`). */
  formatName: string;
  videoCodec: string;
  /** Absolute index of the video stream in the file (for `-map 0:N`). */
  videoStreamIndex: number;
  /** Display width, after applying rotation. */
  width: number;
  /** Display height, after applying rotation. */
  height: number;
  /** Source pixels are this many times wider than tall (anamorphic DV/DVD); 1 for most video. */
  sampleAspectRatio: number;
  /** Clockwise rotation the player must apply (0, 90, 180, 270). */
  rotationDeg: number;
  frameRate: FrameRate;
  durationSec: number;
  /** Duration of the video track itself when the file says (audio may run longer). */
  videoDurationSec?: number;
  hasAudio: boolean;
  pixelFormat: string;
  bitDepth: number;
  isInterlaced: boolean;
  isHdr: boolean;
  /** ffprobe colour transfer name (e.g. `smpte2084`), used to pick the tone-mapping input. */
  colorTransfer?: string;
}

/** One rung of the adaptive-bitrate ladder. */
export interface LadderRung {
  /** `${shortSide}p`, e.g. `720p` (also for portrait: a 720x1280 rung is `720p`). */
  label: string;
  width: number;
  height: number;
  frameRate: FrameRate;
  /** Peak rate the encoder may reach (VBV `-maxrate`), kbit/s. */
  maxrateKbps: number;
  /** VBV buffer (`-bufsize`), kbit. */
  bufsizeKbps: number;
  /** The cellular variant (≤ 192 kbit/s with its audio): listed with the low-rate audio group. */
  isCellular?: boolean;
  /** An extra-codec twin of an H.264 rung (`LADDER_CODECS`, codecs.ts); absent: H.264. */
  codec?: ExtraCodec;
}

export interface LadderPlan {
  rungs: LadderRung[];
  /** Keyframe interval shared by every rung, in frames. */
  gopFrames: number;
  /** Target segment duration, seconds. */
  segmentSec: number;
  audioBitrateKbps: number;
  /** Bitrate of the cellular variant's audio rendition; set when the plan has a cellular rung. */
  cellularAudioBitrateKbps?: number;
}

export interface Rendition {
  label: string;
  width: number;
  height: number;
  frameRate: number;
  /** Peak segment bitrate including the audio rendition (HLS `BANDWIDTH`). */
  bandwidthBps: number;
  /** Mean bitrate including the audio rendition (HLS `AVERAGE-BANDWIDTH`). */
  averageBandwidthBps: number;
  /** RFC 6381 codecs string, e.g. `avc1.64001f,mp4a.40.2`. */
  codecs: string;
  /** Relative path from the output directory, e.g. `720p/index.m3u8`. */
  playlist: string;
  /** Set on extra-codec renditions (`720p-hevc`); absent: H.264. */
  codec?: ExtraCodec;
}

/** What `transcodeToHls` wrote, every path relative to the output directory. */
export interface HlsOutput {
  durationSec: number;
  hasAudio: boolean;
  /** The H.264 ladder: what every player decodes, and what the catalog and the play API list. */
  renditions: Rendition[];
  /**
   * Extra-codec twins of the H.264 rungs (`LADDER_CODECS=h264,hevc,av1`), listed in the master
   * playlist only: players that decode them choose them there. Empty for an H.264-only ladder.
   */
  codecRenditions: Rendition[];
  master: string;
  poster: string;
  storyboardVtt: string;
  storyboardImage: string;
}
