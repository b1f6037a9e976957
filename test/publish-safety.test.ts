import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import pg from 'pg';
import { startTestApp, signUp, type TestApp } from './support/app.js';
import { createServerDatabase } from './support/databases.js';
import { ensureRedis, tempDir } from './support/services.js';
import { childrenNamed, ladderEncoders, spawnKinema, spawnKinemaOnFreePort } from './support/process.js';
import { tusUpload } from './support/tus.js';
import { makeClip } from './fixtures/media.js';
import { until } from './support/poll.js';
import { createObjectStore } from '../src/platform/storage/index.js';
import { createLogger } from '../src/platform/log.js';
import { createCatalogService, createVersionRetention } from '../src/modules/catalog/index.js';
import { createPipelineWorker, TRANSCODE_QUEUE } from '../src/modules/publishing/index.js';
import { createVideo, lifecycleOf, publishLadder, readyVideo, startProcessing } from './support/delivery.js';
import { jsonBody } from './support/json-call.js';


/** The pipeline's periodic jobs, built on the app's own engines (no queue workers started). */
function pipelineOf(app: TestApp, graceSec: number) {
  return createPipelineWorker({
    queue: app.platform.queue, store: app.platform.store, lifecycle: lifecycleOf(app),
    catalog: createCatalogService({ db: app.platform.database.db, cache: app.platform.cache, store: app.platform.store, log: createLogger('silent') }),
    retention: createVersionRetention(app.platform.database.db), log: createLogger('silent'), metrics: app.platform.metrics, outages: app.platform.outages,
    scratchDirs: { work: join(app.dataDir, 'work') }, concurrency: 1, maxDurationSec: 60, stallAfterSec: 60, supersededGraceSec: graceSec,
  });
}

const versionsInStore = async (app: TestApp, id: string) => [...new Set((await app.platform.store.list(`media/${id}/`)).map((k) => k.split('/')[2]))].sort();

describe('publish: superseded versions and leftovers', () => {
  test('a replaced version is served during its grace period, then swept with its files; the current one stays', async () => {
    const app = await startTestApp();
    try {
      const owner = await signUp(app, 'grace');
      const v1 = await readyVideo(app, owner.token, 'public');
      const v2 = await publishLadder(app, v1.id);
      assert.equal((await fetch(`${app.url}/media/${v1.id}/${v1.version}/master.m3u8`)).status, 200, 'the old version plays on');
      // Within the grace period the sweep keeps it.
      assert.equal(await pipelineOf(app, 3600).sweep(), 0);
      assert.deepEqual(await versionsInStore(app, v1.id), [v1.version, v2.version].sort());
      // Past it: gone from the store and no longer served (the origin remembers "servable" for a minute).
      assert.equal(await pipelineOf(app, 0).sweep(), 1);
      assert.deepEqual(await versionsInStore(app, v1.id), [v2.version]);
      await app.platform.cache.del(`servable:${v1.id}:${v1.version}`);
      assert.equal((await fetch(`${app.url}/media/${v1.id}/${v1.version}/master.m3u8`)).status, 404);
      assert.equal((await fetch(`${app.url}/media/${v1.id}/${v2.version}/master.m3u8`)).status, 200);
    } finally {
      await app.close();
    }
  });

  test('an attempt\'s output is swept only once that attempt lost the video, and never once published', async () => {
    const app = await startTestApp();
    try {
      const owner = await signUp(app, 'leftover');
      const retention = createVersionRetention(app.platform.database.db);
      const id = await createVideo(app, owner.token, 'public');
      const dead = await startProcessing(app, id);
      await retention.scheduleAttemptCleanup(id, 'vdead', dead, 0);
      await app.platform.store.put(`media/${id}/vdead/master.m3u8`, Readable.from([Buffer.from('#EXTM3U\n')]));
      // A retry takes the video over: the first attempt's token is dead, the new one is live.
      const live = await lifecycleOf(app).markProcessing(id, 'job-2');
      assert.ok(live);
      await retention.scheduleAttemptCleanup(id, 'vlive', live, 0);
      await app.platform.store.put(`media/${id}/vlive/master.m3u8`, Readable.from([Buffer.from('#EXTM3U\n')]));
      assert.equal(await pipelineOf(app, 3600).sweep(), 1);
      assert.deepEqual(await versionsInStore(app, id), ['vlive'], 'the live attempt keeps its output');
      // The live attempt publishes under its own version name: its cleanup row is dropped, not run.
      const published = await publishLadder(app, id, live);
      await retention.scheduleAttemptCleanup(id, published.version, live, 0);
      await pipelineOf(app, 3600).sweep();
      assert.ok((await versionsInStore(app, id)).includes(published.version), 'a published version is never swept');
      assert.equal((await fetch(`${app.url}/media/${id}/${published.version}/master.m3u8`)).status, 200);
    } finally {
      await app.close();
    }
  });
});

