import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { FileStore } from '@tus/file-store';
import { Upload } from '@tus/utils';
import { startTestApp, signUp } from './support/app.js';
import { sha256Of } from './support/byte-streams.js';

/**
 * The worst moment to crash: the last byte of an upload is on disk, but the process dies before
 * handing it to the object store and the queue. The next start must finish the hand-off.
 */
test('an upload whose last byte arrived just before a crash is handed off at the next start', async () => {
  const first = await startTestApp();
  const u = await signUp(first, 'crashy');
  const { id } = (await first.api('POST', '/api/v1/videos', { token: u.token, body: { title: 'cut short', visibility: 'public' } })).body;
  await first.close();

  // What tus left on disk when the process died: a complete upload nobody handed off.
  const bytes = randomBytes(300_000);
  const staged = new FileStore({ directory: join(first.dataDir, 'uploads') });
  await staged.create(new Upload({ id, size: bytes.length, offset: 0, metadata: { videoId: id, filename: 'cut.mp4' } }));
  await staged.write(Readable.from([bytes]), id, 0);

  const second = await startTestApp({ env: { DATA_DIR: first.dataDir } });
  try {
    const video = (await second.api('GET', `/api/v1/videos/${id}`, { token: u.token })).body;
    assert.equal(video.status, 'uploaded');
    const stored = await second.platform.store.get(`originals/${id}/source`);
    assert.ok(stored);
    assert.equal(await sha256Of(stored.body), createHash('sha256').update(bytes).digest('hex'));
    const { rows } = await second.platform.database.sql.query<{ n: number }>("SELECT count(*)::int AS n FROM pgboss.job WHERE name = 'transcode' AND data->>'videoId' = $1", [id]);
    assert.equal(rows[0]?.n, 1, 'exactly one transcode job');
  } finally {
    await second.close();
  }
});
