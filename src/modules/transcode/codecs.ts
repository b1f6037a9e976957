import { spawnSync } from 'node:child_process';
import { open } from 'node:fs/promises';
import type { LadderPlan, LadderRung } from './types.js';

/**
 * Video codecs of the ladder. H.264 is the ladder every player decodes; HEVC and AV1 are optional
 * extra rungs (`LADDER_CODECS=h264,hevc,av1`) encoded in the same ffmpeg pass from the same scaled
 * frames, listed in the master playlist beside the H.264 variants with their own `CODECS`, so a
 * player that decodes them picks them (Safari: HEVC; Chromium: AV1 in MSE) and every other keeps
 * H.264. Everything codec-specific lives here: the setting's parser, the encoder flags, the
 * RFC 6381 codec strings read from the init segments.
 */

export const VIDEO_CODECS = ['h264', 'hevc', 'av1'] as const;
export type VideoCodec = (typeof VIDEO_CODECS)[number];
/** An extra codec: a ladder always has H.264. */
export type ExtraCodec = Exclude<VideoCodec, 'h264'>;

/** The ffmpeg encoder of each extra codec (bench/transcode compared them, see README). */
export const CODEC_ENCODERS: Readonly<Record<ExtraCodec, string>> = { hevc: 'libx265', av1: 'libsvtav1' };

/**
 * Parse `LADDER_CODECS`: a comma-separated list from `h264`, `hevc`, `av1`, which must include
 * h264 (the variants every player can decode; the others are extras beside it). Throws an Error
 * whose message names the setting and what is allowed.
 *
 * @example parseLadderCodecs('h264,hevc') // ['h264', 'hevc']
 */
export function parseLadderCodecs(raw: string | undefined, name = 'LADDER_CODECS'): VideoCodec[] {
  if (raw === undefined || raw.trim() === '') return ['h264'];
  const entries = raw.split(',').map((s) => s.trim().toLowerCase());
  const codecs: VideoCodec[] = [];
  for (const entry of entries) {
    const codec = entry === 'h265' ? 'hevc' : entry;
    if (!(VIDEO_CODECS as readonly string[]).includes(codec)) {
      throw new Error(`${name}=${JSON.stringify(raw)} is invalid: ${JSON.stringify(entry)} is not a codec we encode (use h264, hevc, av1; e.g. h264,hevc).`);
    }
    if (codecs.includes(codec as VideoCodec)) throw new Error(`${name}=${JSON.stringify(raw)} lists ${codec} twice.`);
    codecs.push(codec as VideoCodec);
  }
  if (!codecs.includes('h264')) {
    throw new Error(`${name}=${JSON.stringify(raw)} must include h264: it is the ladder every player decodes, the others are extras beside it (e.g. h264,${codecs[0] ?? 'hevc'}).`);
  }
  return codecs;
}

/** The extra codecs of a list, in a fixed order (the order of folders and variants). */
export const extraCodecs = (codecs: readonly VideoCodec[]): ExtraCodec[] =>
  VIDEO_CODECS.filter((c): c is ExtraCodec => c !== 'h264' && codecs.includes(c));

/** The codec of a rung (rungs without one are H.264). */
export const rungCodec = (rung: Pick<LadderRung, 'codec'>): VideoCodec => rung.codec ?? 'h264';

/**
 * Add a twin of every regular rung for each extra codec: same size, frame rate and VBV ceiling
 * (so the output-size bound and the players' switching stay as they are), labelled `720p-hevc`.
 * The cellular rung stays H.264 only: at 100 kbit/s it is there to play anywhere.
 *
 * @example withCodecRungs(plan, ['h264', 'av1']).rungs.map((r) => r.label) // [..., '720p-av1', '360p-av1']
 */
export function withCodecRungs(plan: LadderPlan, codecs: readonly VideoCodec[]): LadderPlan {
  const extras = extraCodecs(codecs);
  if (extras.length === 0) return plan;
  const base = plan.rungs.filter((r) => !r.codec && !r.isCellular);
  const twins = extras.flatMap((codec) => base.map((r): LadderRung => ({ ...r, label: codecRungLabel(r.label, codec), codec })));
  return { ...plan, rungs: [...plan.rungs, ...twins] };
}

/** Folder and label of a rung's twin in another codec: `720p` → `720p-hevc`. */
export const codecRungLabel = (label: string, codec: VideoCodec) => (codec === 'h264' ? label : `${label}-${codec}`);

