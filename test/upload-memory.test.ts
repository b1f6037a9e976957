import { test } from 'node:test';
import assert from 'node:assert/strict';
import { open, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { createServerDatabase } from './support/databases.js';
import { tempDir } from './support/services.js';
import { spawnKinemaOnFreePort } from './support/process.js';
import { tusUpload } from './support/tus.js';
import { until } from './support/poll.js';

const GiB = 1024 ** 3;
const MiB = 1024 ** 2;
/** How much the api's resident memory may grow while 1 GiB streams through it. */
const MAX_GROWTH_BYTES = GiB / 8;

test('a 1 GiB upload streams through the api process, and on into the object store, with its memory bounded', async () => {
  const dir = await tempDir('kinema-mem-');
  const file = join(dir, 'big.bin');
  // Non-zero, varied bytes written in 1 MiB blocks: nothing here holds the file either.
  const fh = await open(file, 'w');
  const block = Buffer.alloc(MiB);
  for (let i = 0; i < 1024; i++) {
    block.fill(i % 251);
    await fh.write(block);
  }
  await fh.close();

  // The PostgreSQL engine, so the figure is the upload path's own: the embedded PGlite engine
  // alone costs ~250 MiB of WASM heap (see README), which would hide what the upload adds.
  const db = await createServerDatabase();
  const server = await spawnKinemaOnFreePort('api', { DATA_DIR: join(dir, 'data'), DATABASE_URL: db.url });
  try {
    const api = async (path: string, body: unknown, token?: string) =>
      (await fetch(`${server.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) }, body: JSON.stringify(body) })).json() as Promise<any>;
    const { token } = await api('/api/v1/auth/signup', { username: 'bigfile', email: 'big@example.test', password: 'long enough password' });
    const { id: videoId } = await api('/api/v1/videos', { title: 'one gibibyte', visibility: 'private' }, token);
    // The kernel tracks the peak itself (VmHWM), so no short-lived peak is missed between samples
    // however the machine is loaded; it is reset here so start-up does not count.
    const before = server.memory().rssBytes;
    server.resetPeakMemory();
    await tusUpload(file, { endpoint: `${server.url}/api/v1/uploads`, token, videoId, chunkSizeBytes: 64 * MiB });
    const video = await (await fetch(`${server.url}/api/v1/videos/${videoId}`, { headers: { authorization: `Bearer ${token}` } })).json() as any;
    assert.equal(video.status, 'uploaded');
    // The last PATCH is answered once the bytes are durable in staging; the copy into the object
    // store follows in the background, in the same process, so the peak is read once it is there
    // (the local store renames a complete file into place: present means fully copied).
    const storedPath = join(dir, 'data', 'objects', 'originals', videoId, 'source');
    const stored = await until(() => stat(storedPath).catch(() => undefined), 'the original to be copied into the object store');
    const peakDuring = server.memory().peakRssBytes;
    assert.equal(stored.size, GiB);
    const grewBy = peakDuring - before;
    console.log(`api RSS before ${(before / MiB).toFixed(0)} MiB, peak during the 1 GiB upload and hand-off ${(peakDuring / MiB).toFixed(0)} MiB (+${(grewBy / MiB).toFixed(0)} MiB)`);
    // Measured growth is ~35 MiB (stream buffers and GC slack); the bound is on the growth, not on
    // the total, so it does not depend on how big the process was before. Holding the file, or
    // even an eighth of it, would break it.
    assert.ok(grewBy < MAX_GROWTH_BYTES, `RSS grew by ${(grewBy / MiB).toFixed(0)} MiB during the upload (bound ${(MAX_GROWTH_BYTES / MiB).toFixed(0)} MiB)`);
  } finally {
    await server.stop();
    await db.drop();
  }
});
