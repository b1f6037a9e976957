import { open, readFile, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';

/**
 * Measures what the encoder actually produced and writes the HLS master playlist from it.
 * ffmpeg 5.1's own master playlist (`-master_pl_name`) has no AVERAGE-BANDWIDTH or FRAME-RATE
 * and estimates BANDWIDTH from the target rate, so we write it ourselves from segment sizes:
 * BANDWIDTH is the peak segment bitrate and AVERAGE-BANDWIDTH the mean, as RFC 8216 §4.3.4.2
 * defines them.
 */

export interface MediaSegment {
  uri: string;
  durationSec: number;
}

export interface MediaPlaylistStats {
  segments: MediaSegment[];
  durationSec: number;
  peakBps: number;
  averageBps: number;
}

/** Parse the `#EXTINF` entries of a media playlist (VOD, as written by ffmpeg's hls muxer). */
export function parseMediaPlaylist(text: string): MediaSegment[] {
  const segments: MediaSegment[] = [];
  let pending: number | undefined;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line.startsWith('#EXTINF:')) pending = Number.parseFloat(line.slice('#EXTINF:'.length));
    else if (line && !line.startsWith('#') && pending !== undefined) {
      segments.push({ uri: line, durationSec: pending });
      pending = undefined;
    }
  }
  return segments;
}

/** Read a media playlist and the sizes of its segments (stat only; segments are never read). */
export async function measureMediaPlaylist(playlistPath: string): Promise<MediaPlaylistStats> {
  const text = await readFile(playlistPath, 'utf8');
  const segments = parseMediaPlaylist(text);
  const dir = dirname(playlistPath);
  const sized: SizedSegment[] = [];
  for (const segment of segments) sized.push({ ...segment, sizeBytes: (await stat(join(dir, segment.uri))).size });
  const totalBytes = sized.reduce((sum, s) => sum + s.sizeBytes, 0);
  const durationSec = sized.reduce((sum, s) => sum + s.durationSec, 0);
  const averageBps = durationSec > 0 ? (totalBytes * 8) / durationSec : 0;
  const peakBps = peakSegmentBitrate(sized, targetDurationSec(text, segments));
  return { segments, durationSec, peakBps: Math.ceil(peakBps), averageBps: Math.ceil(averageBps) };
}

export interface SizedSegment {
  durationSec: number;
  sizeBytes: number;
}

/**
 * RFC 8216's peak segment bit rate: "the largest bit rate of any contiguous set of segments whose
 * total duration is between 0.5 and 1.5 times the target duration". Not each segment alone: a
 * short last segment (the 20 ms of AAC padding after the last whole frame, a 1 s tail of video)
 * would otherwise set a variant's BANDWIDTH from a few hundred bytes. A playlist shorter than half
 * the target duration has no such set; its peak is its mean.
 */
export function peakSegmentBitrate(segments: SizedSegment[], targetSec: number): number {
  let peak = 0;
  for (let first = 0; first < segments.length; first++) {
    let [bytes, seconds] = [0, 0];
    for (let last = first; last < segments.length; last++) {
      bytes += segments[last]?.sizeBytes ?? 0;
      seconds += segments[last]?.durationSec ?? 0;
      if (seconds > 1.5 * targetSec) break;
      if (seconds >= 0.5 * targetSec) peak = Math.max(peak, (bytes * 8) / seconds);
    }
  }
  if (peak > 0) return peak;
  const seconds = segments.reduce((sum, s) => sum + s.durationSec, 0);
  return seconds > 0 ? (segments.reduce((sum, s) => sum + s.sizeBytes, 0) * 8) / seconds : 0;
}

/** `#EXT-X-TARGETDURATION`, or the longest segment rounded up when the tag is missing. */
function targetDurationSec(text: string, segments: MediaSegment[]): number {
  const tag = /^#EXT-X-TARGETDURATION:(\d+)/m.exec(text)?.[1];
  return tag ? Number(tag) : Math.ceil(Math.max(1, ...segments.map((s) => s.durationSec)));
}

/**
 * RFC 6381 codec string of the H.264 track in a CMAF init segment, from its `avcC` box:
 * `avc1.` + profile_idc, constraint flags, level_idc as hex (e.g. High 3.1 → `avc1.64001f`).
 * Reads only the init segment (a few hundred bytes).
 */
