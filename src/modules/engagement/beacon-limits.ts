import { LRUCache } from 'lru-cache';
import { AppError } from '../../platform/errors.js';

/**
 * A player beacons every 10 s plus on pause, seek and end: 120 a minute per session and video is
 * ten times what an honest player sends, and stops a script looping on one session.
 */
export const BEACONS_PER_SESSION_PER_MIN = 120;
const WINDOW_MS = 60_000;

/**
 * Fixed one-minute windows counted in this process's memory. Beacons are best effort: a viewer
 * whose beacons spread over several api processes gets a little more room, which costs nothing,
 * while a shared counter would cost a cache round trip on the highest-volume route we have.
 * Entries are bounded (LRU), so a flood of made-up session ids costs at most a few tens of MB.
 */
export function createBeaconLimits(opts: { perAddressPerMin: number; now?: () => number; maxKeys?: number }) {
  const now = opts.now ?? Date.now;
  const windows = new LRUCache<string, { start: number; count: number }>({ max: opts.maxKeys ?? 200_000 });
  const hit = (key: string, limit: number): boolean => {
    const t = now();
    const w = windows.get(key);
    if (!w || t - w.start >= WINDOW_MS) {
      windows.set(key, { start: t, count: 1 });
      return true;
    }
    w.count++;
    return w.count <= limit;
  };
  return {
    /** Counts one beacon; throws 429 BEACON_RATE_LIMITED past either limit. */
    admit(address: string, sessionId: string, videoId: string): void {
      if (opts.perAddressPerMin > 0 && !hit(`a|${address}`, opts.perAddressPerMin)) {
        throw new AppError('BEACON_RATE_LIMITED', 429, `Too many watch beacons from your address (at most ${opts.perAddressPerMin} a minute). Send one every 10 s while playing.`, { retryAfterSec: 60 });
      }
      if (!hit(`s|${sessionId}|${videoId}`, BEACONS_PER_SESSION_PER_MIN)) {
        throw new AppError('BEACON_RATE_LIMITED', 429, `Too many watch beacons for this session (at most ${BEACONS_PER_SESSION_PER_MIN} a minute). Send one every 10 s while playing.`, { retryAfterSec: 60 });
      }
    },
  };
}
