import { seededRandom } from '../support/seeded-random.js';

/**
 * A day of uploads: Poisson arrivals whose rate follows a diurnal curve (quietest at 04:00,
 * busiest at 20:00, peak 4× the trough), with a viral spike on top (a burst of reaction uploads),
 * and source lengths drawn from a log-normal (median 4 minutes, a long tail to 2 hours).
 */
export interface Upload {
  /** Seconds since midnight. */
  atSec: number;
  mediaSec: number;
}

export interface TraceShape {
  uploadsPerDay: number;
  spike: { startSec: number; durationSec: number; factor: number };
  seed: number;
}


/** Relative upload rate at `sec` (mean 1 over the day, without the spike). */
export function diurnal(sec: number): number {
  // 1 + 0.6 cos: trough 0.4 at 08:00 before 20:00's peak of 1.6 (4×), mean exactly 1.
  return 1 + 0.6 * Math.cos((2 * Math.PI * (sec / 3600 - 20)) / 24);
}

export function uploadTrace(shape: TraceShape): Upload[] {
  const rand = seededRandom(shape.seed);
  const basePerSec = shape.uploadsPerDay / 86_400;
  const rate = (s: number) => basePerSec * diurnal(s) * (s >= shape.spike.startSec && s < shape.spike.startSec + shape.spike.durationSec ? shape.spike.factor : 1);
  const maxRate = basePerSec * 1.6 * shape.spike.factor;
  const out: Upload[] = [];
  // Thinning (Lewis–Shedler): candidates at the highest rate, kept in proportion to the rate then.
  for (let t = 0; ; ) {
    t += -Math.log(1 - rand()) / maxRate;
    if (t >= 86_400) break;
    if (rand() * maxRate > rate(t)) continue;
    // Log-normal: median 240 s, sigma 1 (mean ~400 s), kept within 10 s – 2 h.
    const normal = Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
    out.push({ atSec: t, mediaSec: Math.min(7200, Math.max(10, 240 * Math.exp(normal))) });
  }
  return out;
}
