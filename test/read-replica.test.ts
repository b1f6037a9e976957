import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openDatabase } from '../src/platform/db/index.js';
import { createServerDatabase } from './support/databases.js';
import { startTestApp, signUp } from './support/app.js';

/**
 * Listings are read-only and may lag, so they go to DATABASE_REPLICA_URL when set; reads that
 * must see the caller's own writes (a video just created) stay on the primary. Two separate
 * databases stand in for primary and replica, so the test can tell which one answered.
 */
test('listings read from DATABASE_REPLICA_URL while single-video reads and writes use the primary', async () => {
  const replica = await createServerDatabase();
  const seed = await openDatabase({ url: replica.url });
  await seed.migrate();
  const app = await startTestApp({ engine: 'postgres', env: { DATABASE_REPLICA_URL: replica.url } });
  try {
    const u = await signUp(app, 'primary');
    const created = await app.api('POST', '/api/v1/videos', { token: u.token, body: { title: 'on the primary', visibility: 'public' } });
    assert.equal(created.status, 201);
    assert.equal((await app.api('GET', `/api/v1/videos/${created.body.id}`)).body.title, 'on the primary');
    // The "replica" has not seen this user or video: the listing comes from it, so it is empty …
    assert.deepEqual((await app.api('GET', '/api/v1/videos?owner=me', { token: u.token })).body.items, []);
    // … until the replica catches up (here: we write the row into it by hand).
    await seed.db.insertInto('users').values({ userId: u.userId, username: u.username, email: `${u.username}@example.test`, passwordHash: 'x' }).execute();
    await seed.db.insertInto('videos').values({ videoId: created.body.id, userId: u.userId, title: 'replicated', visibility: 'public', failureReason: null, duration: null, width: null, height: null, originalFilename: null, originalSizeBytes: null, currentVersion: null, processedAt: null }).execute();
    const listed = await app.api('GET', '/api/v1/videos?owner=me', { token: u.token });
    assert.deepEqual(listed.body.items.map((v: { title: string }) => v.title), ['replicated']);
  } finally {
    await app.close();
    await seed.close();
    await replica.drop();
  }
});
