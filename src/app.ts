import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createServer, type AddressInfo } from 'node:net';
import fastifyStatic from '@fastify/static';
import type { Config } from './config.js';
import { createLogger, type Logger } from './platform/log.js';
import { createMetrics, type Metrics } from './platform/metrics.js';
import { startMetricsServer, type MetricsServer } from './platform/metrics-server.js';
import { ConfigError } from './config.js';
import { makeTreePrivate, preparePrivateDataDir } from './platform/data-dir.js';
import { openDatabase, type DatabaseHandle } from './platform/db/index.js';
import { createObjectStore, type ObjectStore } from './platform/storage/index.js';
import { createCache } from './platform/cache/index.js';
import type { Cache } from './platform/cache/port.js';
import { createPgBossQueue, type JobQueue } from './platform/queue/index.js';
import { createHttpServer, type HttpServer } from './platform/http/server.js';
import { registerHealthRoute } from './platform/http/health.js';
import { webAppFallback } from './platform/http/web-app.js';
import { inlineScriptHashes, originOf } from './platform/http/security-headers.js';
import { packageRoot } from './platform/paths.js';
import { createOutages, reportFailure, type Outages } from './platform/outage.js';
import { createSessionCookie, registerAuthHook, registerIdentityRoutes } from './modules/identity/index.js';
import { registerCatalogRoutes } from './modules/catalog/index.js';
import { registerIngestRoutes, UPLOADS_PATH } from './modules/ingest/index.js';
import { createPipelineWorker, RESTORE_QUEUE, RESTORE_QUEUE_SETTINGS, TRANSCODE_QUEUE, TRANSCODE_QUEUE_SETTINGS } from './modules/publishing/index.js';
import { assertCodecEncodersAvailable, assertTranscodeToolsAvailable } from './modules/transcode/index.js';
import { createRetiredVersionPurge, EDGE_PURGE_QUEUE, EDGE_PURGE_QUEUE_SETTINGS, purgeFromTiers, registerOriginRoutes, registerPlayRoutes, registerWatchPage, type EdgePurgeJob } from './modules/delivery/index.js';
import { ensurePartitions, registerAnalyticsRoutes, ROLLUP_QUEUE, ROLLUP_QUEUE_SETTINGS } from './modules/analytics/index.js';
import { registerEngagementRoutes } from './modules/engagement/index.js';
import { createVideoJson } from './modules/catalog/index.js';
import { registerQuotaRoutes } from './modules/quotas/index.js';
import {
  createRankingService, createSearchService, RANKING_PERIOD_SEC, RANKING_QUEUE, RANKING_QUEUE_SETTINGS, registerRankingRoutes, registerSearchRoutes,
} from './modules/discovery/index.js';
import { createChannelService, registerChannelRoutes } from './modules/channels/index.js';
import {
  createStorageLifecycle, LIFECYCLE_QUEUE, LIFECYCLE_QUEUE_SETTINGS, registerQueueMetrics, registerRestoreRoutes,
} from './modules/operations/index.js';
import { buildServices, renditionPruning, type Services } from './services.js';

export interface Roles {
  api: boolean;
  worker: boolean;
}

/** The engines every role shares, built from config. */
export interface Platform {
  config: Config;
  log: Logger;
  metrics: Metrics;
  database: DatabaseHandle;
  store: ObjectStore;
  cache: Cache;
  queue: JobQueue;
  /** One warning per outage of each engine, shared by everything in this process. */
  outages: Outages;
}

export interface RunningApp {
  platform: Platform;
  /** Base URL the api listens on (api role only). */
  url?: string;
  /** Base URL of the metrics listener (`${metricsUrl}/metrics`), unless METRICS_LISTEN=off. */
  metricsUrl?: string;
  http?: HttpServer;
  close(): Promise<void>;
}

export interface StartOptions {
  log?: Logger;
}

