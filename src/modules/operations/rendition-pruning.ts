import { randomBytes, randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { Readable } from 'node:stream';
import { sql } from 'kysely';
import type { Db } from '../../platform/db/index.js';
import type { Logger } from '../../platform/log.js';
import type { ObjectStore } from '../../platform/storage/index.js';
import type { Lifecycle, PublishedVersion, StoredRendition, VersionRetention } from '../catalog/index.js';
import { newVersionName, originalKey, versionPrefix } from '../media-layout/index.js';
import { codecRungLabel, masterWithout, rungDirOf, VIDEO_CODECS } from '../transcode/index.js';

/** Rungs whose short side is above this are the ones pruned (the issue: "renditions above 720p"). */
/**
 * The version folders removing `drop` empties: each rung's own and its codec twins' (`1080p-hevc`,
 * `1080p-av1` with LADDER_CODECS), which the catalog does not list but the master playlist does.
 */
export function removedDirsOf(drop: { playlist: string }[]): Set<string> {
  return new Set(drop.flatMap((r) => VIDEO_CODECS.map((codec) => codecRungLabel(rungDirOf(r.playlist), codec))));
}

export const PRUNE_ABOVE_SHORT_SIDE = 720;
/** A pruned version's copy that never published is swept this long after it started. */
const ABANDONED_COPY_AFTER_SEC = 24 * 3600;
/** Rollups older than this mean the play data cannot be trusted to say "nobody played it". */
const ROLLUP_FRESH_SEC = 24 * 3600;
/** Parallel copies per video: enough to overlap round trips to S3, few enough to stay polite. */
const COPY_CONCURRENCY = 8;

export interface PrunedVideo {
  videoId: string;
  fromVersion: string;
  /** The version published without the rungs (absent in a dry run, or when the video changed meanwhile). */
  toVersion?: string;
  removed: string[];
  /** Bytes of the removed rungs' files, freed once the old version is swept. */
  bytes: number;
}

export interface PruneReport {
  pruned: PrunedVideo[];
  /** Why the pass pruned nothing, when it could not judge (no fresh play data). */
  skipped?: string;
}

export interface RenditionPruningDeps {
  db: Db;
  store: ObjectStore;
  log: Logger;
  lifecycle: Pick<Lifecycle, 'currentVersion' | 'publishDerived'>;
  retention: Pick<VersionRetention, 'scheduleAttemptCleanup' | 'cleanupDone'>;
  /** Rungs above 720p unplayed this many days are removed; a ladder younger than that is kept whole. */
  afterDays: number;
  batchSize?: number;
  /** Play data rolled up longer ago than this is stale: the pass prunes nothing. Default a day. */
  rollupFreshSec?: number;
}

const isTall = (r: StoredRendition) => Math.min(r.width, r.height) > PRUNE_ABOVE_SHORT_SIDE;

/**
 * Removes rungs above 720p nobody played for `afterDays` days from the current version of each
 * ready video, by publishing a new version without them (storage that gets cheaper with age).
 *
 * "Played" comes from the watch beacons' QoE totals rolled up per video and hour
 * (`video_hourly.qoe.heightMs`: milliseconds played at each rendition height, owner and bots
 * aside as the rollup counts them); a rung counts as played when any time was spent at its height.
 * A video is a candidate only when its current ladder has been published for `afterDays` days,
 * so neither a new video nor one whose rungs were just restored is pruned, and only while its
 * original is stored (the rungs come back by re-encoding it). When the rollup has not run for a
 * day, the pass prunes nothing: missing data must not read as "nobody watched".
 *
 * The new version holds copies of every kept file (a hard link on local disk, a server-side
 * CopyObject on S3: no bytes through this process, see docs/ARCHITECTURE.md) and a master
 * playlist without the removed variants and I-frame playlists. Publishing is a compare-and-swap
 * on the current version; the old version is superseded and swept after its grace period like
 * any replaced version, so players in the middle of it finish.
 * @example await createRenditionPruning({ db, store, log, lifecycle, retention, afterDays: 90 }).run()
 */
export function createRenditionPruning(deps: RenditionPruningDeps) {
  const log = deps.log.child({ module: 'operations' });
  const batchSize = deps.batchSize ?? 100;
  const workerId = `${hostname()}:${process.pid}`;

  async function isRollupFresh(): Promise<boolean> {
    const row = await deps.db.selectFrom('rollupState').select('doneThrough')
      .where('name', '=', 'hourly')
      .where('doneThrough', '>', sql<Date>`now() - make_interval(secs => ${deps.rollupFreshSec ?? ROLLUP_FRESH_SEC})`)
      .executeTakeFirst();
    return !!row;
  }

  /** Ready videos (after `afterId`) whose current ladder is old enough and has a rung above 720p. */
  async function candidates(afterId: string): Promise<string[]> {
    const { rows } = await sql<{ videoId: string }>`
      SELECT v.video_id FROM videos v
        JOIN video_versions vv ON vv.video_id = v.video_id AND vv.version = v.current_version
       WHERE v.status = 'ready' AND v.lease_token IS NULL AND v.original_stored_at IS NOT NULL AND v.video_id > ${afterId}
         AND v.created_at < now() - make_interval(days => ${deps.afterDays})
         AND vv.created_at < now() - make_interval(days => ${deps.afterDays})
         AND EXISTS (SELECT 1 FROM jsonb_array_elements(vv.renditions) r
                      WHERE least((r->>'width')::int, (r->>'height')::int) > ${PRUNE_ABOVE_SHORT_SIDE})
       ORDER BY v.video_id LIMIT ${batchSize}`.execute(deps.db);
    return rows.map((r) => r.videoId);
  }

  /** Per video, the rendition heights played in the window (any time spent at them). */
  async function playedHeights(videoIds: string[]): Promise<Map<string, Set<number>>> {
    const { rows } = await sql<{ videoId: string; height: string }>`
      SELECT h.video_id, p.key AS height FROM video_hourly h, jsonb_each_text(h.qoe -> 'heightMs') p
       WHERE h.video_id = ANY(${videoIds}::text[]) AND h.hour >= now() - make_interval(days => ${deps.afterDays})
       GROUP BY 1, 2 HAVING sum(p.value::float8) > 0`.execute(deps.db);
    const out = new Map<string, Set<number>>();
    for (const r of rows) {
      if (!out.has(r.videoId)) out.set(r.videoId, new Set());
      out.get(r.videoId)!.add(Number(r.height));
    }
    return out;
  }

  async function sizeOf(keys: string[]): Promise<number> {
    let total = 0;
    for (const key of keys) total += (await deps.store.head(key))?.sizeBytes ?? 0;
    return total;
  }

  async function copyAll(pairs: Array<[string, string]>): Promise<void> {
    let next = 0;
    const one = async () => {
      while (next < pairs.length) {
        const [from, to] = pairs[next++]!;
        await deps.store.copy(from, to);
      }
    };
    await Promise.all(Array.from({ length: COPY_CONCURRENCY }, one));
  }

  /** Builds and publishes `from` without `drop`. Returns the new version, or undefined when the video changed meanwhile. */
  async function publishWithout(videoId: string, from: PublishedVersion, drop: StoredRendition[], keys: string[], removedKeys: Set<string>): Promise<string | undefined> {
    const version = newVersionName(Date.now(), randomBytes(3).toString('hex'));
    const prefix = versionPrefix(videoId, version);
    // Before the first copy: a crash from here on leaves a row the media sweep finishes.
    await deps.retention.scheduleAttemptCleanup(videoId, version, randomUUID(), ABANDONED_COPY_AFTER_SEC);
    const masterKey = from.prefix + from.masterPath;
    let published = false;
    try {
      await copyAll(keys.filter((k) => !removedKeys.has(k) && k !== masterKey).map((k) => [k, prefix + k.slice(from.prefix.length)]));
      const got = await deps.store.get(masterKey);
      if (!got) throw new Error(`${masterKey} is missing`);
      const chunks: Buffer[] = [];
      for await (const c of got.body) chunks.push(c as Buffer);
      const master = masterWithout(Buffer.concat(chunks).toString('utf8'), removedDirsOf(drop));
      await deps.store.put(prefix + from.masterPath, Readable.from([Buffer.from(master)]), { contentType: 'application/vnd.apple.mpegurl' });
      const dropped = new Set(drop);
      const kept = from.renditions.filter((r) => !dropped.has(r));
      const top = kept.reduce((a, b) => (b.width * b.height > a.width * a.height ? b : a));
      published = await deps.lifecycle.publishDerived(videoId, from.version, {
        ...from, version, prefix, renditions: kept, prunedRenditions: [...(from.prunedRenditions ?? []), ...drop], workerId,
      }, { width: top.width, height: top.height });
      return published ? version : undefined;
    } finally {
      if (!published) {
        await deps.store.deletePrefix(prefix);
        await deps.retention.cleanupDone({ videoId, version });
      }
    }
  }

  /** Prunes one candidate (or, in a dry run, says what it would remove). */
  async function pruneOne(videoId: string, played: Set<number>, dryRun: boolean): Promise<PrunedVideo | undefined> {
    const from = await deps.lifecycle.currentVersion(videoId);
    if (!from) return undefined;
    const drop = from.renditions.filter((r) => isTall(r) && !played.has(r.height));
    // Never a ladder with nothing left, nor one whose original is gone (nothing could restore it).
    if (drop.length === 0 || drop.length === from.renditions.length) return undefined;
    if (!(await deps.store.head(originalKey(videoId)))) return undefined;
    const dirs = removedDirsOf(drop);
    const keys = await deps.store.list(from.prefix);
    const removedKeys = new Set(keys.filter((k) => dirs.has(k.slice(from.prefix.length).split('/', 1)[0]!)));
    const bytes = await sizeOf([...removedKeys]);
    const report: PrunedVideo = { videoId, fromVersion: from.version, removed: drop.map((r) => r.label), bytes };
    if (dryRun) return report;
    report.toVersion = await publishWithout(videoId, from, drop, keys, removedKeys);
    if (!report.toVersion) return void log.info({ videoId }, 'video changed while its rungs were being pruned; left as it is');
    log.info({ videoId, from: from.version, to: report.toVersion, removed: report.removed, bytes }, 'unplayed rungs removed');
    return report;
  }

  return {
    /**
     * One pass over every candidate. `dryRun`: nothing is written; the report says what would be
     * removed and how many bytes that frees.
     */
    async run(opts: { dryRun?: boolean } = {}): Promise<PruneReport> {
      const report: PruneReport = { pruned: [] };
      if (!(await isRollupFresh())) {
        report.skipped = 'the play rollup has not run in the last day, so unplayed rungs cannot be told apart from missing data';
        log.warn(report.skipped);
        return report;
      }
      let after = '';
      for (;;) {
        const ids = await candidates(after);
        if (ids.length === 0) break;
        after = ids[ids.length - 1]!;
        const played = await playedHeights(ids);
        for (const videoId of ids) {
          const done = await pruneOne(videoId, played.get(videoId) ?? new Set(), !!opts.dryRun);
          if (done) report.pruned.push(done);
        }
      }
      return report;
    },
  };
}

export type RenditionPruning = ReturnType<typeof createRenditionPruning>;
