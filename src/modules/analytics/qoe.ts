import type { Qoe } from './schemas.js';

/**
 * Upper bounds (ms) of the startup-time histogram buckets: fine where startups usually are, coarse
 * in the tail. Percentiles are reported as the bound of the bucket they fall in.
 */
export const STARTUP_BUCKETS_MS = [
  ...range(100, 2000, 100), ...range(2250, 5000, 250), ...range(6000, 10_000, 1000), ...range(15_000, 60_000, 5000),
];
function range(from: number, to: number, step: number): number[] {
  const out: number[] = [];
  for (let v = from; v <= to; v += step) out.push(v);
  return out;
}

/** What one viewing session reported last (its running totals): the beacon's `qoe` object. */
export interface SessionQoe {
  startupMs?: number;
  exitedBeforeStart?: boolean;
  fatalError?: { type: string; details: string };
  watchMs?: number;
  rebufferCount?: number;
  rebufferMs?: number;
  renditions?: Array<{ height: number; bitrateKbps: number; playedMs: number }>;
  playerWidth?: number;
  playerHeight?: number;
  seekCount?: number;
  seekMs?: number;
  edgeHost?: string;
}

/**
 * Sums over sessions that merge by addition, so hourly rollups add up to any period and any
 * grouping without going back to the raw events. Stored as jsonb (video_hourly.qoe, qoe_hourly.qoe).
 */
export interface QoeTotals {
  sessions: number;
  /** Sessions whose first frame showed (a startup time, or anything played). */
  started: number;
  exits: number;
  failures: number;
  /** Counts per STARTUP_BUCKETS_MS bucket, plus one for anything longer. */
  startupHist: number[];
  watchMs: number;
  rebufferMs: number;
  rebufferCount: number;
  /** Σ bitrate × ms played, and the ms it covers. */
  bitrateKbpsMs: number;
  playedMs: number;
  /** ms played per rendition height. */
  heightMs: Record<string, number>;
  /** ms played at a rendition shorter than the player, and ms played with the player's size known. */
  upscaledMs: number;
  sizedMs: number;
}

export const emptyTotals = (): QoeTotals => ({
  sessions: 0, started: 0, exits: 0, failures: 0, startupHist: new Array(STARTUP_BUCKETS_MS.length + 1).fill(0),
  watchMs: 0, rebufferMs: 0, rebufferCount: 0, bitrateKbpsMs: 0, playedMs: 0, heightMs: {}, upscaledMs: 0, sizedMs: 0,
});

/** Adds one session (its last beacon's `qoe`, and whether it played anything) to `t`. */
export function addSession(t: QoeTotals, q: SessionQoe, playedSec: number): QoeTotals {
  t.sessions++;
  const started = q.startupMs !== undefined || playedSec > 0;
  if (started) t.started++;
  else if (q.exitedBeforeStart) t.exits++;
  if (q.fatalError) t.failures++;
  if (q.startupMs !== undefined) {
    const i = STARTUP_BUCKETS_MS.findIndex((b) => q.startupMs! <= b);
    t.startupHist[i < 0 ? STARTUP_BUCKETS_MS.length : i]!++;
  }
  // Rebuffering only means something against watch time reported with it.
  if (q.watchMs !== undefined) {
    t.watchMs += q.watchMs;
    t.rebufferMs += Math.min(q.rebufferMs ?? 0, q.watchMs);
  }
  t.rebufferCount += q.rebufferCount ?? 0;
  for (const r of q.renditions ?? []) {
    t.bitrateKbpsMs += r.bitrateKbps * r.playedMs;
    t.playedMs += r.playedMs;
    t.heightMs[r.height] = (t.heightMs[r.height] ?? 0) + r.playedMs;
    if (q.playerHeight !== undefined) {
      t.sizedMs += r.playedMs;
      if (r.height < q.playerHeight) t.upscaledMs += r.playedMs;
    }
  }
  return t;
}

/** a + b, into a new object. */
export function mergeTotals(a: QoeTotals, b: Partial<QoeTotals>): QoeTotals {
  const out = { ...a, heightMs: { ...a.heightMs }, startupHist: [...a.startupHist] };
  for (const k of ['sessions', 'started', 'exits', 'failures', 'watchMs', 'rebufferMs', 'rebufferCount', 'bitrateKbpsMs', 'playedMs', 'upscaledMs', 'sizedMs'] as const) {
    out[k] += Number(b[k] ?? 0);
  }
  (b.startupHist ?? []).forEach((n, i) => (out.startupHist[i] = (out.startupHist[i] ?? 0) + n));
  for (const [h, ms] of Object.entries(b.heightMs ?? {})) out.heightMs[h] = (out.heightMs[h] ?? 0) + ms;
  return out;
}

/** The startup time below which `p` (0–1) of startups fall, as its bucket's upper bound. */
function startupPercentile(hist: number[], p: number): number | null {
  const n = hist.reduce((a, b) => a + b, 0);
  if (n === 0) return null;
  let seen = 0;
  for (let i = 0; i < hist.length; i++) {
    seen += hist[i]!;
    if (seen >= p * n) return STARTUP_BUCKETS_MS[i] ?? STARTUP_BUCKETS_MS[STARTUP_BUCKETS_MS.length - 1]!;
  }
  return null;
}

const pct = (part: number, whole: number) => (whole > 0 ? Math.round((1000 * part) / whole) / 10 : null);
const round1 = (n: number) => Math.round(n * 10) / 10;

/** The QoE figures (Mux Data's definitions) of some sessions' totals. */
export function qoeFigures(t: QoeTotals): Qoe {
  const renditionShare = Object.entries(t.heightMs)
    .map(([h, ms]) => ({ height: Number(h), percent: pct(ms, t.playedMs) ?? 0 }))
    .sort((a, b) => b.height - a.height);
  return {
    sessions: t.sessions,
    startupMsMedian: startupPercentile(t.startupHist, 0.5),
    startupMsP95: startupPercentile(t.startupHist, 0.95),
    exitsBeforeStartPercent: pct(t.exits, t.sessions),
    playbackFailurePercent: pct(t.failures, t.sessions),
    rebufferPercent: t.watchMs > 0 ? Math.round((10_000 * t.rebufferMs) / t.watchMs) / 100 : null,
    rebufferCountPerSession: t.started > 0 ? round1(t.rebufferCount / t.started) : null,
    avgBitrateKbps: t.playedMs > 0 ? Math.round(t.bitrateKbpsMs / t.playedMs) : null,
    upscalePercent: pct(t.upscaledMs, t.sizedMs),
    renditionShare,
  };
}