/** Engines from config: the embedded ones by default, servers when their URLs are set. */
export async function buildPlatform(config: Config, log: Logger): Promise<Platform> {
  preparePrivateDataDir(config.dataDir, log);
  const metrics = createMetrics();
  const outages = createOutages(log);
  const database = await openDatabase({ url: config.databaseUrl, replicaUrl: config.databaseReplicaUrl, dataDir: config.dataDir });
  try {
    const applied = await database.migrate();
    if (applied.length) log.info({ applied }, 'database migrated');
    if (!config.databaseUrl) makeTreePrivate(embeddedDbDir(config));
    const store = config.s3
      ? createObjectStore({ kind: 's3', ...config.s3, log, tempDir: downloadsDir(config) })
      : createObjectStore({ kind: 'local', rootDir: join(config.dataDir, 'objects'), coldDir: config.lifecycle.coldDir });
    const cache = buildCache(config, log);
    // pg-boss creates its schema on first start without a lock of its own: processes starting
    // together on an empty server would race (duplicate schema), so they take turns.
    const queue = await database.exclusively(async () => {
      const q = await createPgBossQueue({ sql: database.sql, log, outage: outages.database });
      await q.define(TRANSCODE_QUEUE, TRANSCODE_QUEUE_SETTINGS);
      await q.define(ROLLUP_QUEUE, ROLLUP_QUEUE_SETTINGS);
      await q.define(EDGE_PURGE_QUEUE, EDGE_PURGE_QUEUE_SETTINGS);
      await q.define(LIFECYCLE_QUEUE, LIFECYCLE_QUEUE_SETTINGS);
      await q.define(RESTORE_QUEUE, RESTORE_QUEUE_SETTINGS);
      await q.define(RANKING_QUEUE, RANKING_QUEUE_SETTINGS);
      // Today's and the next days' event partitions exist before the first beacon is written.
      await ensurePartitions(database.db);
      return q;
    });
    return { config, log, metrics, database, store, cache, queue, outages };
  } catch (err) {
    await database.close();
    throw err;
  }
}

function buildCache(config: Config, log: Logger): Cache {
  if (config.redisUrl || config.redisClusterNodes) {
    return createCache({ kind: 'redis', url: config.redisUrl, clusterNodes: config.redisClusterNodes, keyPrefix: config.redisKeyPrefix, log });
  }
  if (!config.databaseUrl) return createCache({ kind: 'memory', maxEntries: 50_000 });
  // PostgreSQL without Redis: other processes may share this database, and their writes cannot
  // invalidate our in-process cache. Keep entries briefly so staleness stays bounded.
  log.warn('DATABASE_URL is set without REDIS_URL: caching in-process for at most 2 s. Set REDIS_URL when running several processes.');
  return createCache({ kind: 'memory', maxEntries: 50_000, maxTtlSec: 2 });
}

/**
 * How long a superseded version stays servable after a newer one is published: a day, well past
 * the 6 h signed-URL lifetime, so a viewer in the middle of the old version never gets a 404.
 */
const SUPERSEDED_GRACE_SEC = 24 * 3600;

/** PGlite's data directory (see openEmbeddedDb in platform/db/pglite.ts). */
const embeddedDbDir = (config: Config) => join(config.dataDir, 'db');

/** Where S3 objects are downloaded for ffmpeg: inside DATA_DIR, swept of a dead worker's files at start. */
const downloadsDir = (config: Config) => join(config.dataDir, 'tmp');

/** A port the OS considers free right now (PORT=0: tests and throwaway instances). */
function pickFreePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, host, () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

/**
 * The config with a concrete port. Only the port changes: unset PUBLIC_URL / MEDIA_BASE_URL mean
 * request-relative URLs, which need no port; configured ones are kept as given.
 */
function withPort(config: Config, port: number): Config {
  return { ...config, port };
}

/** PUBLIC_URL says the site is served over HTTPS (a TLS proxy in front of us, usually). */
const isHttps = (config: Config) => config.publicUrl?.startsWith('https:') ?? false;