/**
 * CRF offset of each extra codec over the H.264 rung's CRF, so that the same `crf` means about the
 * same SSIM in all three (FFmpeg's H.265 encoding guide: x265's CRF 28 "should visually correspond
 * to libx264 video at CRF 23"; SVT-AV1's scale runs to 63). Chosen with bench/transcode/codecs.ts on
 * the slide deck, talking head and high motion (6 s, 720p ladders): x265 at +4 fell 0.0001–0.003
 * mean SSIM below H.264, at +2 rose 0.0004–0.0036 above, at +3 stayed within ±0.001; SVT-AV1 at
 * +11 rose 0.002–0.007 above, at +17 still 0.0016–0.0027 above, at +20 −0.0026 to +0.0016.
 * The README's table is the run at these values.
 */
export const CODEC_CRF_OFFSET: Readonly<Record<ExtraCodec, number>> = { hevc: 3, av1: 20 };

/**
 * Encoder speed settings: x265 `veryfast` (the preset the H.264 rungs use too) and SVT-AV1 preset
 * 10 of 0–13 (lower is slower and smaller). At these the twins cost 0.9–3.5x the H.264 pass's CPU on 2 cores
 * (bench/transcode/codecs.ts, README "Codecs"); slower presets would save more bytes for more CPU
 * and were not measured.
 */
export const X265_PRESET = 'veryfast';
export const SVT_AV1_PRESET = 10;

/**
 * Encoder flags of an extra-codec rung (everything between `-map` and the HLS muxer flags): capped
 * CRF with the H.264 rung's VBV ceiling, and the same fixed, closed GOP as H.264 (no scene-cut
 * keyframes, no open GOPs) so every variant has a keyframe at every segment start and players can
 * switch between all of them.
 */
export function codecEncoderArgs(codec: ExtraCodec, rung: LadderRung, crf: number, gopFrames: number): string[] {
  const vbv = ['-maxrate', `${rung.maxrateKbps}k`, '-bufsize', `${rung.bufsizeKbps}k`];
  if (codec === 'hevc') {
    return [
      '-c:v', 'libx265', '-preset', X265_PRESET, '-profile:v', 'main', '-crf', String(crf + CODEC_CRF_OFFSET.hevc), ...vbv,
      // Apple's HLS authoring spec: HEVC in fMP4 must be tagged `hvc1` (parameter sets in the
      // sample entry), not `hev1`, or Safari refuses it.
      '-tag:v', 'hvc1',
      '-x265-params', `keyint=${gopFrames}:min-keyint=${gopFrames}:scenecut=0:open-gop=0:info=0:log-level=error`,
    ];
  }
  return [
    // SVT-AV1 1.4's capped CRF is `mbr` (kbit/s); ffmpeg 5.1 does not pass -maxrate to it.
    '-c:v', 'libsvtav1', '-preset', String(SVT_AV1_PRESET), '-crf', String(crf + CODEC_CRF_OFFSET.av1), '-g', String(gopFrames),
    // scd=0: no scene-change keyframes; irefresh-type=2: closed GOP (a key frame, not a forward keyframe).
    '-svtav1-params', `mbr=${rung.maxrateKbps}:scd=0:irefresh-type=2`,
  ];
}

/**
 * Encode cost of a codec's rung per pixel, relative to the tuned x264 rungs, for the encode time
 * limit and the compute budget (encode-limits.ts). bench/transcode/codecs.ts, 2 cores: the HEVC
 * twins added 1.3–3.6x the CPU of the whole H.264 pass (decode, scaling, stills and every x264
 * rung) over three runs, the AV1 twins 0.9–2.6x; the highest of each, rounded up.
 */
export const CODEC_WORK_FACTOR: Readonly<Record<VideoCodec, number>> = { h264: 1, hevc: 4, av1: 3 };

/**
 * How far a codec's rung may run over its `-maxrate`, for the output-size bound (output-size.ts).
 * x264 and x265 keep to VBV; SVT-AV1 1.4's capped CRF (`mbr`) is a rate target, not a buffer model:
 * on random noise (8 s, 640x360) the 360p AV1 twin ran at 1855 kbit/s against its 800, 2.3x.
 * `BANDWIDTH` is measured from the segments either way, so players are told the real peak.
 */
export const CODEC_RATE_OVERSHOOT: Readonly<Record<VideoCodec, number>> = { h264: 1, hevc: 1, av1: 3 };

/**
 * Throws a one-line, actionable error when this ffmpeg cannot encode one of `codecs`, so a worker
 * configured for HEVC or AV1 refuses to start rather than failing every job.
 */
