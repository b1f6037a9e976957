import { mkdir, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../../platform/log.js';
import { encodeTimeLimitSec } from './encode-limits.js';
import { buildTranscodeArgs, type EncoderTuning } from './ffmpeg-args.js';
import { corruptInput } from './input-errors.js';
import { planLadder } from './ladder.js';
import {
  AAC_LC_CODEC,
  measureMediaPlaylist,
  renderMasterPlaylist,
  type MasterAudio,
  type MasterIframeVariant,
  type MasterVariant,
  type MediaPlaylistStats,
} from './master-playlist.js';
import { writeIframePlaylist } from './iframe-playlist.js';
import { readVideoCodecString } from './codecs.js';
import { finishMediaPlaylist, playlistDirs } from './live-playlists.js';
import { assertScratchSpace, maxOutputBytes } from './output-size.js';
import { runFfmpeg } from './run-ffmpeg.js';
import { planPoster, planStoryboard, storyboardVtt } from './thumbnails.js';
import { AUDIO_DIR, CELLULAR_AUDIO_DIR, INIT_SEGMENT, MASTER_PLAYLIST, POSTER_FILE, rungIframePlaylist, rungPlaylist, STORYBOARD_IMAGE, STORYBOARD_VTT, THUMBS_DIR } from '../media-layout/index.js';
import type { HlsOutput, LadderPlan, Rendition, ValidatedSource } from './types.js';

export interface TranscodeOptions {
  /**
   * Percent done: rising fractions (0 < p ≤ 99) about twice a second while ffmpeg encodes (each
   * `-progress` block that moved), then 100 once every output is written.
   */
  onProgress?: (percent: number) => void;
  /** Abort: ffmpeg is SIGKILLed and the promise rejects with TRANSCODE_ABORTED. */
  signal?: AbortSignal;
  /**
   * Wall-clock limit of the encode: past it ffmpeg is SIGKILLed and the promise rejects with
   * TRANSCODE_TIMEOUT (retryable). Default `encodeTimeLimitSec(source, plan)`.
   */
  timeLimitSec?: number;
  /**
   * The most the ladder may write: refused up front when the output disk has less free, ffmpeg
   * killed (TRANSCODE_OUTPUT_TOO_LARGE, permanent) when it writes more. Default `maxOutputBytes`
   * of the plan (bitrate ceilings x duration, with margin).
   */
  maxOutputBytes?: number;
  log?: Logger;
  /** Override the ladder (default `planLadder(source)`). */
  plan?: LadderPlan;
  /** Override encoder settings (the benchmark uses this). */
  tuning?: EncoderTuning;
}

export interface TranscodeInput {
  path: string;
  source: ValidatedSource;
}

/**
 * Encode a validated source into a CMAF (fMP4) HLS ladder with one ffmpeg process: one decode,
 * every rung, the audio rendition, a poster and a storyboard sprite. Writes into `outDir`:
 * `master.m3u8`, `{label}/…`, `audio/…`, `thumbs/…`. Never reads media into memory; files are
 * only stat'ed (and the init segments' first bytes read) to measure bitrates.
 *
 * @example
 * const out = await transcodeToHls({ path, source }, '/tmp/v1', { onProgress: (p) => bar.update(p) });
 * out.renditions.map((r) => r.label) // ['720p', '480p', '360p', '240p']
 */
export async function transcodeToHls(input: TranscodeInput, outDir: string, opts: TranscodeOptions = {}): Promise<HlsOutput> {
  const { source } = input;
  const plan = opts.plan ?? planLadder(source);
  const top = plan.rungs[0];
  if (!top) throw new Error('planLadder returned no rungs');
  const poster = planPoster(source.durationSec, top);
  const storyboard = planStoryboard(source.durationSec, top.width, top.height);
  const audioDirs = plan.cellularAudioBitrateKbps ? [AUDIO_DIR, CELLULAR_AUDIO_DIR] : [AUDIO_DIR];
  const subdirs = [...plan.rungs.map((r) => r.label), ...audioDirs, THUMBS_DIR];
  await prepareOutDir(outDir, subdirs, source.hasAudio ? [] : audioDirs);

  const outputDirs = subdirs.map((sub) => join(outDir, sub));
  const maxBytes = opts.maxOutputBytes ?? maxOutputBytes({ durationSec: source.durationSec, hasAudio: source.hasAudio, plan, storyboard });
  await assertScratchSpace(outDir, maxBytes);

  const args = buildTranscodeArgs({ inputPath: input.path, source, plan, outDir, poster, storyboard, tuning: opts.tuning });
  const timeLimitSec = opts.timeLimitSec ?? encodeTimeLimitSec(source, plan);
  opts.log?.info({ rungs: plan.rungs.map((r) => r.label), durationSec: source.durationSec, timeLimitSec, maxOutputBytes: maxBytes }, 'transcode start');
  await runFfmpeg(args, {
    durationSec: source.durationSec,
    onProgress: opts.onProgress,
    signal: opts.signal,
    timeLimitSec,
    outputLimit: { dirs: outputDirs, maxBytes },
    log: opts.log,
  });

  // ffmpeg wrote EVENT playlists (so the worker could publish while it encoded): now they are VOD.
  for (const dir of playlistDirs(plan, source.hasAudio)) await finishMediaPlaylist(join(outDir, rungPlaylist(dir)));

  const audio = source.hasAudio ? await measureAudio(outDir, audioDirs) : new Map<string, MediaPlaylistStats>();
  const renditions: Rendition[] = [];
  const codecRenditions: Rendition[] = [];
  const variants: MasterVariant[] = [];
  const iframes: MasterIframeVariant[] = [];
  let encodedSec = Infinity;
  for (const rung of plan.rungs) {
    const stats = await measureMediaPlaylist(join(outDir, rungPlaylist(rung.label)));
    encodedSec = Math.min(encodedSec, stats.durationSec);
    const videoCodec = await readVideoCodecString(join(outDir, rung.label, INIT_SEGMENT));
    const audioDir = rung.isCellular ? CELLULAR_AUDIO_DIR : AUDIO_DIR;
    const rungAudio = audio.get(audioDir);
    const rendition: Rendition = {
      label: rung.label,
      width: rung.width,
      height: rung.height,
      frameRate: rung.frameRate.fps,
      // A variant's bandwidth covers everything a player downloads for it: video plus audio.
      bandwidthBps: stats.peakBps + (rungAudio?.peakBps ?? 0),
      averageBandwidthBps: stats.averageBps + (rungAudio?.averageBps ?? 0),
      codecs: rungAudio ? `${videoCodec},${AAC_LC_CODEC}` : videoCodec,
      playlist: rungPlaylist(rung.label),
      ...(rung.codec ? { codec: rung.codec } : {}),
    };
    (rung.codec ? codecRenditions : renditions).push(rendition);
    variants.push({ ...rendition, ...(rungAudio ? { audioGroup: audioDir } : {}) });
    const iframe = await writeIframePlaylist(join(outDir, rungPlaylist(rung.label)), join(outDir, rungIframePlaylist(rung.label)));
    iframes.push({ playlist: rungIframePlaylist(rung.label), bandwidthBps: iframe.peakBps, averageBandwidthBps: iframe.averageBps, codecs: videoCodec, width: rung.width, height: rung.height });
  }
  assertComplete(source, encodedSec);

  const audioGroups: MasterAudio[] = [...audio.keys()].map((dir) => ({ groupId: dir, playlist: rungPlaylist(dir) }));
  const master = renderMasterPlaylist(variants, audioGroups, iframes);
  await writeFile(join(outDir, MASTER_PLAYLIST), master);
  await writeFile(join(outDir, STORYBOARD_VTT), storyboardVtt(storyboard, source.durationSec));
  await assertExists(join(outDir, POSTER_FILE), join(outDir, STORYBOARD_IMAGE));
  opts.log?.info({ encodedSec, rungs: renditions.length, codecRungs: codecRenditions.length }, 'transcode done');

  return {
    durationSec: encodedSec,
    hasAudio: source.hasAudio,
    renditions,
    codecRenditions,
    master: MASTER_PLAYLIST,
    poster: POSTER_FILE,
    storyboardVtt: STORYBOARD_VTT,
    storyboardImage: STORYBOARD_IMAGE,
  };
}

/**
 * A retried job must not mix old and new segments: remove only what we write (never the rest
 * of a directory a CLI user pointed us at), then create the folders.
 */
async function prepareOutDir(outDir: string, subdirs: string[], unusedDirs: string[]): Promise<void> {
  await mkdir(outDir, { recursive: true });
  await rm(join(outDir, MASTER_PLAYLIST), { force: true });
  for (const sub of subdirs) {
    await rm(join(outDir, sub), { recursive: true, force: true });
    if (!unusedDirs.includes(sub)) await mkdir(join(outDir, sub), { recursive: true });
  }
}

/** Each audio rendition's measured rates, by folder (which is also its GROUP-ID). */
async function measureAudio(outDir: string, dirs: string[]): Promise<Map<string, MediaPlaylistStats>> {
  const stats = new Map<string, MediaPlaylistStats>();
  for (const dir of dirs) stats.set(dir, await measureMediaPlaylist(join(outDir, rungPlaylist(dir))));
  return stats;
}

/**
 * A file whose header promises more than its data holds (a half-uploaded MP4 with the index at
 * the front) decodes "successfully" up to where it stops. Compare what came out with what the
 * header said: more than 3% (at least 1.5 s) missing means the upload is truncated.
 */
function assertComplete(source: ValidatedSource, encodedSec: number): void {
  const expected = source.videoDurationSec ?? source.durationSec;
  const tolerance = Math.max(1.5, expected * 0.03);
  if (encodedSec < expected - tolerance) {
    throw corruptInput(`the video stops at ${encodedSec.toFixed(1)} s of ${expected.toFixed(1)} s`);
  }
}

async function assertExists(...paths: string[]): Promise<void> {
  for (const path of paths) {
    const info = await stat(path);
    if (info.size === 0) throw new Error(`ffmpeg wrote an empty ${path}`);
  }
}