export async function readAvcCodecString(initPath: string): Promise<string> {
  const handle = await open(initPath, 'r');
  try {
    const buf = Buffer.alloc(Math.min((await handle.stat()).size, 64 * 1024));
    await handle.read(buf, 0, buf.length, 0);
    const at = buf.indexOf('avcC', 0, 'latin1');
    if (at < 0 || at + 8 > buf.length) throw new Error(`no avcC box in ${initPath}`);
    const hex = (byte: number | undefined) => (byte ?? 0).toString(16).padStart(2, '0');
    // avcC payload: configurationVersion, AVCProfileIndication, profile_compatibility, AVCLevelIndication.
    return `avc1.${hex(buf[at + 5])}${hex(buf[at + 6])}${hex(buf[at + 7])}`;
  } finally {
    await handle.close();
  }
}

/** AAC-LC (Audio Object Type 2): the only audio we encode. */
export const AAC_LC_CODEC = 'mp4a.40.2';

export interface MasterVariant {
  playlist: string;
  bandwidthBps: number;
  averageBandwidthBps: number;
  codecs: string;
  width: number;
  height: number;
  frameRate: number;
  /** GROUP-ID of the audio rendition this variant plays with (none for a silent source). */
  audioGroup?: string;
}

export interface MasterAudio {
  groupId: string;
  playlist: string;
}

/** An I-frame playlist: BANDWIDTH and AVERAGE-BANDWIDTH of its I-frames, CODECS video only. */
export type MasterIframeVariant = Pick<MasterVariant, 'playlist' | 'bandwidthBps' | 'averageBandwidthBps' | 'codecs' | 'width' | 'height'>;

/**
 * Render the master playlist. Every URI is relative. An audio group per audio rendition (`audio`,
 * and `audio-cellular` for the cellular variant), each holding one rendition with the same NAME so
 * players treat them as one track at two bitrates; none when the source is silent. Safari starts
 * with the first variant listed (Apple authoring spec), so a mid-ladder rung (the largest
 * ≤ 3 Mbit/s) goes first. I-frame playlists follow the variants.
 */
export function renderMasterPlaylist(variants: MasterVariant[], audio: MasterAudio[] = [], iframes: MasterIframeVariant[] = []): string {
  const lines = ['#EXTM3U', '#EXT-X-VERSION:7', '#EXT-X-INDEPENDENT-SEGMENTS', ''];
  for (const a of audio) {
    lines.push(`#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="${a.groupId}",NAME="Default",DEFAULT=YES,AUTOSELECT=YES,CHANNELS="2",URI="${a.playlist}"`);
  }
  if (audio.length > 0) lines.push('');
  for (const v of startFirst(variants)) {
    const attrs = [
      `BANDWIDTH=${v.bandwidthBps}`,
      `AVERAGE-BANDWIDTH=${v.averageBandwidthBps}`,
      `CODECS="${v.codecs}"`,
      `RESOLUTION=${v.width}x${v.height}`,
      `FRAME-RATE=${v.frameRate.toFixed(3)}`,
      ...(v.audioGroup ? [`AUDIO="${v.audioGroup}"`] : []),
    ];
    lines.push(`#EXT-X-STREAM-INF:${attrs.join(',')}`, v.playlist);
  }
  if (iframes.length > 0) lines.push('');
  for (const f of iframes) {
    const attrs = [
      `BANDWIDTH=${f.bandwidthBps}`,
      `AVERAGE-BANDWIDTH=${f.averageBandwidthBps}`,
      `CODECS="${f.codecs}"`,
      `RESOLUTION=${f.width}x${f.height}`,
      `URI="${f.playlist}"`,
    ];
    lines.push(`#EXT-X-I-FRAME-STREAM-INF:${attrs.join(',')}`);
  }
  return lines.join('\n') + '\n';
}

function startFirst(variants: MasterVariant[]): MasterVariant[] {
  // The start variant is H.264 when there is one: a player that cannot decode an extra codec's
  // variants (codecs.ts) may still try the first one listed.
  const h264 = variants.filter((v) => v.codecs.startsWith('avc1'));
  const start = (h264.length > 0 ? h264 : variants).filter((v) => v.bandwidthBps <= 3_000_000).sort((a, b) => b.bandwidthBps - a.bandwidthBps)[0];
  return start ? [start, ...variants.filter((v) => v !== start)] : variants;
}
