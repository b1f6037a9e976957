import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { readFile } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { randomBytes } from 'node:crypto';
import { startTestApp, signUp, type TestApp } from './support/app.js';
import { startS3Server, tempDir, type S3Server } from './support/services.js';
import { createVideo, lifecycleOf, startProcessing } from './support/delivery.js';
import { beacon, eventCount, newSession } from './support/engagement.js';
import { until } from './support/poll.js';
import { makeClip } from './fixtures/media.js';
import type { Engine } from './support/databases.js';
import { createRenditionPruning, createStorageLifecycle } from '../src/modules/operations/index.js';
import { createMediaSweep } from '../src/modules/publishing/index.js';
import { createRetiredVersionPurge } from '../src/modules/delivery/index.js';
import { createRollup } from '../src/modules/analytics/index.js';
import { createVersionRetention } from '../src/modules/catalog/index.js';
import { transcodeFile, type HlsOutput } from '../src/modules/transcode/index.js';
import { originalKey } from '../src/modules/media-layout/index.js';
import { hasColdTier } from '../src/platform/storage/index.js';
import { createLogger } from '../src/platform/log.js';

/**
 * The storage lifecycle's removal of unplayed renditions above 720p, and their return by a
 * re-encode of the original, on real engines: the embedded database with local disk (and
 * COLD_DIR), and PostgreSQL with the S3 server (a storage class for the cold tier). One real
 * 1920x1080 source (2 s at 10 fps) and its real ladder; plays come from watch beacons through the
 * analytics rollup, as in production.
 */

const DAY_MS = 86_400_000;
const silent = createLogger('silent');

let source: Promise<{ clip: Buffer; dir: string; out: HlsOutput }> | undefined;
/** The 1080p source and its ladder, encoded once per test process. */
function tallLadder() {
  source ??= (async () => {
    const work = await tempDir('kinema-prune-');
    const clipPath = await makeClip(work, { width: 1920, height: 1080, durationSec: 2, rate: 10 });
    const dir = join(work, 'out');
    return { clip: await readFile(clipPath), dir, out: await transcodeFile(clipPath, dir) };
  })();
  return source;
}

