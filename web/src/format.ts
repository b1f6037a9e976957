/** Human formats for durations, counts, sizes and dates. */

/** 75 → "1:15", 3725 → "1:02:05". */
export function formatDuration(totalSec: number | null | undefined): string {
  if (totalSec === null || totalSec === undefined || !Number.isFinite(totalSec) || totalSec < 0) return '0:00';
  const s = Math.floor(totalSec);
  const hours = Math.floor(s / 3600);
  const minutes = Math.floor((s % 3600) / 60);
  const seconds = String(s % 60).padStart(2, '0');
  return hours > 0 ? `${hours}:${String(minutes).padStart(2, '0')}:${seconds}` : `${minutes}:${seconds}`;
}

/** Spoken form for screen readers: "1 minute 15 seconds". */
export function describeDuration(totalSec: number): string {
  const s = Math.max(0, Math.floor(totalSec));
  const parts: string[] = [];
  const add = (n: number, unit: string) => n && parts.push(`${n} ${unit}${n === 1 ? '' : 's'}`);
  add(Math.floor(s / 3600), 'hour');
  add(Math.floor((s % 3600) / 60), 'minute');
  add(s % 60, 'second');
  return parts.join(' ') || '0 seconds';
}

const compact = new Intl.NumberFormat('en', { notation: 'compact', maximumFractionDigits: 1 });

/** 1 → "1 view", 15300 → "15.3K views". */
export function formatViews(count: number): string {
  return count === 1 ? '1 view' : `${compact.format(count)} views`;
}

/** Bytes → "12.4 MB". */
export function formatBytes(bytes: number): string {
  if (bytes < 1000) return `${bytes} B`;
  const units = ['kB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = -1;
  do {
    value /= 1000;
    unit++;
  } while (value >= 1000 && unit < units.length - 1);
  return `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}

const relative = new Intl.RelativeTimeFormat('en', { numeric: 'auto' });
const STEPS: [Intl.RelativeTimeFormatUnit, number][] = [
  ['year', 365 * 86400], ['month', 30 * 86400], ['week', 7 * 86400], ['day', 86400], ['hour', 3600], ['minute', 60],
];

/** ISO date → "3 days ago" / "just now". */
export function formatAge(iso: string, now = Date.now()): string {
  const sec = (new Date(iso).getTime() - now) / 1000;
  for (const [unit, size] of STEPS) {
    if (Math.abs(sec) >= size) return relative.format(Math.round(sec / size), unit);
  }
  return 'just now';
}
