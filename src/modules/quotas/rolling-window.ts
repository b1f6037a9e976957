/** One thing a rolling-window quota counts: when it happened and how much of the budget it used. */
export interface WindowEntry {
  at: Date;
  amount: number;
}

/**
 * When a rolling window has room for `need` more under `limit`: entries leave the window
 * `windowMs` after they happened, oldest first. Null when it has room now, or never will
 * (`need` alone is over the limit).
 * @example nextRoom([{ at: t0, amount: 1 }, { at: t1, amount: 1 }], DAY_MS, 2, 1) // t0 + 24 h
 */
export function nextRoom(entries: WindowEntry[], windowMs: number, limit: number, need: number): Date | null {
  let used = entries.reduce((sum, e) => sum + e.amount, 0);
  if (used + need <= limit || need > limit) return null;
  const oldestFirst = [...entries].sort((a, b) => a.at.getTime() - b.at.getTime());
  for (const e of oldestFirst) {
    used -= e.amount;
    if (used + need <= limit) return new Date(e.at.getTime() + windowMs);
  }
  return null;
}

/** "in 3 hours, at 14:05 UTC": a reset time in words a person can plan with. */
export function describeWhen(at: Date, now: Date): string {
  const minutes = Math.max(1, Math.ceil((at.getTime() - now.getTime()) / 60_000));
  const span = minutes < 120 ? `${minutes} minute${minutes === 1 ? '' : 's'}` : `${Math.ceil(minutes / 60)} hours`;
  return `in ${span}, at ${at.toISOString().slice(11, 16)} UTC`;
}

/** 1536 → "1.5 KiB": sizes in the messages people read. */
export function formatBytes(bytes: number): string {
  const units = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${bytes} bytes` : `${Number(value.toFixed(1))} ${units[unit]}`;
}
