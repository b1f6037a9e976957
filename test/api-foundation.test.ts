import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { ENGINES } from './support/databases.js';
import { startTestApp, signUp, type TestApp } from './support/app.js';
import { until } from './support/poll.js';
import { publishLadder } from './support/delivery.js';

// The foundation's HTTP contract, on the embedded engine and on the PostgreSQL server.
for (const engine of ENGINES) {
  describe(`accounts and catalog over HTTP on ${engine}`, () => {
    let app: TestApp;
    before(async () => {
      app = await startTestApp({ engine });
    });
    after(() => app.close());

    test('health reports every component', async () => {
      const r = await app.api('GET', '/health');
      assert.equal(r.status, 200);
      assert.equal(r.body.status, 'ok');
      assert.deepEqual(Object.keys(r.body.components).sort(), ['cache', 'database', 'storage']);
      assert.equal(r.body.engine, engine);
    });

    test('signup → create video → read it back', async () => {
      const alice = await signUp(app, 'alice');
      const created = await app.api('POST', '/api/v1/videos', { token: alice.token, body: { title: ' My first video ', tags: ['Cats', 'cats ', 'dogs'], visibility: 'public' } });
      assert.equal(created.status, 201);
      assert.equal(created.body.status, 'awaiting_upload');
      assert.match(created.body.uploadUrl, /\/api\/v1\/uploads$/);
      assert.match(created.body.id, /^[A-Za-z0-9_-]{11}$/);
      const read = await app.api('GET', `/api/v1/videos/${created.body.id}`, { token: alice.token });
      assert.equal(read.status, 200);
      assert.equal(read.body.title, 'My first video');
      assert.deepEqual(read.body.tags, ['cats', 'dogs']);
      assert.equal(read.body.owner.username, alice.username);
      assert.match(read.body.uploadUrl, /\/api\/v1\/uploads$/);
      // Until it is ready, the video does not exist for anyone else, upload URL included (issue 9).
      const anonymous = await app.api('GET', `/api/v1/videos/${created.body.id}`);
      assert.equal(anonymous.status, 404);
      assert.equal(anonymous.body.error.code, 'VIDEO_NOT_FOUND');
    });

    test('login returns a token and a HttpOnly cookie that both authenticate; logout revokes it', async () => {
      const bob = await signUp(app, 'bob');
      const login = await app.api('POST', '/api/v1/auth/login', { body: { username: bob.username.toUpperCase(), password: bob.password } });
      assert.equal(login.status, 200);
      const cookie = login.headers.get('set-cookie') ?? '';
      assert.match(cookie, /kinema_session=[^;]+;.*HttpOnly/i);
      const viaCookie = await app.api('GET', '/api/v1/me', { headers: { cookie: cookie.split(';')[0]! } });
      assert.equal(viaCookie.body.username, bob.username);
      const out = await app.api('POST', '/api/v1/auth/logout', { token: login.body.token });
      assert.equal(out.status, 204);
      const after = await app.api('GET', '/api/v1/me', { token: login.body.token });
      assert.equal(after.status, 401);
      assert.equal(after.body.error.code, 'UNAUTHENTICATED');
      // The signup session is separate and still valid.
      assert.equal((await app.api('GET', '/api/v1/me', { token: bob.token })).status, 200);
    });

    test('bad input gets the right status and a clear message, and changes nothing', async () => {
      const carol = await signUp(app, 'carol');
      const cases: [string, string, unknown, number, string][] = [
        ['POST', '/api/v1/auth/signup', { username: 'x', email: 'a@b.co', password: 'longenough' }, 400, 'VALIDATION_FAILED'],
        ['POST', '/api/v1/auth/signup', { username: carol.username, email: 'new@b.co', password: 'longenough' }, 409, 'USERNAME_TAKEN'],
        ['POST', '/api/v1/auth/signup', { username: 'freshname1', email: `${carol.username}@EXAMPLE.test`, password: 'longenough' }, 409, 'EMAIL_TAKEN'],
        ['POST', '/api/v1/auth/login', { username: carol.username, password: 'wrong password' }, 401, 'INVALID_CREDENTIALS'],
        ['POST', '/api/v1/videos', { title: 't', visibility: 'public' }, 401, 'UNAUTHENTICATED'],
      ];
      for (const [method, path, body, status, code] of cases) {
        const r = await app.api(method, path, { body });
        assert.equal(r.status, status, `${path} ${JSON.stringify(body)}`);
        assert.equal(r.body.error.code, code);
        assert.ok(r.body.error.message.length > 10);
      }
      const unknownField = await app.api('POST', '/api/v1/videos', { token: carol.token, body: { title: 't', visibility: 'public', colour: 'red' } });
      assert.equal(unknownField.status, 400);
      assert.match(unknownField.body.error.message, /unknown field "colour"/);
      const wrongType = await app.api('POST', '/api/v1/videos', { token: carol.token, body: { title: 42, visibility: 'public' } });
      assert.equal(wrongType.status, 400);
      const badVisibility = await app.api('POST', '/api/v1/videos', { token: carol.token, body: { title: 'ok', visibility: 'secret' } });
      assert.equal(badVisibility.status, 400);
      const notJson = await app.api('POST', '/api/v1/videos', { token: carol.token, body: '{"title":' });
      assert.equal(notJson.status, 400);
      assert.equal(notJson.body.error.code, 'INVALID_JSON');
      const huge = await app.api('POST', '/api/v1/videos', { token: carol.token, body: { title: 'x', visibility: 'public', description: 'y'.repeat(600_000) } });
      assert.equal(huge.status, 413);
      const forged = await app.api('GET', '/api/v1/me', { token: 'A'.repeat(43) });
      assert.equal(forged.status, 401);
      assert.equal(forged.body.error.code, 'UNAUTHENTICATED');
      const malformed = await app.api('GET', '/api/v1/videos', { headers: { authorization: 'Basic Zm9vOmJhcg==' } });
      assert.equal(malformed.status, 401);
      assert.equal(malformed.body.error.code, 'INVALID_TOKEN');
      const mine = await app.api('GET', '/api/v1/videos?owner=me', { token: carol.token });
      assert.deepEqual(mine.body.items, [], 'none of the rejected requests created a video');
    });

    test('only the owner or an admin may change or delete a video; private videos are invisible to others', async () => {
      const owner = await signUp(app, 'owner');
      const other = await signUp(app, 'other');
      const v = (await app.api('POST', '/api/v1/videos', { token: owner.token, body: { title: 'secret', visibility: 'private' } })).body;
      assert.equal((await app.api('GET', `/api/v1/videos/${v.id}`, { token: other.token })).status, 404);
      assert.equal((await app.api('GET', `/api/v1/videos/${v.id}`)).status, 404);
      assert.equal((await app.api('GET', `/api/v1/videos/${v.id}`, { token: owner.token })).status, 200);
      await app.api('PATCH', `/api/v1/videos/${v.id}`, { token: owner.token, body: { visibility: 'unlisted' } });
      // Unlisted but not ready: still nobody else's business, so a 404 rather than a 403.
      assert.equal((await app.api('GET', `/api/v1/videos/${v.id}`, { token: other.token })).status, 404);
      assert.equal((await app.api('PATCH', `/api/v1/videos/${v.id}`, { token: other.token, body: { title: 'mine now' } })).status, 404);
      await publishLadder(app, v.id);
      const patch = await app.api('PATCH', `/api/v1/videos/${v.id}`, { token: other.token, body: { title: 'mine now' } });
      assert.equal(patch.status, 403);
      assert.equal(patch.body.error.code, 'FORBIDDEN');
      const del = await app.api('DELETE', `/api/v1/videos/${v.id}`, { token: other.token });
      assert.equal(del.status, 403);
      const read = await app.api('GET', `/api/v1/videos/${v.id}`, { token: other.token });
      assert.equal(read.body.title, 'secret', 'the failed edit left the video as it was');
      const renamed = await app.api('PATCH', `/api/v1/videos/${v.id}`, { token: owner.token, body: { title: 'renamed' } });
      assert.equal(renamed.body.title, 'renamed');
      assert.equal((await app.api('GET', `/api/v1/videos/${v.id}`)).body.title, 'renamed', 'the cached copy was invalidated');
      assert.equal((await app.api('DELETE', `/api/v1/videos/${v.id}`, { token: owner.token })).status, 204);
      assert.equal((await app.api('GET', `/api/v1/videos/${v.id}`, { token: owner.token })).status, 404);
    });

    test('listing pages newest first and shows unpublished videos only to their owner', async () => {
      const dave = await signUp(app, 'dave');
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) ids.push((await app.api('POST', '/api/v1/videos', { token: dave.token, body: { title: `v${i}`, visibility: 'public' } })).body.id);
      const first = await app.api('GET', '/api/v1/videos?owner=me&limit=2', { token: dave.token });
      assert.deepEqual(first.body.items.map((v: { id: string }) => v.id), [ids[4], ids[3]]);
      const second = await app.api('GET', `/api/v1/videos?owner=me&limit=2&cursor=${first.body.nextCursor}`, { token: dave.token });
      assert.deepEqual(second.body.items.map((v: { id: string }) => v.id), [ids[2], ids[1]]);
      const publicList = await app.api('GET', `/api/v1/videos?owner=${dave.userId}`);
      assert.deepEqual(publicList.body.items, [], 'videos awaiting upload are not public yet');
      assert.equal((await app.api('GET', '/api/v1/videos?cursor=garbage')).status, 400);
      assert.equal((await app.api('GET', '/api/v1/videos?owner=me')).status, 401);
    });

    test('repeated failed logins are rate limited', async () => {
      const erin = await signUp(app, 'erin');
      const statuses: number[] = [];
      for (let i = 0; i < 11; i++) statuses.push((await app.api('POST', '/api/v1/auth/login', { body: { username: erin.username, password: `nope${i}` } })).status);
      assert.deepEqual(statuses.slice(0, 10), Array(10).fill(401));
      const limited = await app.api('POST', '/api/v1/auth/login', { body: { username: erin.username, password: erin.password } });
      assert.equal(limited.status, 429);
      assert.equal(limited.body.error.code, 'LOGIN_RATE_LIMITED');
      assert.ok(Number(limited.headers.get('retry-after')) > 0);
    });

    test('serves an OpenAPI document generated from the routes, and Prometheus metrics on the metrics listener only', async () => {
      const doc = await app.api('GET', '/api/v1/openapi.json');
      assert.equal(doc.body.openapi, '3.1.0');
      assert.ok(doc.body.paths['/api/v1/videos/{id}'].get);
      assert.ok(doc.body.paths['/api/v1/auth/signup'].post.requestBody);
      // This test's own /health request; the counter moves in onResponse, after the client has
      // the body, so the metrics are polled until they include it rather than read at once.
      const healthCount = async () => {
        const metrics = await fetch(`${app.metricsUrl}/metrics`).then((r) => r.text());
        return Number(/kinema_http_requests_total\{method="GET",route="\/health",status="200"\} (\d+)/.exec(metrics)?.[1] ?? 0);
      };
      const countBefore = await healthCount();
      assert.equal((await app.api('GET', '/health')).status, 200);
      await until(async () => (await healthCount()) > countBefore, 'the /health request to be counted in /metrics');
      // The public port has no /metrics: the route names, job outcomes and memory figures are
      // the operator's (issue 9).
      const publicMetrics = await fetch(`${app.url}/metrics`);
      assert.equal(publicMetrics.status, 404);
      assert.doesNotMatch(await publicMetrics.text(), /kinema_http_requests_total/);
      assert.notEqual(new URL(app.metricsUrl!).port, new URL(app.url).port);
      assert.equal((await fetch(`${app.metricsUrl}/api/v1/openapi.json`)).status, 404, 'the metrics listener serves metrics only');
      const unknown = await app.api('GET', '/api/v1/nope');
      assert.equal(unknown.status, 404);
      assert.equal(unknown.body.error.code, 'NOT_FOUND');
    });
  });
}
