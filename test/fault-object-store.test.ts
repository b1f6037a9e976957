import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { childrenNamed, ladderEncoders, spawnKinemaOnFreePort } from './support/process.js';
import { startS3Server, tempDir } from './support/services.js';
import { makeClip } from './fixtures/media.js';
import { tusUpload } from './support/tus.js';
import { until } from './support/poll.js';
import { jsonCall } from './support/json-call.js';

/**
 * Issue 15: the S3 server stopped while a finished encode uploads its ladder and while another
 * upload is handed off to the bucket, then started again.
 */
test('the object store stopping mid-publish and mid-hand-off: nothing is lost, nothing is published twice, the process stays up', async () => {
  const s3 = await startS3Server();
  const dir = await tempDir('kinema-fault-s3-');
  const app = await spawnKinemaOnFreePort('start', {
    DATA_DIR: join(dir, 'data'), WORKER_CONCURRENCY: '1',
    S3_ENDPOINT: s3.endpoint, S3_BUCKET: s3.bucket, S3_REGION: s3.region, S3_ACCESS_KEY_ID: s3.accessKeyId, S3_SECRET_ACCESS_KEY: s3.secretAccessKey, S3_FORCE_PATH_STYLE: 'true',
  });
  try {
    const call = jsonCall(app.url);
    const [small, clip] = await Promise.all([makeClip(dir, { width: 320, height: 180, durationSec: 2 }), makeClip(dir, { width: 1280, height: 720, durationSec: 8 })]);
    const { token } = (await call('POST', '/api/v1/auth/signup', { username: 's3outage', email: 's3outage@example.test', password: 'long enough password' })).body;
    const create = async (title: string) => (await call('POST', '/api/v1/videos', { title, visibility: 'public' }, token)).body.id as string;
    const video = async (id: string) => (await call('GET', `/api/v1/videos/${id}`, undefined, token)).body;

    const encoding = await create('encoding');
    await tusUpload(clip, { endpoint: `${app.url}/api/v1/uploads`, token, videoId: encoding });
    await until(() => ladderEncoders(app.child.pid!).length > 0, 'the ladder encode to start', 60_000);

    await s3.stop({ keepData: true });
    const health = await until(async () => {
      const h = await call('GET', '/health');
      return h.status === 503 && h;
    }, '/health to report the outage');
    assert.equal(health.body.components.storage, 'down', 'health names the dependency that is down');
    assert.equal(health.body.components.database, 'ok');

    // Uploaded during the outage: the bytes are staged on disk, the copy to the bucket waits.
    const handedOff = await create('uploaded during the outage');
    await tusUpload(small, { endpoint: `${app.url}/api/v1/uploads`, token, videoId: handedOff });
    assert.equal((await video(handedOff)).status, 'uploaded');

    await until(() => childrenNamed(app.child.pid!, 'ffmpeg').length === 0, 'the encode to finish during the outage', 120_000);
    assert.equal(app.child.exitCode, null, 'the process is alive');
    assert.equal((await video(encoding)).status, 'processing', 'nothing half-published became current');
    await s3.restart();

    for (const id of [encoding, handedOff]) {
      const v = await until(async () => {
        const got = await video(id);
        return (got.status === 'ready' || got.status === 'failed') && got;
      }, `video ${id} to finish after the outage`, 90_000);
      assert.equal(v.status, 'ready', v.failureReason);
    }
    assert.equal(app.child.exitCode, null, 'the process is alive');
    assert.equal((await call('GET', '/health')).status, 200);

    // Exactly once: one version per video in the bucket, one completed job each, and the job that
    // met the outage did not use up a try.
    const list = async (prefix: string) => {
      const r = await fetch(`${s3.endpoint}/${s3.bucket}?list-type=2&prefix=${prefix}`);
      return [...(await r.text()).matchAll(/<Key>([^<]+)<\/Key>/g)].map((m) => m[1]!);
    };
    for (const id of [encoding, handedOff]) {
      const versions = new Set((await list(`media/${id}/`)).map((k) => k.split('/')[2]));
      assert.equal(versions.size, 1, `one published version of ${id} in the bucket: ${[...versions].join(', ')}`);
    }
    const out = app.output();
    assert.equal(out.match(/object storage is unreachable/g)?.length, 1, `one warning for the outage, not one per request:\n${out.slice(-4000)}`);
    assert.doesNotMatch(out, /transcode failed/, 'the outage was not counted as a failed try');
  } finally {
    await app.stop();
    await s3.stop();
  }
});