export function assertCodecEncodersAvailable(codecs: readonly VideoCodec[]): void {
  const extras = extraCodecs(codecs);
  if (extras.length === 0) return;
  const r = spawnSync('ffmpeg', ['-hide_banner', '-encoders'], { encoding: 'utf8', maxBuffer: 4 * 1024 * 1024 });
  const listed = new Set((r.stdout ?? '').split('\n').map((line) => line.trim().split(/\s+/)[1]));
  const missing = extras.filter((c) => !listed.has(CODEC_ENCODERS[c]));
  if (missing.length > 0) {
    throw new Error(`LADDER_CODECS asks for ${missing.join(', ')}, but this ffmpeg has no ${missing.map((c) => CODEC_ENCODERS[c]).join(', ')} encoder; install an ffmpeg built with it (Debian/Ubuntu's has both) or remove ${missing.join(', ')} from LADDER_CODECS.`);
  }
}

/**
 * The RFC 6381 codec string of the video track of a CMAF init segment, from its decoder
 * configuration box: `avcC` → `avc1.64001f`, `hvcC` → `hvc1.1.6.L93.90`, `av1C` → `av01.0.05M.08`.
 * Reads only the init segment's first 64 KiB (init segments are a few hundred bytes).
 *
 * @example await readVideoCodecString('/out/720p-hevc/init.mp4') // 'hvc1.1.6.L93.90'
 */
export async function readVideoCodecString(initPath: string): Promise<string> {
  const handle = await open(initPath, 'r');
  try {
    const buf = Buffer.alloc(Math.min((await handle.stat()).size, 64 * 1024));
    await handle.read(buf, 0, buf.length, 0);
    const codec = videoCodecString(buf);
    if (!codec) throw new Error(`no avcC, hvcC or av1C box in ${initPath}`);
    return codec;
  } finally {
    await handle.close();
  }
}

/** The codec string from the bytes of an init segment (undefined when no known box is there). */
export function videoCodecString(buf: Buffer): string | undefined {
  for (const [box, read] of [['avcC', avcString], ['hvcC', hevcString], ['av1C', av1String]] as const) {
    const at = buf.indexOf(box, 0, 'latin1');
    // The payload starts after the 4-byte type; `at - 4` is the box size.
    if (at >= 4) return read(buf.subarray(at + 4, at - 4 + buf.readUInt32BE(at - 4)));
  }
  return undefined;
}

const hex2 = (byte: number | undefined) => (byte ?? 0).toString(16).padStart(2, '0');

/** ISO/IEC 14496-15 avcC: configurationVersion, profile, compatibility, level → `avc1.PPCCLL`. */
function avcString(p: Buffer): string {
  return `avc1.${hex2(p[1])}${hex2(p[2])}${hex2(p[3])}`;
}

/**
 * ISO/IEC 14496-15 Annex E: `hvc1.` + profile space (none, A, B, C) and profile_idc, the 32
 * profile compatibility flags in reverse bit order as hex, tier (L/H) and level_idc, then the six
 * constraint bytes as hex with trailing zero bytes left out. x265 Main, level 3.1:
 * `hvc1.1.6.L93.90`.
 */
function hevcString(p: Buffer): string {
  if (p.length < 13) throw new Error('hvcC box too short');
  const byte1 = p[1] ?? 0;
  const space = ['', 'A', 'B', 'C'][byte1 >> 6];
  const tier = byte1 & 0x20 ? 'H' : 'L';
  const profile = byte1 & 0x1f;
  let flags = p.readUInt32BE(2);
  let reversed = 0;
  for (let i = 0; i < 32; i++) {
    reversed = (reversed << 1) | (flags & 1);
    flags >>>= 1;
  }
  const constraints = [...p.subarray(6, 12)];
  while (constraints.length > 0 && constraints[constraints.length - 1] === 0) constraints.pop();
  const parts = [`hvc1`, `${space}${profile}`, (reversed >>> 0).toString(16), `${tier}${p[12] ?? 0}`, ...constraints.map((b) => b.toString(16).toUpperCase().padStart(2, '0'))];
  return parts.join('.');
}

/**
 * AV1 codec ISO media file format binding §5: `av01.` + seq_profile, seq_level_idx_0 as two
 * digits with the tier (M/H), and the bit depth as two digits, from the av1C box (the optional
 * colour fields are left out, as the binding allows).
 */
function av1String(p: Buffer): string {
  if (p.length < 3) throw new Error('av1C box too short');
  const profile = (p[1] ?? 0) >> 5;
  const level = (p[1] ?? 0) & 0x1f;
  const byte2 = p[2] ?? 0;
  const tier = byte2 & 0x80 ? 'H' : 'M';
  const depth = byte2 & 0x40 ? (byte2 & 0x20 ? 12 : 10) : 8;
  return `av01.${profile}.${String(level).padStart(2, '0')}${tier}.${String(depth).padStart(2, '0')}`;
}
