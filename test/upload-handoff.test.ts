import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, writeFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { FileStore } from '@tus/file-store';
import { Upload } from '@tus/utils';
import { startTestApp, signUp, type TestApp } from './support/app.js';
import { sha256Of } from './support/byte-streams.js';
import { until } from './support/poll.js';

/**
 * The hand-off of a finished upload (ingest/service.ts): durable in staging → `uploaded` →
 * copied to the object store → original recorded + transcode queued → staging removed. A
 * failure injected at each step, then a restart (what a crash leaves is the same state), must
 * end with the original stored byte for byte, exactly one transcode job, and no staged copy.
 */

const b64 = (s: string) => Buffer.from(s).toString('base64');

/** A whole upload in one tus PATCH, with real HTTP; returns the status of that last PATCH. */
async function uploadInOnePatch(app: TestApp, token: string, videoId: string, bytes: Buffer): Promise<number> {
  const headers = { authorization: `Bearer ${token}`, 'tus-resumable': '1.0.0' };
  const created = await fetch(`${app.url}/api/v1/uploads`, {
    method: 'POST',
    headers: { ...headers, 'upload-length': String(bytes.length), 'upload-metadata': `videoId ${b64(videoId)},filename ${b64('clip.mp4')}` },
  });
  assert.equal(created.status, 201);
  const patched = await fetch(`${app.url}/api/v1/uploads/${videoId}`, {
    method: 'PATCH',
    headers: { ...headers, 'upload-offset': '0', 'content-type': 'application/offset+octet-stream' },
    body: new Uint8Array(bytes),
  });
  await patched.arrayBuffer();
  return patched.status;
}

async function newVideo(app: TestApp) {
  const u = await signUp(app, 'handoff');
  const { id } = (await app.api('POST', '/api/v1/videos', { token: u.token, body: { title: 'hand-off', visibility: 'public' } })).body;
  return { token: u.token, id: id as string };
}

const stagedPath = (app: TestApp, id: string) => join(app.dataDir, 'uploads', id);
const video = (app: TestApp, id: string, token: string) => app.api('GET', `/api/v1/videos/${id}`, { token }).then((r) => r.body);

async function jobCount(app: TestApp, id: string): Promise<number> {
  const { rows } = await app.platform.database.sql.query<{ n: number }>("SELECT count(*)::int AS n FROM pgboss.job WHERE name = 'transcode' AND data->>'videoId' = $1", [id]);
  return rows[0]!.n;
}

/** After recovery: the original byte for byte, exactly one job, and nothing left in staging. */
async function assertHandedOff(app: TestApp, id: string, token: string, bytes: Buffer) {
  await until(async () => !existsSync(stagedPath(app, id)) && (await jobCount(app, id)) > 0, 'the hand-off to finish');
  const v = await video(app, id, token);
  assert.equal(v.status, 'uploaded');
  const stored = await app.platform.store.get(`originals/${id}/source`);
  assert.ok(stored, 'the original is in the object store');
  assert.equal(await sha256Of(stored.body), createHash('sha256').update(bytes).digest('hex'));
  assert.equal(await jobCount(app, id), 1, 'exactly one transcode job');
  assert.equal(existsSync(`${stagedPath(app, id)}.json`), false, 'the staged upload is removed');
}

/** A restart while the fault is still there: recovery fails the same way, nothing queued, bytes kept. */
async function assertStillStaged(dataDir: string, id: string, token: string, thenFix?: (app: TestApp) => Promise<unknown>) {
  const reopened = await startTestApp({ env: { DATA_DIR: dataDir } });
  try {
    assert.equal(await jobCount(reopened, id), 0);
    assert.ok(existsSync(stagedPath(reopened, id)));
    assert.equal((await video(reopened, id, token)).status, 'uploaded');
    await thenFix?.(reopened);
  } finally {
    await reopened.close();
  }
}

/** Blocks one video's row from reaching a state, as a database error at that statement would. */
async function blockRow(app: TestApp, name: string, id: string, check: string) {
  await app.platform.database.sql.query(`ALTER TABLE videos ADD CONSTRAINT ${name} CHECK (video_id <> '${id}' OR (${check}))`);
}

