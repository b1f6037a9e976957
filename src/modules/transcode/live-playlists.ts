import { readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AAC_LC_CODEC, parseMediaPlaylist, readAvcCodecString, renderMasterPlaylist, type MasterAudio, type MasterVariant, type MediaSegment } from './master-playlist.js';
import { AUDIO_DIR, CELLULAR_AUDIO_DIR, INIT_SEGMENT, MEDIA_PLAYLIST, rungPlaylist } from '../media-layout/index.js';
import type { LadderPlan, Rendition } from './types.js';

/**
 * The ladder as it grows, for publishing while ffmpeg still encodes ("watchable while it
 * transcodes"). ffmpeg writes each media playlist as an HLS EVENT playlist after every segment it
 * closes (ffmpeg-args.ts), atomically (a temp file renamed), so what a playlist lists is complete.
 * These functions read that state and render what viewers get meanwhile; uploading is the
 * publishing module's job.
 */

/** One media playlist folder of the ladder (a rung, or an audio rendition). */
export interface GrowingPlaylist {
  dir: string;
  /** Closed segments, in order (empty before the first one). */
  segments: MediaSegment[];
  /** ffmpeg's playlist text as last written (empty before the first segment). */
  text: string;
  /** The playlist says `EXT-X-ENDLIST`: this folder is complete. */
  isComplete: boolean;
}

/** Folders holding a media playlist for this plan: every rung, then the audio renditions. */
export function playlistDirs(plan: LadderPlan, hasAudio: boolean): string[] {
  const audio = hasAudio ? (plan.cellularAudioBitrateKbps ? [AUDIO_DIR, CELLULAR_AUDIO_DIR] : [AUDIO_DIR]) : [];
  return [...plan.rungs.map((r) => r.label), ...audio];
}

/** What ffmpeg has closed so far in `outDir/{dir}/index.m3u8` (nothing yet: no segments). */
export async function readGrowingPlaylist(outDir: string, dir: string): Promise<GrowingPlaylist> {
  let text = '';
  try {
    text = await readFile(join(outDir, dir, MEDIA_PLAYLIST), 'utf8');
  } catch (err) {
    // Not written yet: ffmpeg writes it when it closes the folder's first segment.
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  return { dir, text, segments: parseMediaPlaylist(text), isComplete: /^#EXT-X-ENDLIST/m.test(text) };
}

/**
 * The growing media playlist viewers get: ffmpeg's EVENT playlist with `EXT-X-START` at 0, so a
 * player begins at the first segment rather than at the live edge (RFC 8216 §4.3.5.2; hls.js
 * reads it as its start offset).
 */
export function liveMediaPlaylist(text: string): string {
  if (/^#EXT-X-START:/m.test(text)) return text;
  return text.replace(/^#EXTM3U\r?\n/, '#EXTM3U\n#EXT-X-START:TIME-OFFSET=0,PRECISE=YES\n');
}

/**
 * The master playlist of a growing version, before any bitrate can be measured: BANDWIDTH is the
 * rung's rate ceiling (`-maxrate`) plus its audio, an upper bound of what transcodeToHls measures
 * at the end, so adaptive players never pick a rung they cannot sustain. CODECS are read from the
 * init segments, as in the final one. Also returns the renditions in the play API's terms.
 */
export async function renderLiveMaster(outDir: string, plan: LadderPlan, hasAudio: boolean): Promise<{ master: string; renditions: Rendition[] }> {
  const renditions: Rendition[] = [];
  const variants: MasterVariant[] = [];
  for (const rung of plan.rungs) {
    const audioDir = rung.isCellular ? CELLULAR_AUDIO_DIR : AUDIO_DIR;
    const audioKbps = !hasAudio ? 0 : rung.isCellular ? (plan.cellularAudioBitrateKbps ?? 0) : plan.audioBitrateKbps;
    const videoCodec = await readAvcCodecString(join(outDir, rung.label, INIT_SEGMENT));
    const bps = (rung.maxrateKbps + audioKbps) * 1000;
    const rendition: Rendition = {
      label: rung.label, width: rung.width, height: rung.height, frameRate: rung.frameRate.fps,
      bandwidthBps: bps, averageBandwidthBps: bps,
      codecs: hasAudio ? `${videoCodec},${AAC_LC_CODEC}` : videoCodec,
      playlist: rungPlaylist(rung.label),
    };
    renditions.push(rendition);
    variants.push({ ...rendition, ...(hasAudio ? { audioGroup: audioDir } : {}) });
  }
  const audio: MasterAudio[] = playlistDirs(plan, hasAudio).slice(plan.rungs.length).map((dir) => ({ groupId: dir, playlist: rungPlaylist(dir) }));
  return { master: renderMasterPlaylist(variants, audio), renditions };
}

/**
 * After ffmpeg exits: the finished EVENT playlist becomes VOD (same segments, `EXT-X-ENDLIST`
 * already there), written to a temp file and renamed, so a reader never sees half a playlist.
 */
export async function finishMediaPlaylist(playlistPath: string): Promise<void> {
  const text = await readFile(playlistPath, 'utf8');
  const vod = text.replace(/^#EXT-X-PLAYLIST-TYPE:EVENT$/m, '#EXT-X-PLAYLIST-TYPE:VOD');
  if (vod === text) return;
  await writeFile(`${playlistPath}.vod.tmp`, vod);
  await rename(`${playlistPath}.vod.tmp`, playlistPath);
}
