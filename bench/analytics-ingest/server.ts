/**
 * One api process for the ingest benchmark, started by run.ts as a child so that the load
 * generator does not share its event loop.
 *
 *   batched: the real Kinema api (startKinema, api role): beacons answered 204 at once, written
 *            by the one append path in multi-row INSERTs.
 *   naive:   the same route, schema, checks and view rule, but each beacon is written by its own
 *            INSERT (and the view/history statements, in its own transaction) before the 204.
 *
 * Prints `READY <url>` on stdout once listening.
 */
import { join } from 'node:path';
import { loadConfig } from '../../src/config.js';
import { startKinema } from '../../src/app.js';
import { createLogger } from '../../src/platform/log.js';
import { openDatabase } from '../../src/platform/db/index.js';
import { createCache } from '../../src/platform/cache/index.js';
import { createObjectStore } from '../../src/platform/storage/index.js';
import { createHttpServer } from '../../src/platform/http/server.js';
import { createMetrics } from '../../src/platform/metrics.js';
import { createCatalogService, createVideoJson } from '../../src/modules/catalog/index.js';
import { analyticsQueries, type AnalyticsEvent } from '../../src/modules/analytics/index.js';
import {
  createBeaconIntake, createBeaconLimits, createEngagementBatchHook, createHistoryService, createRatingService, registerEngagementRoutes,
} from '../../src/modules/engagement/index.js';

const [mode, databaseUrl, dataDir] = process.argv.slice(2) as ['batched' | 'naive', string, string];
const log = createLogger('silent');

if (mode === 'batched') {
  const config = loadConfig({ PORT: '0', HOST: '127.0.0.1', DATA_DIR: dataDir, DATABASE_URL: databaseUrl, LOG_LEVEL: 'silent', METRICS_LISTEN: 'off', BEACON_RATE_PER_ADDRESS: '0' });
  const app = await startKinema(config, { api: true, worker: false }, { log });
  console.log(`READY ${app.url}`);
  process.on('SIGTERM', () => void app.close().then(() => process.exit(0)));
} else {
  const database = await openDatabase({ url: databaseUrl });
  const cache = createCache({ kind: 'memory', maxEntries: 50_000, maxTtlSec: 2 });
  const store = createObjectStore({ kind: 'local', rootDir: join(dataDir, 'objects') });
  const catalog = createCatalogService({ db: database.db, cache, store, log });
  const q = analyticsQueries(database.db);
  const hook = createEngagementBatchHook({ onViewsCounted: async (ids) => void (await Promise.all(ids.map((id) => catalog.invalidate(id)))) });
  const limits = createBeaconLimits({ perAddressPerMin: 0 });
  const app = await createHttpServer({ log, metrics: createMetrics(), securityHeaders: { inlineScripts: [], otherOrigins: [], https: false } });
  app.decorateRequest('principal', null);
  registerEngagementRoutes(app, {
    // The naive path: the request waits for its own INSERT (one transaction per beacon).
    acceptBeacon: async (...args) => {
      let event: AnalyticsEvent | undefined;
      // The real intake (checks, view rule), with a recorder that hands the event back to us.
      await createBeaconIntake({ catalog, recorder: { recordEvent: (e) => void (event = { ...e, occurredAt: new Date() }) }, limits, defaultEdge: 'origin' })(...args);
      if (!event) return;
      const after = await q.transaction(async (trx) => {
        await q.insertEvents(trx, [event!]);
        return hook(trx, [event!]);
      });
      if (after) await after();
    },
    history: createHistoryService({ db: database.db, cache }), ratings: createRatingService({ db: database.db, catalog }), catalog,
    videoJson: createVideoJson({ uploadUrl: '', posterUrlFor: () => null }),
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  console.log(`READY http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`);
  process.on('SIGTERM', () => void app.close().then(() => database.close()).then(() => process.exit(0)));
}
