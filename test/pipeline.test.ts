import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startTestApp, signUp, type TestApp } from './support/app.js';
import { tempDir } from './support/services.js';
import { tusUpload } from './support/tus.js';
import { ffmpeg, makeClip, makeSparseMatroska } from './fixtures/media.js';
import { until } from './support/poll.js';


async function readText(app: TestApp, key: string): Promise<string> {
  const obj = await app.platform.store.get(key);
  assert.ok(obj, `${key} exists`);
  let text = '';
  for await (const chunk of obj.body) text += chunk;
  return text;
}

/** Upload → worker → ready, in one process (the `kinema start` shape). */
describe('upload to playable ladder', () => {
  let app: TestApp;
  let dir: string;
  before(async () => {
    // A compute budget of 1 gigapixel: far above every clip here but the one that tests it.
    app = await startTestApp({ roles: { api: true, worker: true }, env: { MAX_ENCODE_GIGAPIXELS: '1' } });
    dir = await tempDir('kinema-pipeline-');
  });
  after(() => app.close());

  async function uploadAndWait(file: string, token: string, title = 'pipeline') {
    const { id } = (await app.api('POST', '/api/v1/videos', { token, body: { title, visibility: 'public' } })).body;
    await tusUpload(file, { endpoint: `${app.url}/api/v1/uploads`, token, videoId: id });
    return until(async () => {
      const v = (await app.api('GET', `/api/v1/videos/${id}`, { token })).body;
      return (v.status === 'ready' || v.status === 'failed') && v;
    }, `video ${id} to finish processing`);
  }

  test('a real video uploaded with tus becomes ready with a published ladder', async () => {
    const u = await signUp(app, 'creator');
    const clip = await makeClip(dir, { width: 640, height: 360, durationSec: 4 });
    const video = await uploadAndWait(clip, u.token);
    assert.equal(video.status, 'ready', video.failureReason);
    assert.equal(video.progress, 100);
    assert.ok(Math.abs(video.duration - 4) < 0.5, `duration ${video.duration}`);
    assert.deepEqual([video.width, video.height], [640, 360]);
    assert.ok(video.processedAt);
    const { rows } = await app.platform.database.sql.query<{ version: string; master_path: string }>('SELECT version, master_path FROM video_versions WHERE video_id = $1', [video.id]);
    assert.equal(rows.length, 1);
    const prefix = `media/${video.id}/${rows[0]!.version}/`;
    const master = await readText(app, prefix + rows[0]!.master_path);
    assert.match(master, /#EXT-X-INDEPENDENT-SEGMENTS/);
    const variants = master.split('\n').filter((l) => l && !l.startsWith('#'));
    assert.ok(variants.length >= 2, 'several rungs for a 360p source');
    for (const v of variants) {
      const playlist = await readText(app, prefix + v);
      assert.match(playlist, /#EXT-X-MAP:URI="init.mp4"/);
      assert.match(playlist, /#EXT-X-ENDLIST/);
    }
    const keys = await app.platform.store.list(`media/${video.id}/`);
    assert.ok(keys.every((k) => k.startsWith(prefix)), 'nothing outside the published version');
    assert.ok(keys.includes(`${prefix}thumbs/poster.jpg`));
    const notFailed = await app.api('POST', `/api/v1/videos/${video.id}/reprocess`, { token: u.token });
    assert.equal(notFailed.status, 409, 'a ready video is not processed again');
  });

  test('a text file disguised as a video ends failed with a reason a person can act on', async () => {
    const u = await signUp(app, 'tricky');
    const fake = join(dir, 'holiday.mp4');
    await writeFile(fake, 'This is not a video, just some text pretending to be one.\n'.repeat(50));
    const video = await uploadAndWait(fake, u.token, 'fake');
    assert.equal(video.status, 'failed');
    assert.match(video.failureReason, /not a video/i);
    assert.deepEqual(await app.platform.store.list(`media/${video.id}/`), []);

    // "Try again": only the owner, only when failed; it goes back through the queue.
    const stranger = await signUp(app, 'stranger');
    // A failed video does not exist for anyone but its owner and admins: 404, not 403 (issue 9).
    assert.equal((await app.api('POST', `/api/v1/videos/${video.id}/reprocess`, { token: stranger.token })).status, 404);
    const again = await app.api('POST', `/api/v1/videos/${video.id}/reprocess`, { token: u.token });
    assert.equal(again.status, 202);
    const { rows } = await app.platform.database.sql.query<{ n: number }>("SELECT count(*)::int AS n FROM pgboss.job WHERE name = 'transcode' AND data->>'videoId' = $1", [video.id]);
    assert.equal(rows[0]?.n, 2, 'a second job was queued');
    // Waits for the second job itself to be done: the status alone reads "failed" both before the
    // worker takes the job again and after it has rejected the file a second time.
    const retried = await until(async () => {
      const jobs = await app.platform.database.sql.query<{ state: string }>("SELECT state FROM pgboss.job WHERE name = 'transcode' AND data->>'videoId' = $1", [video.id]);
      if (!jobs.rows.every((j) => ['completed', 'failed', 'cancelled'].includes(j.state))) return false;
      const v = (await app.api('GET', `/api/v1/videos/${video.id}`, { token: u.token })).body;
      return v.status === 'failed' && v;
    }, 'the second attempt to finish');
    assert.match(retried.failureReason, /not a video/i, 'the same file gets the same verdict');
  });

  test('an HLS playlist disguised as mp4 is rejected, never fetched', async () => {
    const u = await signUp(app, 'ssrf');
    const fake = join(dir, 'clip.mp4');
    await writeFile(fake, `#EXTM3U\n#EXT-X-TARGETDURATION:4\n#EXTINF:4,\nfile:///etc/passwd\n#EXTINF:4,\nhttp://127.0.0.1:1/x.ts\n#EXT-X-ENDLIST\n`);
    const video = await uploadAndWait(fake, u.token, 'playlist');
    assert.equal(video.status, 'failed');
    assert.match(video.failureReason, /not a video/i);
  });

  test('a few-kB Matroska that claims 2 hours with 3 frames fails for good, saying why, with nothing encoded', async () => {
    const u = await signUp(app, 'sparse');
    const video = await uploadAndWait(await makeSparseMatroska(dir), u.token, 'sparse');
    assert.equal(video.status, 'failed');
    assert.match(video.failureReason, /says it lasts 2 h 0 min but holds only 3 frames/);
    assert.equal(video.failureRetryable, false);
    assert.deepEqual(await app.platform.store.list(`media/${video.id}/`), []);
  });

  test('an upload needing more than MAX_ENCODE_GIGAPIXELS fails, saying what the site allows', async () => {
    const u = await signUp(app, 'budget');
    // 7 s of 1080p30 with its 4-rung ladder: 1.2 gigapixels of work.
    const clip = join(dir, 'grey-1080p.mp4');
    await ffmpeg(['-f', 'lavfi', '-i', 'color=c=gray:size=1920x1080:rate=30:duration=7', '-c:v', 'libx264', '-preset', 'ultrafast', clip]);
    const video = await uploadAndWait(clip, u.token, 'budget');
    assert.equal(video.status, 'failed');
    assert.match(video.failureReason, /needs 1\.2 gigapixels of encoding; this site allows 1 per upload/);
    assert.equal(video.failureRetryable, false);
  });
});
