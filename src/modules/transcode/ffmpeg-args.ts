import { join } from 'node:path';
import { codecEncoderArgs } from './codecs.js';
import { fileUrl } from './probe.js';
import { AUDIO_DIR, CELLULAR_AUDIO_DIR, INIT_SEGMENT, MEDIA_PLAYLIST, POSTER_FILE, SEGMENT_PATTERN, STORYBOARD_IMAGE } from '../media-layout/index.js';
import { posterFilter, storyboardFilter, type PosterPlan, type StoryboardPlan } from './thumbnails.js';
import type { LadderPlan, LadderRung, ValidatedSource } from './types.js';

/**
 * Builds the argument list of the one ffmpeg run that turns a source into the whole HLS ladder,
 * the poster and the storyboard. Pure: the same inputs always give the same command, which the
 * tests and the benchmark print.
 */

/**
 * Encoder settings shared by every rung of one title; the benchmark (bench/transcode) picked these.
 * `transcodeFile` chooses one per title (STATIC_TUNING, MOVING_TUNING, BUSY_TUNING below, from the
 * motion probe); DEFAULT_TUNING is what `transcodeToHls` uses when given none.
 */
export interface EncoderTuning {
  /** x264 preset: `veryfast` is ~3x faster than `medium` for ~1 CRF step of quality. */
  preset: string;
  /** Capped CRF: quality target, with `-maxrate` as the ceiling. */
  crf: number;
  /** Extra `-x264-params` (key=value:key=value). */
  x264Params: string;
  /** CRF steps of extra quality for 480p-sized rungs and for 360p and smaller (see rungCrf). */
  smallRungCrfSteps?: readonly [number, number];
  /**
   * CRF steps of extra quality by rung size, `[minShortSide, steps]` biggest first (the first row
   * whose side the rung reaches applies); replaces `smallRungCrfSteps`. Fractional CRF is fine.
   */
  crfStepsBySide?: ReadonlyArray<readonly [number, number]>;
  /**
   * Keyframes only where segments start (GOP = segment length, still aligned across rungs)
   * instead of the plan's 2 s GOP. For still titles only: see STATIC_TUNING.
   */
  keyframePerSegment?: boolean;
}

/**
 * Measured with bench/transcode (20 s 1080p30 testsrc2+Mandelbrot, 2 shared cores, CPU time =
 * user+sys of ffmpeg via bench/transcode/experiment.ts). veryfast capped CRF 21 was the start:
 * 46.6–47.4 s CPU for the 4-rung ladder, 720p SSIM 0.9829, 0.83x the seed's bytes.
 * On this source the 1080p and 720p rungs run at their `-maxrate` (6000k/3000k), so quality there
 * is set by how well the encoder spends a fixed rate, and CRF barely moves it (superfast at CRF 20
 * and 21: identical bytes and SSIM).
 *
 * - `subme=1` (veryfast has 2): 34.3 s CPU (−26%), SSIM 0.9823, bytes +2%. Biggest single win.
 * - `me=dia` (veryfast: hex): a further −1.4 s, SSIM unchanged.
 * - `partitions=i8x8,i4x4` (no p8x8/b8x8 sub-partitions): a further −2 s, SSIM −0.0004.
 *   Together: 30.7 s CPU (−35%), 720p SSIM 0.9819, 1080p SSIM 0.9705 (was 0.9722), 0.85x seed bytes.
 * - Kept `mbtree` (and the lookahead of 10 frames it needs): that set is exactly `superfast` but
 *   with mbtree, and plain `superfast` (no mbtree) saved only 0.5 s more but dropped 720p SSIM to
 *   0.9805 with +3% bytes. `mbtree=0` on top of subme=1: SSIM 0.9810, bytes +3%, no CPU saved.
 *   rc-lookahead=20 cost 6% more CPU for +0.0004 SSIM, so 10 is stated explicitly.
 * Measured and rejected: `ref=1` (already veryfast's), decoder `-threads 1` (no CPU change, and it
 * moves decoding onto ffmpeg's single main thread), `-threads 1` per encoder (−3 s CPU at most,
 * but x264 then runs synchronously on the main thread: wall time doubled, 72 s vs 33 s), bilinear
 * scaling (no CPU change, 720p SSIM 0.9777).
 *
 * Then for bytes (bench/transcode/content.ts: a slide deck, a noisy talking head and high motion
 * with noise, against PeerTube's default profile, single 720p rungs while choosing):
 * - CRF 21 spent 1.09x PeerTube's bytes on the slides and 1.64x on the talking head, for SSIM
 *   only 0.0003–0.002 above PeerTube's. CRF 23 alone: 0.95x / 1.14x bytes, but slide SSIM fell
 *   below PeerTube's (0.9977 vs 0.9981).
 * - `aq-mode=2` (auto-variance AQ, what x264's `tune ssim` picks): on the talking head +0.0011
 *   SSIM for +18% bytes, a better trade than a lower CRF (+0.0017 for +44%); on slides it lifts
 *   SSIM enough that CRF 24 stays above PeerTube's.
 * - `nr=400` (x264's DCT-domain noise reduction, inside the threaded encoder, no extra filter):
 *   −10% bytes on the noisy talking head for −0.0004 SSIM; no effect on the clean slides.
 * No CPU cost for any of the three (1.9 s CPU for the 720p slide rung either way).
 */