describe('upload hand-off: every crash point is recoverable', () => {
  test('the database refuses "uploaded": the last PATCH fails, the bytes stay staged, the restart finishes', async () => {
    const first = await startTestApp();
    const { id, token } = await newVideo(first);
    const bytes = randomBytes(200_000);
    await blockRow(first, 'test_block_received', id, "status = 'awaiting_upload'");
    const status = await uploadInOnePatch(first, token, id, bytes);
    assert.ok(status >= 500, `the last PATCH reports the failure (got ${status})`);
    assert.equal((await video(first, id, token)).status, 'awaiting_upload');
    assert.ok(existsSync(stagedPath(first, id)), 'the bytes are still staged');
    await first.platform.database.sql.query('ALTER TABLE videos DROP CONSTRAINT test_block_received');
    await first.close();

    const second = await startTestApp({ env: { DATA_DIR: first.dataDir } });
    try {
      await assertHandedOff(second, id, token, bytes);
    } finally {
      await second.close();
    }
  });

  test('the object store refuses the copy: the last PATCH succeeds at once, the video is "uploaded", the restart finishes', async () => {
    const first = await startTestApp();
    const { id, token } = await newVideo(first);
    const bytes = randomBytes(200_000);
    // A file where the original's folder must go: the copy fails as on a broken volume.
    const blocker = join(first.dataDir, 'objects', 'originals', id);
    await mkdir(join(first.dataDir, 'objects', 'originals'), { recursive: true });
    await writeFile(blocker, 'not a folder');
    assert.equal(await uploadInOnePatch(first, token, id, bytes), 204, 'the client is told its upload is complete');
    assert.equal((await video(first, id, token)).status, 'uploaded', 'the creator sees the file as received');
    await first.close(); // waits for the background hand-off, which fails
    await assertStillStaged(first.dataDir, id, token);
    await rm(blocker);

    const second = await startTestApp({ env: { DATA_DIR: first.dataDir } });
    try {
      await assertHandedOff(second, id, token, bytes);
    } finally {
      await second.close();
    }
  });

  test('the database refuses recording the stored original: no job, staging kept, the restart queues exactly one', async () => {
    const first = await startTestApp();
    const { id, token } = await newVideo(first);
    const bytes = randomBytes(200_000);
    await blockRow(first, 'test_block_stored', id, 'original_stored_at IS NULL');
    assert.equal(await uploadInOnePatch(first, token, id, bytes), 204);
    // The copy lands, then the transaction that records it and queues the job fails.
    await until(() => first.platform.store.head(`originals/${id}/source`), 'the copy to land');
    await first.close();
    await assertStillStaged(first.dataDir, id, token, (app) => app.platform.database.sql.query('ALTER TABLE videos DROP CONSTRAINT test_block_stored'));

    const second = await startTestApp({ env: { DATA_DIR: first.dataDir } });
    try {
      await assertHandedOff(second, id, token, bytes);
    } finally {
      await second.close();
    }
  });

  test('a crash after the job was queued but before staging was removed: the restart removes it and queues nothing more', async () => {
    const first = await startTestApp();
    const { id, token } = await newVideo(first);
    const bytes = randomBytes(200_000);
    assert.equal(await uploadInOnePatch(first, token, id, bytes), 204);
    await assertHandedOff(first, id, token, bytes);
    await first.close();
    // What the crash left: the complete staged upload of a video already stored and queued.
    const staged = new FileStore({ directory: join(first.dataDir, 'uploads') });
    await staged.create(new Upload({ id, size: bytes.length, offset: 0, metadata: { videoId: id, filename: 'clip.mp4' } }));
    await staged.write(Readable.from([bytes]), id, 0);

    const second = await startTestApp({ env: { DATA_DIR: first.dataDir } });
    try {
      await assertHandedOff(second, id, token, bytes);
    } finally {
      await second.close();
    }
  });
});
