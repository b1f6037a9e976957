import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import pg from 'pg';
import { startOwnPostgres } from './support/own-postgres.js';
import { childrenNamed, ladderEncoders, spawnKinemaOnFreePort } from './support/process.js';
import { tempDir } from './support/services.js';
import { makeClip } from './fixtures/media.js';
import { tusUpload } from './support/tus.js';
import { until } from './support/poll.js';
import { jsonCall } from './support/json-call.js';

/**
 * Issue 15: PostgreSQL stopped while a video is encoding and publishing and another is being
 * uploaded. Before, pg-boss's unawaited `fail` rejected with ECONNREFUSED and the process exited,
 * taking every in-flight upload and job with it.
 */
test('PostgreSQL restarting mid-publish and mid-upload: the process stays up, /health is honest, and every video ends ready exactly once', async () => {
  const db = await startOwnPostgres();
  const dir = await tempDir('kinema-fault-db-');
  // No Redis: the in-process cache keeps entries 2 s at most, so what keeps working through the
  // outage is what the platform itself remembers, not a lucky cache entry.
  const app = await spawnKinemaOnFreePort('start', { DATA_DIR: join(dir, 'data'), DATABASE_URL: db.url, WORKER_CONCURRENCY: '1' });
  try {
    const call = jsonCall(app.url);
    const [small, long] = await Promise.all([
      makeClip(dir, { width: 320, height: 180, durationSec: 2 }),
      makeClip(dir, { width: 1280, height: 720, durationSec: 8 }),
    ]);
    const { token } = (await call('POST', '/api/v1/auth/signup', { username: 'outage', email: 'outage@example.test', password: 'long enough password' })).body;
    const create = async (title: string) => (await call('POST', '/api/v1/videos', { title, visibility: 'public' }, token)).body.id as string;
    const status = async (id: string) => (await call('GET', `/api/v1/videos/${id}`, undefined, token)).body?.status;

    // Ready before the outage: its play answer must keep working through it.
    const ready = await create('ready before');
    await tusUpload(small, { endpoint: `${app.url}/api/v1/uploads`, token, videoId: ready });
    await until(async () => (await status(ready)) === 'ready', 'the first video to be ready', 60_000);
    assert.equal((await call('GET', `/api/v1/videos/${ready}/play`)).status, 200);

    // Half uploaded before the outage, the rest sent during it.
    const uploading = await create('uploading');
    const firstHalf = await tusUpload(long, { endpoint: `${app.url}/api/v1/uploads`, token, videoId: uploading, chunkSizeBytes: 64 * 1024, onProgress: (sent, total) => sent >= total / 2 });
    assert.ok(firstHalf.aborted);

    // Encoding when the database goes away, finishing (and trying to publish) while it is away.
    const encoding = await create('encoding');
    await tusUpload(long, { endpoint: `${app.url}/api/v1/uploads`, token, videoId: encoding });
    await until(() => ladderEncoders(app.child.pid!).length > 0, 'the ladder encode to start', 60_000);

    await db.stop();
    const health = await call('GET', '/health');
    assert.equal(health.status, 503);
    assert.equal(health.body.components.database, 'down', 'health names the dependency that is down');
    assert.equal(health.body.components.storage, 'ok');
    const write = await call('POST', '/api/v1/videos', { title: 'during', visibility: 'public' }, token);
    assert.equal(write.status, 503, 'a request that needs the database gets 503, not 500');
    assert.equal(write.body.error.code, 'DEPENDENCY_UNAVAILABLE');
    assert.equal(write.headers.get('retry-after'), '5');
    assert.equal((await call('GET', `/api/v1/videos/${ready}/play`)).status, 200, 'a play answer this node knows keeps working');

    // tus-js-client with its default retries ([0, 1, 3, 5] s) resumes and finishes while the
    // database is still away: the bytes go to staging, and only the last step needs the database.
    const resumed = await tusUpload(long, { endpoint: `${app.url}/api/v1/uploads`, token, videoId: uploading, uploadUrl: firstHalf.url, chunkSizeBytes: 64 * 1024, retryDelays: 'client default' });
    assert.equal(resumed.aborted, false);

    // The encode finishes during the outage and its publish waits for the database.
    await until(() => childrenNamed(app.child.pid!, 'ffmpeg').length === 0, 'the encode to finish during the outage', 120_000);
    assert.equal(app.child.exitCode, null, 'the process is alive');
    assert.equal((await call('GET', '/health')).status, 503);
    await db.start();

    for (const id of [ready, uploading, encoding]) await until(async () => (await status(id)) === 'ready', `video ${id} to be ready after the outage`, 90_000);
    assert.equal(app.child.exitCode, null, 'the process is alive');
    assert.equal((await call('GET', '/health')).status, 200);

    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      const versions = await client.query<{ video_id: string; n: number }>('SELECT video_id, count(*)::int AS n FROM video_versions GROUP BY video_id');
      assert.deepEqual(Object.fromEntries(versions.rows.map((r) => [r.video_id, r.n])), { [ready]: 1, [uploading]: 1, [encoding]: 1 }, 'each video published exactly once');
      const jobs = await until(async () => {
        const r = await client.query<{ vid: string; state: string; retry_count: number }>("SELECT data->>'videoId' AS vid, state, retry_count FROM pgboss.job WHERE name = 'transcode'");
        return r.rows.every((j) => j.state === 'completed') && r.rows;
      }, 'the jobs to be marked completed');
      assert.equal(jobs.length, 3, 'one job per video: no duplicate from the upload that finished during the outage');
      assert.equal(jobs.find((j) => j.vid === encoding)?.retry_count, 0, 'the job that met the outage waited it out without using a try');
    } finally {
      await client.end();
    }
    const out = app.output();
    assert.equal(out.match(/database is unreachable/g)?.length, 1, `one warning for the outage, not one per request:\n${out.slice(-4000)}`);
    assert.equal(out.match(/database is reachable again/g)?.length, 1);
  } finally {
    await app.stop();
    await db.destroy();
  }
});