export const DEFAULT_TUNING: EncoderTuning = {
  preset: 'veryfast',
  crf: 24,
  x264Params: 'rc-lookahead=10:subme=1:me=dia:partitions=i8x8,i4x4:aq-mode=2:nr=400',
  smallRungCrfSteps: [1, 2],
};

/**
 * Per-title rate control (complexity-probe.ts says which): measured on bench/transcode/content.ts
 * (6 s 720p30: a slide deck, a noisy talking head, high motion with noise) against PeerTube's
 * default profile in the same run, choosing per rung the CRF where SSIM meets PeerTube's.
 *
 * Moving titles: x264 `faster` (subme 4, hex search, 2 refs, trellis, rc-lookahead 20) with
 * `psy=0` and `aq-mode=2` (x264's `tune ssim`), `nr=400`, CRF 26 on 720p and up. The cut-down
 * `veryfast` of DEFAULT_TUNING was 4.4x PeerTube's speed on these titles, so there was CPU to
 * spend: `faster` costs ~1.5x its CPU (talking head 8.0 → 11.8 s, PeerTube 34.6 s) and gives
 * SSIM +0.002–0.004 per rung at equal CRF, which CRF 26 turns into bytes: the talking head's
 * 720p rung at 0.76x PeerTube's bytes for +0.0014 SSIM (DEFAULT_TUNING: 1.03x for +0.0012).
 * psy-rd and psy-trellis (on in every preset from subme 6 / trellis on) move detail and grain
 * where the eye expects it at the cost of SSIM and PSNR; with them off the picture is slightly
 * smoother in grain and texture than x264's default at the same bytes, which SSIM rewards.
 * Rungs below 720p need 2–4 steps more to hold SSIM (their text and edges suffer first): at a
 * flat CRF 26 the talking head's 360p/240p rungs were 0.0012/0.0018 below PeerTube's SSIM.
 */
export const MOVING_TUNING: EncoderTuning = {
  preset: 'faster',
  crf: 26.5,
  x264Params: 'aq-mode=2:nr=400:psy=0',
  crfStepsBySide: [[720, 0], [480, 2], [360, 2], [240, 2.5], [0, 3.5]],
};

/**
 * Busy titles (high motion, every frame changes): the same encoder, one CRF step more on top.
 * Measured on the high-motion title: at CRF 26 its 720p rung's SSIM was 0.0073 above PeerTube's
 * (PeerTube's rung runs into its `-maxrate` there, Kinema's capped CRF stays under it), at CRF 27
 * +0.0028 for 0.67x PeerTube's bytes; at CRF 28 −0.0022. Its small rungs hold SSIM only from
 * CRF 23.5–24.5 (at 24.5 on 360p and 240p: 0.0001 below PeerTube's).
 */
export const BUSY_TUNING: EncoderTuning = {
  ...MOVING_TUNING,
  crf: 27,
  crfStepsBySide: [[720, 0], [480, 2.5], [360, 3], [240, 3.5], [0, 4]],
};

/**
 * Still titles (slide decks, screencasts): DEFAULT_TUNING's encoder (the CPU margin of a still
 * title is the smallest: decoding it is nearly free, so the one-decode saving is too), keyframes
 * only at segment starts, and CRF steps that hold SSIM on small rungs. An IDR frame of a still
 * picture re-codes the whole picture; with a 2 s GOP in 4 s segments half of them sit in the
 * middle of a segment, where no HLS player switches or seeks (hls.js and Shaka switch at segment
 * boundaries, the I-frame playlist has one entry per segment). Measured on the slide deck:
 * −18% bytes (1.09x → 0.82x PeerTube's) at equal SSIM. Apple's authoring spec says keyframes
 * SHOULD come every 2 s; for a title whose pictures stand still for seconds there is nothing
 * between them to recover from. Every segment still starts with an IDR frame on the same frame
 * in every rung.
 */
