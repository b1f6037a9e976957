import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, signUp } from './support/app.js';
import { spawnRedisServer, waitFor } from './support/services.js';

test('the api keeps answering from the database while Redis is down, and recovers when it returns', async () => {
  const redis = await spawnRedisServer();
  const app = await startTestApp({ engine: 'postgres', env: { REDIS_URL: redis.url } });
  let restarted: Awaited<ReturnType<typeof spawnRedisServer>> | undefined;
  try {
    const u = await signUp(app, 'outage');
    const { id } = (await app.api('POST', '/api/v1/videos', { token: u.token, body: { title: 'before', visibility: 'public' } })).body;
    assert.equal((await app.api('GET', '/health')).body.components.cache, 'ok');

    await redis.kill();
    // /health runs its checks at most once a second: the outage shows within that.
    assert.ok(await waitFor(async () => (await app.api('GET', '/health')).body.status === 'degraded', 30_000), 'the cache outage shows in /health');
    const health = await app.api('GET', '/health');
    assert.equal(health.status, 200, 'a cache outage degrades the node, it does not take it down');
    assert.equal(health.body.status, 'degraded');
    // Reads, writes and sign-ins still work; a change made now is visible at once.
    assert.equal((await app.api('PATCH', `/api/v1/videos/${id}`, { token: u.token, body: { title: 'during' } })).status, 200);
    assert.equal((await app.api('GET', `/api/v1/videos/${id}`, { token: u.token })).body.title, 'during');
    assert.equal((await app.api('POST', '/api/v1/auth/login', { body: { username: u.username, password: u.password } })).status, 200);

    restarted = await spawnRedisServer({ port: redis.port });
    assert.ok(await waitFor(async () => (await app.api('GET', '/health')).body.status === 'ok', 30_000), 'recovers when Redis returns');
    assert.equal((await app.api('GET', `/api/v1/videos/${id}`, { token: u.token })).body.title, 'during', 'no stale entry came back');
  } finally {
    await app.close();
    await restarted?.kill();
  }
});