async function buildApi(p: Platform, services: Services): Promise<HttpServer> {
  const { config, log, metrics } = p;
  const webDir = join(packageRoot, 'dist', 'web');
  const hasWeb = existsSync(join(webDir, 'index.html'));
  const app = await createHttpServer({
    log,
    metrics,
    publicUrl: config.publicUrl,
    trustProxy: config.trustProxy,
    outages: p.outages,
    timeouts: { headersSec: config.headersTimeoutSec, requestSec: config.requestTimeoutSec, idleSec: config.idleTimeoutSec },
    securityHeaders: {
      // Every page is index.html (the watch page adds a JSON block, which needs no hash).
      inlineScripts: hasWeb ? inlineScriptHashes(readFileSync(join(webDir, 'index.html'), 'utf8')) : [],
      otherOrigins: [...new Set([originOf(config.mediaBaseUrl), originOf(config.publicUrl)].filter((o): o is string => !!o))],
      https: isHttps(config),
    },
    // Client-side routes get index.html (404 for paths the app has no page for).
    fallback: hasWeb ? webAppFallback(webDir) : undefined,
  });
  if (hasWeb) {
    // Vite fingerprints every asset name, so assets can be cached for a year.
    await app.register(fastifyStatic, {
      root: webDir,
      wildcard: false,
      // The build writes .br/.gz beside each script and stylesheet (web/vite.config.ts).
      preCompressed: true,
      setHeaders: (reply, path) => reply.header('cache-control', path.includes('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache'),
    });
  } else {
    app.get('/', { schema: { hide: true } }, async (_req, reply) =>
      reply.type('text/html').send('<!doctype html><title>Kinema</title><h1>Kinema</h1><p>The web app is not built. Run <code>npm run build</code>.</p>'),
    );
  }
  const sessionCookie = createSessionCookie({ httpsSite: isHttps(config) });
  registerAuthHook(app, services.identity, sessionCookie);
  registerIdentityRoutes(app, services.identity, sessionCookie);
  // Root-relative without PUBLIC_URL: the client resolves it against the address it used.
  const uploadUrl = `${config.publicUrl ?? ''}${UPLOADS_PATH}`;
  registerCatalogRoutes(app, services.catalog, { uploadUrl, posterUrlFor: services.delivery.posterUrlFor, ratingOf: services.ratings.ratingOf });
  registerEngagementRoutes(app, {
    acceptBeacon: services.acceptBeacon, history: services.history, ratings: services.ratings, catalog: services.catalog,
    videoJson: createVideoJson({ uploadUrl, posterUrlFor: services.delivery.posterUrlFor }),
  });
  registerAnalyticsRoutes(app, { figures: services.figures, catalog: services.catalog });
  registerIngestRoutes(app, services.ingest);
  registerQuotaRoutes(app, services.quotas);
  registerPlayRoutes(app, services.playAnswers);
  registerRestoreRoutes(app, services.restore);
  if (hasWeb) registerWatchPage(app, services.playAnswers, join(webDir, 'index.html'), { edgePageTtlSec: config.edgePageTtlSec });
  registerOriginRoutes(app, services.delivery, p.store);
  // Discovery lists videos in the catalog's own shape, for the viewer asking.
  const discoveryVideoJson = createVideoJson({ uploadUrl, posterUrlFor: services.delivery.posterUrlFor });
  registerSearchRoutes(app, createSearchService({ db: p.database.readDb, cache: p.cache }), discoveryVideoJson, services.catalog.listings);
  registerChannelRoutes(app, createChannelService({ db: p.database.db, readDb: p.database.readDb, catalog: services.catalog }), discoveryVideoJson, services.catalog.listings);
  registerRankingRoutes(app, createRankingService({ db: p.database.readDb, cache: p.cache }), services.catalog, discoveryVideoJson);
  // A check that answers also ends an outage its dependency was in (logged once, with its length).
  const watched = (o: Outages[keyof Outages], check: () => Promise<unknown>) => async () => {
    try {
      await check();
      o.ok();
      return 'ok' as const;
    } catch (err) {
      o.failed(err);
      return 'down' as const;
    }
  };
  registerHealthRoute(app, {
    database: watched(p.outages.database, () => p.database.sql.query('SELECT 1 AS ok')),
    cache: async () => ((await p.cache.healthy()) ? 'ok' : 'degraded'),
    storage: watched(p.outages.storage, () => p.store.list('health-check/')),
  }, { engine: p.database.engine, version: '1' });
  return app;
}

/** The metrics listener; a taken address stops start-up with a line saying what to change. */
async function listenForMetrics(metrics: Metrics, listen: { host: string; port: number }): Promise<MetricsServer> {
  try {
    return await startMetricsServer(metrics, listen);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'EADDRINUSE' && code !== 'EADDRNOTAVAIL') throw err;
    throw new ConfigError(`METRICS_LISTEN=${listen.host}:${listen.port} cannot be used (${code}): choose another address, e.g. 127.0.0.1:9465 for a second process on this machine, or METRICS_LISTEN=off.`);
  }
}

