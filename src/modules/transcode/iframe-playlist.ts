import { readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { INIT_SEGMENT } from '../media-layout/index.js';
import { readFragmentKeyframes } from './fmp4-fragments.js';
import { parseMediaPlaylist, peakSegmentBitrate, type SizedSegment } from './master-playlist.js';

/**
 * I-frame playlists (RFC 8216 §4.3.3.6 `EXT-X-I-FRAMES-ONLY`) for trick play and scrubbing, as
 * Apple's HLS authoring specification asks of every ladder. No new media: each entry is a byte
 * range into a segment the rung already has, from its `moof` to the end of the keyframe that
 * starts the fragment, the layout Apple's own segmenter writes. An `mdat` cut short after the
 * keyframe is what players expect here (AVFoundation natively; Shaka Player trims the `moof` to
 * the samples present before appending to MSE).
 *
 * One I-frame per segment: ffmpeg's HLS muxer writes one fragment per segment, and the keyframe
 * in the middle of a 2-GOP segment cannot be addressed without the samples before it. So trick
 * play steps in segment durations (4 s), which is what scrubbing previews need.
 */

export interface IframePlaylistStats {
  /** Peak segment bit rate of the I-frames (RFC 8216, as for media playlists): the I-frame variant's BANDWIDTH. */
  peakBps: number;
  /** All I-frame bits over the duration, bit/s: its AVERAGE-BANDWIDTH. */
  averageBps: number;
  count: number;
}

/**
 * Write the I-frame playlist of a rung next to its media playlist.
 *
 * @example
 * await writeIframePlaylist('/out/720p/index.m3u8', '/out/720p/iframes.m3u8')
 * // { peakBps: 91234, averageBps: 80012, count: 3 }
 */
export async function writeIframePlaylist(mediaPlaylistPath: string, iframePlaylistPath: string): Promise<IframePlaylistStats> {
  const dir = dirname(mediaPlaylistPath);
  const segments = parseMediaPlaylist(await readFile(mediaPlaylistPath, 'utf8'));
  const entries: string[] = [];
  const sized: SizedSegment[] = [];
  let targetSec = 1;
  for (const segment of segments) {
    const [fragment] = await readFragmentKeyframes(join(dir, segment.uri));
    if (!fragment) throw new Error(`${segment.uri} has no movie fragment`);
    // Fixed GOPs with no scene cuts put an IDR at every segment start (ffmpeg-args.ts); a
    // segment that does not start with one would make a trick-play frame that cannot decode.
    if (!fragment.isSync) throw new Error(`${segment.uri} does not start with a keyframe`);
    const length = fragment.firstSampleEnd - fragment.moofOffset;
    entries.push(`#EXTINF:${segment.durationSec.toFixed(6)},`, `#EXT-X-BYTERANGE:${length}@${fragment.moofOffset}`, segment.uri);
    sized.push({ durationSec: segment.durationSec, sizeBytes: length });
    targetSec = Math.max(targetSec, Math.round(segment.durationSec));
  }
  const text = [
    '#EXTM3U',
    '#EXT-X-VERSION:7',
    `#EXT-X-TARGETDURATION:${targetSec}`,
    '#EXT-X-MEDIA-SEQUENCE:1',
    '#EXT-X-PLAYLIST-TYPE:VOD',
    '#EXT-X-INDEPENDENT-SEGMENTS',
    '#EXT-X-I-FRAMES-ONLY',
    `#EXT-X-MAP:URI="${INIT_SEGMENT}"`,
    ...entries,
    '#EXT-X-ENDLIST',
  ].join('\n');
  await writeFile(iframePlaylistPath, text + '\n');
  const seconds = sized.reduce((sum, s) => sum + s.durationSec, 0);
  const bits = sized.reduce((sum, s) => sum + s.sizeBytes * 8, 0);
  return { peakBps: Math.ceil(peakSegmentBitrate(sized, targetSec)), averageBps: seconds > 0 ? Math.ceil(bits / seconds) : 0, count: sized.length };
}