describe('transcode jobs never move a published video backwards', () => {
  test('a repeated job for a ready video is dropped: /play keeps answering 200 with the same version', async () => {
    const app = await startTestApp({ roles: { api: true, worker: true } });
    try {
      const owner = await signUp(app, 'again');
      const v = await readyVideo(app, owner.token, 'public');
      // What a retry after a publish looked like: the same job handed out again.
      const jobId = await app.platform.queue.send(TRANSCODE_QUEUE, { videoId: v.id });
      await until(async () => (await app.platform.queue.getState(TRANSCODE_QUEUE, jobId!)) === 'completed', 'the job to be handled');
      const play = await app.api('GET', `/api/v1/videos/${v.id}/play`);
      assert.equal(play.status, 200);
      assert.match(play.body.hlsManifest, new RegExp(`/${v.version}/master\\.m3u8$`));
      const { rows } = await app.platform.database.sql.query<{ n: number }>('SELECT count(*)::int AS n FROM video_versions WHERE video_id = $1', [v.id]);
      assert.equal(rows[0]!.n, 1);
    } finally {
      await app.close();
    }
  });

  test('progress reaches the API while the encode runs, in several steps', async () => {
    const app = await startTestApp({ roles: { api: true, worker: true } });
    try {
      const dir = await tempDir('kinema-progress-');
      const clip = await makeClip(dir, { width: 1280, height: 720, durationSec: 20 });
      const u = await signUp(app, 'watcher');
      const { id } = (await app.api('POST', '/api/v1/videos', { token: u.token, body: { title: 'progress', visibility: 'public' } })).body;
      await tusUpload(clip, { endpoint: `${app.url}/api/v1/uploads`, token: u.token, videoId: id });
      const seen = new Set<number>();
      await until(async () => {
        const v = (await app.api('GET', `/api/v1/videos/${id}`, { token: u.token })).body;
        if (v.status === 'processing' && v.progress > 0 && v.progress < 95) seen.add(v.progress);
        return v.status === 'ready' || v.status === 'failed';
      }, 'the video to finish', 240_000, 50);
      assert.ok(seen.size >= 3, `progress moved during the encode: saw ${[...seen].join(', ')}`);
    } finally {
      await app.close();
    }
  });
});