export const STATIC_TUNING: EncoderTuning = {
  preset: DEFAULT_TUNING.preset,
  crf: 23.5,
  x264Params: DEFAULT_TUNING.x264Params,
  crfStepsBySide: [[720, 0], [480, 0.5], [360, 1.5], [240, 3], [0, 4.5]],
  keyframePerSegment: true,
};

/** The tuning for a probed title (complexity-probe.ts). */
export function tuningForContent(content: 'static' | 'moving' | 'busy'): EncoderTuning {
  return content === 'static' ? STATIC_TUNING : content === 'busy' ? BUSY_TUNING : MOVING_TUNING;
}

export interface TranscodeArgsInput {
  inputPath: string;
  source: ValidatedSource;
  plan: LadderPlan;
  outDir: string;
  poster: PosterPlan;
  storyboard: StoryboardPlan;
  tuning?: EncoderTuning;
}

/**
 * Input flags. The demuxer is forced to the one validation accepted (`-f mov`), so ffmpeg never
 * re-probes the bytes; with a forced demuxer hls/concat/dash can never be chosen, so their
 * options (`-allowed_extensions`, `-safe`) are moot. `-protocol_whitelist file` blocks every
 * network or nested protocol a demuxer might ask for. For mov, `-enable_drefs 0` (the default,
 * stated so it stays that way) forbids external data references to other files.
 */
export function inputArgs(inputPath: string, source: ValidatedSource): string[] {
  const demuxerOptions = source.formatName === 'mov' ? ['-enable_drefs', '0'] : [];
  return ['-protocol_whitelist', 'file', ...demuxerOptions, '-f', source.formatName, '-i', fileUrl(inputPath)];
}

/**
 * Everything before `split`, on the decoded source (display-oriented already: ffmpeg's default
 * autorotate inserts the transpose, and then drops the display matrix from encoded outputs, so
 * rotation is never applied twice).
 */
export function preFilters(source: ValidatedSource, plan: LadderPlan): string[] {
  const filters: string[] = [];
  // bwdif (motion adaptive, better than yadif on edges) only touches frames flagged interlaced;
  // send_frame keeps the frame rate (50i → 25p) so the ladder's GOP math holds.
  if (source.isInterlaced) filters.push('bwdif=mode=send_frame:parity=auto:deint=interlaced');
  if (source.isHdr) filters.push(...toneMapFilters(source.colorTransfer ?? 'smpte2084'));
  const rate = plan.rungs[0]?.frameRate ?? source.frameRate;
  // Constant frame rate for every rung: phones record VFR, and fixed-GOP keyframe alignment
  // across rungs needs identical frame timing.
  filters.push(`fps=${rate.num}/${rate.den}`);
  // fps fills every gap up to the last frame's timestamp, whatever the container's duration said:
  // one frame stamped an hour late (a Matroska Duration edited to 2 s) would be an hour of copies.
  // Cut at the validated duration, which the frame count and compute budget were checked against.
  // (Here rather than an input `-t`: the fps filter still fills up to the frame a trimmed input
  // stops at. An output `-t` on every output would do, this covers all of them once.)
  filters.push(`trim=end=${source.durationSec}`);
  return filters;
}

/**
 * HDR (PQ/HLG, BT.2020) to SDR BT.709: linearize with zimg, Hable tone curve, back to BT.709.
 * Without it, 10-bit HDR squeezed into 8-bit SDR looks grey and washed out. This is the classic
 * zscale+tonemap chain; it runs in float at source size, so HDR sources encode ~2x slower.
 */
function toneMapFilters(transfer: string): string[] {
  return [
    `zscale=tin=${transfer}:min=bt2020nc:pin=bt2020:t=linear:npl=100`,
    'format=gbrpf32le',
    'zscale=p=bt709',
    'tonemap=tonemap=hable:desat=0',
    'zscale=t=bt709:m=bt709:r=tv',
  ];
}

/**
 * A rung is scaled from the smallest bigger rung that is at least this much larger (or from the
 * source): 480p/360p from the 720p frame instead of from 1080p. ffmpeg 5.1 runs every filter on
 * one thread, and swscale's cost grows with the input size, so cascading cut the filter time of
 * a 1080p ladder by ~40% (bench/transcode); a second bicubic pass at ≥ 1.5x is not visible.
 */
const CASCADE_MIN_RATIO = 1.5;

/**
 * Which node each rung is scaled from: -1 for the source, else the index of a bigger rung. An
 * extra-codec rung (codecs.ts) takes its H.264 twin's frames as they are: no second scale.
 */
