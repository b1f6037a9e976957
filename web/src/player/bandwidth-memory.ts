import { BANDWIDTH_KEY } from '../boot/fast-start.js';

export { savedBandwidthBps, playPath } from '../boot/fast-start.js';

/**
 * The last throughput hls.js measured, kept across visits: sent as `?bandwidth=` with the next
 * play request (boot/fast-start.ts) so the server recommends a start rung that fits this
 * viewer's real connection, and used as hls.js's first estimate.
 */
export function saveBandwidthBps(bps: number): void {
  if (!Number.isFinite(bps) || bps <= 0) return;
  try {
    localStorage.setItem(BANDWIDTH_KEY, String(Math.round(bps)));
  } catch {
    // Storage disabled or full: the next visit starts on the lowest rung, which is fine.
  }
}
