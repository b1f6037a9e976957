import { test } from 'node:test';
import assert from 'node:assert/strict';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { createServerDatabase } from './support/databases.js';
import { freePort, tempDir } from './support/services.js';
import { spawnKinema } from './support/process.js';
import { tusUpload } from './support/tus.js';

const GiB = 1024 ** 3;
const MiB = 1024 ** 2;

test('a 1 GiB upload streams through the api process with its memory bounded', async () => {
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
  const server = await spawnKinema('api', { PORT: String(await freePort()), DATA_DIR: join(dir, 'data'), DATABASE_URL: db.url });
  try {
    const api = async (path: string, body: unknown, token?: string) =>
      (await fetch(`${server.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) }, body: JSON.stringify(body) })).json() as Promise<any>;
    const { token } = await api('/api/v1/auth/signup', { username: 'bigfile', email: 'big@example.test', password: 'long enough password' });
    const { id: videoId } = await api('/api/v1/videos', { title: 'one gibibyte', visibility: 'private' }, token);
    const before = server.memory().rssBytes;
    let peakDuring = 0;
    const sampler = setInterval(() => (peakDuring = Math.max(peakDuring, server.memory().rssBytes)), 50);
    try {
      await tusUpload(file, { endpoint: `${server.url}/api/v1/uploads`, token, videoId, chunkSizeBytes: 64 * MiB });
    } finally {
      clearInterval(sampler);
    }
    const video = await (await fetch(`${server.url}/api/v1/videos/${videoId}`, { headers: { authorization: `Bearer ${token}` } })).json() as any;
    assert.equal(video.status, 'uploaded');
    const stored = await (await import('node:fs/promises')).stat(join(dir, 'data', 'objects', 'originals', videoId, 'source'));
    assert.equal(stored.size, GiB);
    console.log(`api RSS before ${(before / MiB).toFixed(0)} MiB, peak during the 1 GiB upload ${(peakDuring / MiB).toFixed(0)} MiB`);
    assert.ok(peakDuring < 300 * MiB, `RSS peaked at ${(peakDuring / MiB).toFixed(0)} MiB during the upload`);
  } finally {
    await server.stop();
    await db.drop();
  }
});
