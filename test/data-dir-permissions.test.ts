import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { spawnKinemaOnFreePort, type KinemaProcess } from './support/process.js';
import { tempDir } from './support/services.js';
import { tusUpload } from './support/tus.js';
import { makeClip } from './fixtures/media.js';
import { until } from './support/poll.js';
import { jsonBody } from './support/json-call.js';

/** Every directory and file under `root` with its permission bits. */
async function walk(root: string): Promise<{ path: string; mode: number; isDir: boolean }[]> {
  const out: { path: string; mode: number; isDir: boolean }[] = [];
  const visit = async (path: string) => {
    const st = await lstat(path);
    out.push({ path, mode: st.mode & 0o777, isDir: st.isDirectory() });
    if (st.isDirectory()) for (const name of await readdir(path)) await visit(join(path, name));
  };
  await visit(root);
  return out;
}

/**
 * DATA_DIR holds the database (password hashes, sessions), the signing key, unfinished uploads
 * and the originals of private videos: other users of the machine must read none of it (issue 9).
 * The real CLI (a fresh process, with the machine's usual umask 022) starts on a DATA_DIR that
 * does not exist yet; a video is uploaded and transcoded, so every kind of file gets written.
 */
test('DATA_DIR and everything Kinema writes in it are private to its user (0700 / 0600)', async () => {
  const dataDir = join(await tempDir('kinema-perms-'), 'data');
  const clip = await makeClip(await tempDir('kinema-perms-clip-'), { width: 160, height: 90, durationSec: 2, rate: 15 });
  let kinema: KinemaProcess | undefined;
  try {
    kinema = await spawnKinemaOnFreePort('start', { DATA_DIR: dataDir, WORKER_CONCURRENCY: '1', SIGNUPS_PER_ADDRESS_PER_HOUR: '0' });
    const base = kinema.url;
    const call = jsonBody(base);
    const { token } = await call('POST', '/api/v1/auth/signup', { username: 'private_owner', email: 'owner@example.test', password: 'correct horse battery staple' });
    const video = await call('POST', '/api/v1/videos', { title: 'private', visibility: 'private' }, token);
    await tusUpload(clip, { endpoint: `${base}/api/v1/uploads`, token, videoId: video.id });
    const ready = await until(async () => {
      const v = await call('GET', `/api/v1/videos/${video.id}`, undefined, token);
      return (v.status === 'ready' || v.status === 'failed') && v;
    }, 'the upload to be transcoded');
    assert.equal(ready.status, 'ready', ready.failureReason);

    // Stopped first: the embedded database's files are made private when it closes (PGlite sets
    // some modes itself, see makeTreePrivate); while it runs they sit in 0700 directories.
    const running = await walk(dataDir);
    assert.deepEqual(running.filter((e) => e.isDir && e.mode !== 0o700).map((e) => e.path), [], 'every directory is 0700 while Kinema runs');
    assert.equal(await kinema.stop(), 0);
    const entries = await walk(dataDir);
    const kinds = (dir: string) => entries.filter((e) => !e.isDir && e.path.startsWith(join(dataDir, dir))).length;
    // The walk saw each kind of file: the database, the key, originals and the ladder.
    assert.ok(kinds('db') > 0 && kinds('objects/originals') > 0 && kinds('objects/media') > 0, 'database, originals and media files exist');
    assert.ok(entries.some((e) => e.path === join(dataDir, 'media-signing.secret')));
    const open = entries.filter((e) => (e.mode & 0o077) !== 0).map((e) => `${e.path.slice(dataDir.length) || '/'} ${e.mode.toString(8)}`);
    assert.deepEqual(open, [], 'no file or directory is readable by group or others');
    assert.equal(entries[0]!.mode, 0o700, 'DATA_DIR itself is 0700');
  } finally {
    await kinema?.stop();
  }
});

test('an existing DATA_DIR readable by others is made 0700 at start', async () => {
  const { chmod, mkdir, stat } = await import('node:fs/promises');
  const dataDir = join(await tempDir('kinema-perms-'), 'data');
  await mkdir(dataDir);
  await chmod(dataDir, 0o755);
  const kinema = await spawnKinemaOnFreePort('api', { DATA_DIR: dataDir });
  try {
    assert.equal((await stat(dataDir)).mode & 0o777, 0o700);
  } finally {
    await kinema.stop();
  }
});
