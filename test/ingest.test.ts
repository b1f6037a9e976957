import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startTestApp, signUp, type TestApp } from './support/app.js';
import { tempDir } from './support/services.js';
import { tusUpload } from './support/tus.js';
import { makeClip } from './fixtures/media.js';
import { until } from './support/poll.js';
import { sha256Of } from './support/byte-streams.js';



describe('resumable uploads (tus)', () => {
  let app: TestApp;
  let dir: string;
  let clip: string;
  before(async () => {
    // api role only: the transcode job is queued but nobody works it, so states stay observable.
    app = await startTestApp({ env: { MAX_UPLOAD_BYTES: String(5 * 1024 * 1024) } });
    dir = await tempDir('kinema-ingest-');
    clip = await makeClip(dir, { width: 320, height: 180, durationSec: 4 });
  });
  after(() => app.close());

  const endpoint = () => `${app.url}/api/v1/uploads`;
  const newVideo = async (token: string, visibility = 'public') =>
    (await app.api('POST', '/api/v1/videos', { token, body: { title: 'upload test', visibility } })).body.id as string;

  test('an upload cut half way resumes from its offset and stores the exact bytes', async () => {
    const big = join(dir, 'big.bin');
    // 3 MiB of random bytes: no two chunks alike, so a resume from the wrong offset shows.
    await writeFile(big, randomBytes(3 * 1024 * 1024));
    const u = await signUp(app, 'resumer');
    const videoId = await newVideo(u.token);
    const first = await tusUpload(big, { endpoint: endpoint(), token: u.token, videoId, chunkSizeBytes: 256 * 1024, onProgress: (sent, total) => sent >= total / 2 });
    assert.equal(first.aborted, true);
    const head = await fetch(first.url, { method: 'HEAD', headers: { authorization: `Bearer ${u.token}`, 'tus-resumable': '1.0.0' } });
    const offset = Number(head.headers.get('upload-offset'));
    assert.ok(offset > 0 && offset < 3 * 1024 * 1024, `offset ${offset} is part way`);
    assert.equal((await app.api('GET', `/api/v1/videos/${videoId}`, { token: u.token })).body.status, 'awaiting_upload');

    let resumedFrom = -1;
    const second = await tusUpload(big, { endpoint: endpoint(), token: u.token, videoId, uploadUrl: first.url, chunkSizeBytes: 256 * 1024, onProgress: (sent) => void (resumedFrom < 0 && (resumedFrom = sent)) });
    assert.equal(second.aborted, false);
    assert.ok(resumedFrom >= offset, `the client continued from the stored offset (${offset}) instead of starting over (first progress: ${resumedFrom})`);
    const video = await until(async () => {
      const v = (await app.api('GET', `/api/v1/videos/${videoId}`, { token: u.token })).body;
      return v.status === 'uploaded' && v;
    }, 'status uploaded');
    assert.equal(video.status, 'uploaded');
    // The copy into the object store runs after the last PATCH is answered; the transcode job is
    // queued in the same transaction that records the stored original, so the job is the event.
    const jobs = async () => (await app.platform.database.sql.query<{ state: string }>("SELECT state FROM pgboss.job WHERE name = 'transcode' AND data->>'videoId' = $1", [videoId])).rows;
    await until(async () => (await jobs()).length > 0, 'the original to be stored and its transcode queued');
    const stored = await app.platform.store.get(`originals/${videoId}/source`);
    assert.ok(stored);
    assert.equal(await sha256Of(stored.body), await sha256Of(createReadStream(big)));
    assert.deepEqual((await jobs()).map((r) => r.state), ['created'], 'exactly one transcode job is queued');
  });

  test('only the owner may upload, and only once', async () => {
    const owner = await signUp(app, 'owner');
    const stranger = await signUp(app, 'stranger');
    const videoId = await newVideo(owner.token);
    // Someone else's video that is not ready does not exist for the stranger: 404, not 403 (issue 9).
    await assert.rejects(tusUpload(clip, { endpoint: endpoint(), token: stranger.token, videoId }), /404/);
    const done = await tusUpload(clip, { endpoint: endpoint(), token: owner.token, videoId });
    assert.equal(done.aborted, false);
    await assert.rejects(tusUpload(clip, { endpoint: endpoint(), token: owner.token, videoId }), /409/);
  });

  test('rejects uploads without a session, without a video id, or over MAX_UPLOAD_BYTES before storing a byte', async () => {
    const u = await signUp(app, 'limits');
    const videoId = await newVideo(u.token);
    const post = (headers: Record<string, string>) =>
      fetch(endpoint(), { method: 'POST', headers: { 'tus-resumable': '1.0.0', ...headers } });
    const meta = `videoId ${Buffer.from(videoId).toString('base64')},filename ${Buffer.from('a.mp4').toString('base64')}`;
    const anon = await post({ 'upload-length': '10', 'upload-metadata': meta });
    assert.equal(anon.status, 401);
    const noMeta = await post({ authorization: `Bearer ${u.token}`, 'upload-length': '10' });
    assert.equal(noMeta.status, 400);
    assert.equal((await noMeta.json()).error.code, 'UPLOAD_METADATA_MISSING');
    const tooBig = await post({ authorization: `Bearer ${u.token}`, 'upload-length': String(6 * 1024 * 1024), 'upload-metadata': meta });
    assert.equal(tooBig.status, 413);
    assert.match((await tooBig.json()).error.message, /MAX_UPLOAD_BYTES/);
    assert.equal(await app.platform.store.head(`originals/${videoId}/source`), null);
    assert.equal((await app.api('GET', `/api/v1/videos/${videoId}`, { token: u.token })).body.status, 'awaiting_upload');
  });

  test('the upload response does not wait for transcoding: the video is queued as uploaded', async () => {
    const u = await signUp(app, 'fast');
    const videoId = await newVideo(u.token);
    await tusUpload(clip, { endpoint: endpoint(), token: u.token, videoId });
    const v = (await app.api('GET', `/api/v1/videos/${videoId}`, { token: u.token })).body;
    // No worker runs in this app: had the upload waited for a transcode it would never return.
    assert.equal(v.status, 'uploaded');
  });
});
