import { Registry, collectDefaultMetrics, Counter, Histogram, Gauge } from 'prom-client';

/**
 * Prometheus metrics for one process, served at `/metrics`. A registry per app instance (not
 * prom-client's global) so tests can run several apps in one process.
 */
export interface Metrics {
  registry: Registry;
  httpRequests: Counter<'method' | 'route' | 'status'>;
  httpDuration: Histogram<'method' | 'route'>;
  jobs: Counter<'queue' | 'outcome'>;
  jobDuration: Histogram<'queue'>;
  uploadsBytes: Counter;
  cacheRequests: Counter<'outcome'>;
  /** Wall-clock seconds spent encoding published ladders, and the media seconds they hold: their ratio is encode speed. */
  encodeSeconds: Counter;
  encodedMediaSeconds: Counter;
  /** Encode seconds per media second of each published ladder (below 1: faster than real time). */
  encodeSecondsPerMediaSecond: Histogram;
  gauge(name: string, help: string, collect: () => Promise<number> | number): void;
}

export function createMetrics(): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return {
    registry,
    httpRequests: new Counter({ name: 'kinema_http_requests_total', help: 'HTTP requests', labelNames: ['method', 'route', 'status'], registers: [registry] }),
    httpDuration: new Histogram({
      name: 'kinema_http_request_duration_seconds',
      help: 'HTTP request duration',
      labelNames: ['method', 'route'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
    jobs: new Counter({ name: 'kinema_jobs_total', help: 'Jobs finished by outcome', labelNames: ['queue', 'outcome'], registers: [registry] }),
    jobDuration: new Histogram({ name: 'kinema_job_duration_seconds', help: 'Job duration', labelNames: ['queue'], buckets: [1, 5, 15, 30, 60, 120, 300, 900, 1800, 3600], registers: [registry] }),
    uploadsBytes: new Counter({ name: 'kinema_upload_bytes_total', help: 'Bytes received by completed uploads', registers: [registry] }),
    cacheRequests: new Counter({ name: 'kinema_cache_requests_total', help: 'Metadata cache lookups', labelNames: ['outcome'], registers: [registry] }),
    encodeSeconds: new Counter({ name: 'kinema_transcode_encode_seconds_total', help: 'Seconds spent encoding ladders that were published', registers: [registry] }),
    encodedMediaSeconds: new Counter({ name: 'kinema_transcode_media_seconds_total', help: 'Media seconds in ladders that were published', registers: [registry] }),
    encodeSecondsPerMediaSecond: new Histogram({
      name: 'kinema_transcode_encode_seconds_per_media_second',
      help: 'Encode seconds per media second of each published ladder',
      buckets: [0.1, 0.25, 0.5, 1, 2, 4, 8, 16, 32],
      registers: [registry],
    }),
    gauge(name, help, collect) {
      new Gauge({
        name,
        help,
        registers: [registry],
        async collect() {
          this.set(await collect());
        },
      });
    },
  };
}
