import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, readdir, readFile, rm, statfs, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ladderEncoders, spawnKinemaOnFreePort } from './support/process.js';

import { createServerDatabase } from './support/databases.js';
import { tempDir } from './support/services.js';
import { makeClip } from './fixtures/media.js';
import { tusUpload } from './support/tus.js';
import { until } from './support/poll.js';
import { jsonCall } from './support/json-call.js';

const run = promisify(execFile);
const MiB = 1024 * 1024;
const isRoot = process.getuid?.() === 0;

/** Fills the filesystem of `dir` until `leaveBytes` remain; returns the ballast's path. */
async function fillDisk(dir: string, leaveBytes: number): Promise<string> {
  const s = await statfs(dir);
  const path = join(dir, 'ballast');
  await writeFile(path, Buffer.alloc(Math.max(0, s.bavail * s.bsize - leaveBytes)));
  return path;
}

/**
 * Issue 15: a full disk under DATA_DIR (worker scratch, upload staging and the local object
 * store) fails the work with a reason a person can act on, frees what it wrote, and refuses
 * uploads that cannot fit before accepting a byte. The disk is a size-limited tmpfs.
 */
test('a full disk: uploads that cannot fit get 507 before any byte, an upload or encode that meets ENOSPC fails cleanly and frees its space', {
  skip: !isRoot && 'mounting a size-limited tmpfs needs root (run the suite as root to include this test)',
}, async () => {
  const dir = await tempDir('kinema-fault-disk-');
  const mnt = join(dir, 'small-disk');
  await mkdir(mnt);
  await run('mount', ['-t', 'tmpfs', '-o', 'size=48m', 'tmpfs', mnt]);
  const db = await createServerDatabase();
  const dataDir = join(mnt, 'data');
  let app: Awaited<ReturnType<typeof spawnKinemaOnFreePort>> | undefined;
  try {
    app = await spawnKinemaOnFreePort('start', { DATA_DIR: dataDir, DATABASE_URL: db.url, DISK_RESERVE_BYTES: String(4 * MiB), WORKER_CONCURRENCY: '1' });
    const url = app.url;
    const call = jsonCall(url);
    const clip = await makeClip(dir, { width: 1280, height: 720, durationSec: 8 });
    const clipBytes = (await readFile(clip)).length;
    const { token } = (await call('POST', '/api/v1/auth/signup', { username: 'fulldisk', email: 'fulldisk@example.test', password: 'long enough password' })).body;
    const create = async (title: string) => (await call('POST', '/api/v1/videos', { title, visibility: 'public' }, token)).body.id as string;
    const createUpload = (videoId: string, length: number) => fetch(`${url}/api/v1/uploads`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'tus-resumable': '1.0.0', 'upload-length': String(length), 'upload-metadata': `videoId ${Buffer.from(videoId).toString('base64')},filename ${Buffer.from('clip.mp4').toString('base64')}` },
    });
    const staged = async () => readdir(join(dataDir, 'uploads')).catch(() => [] as string[]);

    // 1. Larger than the room left (staging plus the copy into the local store, plus the reserve).
    const tooBig = await create('too big');
    const refused = await createUpload(tooBig, 30 * MiB);
    assert.equal(refused.status, 507);
    const refusal = (await refused.json()) as any;
    assert.equal(refusal.error.code, 'INSUFFICIENT_STORAGE');
    assert.match(refusal.error.message, /no room/);
    assert.ok(!(await staged()).some((f) => f.startsWith(tooBig)), 'nothing was staged for the refused upload');

    // 2. Fits when created; the disk fills before its bytes arrive.
    const squeezed = await create('squeezed');
    const created = await createUpload(squeezed, clipBytes);
    assert.equal(created.status, 201);
    let ballast = await fillDisk(mnt, 256 * 1024);
    const patch = await fetch(`${url}/api/v1/uploads/${squeezed}`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${token}`, 'tus-resumable': '1.0.0', 'upload-offset': '0', 'content-type': 'application/offset+octet-stream' },
      body: await readFile(clip),
    });
    assert.equal(patch.status, 507);
    assert.match(((await patch.json()) as any).error.message, /ran out of disk space/);
    assert.ok(!(await staged()).some((f) => f.startsWith(squeezed)), 'the partial upload was removed to give its space back');
    await rm(ballast);

    // 3. The disk fills while the worker encodes.
    const encoding = await create('encoding');
    await tusUpload(clip, { endpoint: `${url}/api/v1/uploads`, token, videoId: encoding });
    await until(() => ladderEncoders(app!.child.pid!).length > 0, 'the ladder encode to start', 60_000);
    ballast = await fillDisk(mnt, 64 * 1024);
    const failed = await until(async () => {
      const v = (await call('GET', `/api/v1/videos/${encoding}`, undefined, token)).body;
      return (v.status === 'failed' || v.status === 'ready') && v;
    }, 'the encode to stop', 120_000);
    assert.equal(failed.status, 'failed');
    assert.match(failed.failureReason, /ran out of disk space/, 'a reason a person can act on');
    assert.equal(failed.failureRetryable, true);
    await until(async () => (await readdir(join(dataDir, 'work')).catch(() => [])).length === 0, 'the scratch space to be freed');
    assert.deepEqual(await readdir(join(dataDir, 'objects', 'media', encoding)).catch(() => []), [], 'no partial ladder left in the object store');
    assert.equal(app.child.exitCode, null, 'the process is alive');

    // Space freed: "Try again" processes it.
    await rm(ballast);
    assert.equal((await call('POST', `/api/v1/videos/${encoding}/reprocess`, undefined, token)).status, 202);
    const ready = await until(async () => {
      const v = (await call('GET', `/api/v1/videos/${encoding}`, undefined, token)).body;
      return (v.status === 'failed' || v.status === 'ready') && v;
    }, 'the second try', 120_000);
    assert.equal(ready.status, 'ready', ready.failureReason);
  } finally {
    await app?.stop();
    await run('umount', ['-l', mnt]).catch(() => undefined);
    await db.drop();
  }
});
