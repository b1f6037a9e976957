import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import pg from 'pg';
import { createServerDatabase } from './support/databases.js';
import { ensureRedis, startS3Server, tempDir } from './support/services.js';
import { spawnKinema, spawnKinemaOnFreePort, type KinemaProcess } from './support/process.js';
import { tusUpload } from './support/tus.js';
import { makeClip } from './fixtures/media.js';
import { until } from './support/poll.js';
import { jsonCall } from './support/json-call.js';


/** Waits for processes started together, keeping every one that started so `finally` stops it. */
async function spawnAll(into: KinemaProcess[], starting: Promise<KinemaProcess>[]): Promise<KinemaProcess[]> {
  const settled = await Promise.allSettled(starting);
  const started = settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  into.push(...started);
  const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed) throw failed.reason;
  return started;
}

/**
 * The scale-out shape on real engines: two api and two worker processes sharing PostgreSQL, Redis
 * and an S3 server, and nothing else (each process gets its own DATA_DIR).
 */
test('two api and two worker processes on PostgreSQL + Redis + S3 share the work', async () => {
  const dir = await tempDir('kinema-scale-');
  const [db, s3] = await Promise.all([createServerDatabase(), startS3Server({ bucket: 'kinema-scale' }), ensureRedis()]);
  const shared = {
    DATABASE_URL: db.url,
    REDIS_URL: 'redis://127.0.0.1:6379',
    REDIS_KEY_PREFIX: `scale-${randomBytes(4).toString('hex')}:`,
    S3_ENDPOINT: s3.endpoint, S3_BUCKET: s3.bucket, S3_REGION: s3.region,
    S3_ACCESS_KEY_ID: s3.accessKeyId, S3_SECRET_ACCESS_KEY: s3.secretAccessKey, S3_FORCE_PATH_STYLE: 'true',
    MEDIA_SIGNING_SECRET: randomBytes(32).toString('hex'),
    // What a load balancer / edge in front of both nodes would be called.
    PUBLIC_URL: 'http://kinema.test', MEDIA_BASE_URL: 'http://media.kinema.test',
    WORKER_CONCURRENCY: '1',
  };
  const procs: KinemaProcess[] = [];
  let client: pg.Client | undefined;
  try {
    // Started together: migrations must run once under the advisory lock, whoever wins.
    const apis = await spawnAll(procs, [0, 1].map((i) => spawnKinemaOnFreePort('api', { ...shared, DATA_DIR: join(dir, `api${i}`) })));
    const workers = await spawnAll(procs, [0, 1].map((i) => spawnKinema('worker', { ...shared, PORT: '0', DATA_DIR: join(dir, `worker${i}`) })));

    const call = (base: string, method: string, path: string, body?: unknown, token?: string) => jsonCall(base)(method, path, body, token);
    const [a, b] = apis.map((p) => p.url) as [string, string];
    const { body: signup } = await call(a, 'POST', '/api/v1/auth/signup', { username: 'scaler', email: 'scaler@example.test', password: 'long enough password' });
    const token = signup.token as string;
    // A session made on one api node is valid on the other.
    assert.equal((await call(b, 'GET', '/api/v1/me', undefined, token)).body.username, 'scaler');

    const clip = await makeClip(dir, { width: 854, height: 480, durationSec: 8 });
    const upload = async (i: number, base: string) => {
      const { body: v } = await call(base, 'POST', '/api/v1/videos', { title: `scaled ${i}`, visibility: i === 2 ? 'private' : 'public' }, token);
      await tusUpload(clip, { endpoint: `${base}/api/v1/uploads`, token, videoId: v.id });
      return v.id as string;
    };
    const statusOf = async (id: string) => (await call(b, 'GET', `/api/v1/videos/${id}`, undefined, token)).body;
    const finished = async (id: string) => {
      const v = await until(async () => {
        const r = await statusOf(id);
        return (r.status === 'ready' || r.status === 'failed') && r;
      }, `video ${id}`);
      assert.equal(v.status, 'ready', v.failureReason);
    };
    const sqlClient = (client = new pg.Client({ connectionString: db.url }));
    await sqlClient.connect();
    // Which worker takes which job is up to the queue: an idle worker polling first may take all
    // of them. To see both workers work, the one that did the first job is paused (SIGSTOP)
    // while the next two are queued, so only the other one can pick them up; then it resumes.
    const ids = [await upload(0, a)];
    await finished(ids[0]!);
    await until(async () => (await sqlClient.query("SELECT 1 FROM pgboss.job WHERE name = 'transcode' AND state = 'completed' AND data->>'videoId' = $1", [ids[0]])).rowCount === 1, 'the first job to be marked completed');
    const { rows: [firstVersion] } = await sqlClient.query<{ worker_id: string }>('SELECT worker_id FROM video_versions WHERE video_id = $1', [ids[0]]);
    const first = workers.find((w) => w.child.pid === Number(firstVersion!.worker_id.split(':')[1]))!;
    assert.ok(first, `the first video was published by one of the workers (${firstVersion!.worker_id})`);
    first.child.kill('SIGSTOP');
    try {
      ids.push(await upload(1, b), await upload(2, a));
      // A fetch the paused worker sent just before the pause can claim at most one of the two
      // jobs (one job per fetch); the other must be taken, and marked processing, by the other.
      await until(async () => {
        for (const id of ids.slice(1)) if ((await statusOf(id)).status !== 'uploaded') return true;
        return false;
      }, 'the other worker to take a job while the first is paused');
    } finally {
      first.child.kill('SIGCONT');
    }
    for (const id of ids.slice(1)) await finished(id);

    const { rows } = await sqlClient.query<{ video_id: string; n: number; workers: string[] }>(
      'SELECT video_id, count(*)::int AS n, array_agg(worker_id) AS workers FROM video_versions GROUP BY video_id',
    );
    const migrations = await sqlClient.query<{ n: number }>('SELECT count(*)::int AS n FROM schema_migrations');
    assert.deepEqual(rows.map((r) => r.video_id).sort(), [...ids].sort());
    assert.ok(rows.every((r) => r.n === 1), 'every video published exactly once');
    const usedPids = new Set(rows.flatMap((r) => r.workers.map((w) => Number(w.split(':')[1]))));
    assert.deepEqual([...usedPids].sort(), workers.map((w) => w.child.pid!).sort(), 'both workers took jobs');
    assert.ok(migrations.rows[0]!.n >= 2, 'migrations recorded once each');

    for (const id of ids) {
      const answers = await Promise.all([a, b].map((base) => call(base, 'GET', `/api/v1/videos/${id}/play`, undefined, token)));
      for (const r of answers) assert.equal(r.status, 200);
      assert.equal(answers[0]!.body.hlsManifest, answers[1]!.body.hlsManifest, 'both api nodes hand out the same URLs');
      // Media comes from S3 through either node's origin.
      const manifest = answers[0]!.body.hlsManifest.replace(/^https?:\/\/[^/]+/, b);
      const master = await fetch(manifest);
      assert.equal(master.status, 200);
      assert.match(await master.text(), /#EXT-X-STREAM-INF/);
    }
  } finally {
    // A process still paused would not act on SIGTERM: resume everything before stopping it.
    for (const p of procs) p.child.kill('SIGCONT');
    await client?.end();
    await Promise.all(procs.map((p) => p.stop()));
    await s3.stop();
    await db.drop();
  }
});