describe('workers that stop or lose their lease', () => {
  async function cluster(prefix: string, extra: Record<string, string> = {}) {
    const dir = await tempDir(prefix);
    const db = await createServerDatabase();
    await ensureRedis();
    const env = {
      DATA_DIR: join(dir, 'data'), DATABASE_URL: db.url, REDIS_URL: 'redis://127.0.0.1:6379',
      REDIS_KEY_PREFIX: `test-${randomBytes(4).toString('hex')}:`, TRANSCODE_STALL_SEC: '3', WORKER_CONCURRENCY: '1', SHUTDOWN_GRACE_SEC: '1', ...extra,
    };
    const api = await spawnKinemaOnFreePort('api', env);
    const call = jsonBody(api.url);
    const { token } = await call('POST', '/api/v1/auth/signup', { username: `w${randomBytes(3).toString('hex')}`, email: `${randomBytes(3).toString('hex')}@example.test`, password: 'long enough password' });
    const sql = async <T>(text: string, values: unknown[]) => {
      const c = new pg.Client({ connectionString: db.url });
      await c.connect();
      try {
        return (await c.query(text, values)).rows as T[];
      } finally {
        await c.end();
      }
    };
    return { dir, db, env, api, call, token, sql };
  }

  /** Uploads a 12 s clip and waits until `worker` (the only one running) is encoding it. */
  async function uploadUntilEncoding(c: Awaited<ReturnType<typeof cluster>>, worker: Awaited<ReturnType<typeof spawnKinema>>, title: string): Promise<string> {
    const clip = await makeClip(c.dir, { width: 1280, height: 720, durationSec: 12 });
    const { id } = await c.call('POST', '/api/v1/videos', { title, visibility: 'public' }, c.token);
    await tusUpload(clip, { endpoint: `${c.api.url}/api/v1/uploads`, token: c.token, videoId: id });
    // "processing" means this worker claimed the video (an ffmpeg child seen earlier could be its
    // start-up tools check).
    await until(async () => (await c.call('GET', `/api/v1/videos/${id}`, undefined, c.token)).status === 'processing', 'the worker to claim the video');
    await until(() => ladderEncoders(worker.child.pid!).length > 0, 'the worker to run the ladder encode');
    return id;
  }

  test('a worker paused past the stall limit is fenced: exactly one version, from the live attempt', async () => {
    const c = await cluster('kinema-zombie-');
    const workerA = await spawnKinema('worker', { ...c.env, PORT: '0', LOG_LEVEL: 'info' });
    let workerB: Awaited<ReturnType<typeof spawnKinema>> | undefined;
    try {
      const id = await uploadUntilEncoding(c, workerA, 'zombie');
      process.kill(workerA.child.pid!, 'SIGSTOP');
      workerB = await spawnKinema('worker', { ...c.env, PORT: '0', LOG_LEVEL: 'info' });
      const video = await until(async () => {
        const v = await c.call('GET', `/api/v1/videos/${id}`, undefined, c.token);
        return (v.status === 'ready' || v.status === 'failed') && v;
      }, 'worker B to take over and publish');
      assert.equal(video.status, 'ready', video.failureReason);
      process.kill(workerA.child.pid!, 'SIGCONT');
      await until(() => workerA.output().includes('lease lost'), 'worker A to find out it lost the video').catch((err: Error) => {
        throw new Error(`${err.message}\nworker A:\n${workerA.output()}\nworker B:\n${workerB?.output()}`);
      });
      const objects = createObjectStore({ kind: 'local', rootDir: join(c.env.DATA_DIR, 'objects') });
      const prefixes = await until(async () => {
        const names = [...new Set((await objects.list(`media/${id}/`)).map((k) => k.split('/')[2]))];
        return names.length === 1 && names;
      }, 'worker A to discard its output');
      const versions = await c.sql<{ version: string; worker_id: string }>('SELECT version, worker_id FROM video_versions WHERE video_id = $1', [id]);
      assert.equal(versions.length, 1, 'published exactly once');
      assert.ok(versions[0]!.worker_id.endsWith(`:${workerB.child.pid}`), `published by the live worker B, not ${versions[0]!.worker_id}`);
      assert.deepEqual(prefixes, [versions[0]!.version]);
      assert.equal((await c.call('GET', `/api/v1/videos/${id}`, undefined, c.token)).status, 'ready');
    } finally {
      try {
        process.kill(workerA.child.pid!, 'SIGCONT');
      } catch {
        // Already gone.
      }
      await workerB?.stop();
      await workerA.stop('SIGKILL');
      await c.api.stop();
      await c.db.drop();
    }
  });

  test('a worker stopped with SIGTERM hands its job back without using up a try', async () => {
    const c = await cluster('kinema-sigterm-');
    const workerA = await spawnKinema('worker', { ...c.env, PORT: '0' });
    let workerB: Awaited<ReturnType<typeof spawnKinema>> | undefined;
    try {
      const id = await uploadUntilEncoding(c, workerA, 'sigterm');
      const code = await workerA.stop('SIGTERM');
      assert.equal(code, 0, `exit ${code} signal ${workerA.child.signalCode}\n${workerA.output()}`);
      const [handedBack] = await c.sql<{ state: string; retry_count: number }>("SELECT state, retry_count FROM pgboss.job WHERE name = 'transcode' AND data->>'videoId' = $1", [id]);
      assert.deepEqual(handedBack, { state: 'retry', retry_count: 0 });
      workerB = await spawnKinema('worker', { ...c.env, PORT: '0' });
      await until(async () => (await c.call('GET', `/api/v1/videos/${id}`, undefined, c.token)).status === 'ready', 'worker B to finish');
      const done = await until(async () => {
        const rows = await c.sql<{ state: string; retry_count: number }>("SELECT state, retry_count FROM pgboss.job WHERE name = 'transcode' AND data->>'videoId' = $1", [id]);
        return rows.every((r) => r.state === 'completed') && rows;
      }, 'the job to be marked done');
      assert.deepEqual(done, [{ state: 'completed', retry_count: 0 }], 'the interrupted run did not count as a try');
    } finally {
      await workerB?.stop();
      await workerA.stop('SIGKILL');
      await c.api.stop();
      await c.db.drop();
    }
  });
});