export function scaleParents(plan: LadderPlan): number[] {
  const shortOf = (r: LadderRung) => Math.min(r.width, r.height);
  return plan.rungs.map((rung, i) => {
    if (rung.codec) return plan.rungs.findIndex((t) => !t.codec && !t.isCellular && t.width === rung.width && t.height === rung.height);
    let parent = -1;
    for (let j = 0; j < i; j++) {
      const candidate = plan.rungs[j];
      if (candidate && shortOf(candidate) >= CASCADE_MIN_RATIO * shortOf(rung)) parent = j;
    }
    return parent;
  });
}

/** The `-filter_complex` graph: decode once, split to every rung plus poster and storyboard. */
export function filterGraph(input: TranscodeArgsInput): string {
  const { source, plan } = input;
  const parents = scaleParents(plan);
  const childrenOf = (node: number) => parents.flatMap((p, i) => (p === node ? [i] : []));
  const sourceOutputs = [...childrenOf(-1).map((i) => `[src${i}]`), '[sp]', '[ss]'];
  const head = `[0:${source.videoStreamIndex}]${[...preFilters(source, plan), `split=${sourceOutputs.length}`].join(',')}${sourceOutputs.join('')}`;
  // A codec twin is one more output of its H.264 rung's split, straight to its encoder.
  const isTwin = (i: number) => Boolean(plan.rungs[i]?.codec) && (parents[i] ?? -1) >= 0;
  const rungs = plan.rungs.flatMap((r, i) => {
    if (isTwin(i)) return [];
    const from = parents[i] === -1 ? `src${i}` : `r${parents[i]}to${i}`;
    const children = childrenOf(i);
    const outputs = children.length === 0 ? `[v${i}]` : `,split=${children.length + 1}[v${i}]${children.map((c) => (isTwin(c) ? `[v${c}]` : `[r${i}to${c}]`)).join('')}`;
    // format=yuv420p after scale: one swscale pass does size and 10→8-bit (dithered) conversion.
    return `[${from}]scale=${r.width}:${r.height}:flags=bicubic,setsar=1,format=yuv420p${outputs}`;
  });
  return [head, ...rungs, posterFilter('sp', 'poster', input.poster), storyboardFilter('ss', 'story', input.storyboard)].join(';');
}

/**
 * CRF is not resolution-independent: the same CRF looks worse on a small rung, where every
 * macroblock covers more of the picture (text in a slide deck is the first to go). Rungs below
 * 720p get `smallRungCrfSteps` more quality, by default 1 (480p) or 2 (360p and smaller); they are
 * the cheap rungs, so this costs a few percent of the ladder's bytes (more on noisy content). Measured on the slide deck of
 * bench/transcode/content.ts: at a flat CRF the 240p rung's SSIM was 0.9948 against PeerTube's
 * 0.9965.
 */
export function rungCrf(rung: Pick<LadderRung, 'width' | 'height'>, tuning: Pick<EncoderTuning, 'crf' | 'smallRungCrfSteps' | 'crfStepsBySide'>): number {
  const short = Math.min(rung.width, rung.height);
  if (tuning.crfStepsBySide) {
    const steps = tuning.crfStepsBySide.find(([side]) => short >= side)?.[1] ?? 0;
    return Math.max(0, tuning.crf - steps);
  }
  const [at480, below480] = tuning.smallRungCrfSteps ?? [0, 0];
  const offset = short >= 720 ? 0 : short >= 480 ? at480 : below480;
  return Math.max(0, tuning.crf - offset);
}

/** Per-rung encoder and HLS muxer flags. */
export function rungOutputArgs(rung: LadderRung, index: number, plan: LadderPlan, outDir: string, tuning: EncoderTuning): string[] {
  const dir = join(outDir, rung.label);
  // Keyframes per segment: a whole number of the plan's GOPs, so segment starts stay where they were.
  const gopFrames = tuning.keyframePerSegment ? plan.gopFrames * Math.max(1, Math.round((plan.segmentSec * rung.frameRate.fps) / plan.gopFrames)) : plan.gopFrames;
  if (rung.codec) {
    // Codec twins key on the same frames as their H.264 rung, so a player can switch between them.
    return ['-map', `[v${index}]`, ...codecEncoderArgs(rung.codec, rung, rungCrf(rung, tuning), gopFrames), ...hlsArgs(dir, plan.segmentSec)];
  }
  return [
    '-map', `[v${index}]`,
    '-c:v', 'libx264', '-preset', tuning.preset, '-profile:v', 'high',
    '-crf', String(rungCrf(rung, tuning)),
    '-maxrate', `${rung.maxrateKbps}k`, '-bufsize', `${rung.bufsizeKbps}k`,
    // Fixed GOP, no scene-cut keyframes: every rung has IDR frames on the same frames, so a
    // player can switch rungs at any segment boundary (Apple HLS authoring spec §1.10).
    '-g', String(gopFrames), '-keyint_min', String(gopFrames), '-sc_threshold', '0',
    '-x264-params', tuning.x264Params,
    ...hlsArgs(dir, plan.segmentSec),
  ];
}

