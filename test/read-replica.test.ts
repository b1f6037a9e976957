import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { openDatabase, type DatabaseHandle } from '../src/platform/db/index.js';
import { createServerDatabase } from './support/databases.js';
import { startTestApp, signUp, type TestApp } from './support/app.js';

/**
 * Public listings are read-only and may lag, so they go to DATABASE_REPLICA_URL when set; reads
 * that must see the caller's own writes (a video just created, the creator's own list) use the
 * primary. Two separate databases stand in for primary and replica: the "replica" never catches
 * up by itself (a replica lagging for as long as the test runs), so the test can tell which one
 * answered.
 */
describe('DATABASE_REPLICA_URL', () => {
  let replica: { url: string; drop: () => Promise<void> };
  let seed: DatabaseHandle;
  let app: TestApp;

  before(async () => {
    replica = await createServerDatabase();
    seed = await openDatabase({ url: replica.url });
    await seed.migrate();
    app = await startTestApp({ engine: 'postgres', env: { DATABASE_REPLICA_URL: replica.url } });
  });
  after(async () => {
    await app?.close();
    await seed?.close();
    await replica?.drop();
  });

  const titles = (body: { items: Array<{ title: string }> }) => body.items.map((v) => v.title);

  test('a creator sees a video they just created in their own list at once, though the replica has not seen it', async () => {
    const u = await signUp(app, 'mine');
    const created = await app.api('POST', '/api/v1/videos', { token: u.token, body: { title: 'just created', visibility: 'private' } });
    assert.equal(created.status, 201);
    const mine = await app.api('GET', '/api/v1/videos?owner=me', { token: u.token });
    assert.equal(mine.status, 200);
    assert.deepEqual(titles(mine.body), ['just created']);
    assert.equal(mine.body.items[0].status, 'awaiting_upload', 'with its unpublished state, for the upload to start');
    // The same list asked for by id (what the web app's "My videos" may send) is the same read.
    const byId = await app.api('GET', `/api/v1/videos?owner=${u.userId}`, { token: u.token });
    assert.deepEqual(titles(byId.body), ['just created']);
    assert.equal((await app.api('GET', `/api/v1/videos/${created.body.id}`, { token: u.token })).body.title, 'just created');
  });

  test('public listings, including another creator\'s channel, come from the replica', async () => {
    // A ready public video that exists only on the replica: seeing it proves who answered.
    const userId = `u-${randomBytes(4).toString('hex')}`;
    await seed.db.insertInto('users').values({ userId, username: userId, email: `${userId}@example.test`, passwordHash: 'x' }).execute();
    await seed.db.insertInto('videos').values({
      videoId: randomBytes(8).toString('base64url').slice(0, 11), userId, title: 'only on the replica', visibility: 'public', status: 'ready',
      failureReason: null, duration: 1, width: 320, height: 240, originalFilename: null, originalSizeBytes: null, currentVersion: null, processedAt: new Date(),
    }).execute();
    assert.ok(titles((await app.api('GET', '/api/v1/videos')).body).includes('only on the replica'));
    const viewer = await signUp(app, 'viewer');
    const channel = await app.api('GET', `/api/v1/videos?owner=${userId}`, { token: viewer.token });
    assert.deepEqual(titles(channel.body), ['only on the replica']);
  });
});
