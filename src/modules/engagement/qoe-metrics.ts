import { Counter, Histogram } from 'prom-client';
import { LRUCache } from 'lru-cache';
import type { Metrics } from '../../platform/metrics.js';
import type { QoeSample } from './schemas.js';

/**
 * Prometheus QoE metrics, for alerting (the dashboards read the rollups instead). Beacons carry
 * running totals, so this process remembers each session's last totals and counts the increase;
 * a session whose beacons reach several processes is counted by each from its own first beacon
 * there, an over-count bounded by one beacon's worth per process.
 *
 * Rebuffer ratio in PromQL:
 *   sum(rate(kinema_qoe_rebuffer_seconds_total[5m])) / sum(rate(kinema_qoe_watch_seconds_total[5m]))
 */
export function createQoeMetrics(metrics: Metrics) {
  const registers = [metrics.registry];
  const startup = new Histogram({
    name: 'kinema_qoe_startup_seconds',
    help: 'Video startup time: play requested to first frame with the playhead moving (one per session)',
    buckets: [0.25, 0.5, 0.75, 1, 1.5, 2, 3, 5, 8, 13, 20],
    registers,
  });
  const rebuffer = new Counter({ name: 'kinema_qoe_rebuffer_seconds_total', help: 'Time viewers spent stalled after the first frame', registers });
  const watch = new Counter({ name: 'kinema_qoe_watch_seconds_total', help: 'Watch time (Mux): playing, starting or stalled', registers });
  const failures = new Counter({ name: 'kinema_qoe_playback_failures_total', help: 'Sessions ended by a fatal playback error', registers });
  const beacons = new Counter({ name: 'kinema_beacons_total', help: 'Watch beacons by outcome', labelNames: ['outcome'] as const, registers });
  const last = new LRUCache<string, { startup: boolean; failed: boolean; rebufferMs: number; watchMs: number }>({ max: 100_000 });

  return {
    beacon: (outcome: 'accepted' | 'bot' | 'rejected' | 'limited') => beacons.inc({ outcome }),
    /** Counts what a session's new totals add to what this process saw of it before. */
    observe(sessionKey: string, q: QoeSample | undefined): void {
      if (!q) return;
      const seen = last.get(sessionKey) ?? { startup: false, failed: false, rebufferMs: 0, watchMs: 0 };
      if (q.startupMs !== undefined && !seen.startup) {
        startup.observe(q.startupMs / 1000);
        seen.startup = true;
      }
      if (q.fatalError && !seen.failed) {
        failures.inc();
        seen.failed = true;
      }
      if (q.watchMs !== undefined && q.watchMs > seen.watchMs) {
        watch.inc((q.watchMs - seen.watchMs) / 1000);
        seen.watchMs = q.watchMs;
      }
      if (q.rebufferMs !== undefined && q.rebufferMs > seen.rebufferMs) {
        rebuffer.inc((q.rebufferMs - seen.rebufferMs) / 1000);
        seen.rebufferMs = q.rebufferMs;
      }
      last.set(sessionKey, seen);
    },
  };
}

export type QoeMetrics = ReturnType<typeof createQoeMetrics>;