/**
 * The audio renditions: the main one, and the cellular variant's low-rate one when the plan has
 * it. Both are encoded from the one decode of this pass.
 */
export function audioOutputArgs(source: ValidatedSource, plan: LadderPlan, outDir: string): string[] {
  return [
    ...audioRenditionArgs(source, plan.audioBitrateKbps, join(outDir, AUDIO_DIR), plan.segmentSec),
    ...(plan.cellularAudioBitrateKbps ? audioRenditionArgs(source, plan.cellularAudioBitrateKbps, join(outDir, CELLULAR_AUDIO_DIR), plan.segmentSec) : []),
  ];
}

function audioRenditionArgs(source: ValidatedSource, bitrateKbps: number, dir: string, segmentSec: number): string[] {
  return [
    '-map', '0:a:0', '-vn',
    // Audio stops where the video is cut (see preFilters), whatever its timestamps say.
    '-t', String(source.durationSec),
    // AAC-LC stereo 48 kHz: the one audio format every HLS player decodes.
    '-c:a', 'aac', '-b:a', `${bitrateKbps}k`, '-ac', '2', '-ar', '48000',
    ...hlsArgs(dir, segmentSec),
  ];
}

/**
 * CMAF fMP4 HLS. Segment and init names are plain file names, so the media playlist holds
 * relative URIs only (a CDN or a token-appending proxy can serve it from any base URL).
 * `event`, not `vod`: ffmpeg 5.1 writes a VOD playlist only when it finishes, an EVENT one after
 * every segment it closes (to `index.m3u8.tmp`, then renamed), listing only closed segments; the
 * worker publishes from it while encoding (live-playlists.ts). transcodeToHls turns the finished
 * playlist into VOD.
 */
function hlsArgs(dir: string, segmentSec: number): string[] {
  return [
    ...NO_METADATA,
    '-f', 'hls', '-hls_time', String(segmentSec), '-hls_playlist_type', 'event',
    '-hls_segment_type', 'fmp4', '-hls_fmp4_init_filename', INIT_SEGMENT,
    '-hls_flags', 'independent_segments', '-start_number', '1',
    '-hls_segment_filename', join(dir, SEGMENT_PATTERN),
    join(dir, MEDIA_PLAYLIST),
  ];
}

/**
 * Output options apply to the next output only, so every output repeats them. Source metadata
 * is dropped: phone videos carry GPS coordinates and device names nobody asked to publish.
 */
const NO_METADATA = ['-map_metadata', '-1', '-map_chapters', '-1'];

/** The complete argument list, ready for `runFfmpeg`. */
export function buildTranscodeArgs(input: TranscodeArgsInput): string[] {
  const tuning = input.tuning ?? DEFAULT_TUNING;
  return [
    '-hide_banner', '-nostdin', '-y', '-v', 'error',
    ...inputArgs(input.inputPath, input.source),
    '-filter_complex', filterGraph(input),
    ...input.plan.rungs.flatMap((r, i) => rungOutputArgs(r, i, input.plan, input.outDir, tuning)),
    ...(input.source.hasAudio ? audioOutputArgs(input.source, input.plan, input.outDir) : []),
    '-map', '[poster]', ...STILL_OUTPUT_ARGS, '-q:v', '3', join(input.outDir, POSTER_FILE),
    '-map', '[story]', ...STILL_OUTPUT_ARGS, '-q:v', '5', join(input.outDir, STORYBOARD_IMAGE),
    '-progress', 'pipe:1', '-stats_period', String(PROGRESS_PERIOD_SEC), '-nostats',
  ];
}

/**
 * A still is a stand-in frame written at once, then the real picture over it (why: see
 * thumbnails.ts). `passthrough` writes both frames as they come; the default constant frame rate
 * would fill the gap between them with copies of the stand-in, and the second write would be one.
 */
const STILL_OUTPUT_ARGS = [...NO_METADATA, '-fps_mode', 'passthrough', '-frames:v', '2', '-update', '1'];

/** ffmpeg writes a `-progress` block this often (its default, stated so it stays that way). */
export const PROGRESS_PERIOD_SEC = 0.5;
