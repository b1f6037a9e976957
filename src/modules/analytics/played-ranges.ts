/** `video.played` as a beacon carries it: [[startSec, endSec], …]. */
export type PlayedRanges = Array<[number, number]>;

/**
 * The ranges sorted and merged, clipped to [0, durationSec] when a duration is known: a client
 * cannot claim more of a video than it has.
 * @example mergeRanges([[10, 20], [0, 12], [30, 31]]) // [[0, 20], [30, 31]]
 */
export function mergeRanges(ranges: PlayedRanges, durationSec?: number | null): PlayedRanges {
  const max = durationSec ?? Infinity;
  const sorted = ranges
    .map(([s, e]) => [Math.max(0, s), Math.min(max, e)] as [number, number])
    .filter(([s, e]) => e > s)
    .sort((a, b) => a[0] - b[0]);
  const out: PlayedRanges = [];
  for (const [s, e] of sorted) {
    const last = out[out.length - 1];
    if (last && s <= last[1]) last[1] = Math.max(last[1], e);
    else out.push([s, e]);
  }
  return out;
}

/** Seconds covered by the union of the ranges. */
export const playedSeconds = (ranges: PlayedRanges, durationSec?: number | null) =>
  mergeRanges(ranges, durationSec).reduce((sum, [s, e]) => sum + (e - s), 0);

/** The retention curve's points: 0 %, 5 %, … 100 %. */
export const RETENTION_POINTS = Array.from({ length: 21 }, (_, i) => i * 5);

/**
 * Which retention points (RETENTION_POINTS) merged ranges cover. A point counts as covered within
 * half a second of a range (players stop a frame or two short of the end, and start at 0.0x).
 */
export function coveredPoints(merged: PlayedRanges, durationSec: number): boolean[] {
  const slack = Math.min(0.5, durationSec / 100);
  return RETENTION_POINTS.map((p) => {
    const t = (p / 100) * durationSec;
    return merged.some(([s, e]) => s - slack <= t && t <= e + slack);
  });
}
