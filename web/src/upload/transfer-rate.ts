/**
 * Upload speed and time left from progress samples, over a sliding window: a plain average since
 * the start reacts too slowly after a stall, an instant rate jumps with every chunk.
 */
const WINDOW_MS = 4000;

export interface TransferRate {
  /** Record bytes sent so far; returns the current estimate. */
  sample(bytesSent: number, bytesTotal: number, nowMs?: number): { bytesPerSec: number | null; secondsLeft: number | null };
  reset(): void;
}

export function createTransferRate(): TransferRate {
  let samples: { t: number; bytes: number }[] = [];
  return {
    sample(bytesSent, bytesTotal, nowMs = performance.now()) {
      samples.push({ t: nowMs, bytes: bytesSent });
      while (samples.length > 2 && nowMs - samples[0]!.t > WINDOW_MS) samples.shift();
      const first = samples[0]!;
      const elapsedSec = (nowMs - first.t) / 1000;
      if (elapsedSec < 0.3 || bytesSent <= first.bytes) return { bytesPerSec: null, secondsLeft: null };
      const bytesPerSec = (bytesSent - first.bytes) / elapsedSec;
      return { bytesPerSec, secondsLeft: (bytesTotal - bytesSent) / bytesPerSec };
    },
    reset() {
      samples = [];
    },
  };
}

/** "3.2 MB/s". */
export function formatRate(bytesPerSec: number): string {
  const mb = bytesPerSec / 1e6;
  return `${mb >= 10 ? mb.toFixed(0) : mb.toFixed(1)} MB/s`;
}

/** "12 s left", "3 min left", "1 h 5 min left". */
export function formatTimeLeft(seconds: number): string {
  if (!Number.isFinite(seconds)) return '';
  const s = Math.ceil(seconds);
  if (s < 60) return `${s} s left`;
  if (s < 3600) return `${Math.ceil(s / 60)} min left`;
  return `${Math.floor(s / 3600)} h ${Math.round((s % 3600) / 60)} min left`;
}
