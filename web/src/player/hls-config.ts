import type { HlsConfig } from 'hls.js';
import type { PlayInfo, Rendition } from '../types.js';
import { sortByBandwidth, startRendition } from '../boot/fast-start.js';
import { savedBandwidthBps } from './bandwidth-memory.js';

/**
 * hls.js settings tuned for a fast first frame on VOD (bench/ttff measures them against the
 * defaults):
 * - start on the rung boot/fast-start.ts picks (the lowest on a first visit): the first segment is
 *   the smallest download and decode, and ABR climbs as soon as it has measured the link;
 * - no bandwidth-test fragment before starting (`testBandwidth: false`); the first fragment is
 *   requested while the level playlist is still parsing (`startFragPrefetch`);
 * - CMAF segments need no transmuxing, so the Web Worker is not worth its start-up cost;
 * - modest forward buffer (VOD seeks are cheap: segments are immutable and edge-cached) and a
 *   bounded back buffer, so long videos do not grow memory.
 */
export function fastStartConfig(play: PlayInfo): Partial<HlsConfig> {
  return {
    startLevel: startLevelIndex(play),
    testBandwidth: false,
    startFragPrefetch: true,
    enableWorker: false,
    lowLatencyMode: false,
    maxBufferLength: 20,
    maxMaxBufferLength: 60,
    backBufferLength: 30,
    // The remembered measurement, else ~2 Mbit/s rather than 500 kbit/s so ABR steps up early.
    abrEwmaDefaultEstimate: savedBandwidthBps() ?? 2_000_000,
    // Still being encoded: the playlists are EVENT playlists, which hls.js plays as live, from the
    // live edge unless told otherwise. A viewer starts from the beginning (the playlists also say
    // EXT-X-START:TIME-OFFSET=0) and the player follows the playlist as it grows.
    ...(play.processing ? { startPosition: 0 } : {}),
  };
}

/**
 * hls.js orders levels by bitrate, lowest first, so the index of a rendition in our
 * bandwidth-sorted list is its hls.js level index.
 */
export function startLevelIndex(play: PlayInfo): number {
  const rung = startRendition(play);
  return rung ? sortByBandwidth(play.renditions).indexOf(rung) : -1;
}

/**
 * The start rung among hls.js's parsed levels, when the master lists more than the H.264 ladder
 * (LADDER_CODECS adds HEVC/AV1 twins, which hls.js sorts between the H.264 levels, so the index
 * from `startLevelIndex` no longer points at the start rung): the H.264 level of the start rung's
 * size. H.264 because the fast start (boot/mse-start.ts) buffers the H.264 rung, and hls.js's ABR
 * keeps to the codec it started with. -1 when there is no such level.
 */
export function startLevelAmong(levels: ReadonlyArray<{ width?: number; height?: number; videoCodec?: string }>, play: PlayInfo): number {
  const rung = startRendition(play);
  if (!rung) return -1;
  return levels.findIndex((l) => l.width === rung.width && l.height === rung.height && (l.videoCodec ?? 'avc1').indexOf('avc1') === 0);
}

/** Rung name from a level's size: the shorter side, so portrait video reads "720p" too. */
export function rungLabel(width: number | undefined, height: number | undefined, renditions: Rendition[]): string {
  const match = renditions.find((r) => r.width === width && r.height === height);
  if (match) return match.label;
  if (!width || !height) return height ? `${height}p` : '?';
  return `${Math.min(width, height)}p`;
}
