import { join } from 'node:path';
import type { Config } from './config.js';
import type { Platform } from './app.js';
import { readOrCreateSecret } from './platform/secret-file.js';
import { createIdentityService } from './modules/identity/index.js';
import { createCatalogService, createLifecycle, createVersionRetention } from './modules/catalog/index.js';
import { createIngestService } from './modules/ingest/index.js';
import { queueRestoreWith, queueTranscodeWith } from './modules/publishing/index.js';
import { createDeliveryService, createMediaWithdrawal, createPlayAnswers } from './modules/delivery/index.js';
import { createAnalyticsFigures, createEventRecorder, createRollup } from './modules/analytics/index.js';
import {
  createBeaconIntake, createBeaconLimits, createEngagementBatchHook, createHistoryService, createQoeMetrics, createRatingService,
} from './modules/engagement/index.js';
import { createQuotaService } from './modules/quotas/index.js';
import { createRankingJob } from './modules/discovery/index.js';
import { createRenditionPruning, createRenditionRestore } from './modules/operations/index.js';

/**
 * The domain services every role uses, wired from the platform's engines (app.ts starts the
 * roles around them): one place to see which module depends on which.
 */

/**
 * Whether every process that can write the database shares the cache: Redis, or the embedded
 * database (one process only). Processes sharing PostgreSQL without Redis each have their own.
 */
const isCacheShared = (config: Config) => !!(config.redisUrl || config.redisClusterNodes) || !config.databaseUrl;

/** The HMAC key for signed media URLs: configured, or generated once into DATA_DIR. */
export function mediaSigningSecret(config: Config): string {
  if (config.mediaSigningSecret) return config.mediaSigningSecret;
  return readOrCreateSecret(join(config.dataDir, 'media-signing.secret'));
}

export function buildServices(p: Platform) {
  const identity = createIdentityService({ db: p.database.db, cache: p.cache, policy: p.config, cacheSessions: isCacheShared(p.config) });
  const quotas = createQuotaService({ db: p.database.db, limits: p.config.quotas, maxUploadBytes: p.config.maxUploadBytes });
  const withdrawMedia = createMediaWithdrawal({ queue: p.queue, store: p.store, tiers: p.config.edgePurgeUrls });
  const catalog = createCatalogService({ db: p.database.db, readDb: p.database.readDb, cache: p.cache, store: p.store, log: p.log, admitVideo: quotas.admitVideo, withdrawMedia });
  const lifecycle = createLifecycle(p.database.db, catalog.invalidate);
  const ingest = createIngestService({
    catalog, lifecycle, queueTranscode: queueTranscodeWith(p.queue), store: p.store, log: p.log, metrics: p.metrics,
    staging: p.config.uploadStaging === 's3' && p.config.s3 ? { kind: 's3', s3: p.config.s3, cache: p.cache } : { kind: 'disk', directory: join(p.config.dataDir, 'uploads') },
    maxUploadBytes: p.config.maxUploadBytes,
    diskReserveBytes: p.config.diskReserveBytes, originalsOnSameDisk: !p.config.s3, outages: p.outages,
    quotas,
  });
  // Beacons are the highest-volume writes: batches of up to 1000 rows, and room for 100 000
  // waiting through a database hiccup (about 10 s of a busy instance).
  const history = createHistoryService({ db: p.database.db, cache: p.cache });
  const analytics = createEventRecorder({
    db: p.database.db, log: p.log, outage: p.outages.database, maxBatch: 1000, maxPending: 100_000,
    onBatch: createEngagementBatchHook({
      onViewsCounted: async (ids) => void (await Promise.all(ids.map((id) => catalog.invalidate(id)))),
      onHistoryWritten: history.forgetPositions,
    }),
  });
  const ratings = createRatingService({ db: p.database.db, catalog });
  const restore = createRenditionRestore({
    catalog, lifecycle, store: p.store, cache: p.cache, log: p.log, queueRestore: queueRestoreWith(p.queue), viewerRestoresPerHour: p.config.lifecycle.restoresPerHour,
  });
  const delivery = createDeliveryService({
    catalog, lifecycle, cache: p.cache, analytics, lastPosition: history.lastPosition, onRemovedRenditionAsked: restore.askedByViewer,
    mediaBaseUrl: p.config.mediaBaseUrl, signingSecret: mediaSigningSecret(p.config),
  });
  const playAnswers = createPlayAnswers({ delivery, catalog, cache: p.cache, analytics, positions: { cached: history.cachedPosition, read: history.lastPosition } });
  const acceptBeacon = createBeaconIntake({
    catalog, recorder: analytics, limits: createBeaconLimits({ perAddressPerMin: p.config.beaconRatePerAddress }),
    metrics: createQoeMetrics(p.metrics), defaultEdge: p.config.mediaBaseUrl ? new URL(p.config.mediaBaseUrl).host : 'origin',
  });
  const figures = createAnalyticsFigures({ db: p.database.readDb ?? p.database.db });
  const rollup = createRollup({ db: p.database.db, log: p.log, retentionDays: p.config.eventRetentionDays });
  const retention = createVersionRetention(p.database.db);
  const ranking = createRankingJob({ db: p.database.db, cache: p.cache, log: p.log, retentionDays: p.config.eventRetentionDays });
  return { identity, quotas, catalog, lifecycle, retention, ingest, analytics, delivery, playAnswers, history, ratings, acceptBeacon, figures, rollup, ranking, restore };
}

export type Services = ReturnType<typeof buildServices>;

/** The lifecycle's removal of unplayed top rungs, when PRUNE_AFTER_DAYS is on. */
export function renditionPruning(p: Platform, services: Pick<Services, 'lifecycle' | 'retention'>) {
  const afterDays = p.config.lifecycle.pruneAfterDays;
  if (afterDays === undefined) return undefined;
  return createRenditionPruning({ db: p.database.db, store: p.store, log: p.log, lifecycle: services.lifecycle, retention: services.retention, afterDays });
}
