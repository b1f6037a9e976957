import type { Qoe, VideoAnalytics } from '../types.js';

/**
 * The dashboard's numbers as people read them, and the chart series built from an analytics
 * answer. Pure: no DOM, no chart library, so each rule is tested on its own.
 */

const compact = new Intl.NumberFormat('en', { notation: 'compact', maximumFractionDigits: 1 });
const oneDecimal = new Intl.NumberFormat('en', { maximumFractionDigits: 1 });

/** 1530 → "1.5K". */
export function formatCount(n: number): string {
  return compact.format(n);
}

/** Watch time: "42 s", "18 min", "3.2 h", "1.4K h" (creators think in hours, YouTube Studio's unit). */
export function formatWatchTime(totalSec: number): string {
  if (totalSec < 60) return `${Math.round(totalSec)} s`;
  if (totalSec < 3600) return `${Math.round(totalSec / 60)} min`;
  const hours = totalSec / 3600;
  return hours < 1000 ? `${oneDecimal.format(hours)} h` : `${compact.format(hours)} h`;
}

/** 640 → "640 ms", 2150 → "2.15 s"; null → "–". */
export function formatMs(ms: number | null): string {
  if (ms === null) return '–';
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
}

/** 0.8 → "0.8 %", 12 → "12 %"; null → "–". */
export function formatPercent(p: number | null): string {
  if (p === null) return '–';
  return `${p < 10 ? oneDecimal.format(p) : Math.round(p)} %`;
}

/** 2400 → "2.4 Mbit/s", 800 → "800 kbit/s". */
export function formatKbps(kbps: number | null): string {
  if (kbps === null) return '–';
  return kbps >= 1000 ? `${oneDecimal.format(kbps / 1000)} Mbit/s` : `${Math.round(kbps)} kbit/s`;
}

export type Verdict = 'good' | 'fair' | 'poor' | 'none';

/**
 * How a QoE figure reads at a glance. Thresholds follow what streaming teams commonly alert on
 * (Conviva's and Mux's published benchmarks): startup under 1 s is good, over 3 s loses viewers;
 * rebuffering under 0.5 % of watch time is good, over 2 % is poor; exits before start and
 * failures under 1 % are good, over 5 % poor.
 */
export function verdictOf(figure: 'startup' | 'rebuffer' | 'exits' | 'failures', value: number | null): Verdict {
  if (value === null) return 'none';
  const limits: Record<typeof figure, [good: number, poor: number]> = { startup: [1000, 3000], rebuffer: [0.5, 2], exits: [1, 5], failures: [1, 5] };
  const [good, poor] = limits[figure];
  return value <= good ? 'good' : value <= poor ? 'fair' : 'poor';
}

/** A UTC day ("2026-11-25") as unix seconds at its midnight, what the time axis takes. */
export function dayToUnixSec(day: string): number {
  return Date.parse(`${day}T00:00:00Z`) / 1000;
}

/** Views (bars) and watch time in hours (line) over the days of the period. */
export function timelineSeries(timeline: VideoAnalytics['timeline']): [number[], number[], number[]] {
  return [
    timeline.map((d) => dayToUnixSec(d.date)),
    timeline.map((d) => d.views),
    timeline.map((d) => Math.round((d.watchTimeSec / 3600) * 100) / 100),
  ];
}

/** The audience curve: x in % of the video, y in % of viewers still watching. */
export function retentionSeries(retention: VideoAnalytics['retention']): [number[], number[]] {
  const points = [...retention].sort((a, b) => a.atPercent - b.atPercent);
  return [points.map((p) => p.atPercent), points.map((p) => p.audiencePercent)];
}

/** Whether an answer has anything to draw: a view, a session, or watch time. */
export function hasFigures(a: Pick<VideoAnalytics, 'views' | 'watchTimeSec' | 'qoe'>): boolean {
  return a.views > 0 || a.watchTimeSec > 0 || a.qoe.sessions > 0;
}

/** Rendition shares tallest first, with a label ("1080p") and the rest folded into "other" past `max`. */
export function renditionBars(qoe: Qoe, max = 5): { label: string; percent: number }[] {
  const sorted = [...qoe.renditionShare].sort((a, b) => b.height - a.height);
  const shown = sorted.slice(0, max).map((r) => ({ label: `${r.height}p`, percent: r.percent }));
  const rest = sorted.slice(max).reduce((sum, r) => sum + r.percent, 0);
  return rest > 0 ? [...shown, { label: 'other', percent: rest }] : shown;
}