/**
 * The composition root: builds the platform, wires the modules and starts the requested roles.
 * `kinema start` runs both roles in one process; `kinema api` / `kinema worker` one each.
 */
export async function startKinema(config: Config, roles: Roles, opts: StartOptions = {}): Promise<RunningApp> {
  const log = opts.log ?? createLogger(config.logLevel);
  if (roles.worker && config.workerConcurrency > 0) {
    assertTranscodeToolsAvailable();
    assertCodecEncodersAvailable(config.ladderCodecs);
  }
  if (roles.api && config.port === 0) config = withPort(config, await pickFreePort(config.host));
  const platform = await buildPlatform(config, log);
  const services = buildServices(platform);
  // Every role shows the queues' depth: one scrape target answers for the whole fleet.
  registerQueueMetrics({ registry: platform.metrics.registry, sql: platform.database.sql, queues: [TRANSCODE_QUEUE, ROLLUP_QUEUE, LIFECYCLE_QUEUE, RESTORE_QUEUE], log });
  const timers: NodeJS.Timeout[] = [];
  let http: HttpServer | undefined;
  let url: string | undefined;
  let worker: ReturnType<typeof createPipelineWorker> | undefined;
  let metricsServer: MetricsServer | undefined;

  if (roles.api) {
    await services.ingest.recoverFinished();
    http = await buildApi(platform, services);
    await http.listen({ port: config.port, host: config.host });
    const address = http.server.address();
    const port = typeof address === 'object' && address ? address.port : config.port;
    url = `http://127.0.0.1:${port}`;
    const sweep = (what: string, fn: () => Promise<unknown>, everyMs: number) => {
      const timer = setInterval(() => fn().catch((err: unknown) => reportFailure(platform.outages, log, what, err)), everyMs);
      timer.unref();
      timers.push(timer);
    };
    sweep('upload expiry sweep', services.ingest.cleanUpExpired, 3600_000);
    // A hand-off that failed after the last byte (e.g. the object store was briefly down) is
    // retried here, not only at the next start.
    // Every 30 s: an upload whose last PATCH met a database outage is recorded soon after it ends.
    sweep('finished-upload recovery', services.ingest.recoverFinished, 30_000);
    // The analytics rollup: every api process asks for it each minute, the singleton key keeps it
    // to one job per minute however many ask, and whichever process leases it runs it.
    await platform.queue.work(ROLLUP_QUEUE, { concurrency: 1 }, async () => void (await services.rollup.run()));
    const requestRollup = () => platform.queue.send(ROLLUP_QUEUE, {}, { singletonKey: `rollup-${Math.floor(Date.now() / 60_000)}` });
    sweep('analytics rollup request', requestRollup, 60_000);
    // Takedowns at the cache tiers: polled every 0.5 s, so media leaves them within seconds.
    await platform.queue.work<EdgePurgeJob>(EDGE_PURGE_QUEUE, { concurrency: 2, pollIntervalSec: 0.5 }, (job) => purgeFromTiers(config.edgePurgeUrls, job.data.paths, log));
    if (config.lifecycle.coldAfterDays !== undefined || config.lifecycle.pruneAfterDays !== undefined) {
      // The storage lifecycle: asked for every hour, one job a day whoever asks (singleton key).
      const lifecycle = createStorageLifecycle({
        db: platform.database.db, store: platform.store, log, coldAfterDays: config.lifecycle.coldAfterDays, pruning: renditionPruning(platform, services),
      });
      await platform.queue.work(LIFECYCLE_QUEUE, { concurrency: 1 }, async () => void (await lifecycle.run()));
      const requestLifecycle = () => platform.queue.send(LIFECYCLE_QUEUE, {}, { singletonKey: `lifecycle-${new Date().toISOString().slice(0, 10)}` });
      await requestLifecycle();
      sweep('storage lifecycle request', requestLifecycle, 3600_000);
    }
    // Trending and co-visitation, the same way: one job per period across every api process.
    await platform.queue.work(RANKING_QUEUE, { concurrency: 1 }, async () => void (await services.ranking.run()));
    const requestRanking = () => platform.queue.send(RANKING_QUEUE, {}, { singletonKey: `ranking-${Math.floor(Date.now() / (RANKING_PERIOD_SEC * 1000))}` });
    sweep('ranking job request', requestRanking, RANKING_PERIOD_SEC * 1000);
    // A list at once after a start, not a minute later.
    await requestRanking().catch((err: unknown) => reportFailure(platform.outages, log, 'ranking job request', err));
  }
  if (roles.worker && config.workerConcurrency > 0) {
    worker = createPipelineWorker({
      queue: platform.queue, store: platform.store, catalog: services.catalog, lifecycle: services.lifecycle, retention: services.retention,
      log, metrics: platform.metrics, outages: platform.outages, concurrency: config.workerConcurrency,
      scratchDirs: { work: join(config.dataDir, 'work'), downloads: config.s3 ? downloadsDir(config) : undefined },
      maxDurationSec: config.maxDurationSec, maxEncodeGigapixels: config.maxEncodeGigapixels, ladderCodecs: config.ladderCodecs, stallAfterSec: config.transcodeStallSec,
      publishWhileEncoding: config.publishWhileEncoding,
      supersededGraceSec: SUPERSEDED_GRACE_SEC,
      purgeFromTiers: createRetiredVersionPurge({ queue: platform.queue, store: platform.store, tiers: config.edgePurgeUrls }),
    });
    await worker.start();
  }

  let closing: Promise<void> | undefined;
  const running: RunningApp = {
    platform,
    url,
    http,
    close() {
      closing ??= (async () => {
        for (const t of timers) clearInterval(t);
        // Running jobs get a grace period, then are handed back to the queue (without using up
        // a try) for another worker, and their ffmpeg processes are killed.
        await Promise.all([worker?.shutdown(config.shutdownGraceSec * 1000), http?.close(), metricsServer?.close()]);
        // Finished uploads still being copied to the object store: what does not finish in time
        // is completed by recovery at the next start (the staged copy is kept until then).
        await services.ingest.drain(config.shutdownGraceSec * 1000);
        await platform.queue.stop({ timeoutMs: 1000 });
        // Plays recorded in the last second are still in memory: write them while the db is open.
        await services.analytics.close();
        await platform.cache.close();
        await platform.store.close();
        await platform.database.close();
        if (!config.databaseUrl) makeTreePrivate(embeddedDbDir(config));
      })();
      return closing;
    },
  };
  if (config.metricsListen) {
    try {
      metricsServer = await listenForMetrics(platform.metrics, config.metricsListen);
    } catch (err) {
      await running.close();
      throw err;
    }
    running.metricsUrl = metricsServer.url;
  }
  return running;
}
