import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { startTestApp, signUp } from './support/app.js';
import { createServerDatabase } from './support/databases.js';
import { tempDir } from './support/services.js';
import { childrenNamed, ladderEncoders, spawnKinema, spawnKinemaOnFreePort } from './support/process.js';
import { ensureRedis } from './support/services.js';
import { tusUpload } from './support/tus.js';
import { makeClip } from './fixtures/media.js';
import { until } from './support/poll.js';
import { jsonBody } from './support/json-call.js';



const isAlive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('a transcode interrupted mid-job', () => {
  test('killing the ffmpeg child fails the try; the retry publishes the video once', async () => {
    const app = await startTestApp({ roles: { api: true, worker: true } });
    try {
      const dir = await tempDir('kinema-kill-ffmpeg-');
      const clip = await makeClip(dir, { width: 1280, height: 720, durationSec: 12 });
      const u = await signUp(app, 'killer');
      const { id } = (await app.api('POST', '/api/v1/videos', { token: u.token, body: { title: 'interrupted', visibility: 'public' } })).body;
      await tusUpload(clip, { endpoint: `${app.url}/api/v1/uploads`, token: u.token, videoId: id });
      const [ffmpegPid] = await until(() => {
        const pids = ladderEncoders(process.pid);
        return pids.length > 0 && pids;
      }, 'ffmpeg to start');
      process.kill(ffmpegPid!, 'SIGKILL');
      const video = await until(async () => {
        const v = (await app.api('GET', `/api/v1/videos/${id}`, { token: u.token })).body;
        return (v.status === 'ready' || v.status === 'failed') && v;
      }, 'the retry to finish');
      assert.equal(video.status, 'ready', video.failureReason);
      // pg-boss marks the job completed just after the handler returns: wait for that too.
      const rows = await until(async () => {
        const r = await app.platform.database.sql.query<{ retry_count: number; state: string }>("SELECT retry_count, state FROM pgboss.job WHERE name = 'transcode' AND data->>'videoId' = $1", [id]);
        return r.rows.every((j) => j.state !== 'active') && r.rows;
      }, 'the job to be marked done');
      assert.deepEqual(rows.map((r) => [r.state, r.retry_count]), [['completed', 1]], 'one job, completed on its second try');
      const versions = new Set((await app.platform.store.list(`media/${id}/`)).map((k) => k.split('/')[2]));
      assert.equal(versions.size, 1, 'the interrupted try left no half-written version behind');
    } finally {
      await app.close();
    }
  });

  for (const signal of ['SIGKILL', 'SIGTERM'] as const) test(`a worker process stopped with ${signal} mid-job: another worker takes the job over and the video becomes ready exactly once`, async () => {
    const dir = await tempDir('kinema-kill-worker-');
    const db = await createServerDatabase();
    await ensureRedis();
    // Several processes share state only through the engines: PostgreSQL, Redis and the object store.
    const env = {
      DATA_DIR: join(dir, 'data'), DATABASE_URL: db.url, REDIS_URL: 'redis://127.0.0.1:6379',
      REDIS_KEY_PREFIX: `test-${randomBytes(4).toString('hex')}:`, TRANSCODE_STALL_SEC: '3', WORKER_CONCURRENCY: '1', SHUTDOWN_GRACE_SEC: '1',
    };
    const api = await spawnKinemaOnFreePort('api', env);
    const workerA = await spawnKinema('worker', { ...env, PORT: '0' });
    let workerB: Awaited<ReturnType<typeof spawnKinema>> | undefined;
    try {
      const clip = await makeClip(dir, { width: 1280, height: 720, durationSec: 12 });
      const call = jsonBody(api.url);
      const { token } = await call('POST', '/api/v1/auth/signup', { username: 'crashy', email: 'crashy@example.test', password: 'long enough password' });
      const { id } = await call('POST', '/api/v1/videos', { title: 'worker dies', visibility: 'public' }, token);
      await tusUpload(clip, { endpoint: `${api.url}/api/v1/uploads`, token, videoId: id });
      await until(async () => (await call('GET', `/api/v1/videos/${id}`, undefined, token)).status === 'processing', 'worker A to start');
      const [ffmpegPid] = await until(() => {
        const pids = ladderEncoders(workerA.child.pid!);
        return pids.length > 0 && pids;
      }, 'worker A to run ffmpeg');
      const exitCode = await workerA.stop(signal);
      // SIGTERM: a clean exit after the grace period, job handed back. SIGKILL: the heartbeat stops.
      if (signal === 'SIGTERM') assert.equal(exitCode, 0, workerA.output());
      await until(() => !isAlive(ffmpegPid!), 'the orphaned ffmpeg to exit');
      const mid = await call('GET', `/api/v1/videos/${id}`, undefined, token);
      assert.equal(mid.status, 'processing', 'nothing half-published after the crash');

      workerB = await spawnKinema('worker', { ...env, PORT: '0' });
      const video = await until(async () => {
        const v = await call('GET', `/api/v1/videos/${id}`, undefined, token);
        return (v.status === 'ready' || v.status === 'failed') && v;
      }, 'worker B to finish the job');
      assert.equal(video.status, 'ready', video.failureReason);
      const pgc = new pg.Client({ connectionString: db.url });
      await pgc.connect();
      const versions = await pgc.query('SELECT count(*)::int AS n FROM video_versions WHERE video_id = $1', [id]);
      await pgc.end();
      assert.equal(versions.rows[0].n, 1, 'published exactly once');
    } finally {
      await workerB?.stop();
      await workerA.stop('SIGKILL');
      await api.stop();
      await db.drop();
    }
  });
});