function pruningSuite(name: string, engine: Engine, env: () => Promise<{ env: Record<string, string>; close?: () => Promise<void> }>, restoreBy: 'viewer' | 'owner') {
  describe(`rendition pruning on ${name}`, () => {
    let app: TestApp;
    let closeEnv: (() => Promise<void>) | undefined;
    let owner: Awaited<ReturnType<typeof signUp>>;

    before(async () => {
      await tallLadder();
      const e = await env();
      closeEnv = e.close;
      // PRUNE_AFTER_DAYS=0: the api's own daily pass stays off, so only the passes below run.
      app = await startTestApp({ engine, roles: { api: true, worker: true }, env: { ...e.env, PRUNE_AFTER_DAYS: '0' } });
      owner = await signUp(app, 'pruner');
    });
    after(async () => {
      await app?.close();
      await closeEnv?.();
    });

    /** A public video with the 1080p ladder published `daysOld` days ago, its original stored. */
    async function publishedVideo(daysOld: number): Promise<{ id: string; version: string }> {
      const { clip, dir, out } = await tallLadder();
      const id = await createVideo(app, owner.token, 'public');
      await app.platform.store.put(originalKey(id), Readable.from([clip]));
      const lease = await startProcessing(app, id);
      const version = `v${randomBytes(4).toString('hex')}`;
      const prefix = `media/${id}/${version}/`;
      await app.platform.store.putDirectory(dir, prefix);
      const ok = await lifecycleOf(app).publish(id, lease, {
        version, prefix, masterPath: out.master, renditions: out.renditions, hasAudio: out.hasAudio,
        posterPath: out.poster, storyboardPath: out.storyboardVtt, duration: out.durationSec,
      }, { width: 1920, height: 1080 });
      assert.ok(ok);
      const at = new Date(Date.now() - daysOld * DAY_MS);
      const db = app.platform.database.db;
      await db.updateTable('videos').set({ createdAt: at, originalStoredAt: at }).where('videoId', '=', id).execute();
      await db.updateTable('videoVersions').set({ createdAt: at }).where('videoId', '=', id).execute();
      return { id, version };
    }

    /** One finished session played at `height`, through the beacon API, then written. */
    async function playedAt(videoId: string, height: number) {
      const before = await eventCount(app, videoId, 'beacon');
      const r = await beacon(app, videoId, {
        sessionId: newSession(), positionSec: 2, played: [[0, 2]], state: 'ended',
        qoe: { startupMs: 300, watchMs: 2000, renditions: [{ height, bitrateKbps: 3000, playedMs: 2000 }] },
      });
      assert.equal(r.status, 204);
      await until(async () => (await eventCount(app, videoId, 'beacon')) > before, 'the beacon to be written');
    }

    const currentVersion = async (id: string) =>
      (await app.platform.database.db.selectFrom('videos').select('currentVersion').where('videoId', '=', id).executeTakeFirstOrThrow()).currentVersion;

    /** The watch works: /play answers 200, and its master playlist and a segment of each rung it lists load. */
    async function assertPlays(id: string): Promise<{ labels: string[]; master: string; removed: string[] }> {
      const play = await app.api('GET', `/api/v1/videos/${id}/play`);
      assert.equal(play.status, 200, JSON.stringify(play.body));
      const masterRes = await fetch(new URL(play.body.hlsManifest, app.url));
      assert.equal(masterRes.status, 200);
      const master = await masterRes.text();
      for (const r of play.body.renditions as Array<{ url: string; label: string }>) {
        const media = await fetch(new URL(r.url, app.url));
        assert.equal(media.status, 200, `${r.label} playlist`);
        const firstSegment = (await media.text()).split('\n').find((l) => l.endsWith('.m4s'));
        assert.ok(firstSegment);
        const seg = await fetch(new URL(firstSegment, new URL(r.url, app.url)));
        assert.equal(seg.status, 200, `${r.label} segment`);
        assert.ok((await seg.arrayBuffer()).byteLength > 0);
      }
      return { labels: play.body.renditions.map((r: { label: string }) => r.label), master, removed: play.body.removedRenditions ?? [] };
    }

    test('removes unplayed rungs above 720p from old videos only, keeps playing throughout, and brings them back from the original', async () => {
      const { out } = await tallLadder();
      assert.ok(out.renditions.some((r) => r.label === '1080p'), 'the ladder has a 1080p rung');
      const db = app.platform.database.db;
      const store = app.platform.store;
      const unwatched = await publishedVideo(120);
      const watched = await publishedVideo(120);
      const young = await publishedVideo(30);
      // Plays at 720p only (this week), and at 1080p only long ago: the 1080p rung is unplayed for 90 days.
      await playedAt(unwatched.id, 720);
      await db.insertInto('videoHourly').values({ videoId: unwatched.id, hour: new Date(Date.now() - 100 * DAY_MS), qoe: JSON.stringify({ heightMs: { 1080: 60_000 } }) } as never).execute();
      await playedAt(watched.id, 1080);
      await createRollup({ db, log: silent, retentionDays: 90 }).run();

      const retention = createVersionRetention(db);
      const pruning = createRenditionPruning({ db, store, log: silent, lifecycle: lifecycleOf(app), retention, afterDays: 90 });
      assert.ok((await assertPlays(unwatched.id)).labels.includes('1080p'));

      // A dry run says what would go and frees nothing.
      const dry = await createStorageLifecycle({ db, store, log: silent, pruning }).run({ dryRun: true });
      const ours = (r: { videoId: string }) => [unwatched.id, watched.id, young.id].includes(r.videoId);
      const wouldGo = dry.pruning!.pruned.filter(ours);
      assert.deepEqual(wouldGo.map((p) => [p.videoId, p.removed]), [[unwatched.id, ['1080p']]]);
      assert.ok(wouldGo[0]!.bytes > 0);
      assert.equal(wouldGo[0]!.toVersion, undefined);
      assert.equal(await currentVersion(unwatched.id), unwatched.version);

      const pass = await createStorageLifecycle({ db, store, log: silent, pruning }).run();
      const done = pass.pruning!.pruned.filter(ours);
      assert.deepEqual(done.map((p) => p.videoId), [unwatched.id]);
      assert.equal(done[0]!.bytes, wouldGo[0]!.bytes);
      const pruned = done[0]!.toVersion!;
      assert.equal(await currentVersion(unwatched.id), pruned);
      assert.equal(await currentVersion(watched.id), watched.version, 'played at 1080p this quarter: kept');
      assert.equal(await currentVersion(young.id), young.version, 'younger than 90 days: kept');

      // The new version: no 1080p variant, no 1080p I-frame playlist, no 1080p files; the rest plays.
      const after = await assertPlays(unwatched.id);
      assert.deepEqual(after.removed, ['1080p']);
      assert.ok(!after.labels.includes('1080p') && after.labels.includes('720p'));
      assert.doesNotMatch(after.master, /1080p\//);
      assert.match(after.master, /#EXT-X-I-FRAME-STREAM-INF:.*URI="720p\/iframes\.m3u8"/);
      const newKeys = await store.list(`media/${unwatched.id}/${pruned}/`);
      assert.ok(newKeys.length > 0 && !newKeys.some((k) => k.includes('/1080p/')));
      // The old version stays servable through its grace period (players in the middle of it)…
      const oldMaster = await fetch(`${app.url}/media/${unwatched.id}/${unwatched.version}/master.m3u8`);
      assert.equal(oldMaster.status, 200);
      // …then the media sweep removes it, after queueing the purge of its URLs from the cache
      // tiers (they were public); the new version's files (copies) are untouched by that.
      const purgeFromTiers = createRetiredVersionPurge({ queue: app.platform.queue, store, tiers: ['http://127.0.0.1:9'] });
      await createMediaSweep({ retention, store, log: silent, graceSec: 0, purgeFromTiers })();
      assert.deepEqual(await store.list(`media/${unwatched.id}/${unwatched.version}/`), []);
      const { rows: purges } = await app.platform.database.sql.query<{ paths: string[] }>(
        "SELECT data->'paths' AS paths FROM pgboss.job WHERE name = 'edge-purge' AND data->>'videoId' = $1", [unwatched.id]);
      const purged = purges.flatMap((r) => r.paths);
      assert.ok(purged.includes(`/media/${unwatched.id}/${unwatched.version}/master.m3u8`));
      assert.ok(purged.some((p) => p.startsWith(`/media/${unwatched.id}/${unwatched.version}/1080p/`)));
      assert.ok(!purged.some((p) => p.includes(`/${pruned}/`)), 'the current version is not purged');
      assert.ok(!(await store.list(`media/${unwatched.id}/`)).some((k) => k.includes('/1080p/')), 'the 1080p files are gone');
      await assertPlays(unwatched.id);

      // A second pass has nothing left to remove.
      const again = await pruning.run();
      assert.deepEqual(again.pruned.filter(ours), []);

      // Asking to restore: the owner only, and only what was removed.
      const stranger = await signUp(app, 'stranger');
      assert.equal((await app.api('POST', `/api/v1/videos/${unwatched.id}/restore-renditions`, { token: stranger.token })).status, 403);
      assert.equal((await app.api('POST', `/api/v1/videos/${unwatched.id}/restore-renditions`)).status, 401);
      const nothing = await app.api('POST', `/api/v1/videos/${watched.id}/restore-renditions`, { token: owner.token });
      assert.equal(nothing.status, 409);
      assert.equal(nothing.body.error.code, 'NOTHING_TO_RESTORE');

      // The original has gone cold by now: the restore reads it from the cold tier.
      assert.ok(hasColdTier(store));
      assert.equal(await store.moveToColdTier(originalKey(unwatched.id)), 'moved');

      if (restoreBy === 'viewer') {
        // A viewer picks 1080p: the answer is the current (pruned) ladder, and the restore starts.
        const asked = await app.api('GET', `/api/v1/videos/${unwatched.id}/play?quality=1080p`);
        assert.equal(asked.status, 200);
        assert.deepEqual(asked.body.removedRenditions, ['1080p']);
        assert.ok(!asked.body.renditions.some((r: { label: string }) => r.label === '1080p'));
        assert.equal((await app.api('GET', `/api/v1/videos/${unwatched.id}/play?quality=1080%3Cp`)).status, 400, 'quality is a rung label or nothing');
      } else {
        const queued = await app.api('POST', `/api/v1/videos/${unwatched.id}/restore-renditions`, { token: owner.token });
        assert.equal(queued.status, 202);
        assert.deepEqual(queued.body, { status: 'queued', renditions: ['1080p'] });
      }
      // While the worker re-encodes, the video plays on what it has.
      await assertPlays(unwatched.id);
      const restored = await until(async () => {
        const v = await currentVersion(unwatched.id);
        return v !== pruned ? v : undefined;
      }, 'the restore to publish a new version', 600_000, 500);
      const back = await assertPlays(unwatched.id);
      assert.ok(back.labels.includes('1080p'), 'the 1080p rung is back');
      assert.deepEqual(back.removed, []);
      assert.match(back.master, /1080p\/index\.m3u8/);
      assert.match(back.master, /URI="1080p\/iframes\.m3u8"/);
      assert.ok((await store.list(`media/${unwatched.id}/${restored}/1080p/`)).length > 0);
      // Restored just now: the next pass leaves it whole for another 90 days.
      assert.deepEqual((await pruning.run()).pruned.filter(ours), []);
      const afterRestore = await app.api('POST', `/api/v1/videos/${unwatched.id}/restore-renditions`, { token: owner.token });
      assert.equal(afterRestore.status, 409);
    });

    test('prunes nothing while the play rollup is stale: missing data is not "nobody watched"', async () => {
      const db = app.platform.database.db;
      const old = await publishedVideo(200);
      // The api rolls up every minute here, so "stale" is set by the threshold: no rollup is
      // fresher than 0 s. (With a fresh one, the first test shows this video would be pruned.)
      const report = await createRenditionPruning({
        db, store: app.platform.store, log: silent, lifecycle: lifecycleOf(app), retention: createVersionRetention(db), afterDays: 90, rollupFreshSec: 0,
      }).run();
      assert.match(report.skipped ?? '', /rollup/);
      assert.equal(report.pruned.length, 0);
      assert.equal(await currentVersion(old.id), old.version);
    });
  });
}

pruningSuite('local disk and the embedded database', 'pglite', async () => ({ env: { COLD_DIR: await tempDir('kinema-prune-cold-') } }), 'viewer');

let s3: S3Server | undefined;
pruningSuite('the S3 server and PostgreSQL', 'postgres', async () => {
  s3 = await startS3Server();
  return {
    // s3rver knows the storage classes of its time, not GLACIER_IR: STANDARD_IA stands in for it.
    env: {
      S3_ENDPOINT: s3.endpoint, S3_BUCKET: s3.bucket, S3_REGION: s3.region, S3_ACCESS_KEY_ID: s3.accessKeyId,
      S3_SECRET_ACCESS_KEY: s3.secretAccessKey, S3_FORCE_PATH_STYLE: 'true', S3_COLD_STORAGE_CLASS: 'STANDARD_IA',
    },
    close: () => s3!.stop(),
  };
}, 'owner');
