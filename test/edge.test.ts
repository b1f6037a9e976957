import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, signUp, type TestApp } from './support/app.js';
import { startEdge, type Edge } from './support/nginx.js';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { packageRoot } from '../src/platform/paths.js';
import { signMediaToken } from '../src/modules/delivery/index.js';
import { readyVideo } from './support/delivery.js';
import { until } from './support/poll.js';

/** nginx, configured by `kinema edge-config`, caching the origin's media. */
describe('nginx edge in front of the origin', () => {
  let app: TestApp;
  let edge: Edge;
  before(async () => {
    app = await startTestApp();
    edge = await startEdge(new URL(app.url).host);
  });
  after(async () => {
    await edge?.stop();
    await app?.close();
  });

  test('public media is cached at the edge: a miss, then hits, with the immutable headers passed on', async () => {
    const u = await signUp(app, 'edgy');
    const { prefix } = await readyVideo(app, u.token, 'public');
    const url = `${edge.url}/${prefix}master.m3u8`;
    const first = await fetch(url);
    assert.equal(first.status, 200);
    assert.equal(first.headers.get('x-cache-status'), 'MISS');
    assert.match(first.headers.get('cache-control') ?? '', /max-age=31536000.*immutable/);
    const text = await first.text();
    const second = await fetch(url);
    assert.equal(second.headers.get('x-cache-status'), 'HIT');
    assert.equal(await second.text(), text);
    // A byte range of a cached segment is served from the cache too.
    const rung = text.split('\n').find((l) => l && !l.startsWith('#'))!;
    const initUrl = `${edge.url}/${prefix}${rung.replace(/index\.m3u8$/, 'init.mp4')}`;
    await fetch(initUrl).then((r) => r.arrayBuffer());
    const ranged = await fetch(initUrl, { headers: { range: 'bytes=0-7' } });
    assert.equal(ranged.status, 206);
    assert.equal(ranged.headers.get('x-cache-status'), 'HIT');
    assert.equal((await ranged.arrayBuffer()).byteLength, 8);
  });

  test('private media passes through uncached and still needs its signed token', async () => {
    const u = await signUp(app, 'secret');
    const { id, prefix } = await readyVideo(app, u.token, 'private');
    const play = await app.api('GET', `/api/v1/videos/${id}/play`, { token: u.token });
    const signed = new URL(play.body.hlsManifest, app.url);
    const viaEdge = `${edge.url}${signed.pathname}`;
    for (let i = 0; i < 2; i++) {
      const r = await fetch(viaEdge);
      assert.equal(r.status, 200);
      assert.notEqual(r.headers.get('x-cache-status'), 'HIT', 'private responses are never stored at the edge');
      await r.arrayBuffer();
    }
    const unsigned = await fetch(`${edge.url}/${prefix}master.m3u8`);
    assert.equal(unsigned.status, 403);
  });

  test('the access log never holds a signed media token, only its redacted form', async () => {
    const u = await signUp(app, 'logged');
    const { id } = await readyVideo(app, u.token, 'private');
    const play = await app.api('GET', `/api/v1/videos/${id}/play`, { token: u.token });
    const signedPath = new URL(play.body.hlsManifest, app.url).pathname;
    const [, expiry, signature] = /^\/media\/s\/(\d+)\.([A-Za-z0-9_-]{43})\//.exec(signedPath)!;
    const r = await fetch(`${edge.url}${signedPath}?from=log-test`);
    assert.equal(r.status, 200);
    await r.arrayBuffer();
    const redacted = `${signedPath.replace(signature!, 'REDACTED')}?from=log-test`;
    // nginx writes the access log line after the response: wait for it.
    const log = await until(async () => {
      const text = await edge.accessLog();
      return text.includes(redacted) && text;
    }, 'nginx to log the signed request');
    assert.ok(!log.includes(signature!), 'the token signature is not in the access log');
    assert.ok(log.includes(`/media/s/${expiry}.REDACTED/`));
  });

  test('the API and uploads pass through the edge', async () => {
    const health = await fetch(`${edge.url}/health`);
    assert.equal(health.status, 200);
    assert.equal(health.headers.get('x-cache-status'), null);
  });
});

/** The same edge, also checking private-media tokens itself (njs), keyed by MEDIA_SIGNING_SECRET. */
describe('nginx edge verifying signed media tokens without a database', () => {
  const secret = randomBytes(32).toString('hex');
  let app: TestApp;
  let edge: Edge;
  before(async () => {
    app = await startTestApp({ env: { MEDIA_SIGNING_SECRET: secret } });
    edge = await startEdge(new URL(app.url).host, { tokenScript: join(packageRoot, 'deploy', 'nginx', 'kinema-token.js'), signingSecret: secret });
  });
  after(async () => {
    await edge?.stop();
    await app?.close();
  });

  /** How many /media/* requests the origin has answered so far (from its Prometheus metrics). */
  const originMediaRequests = async () => {
    const text = await fetch(`${app.metricsUrl}/metrics`).then((r) => r.text());
    return [...text.matchAll(/kinema_http_requests_total\{method="GET",route="\/media\/\*",status="\d+"\} (\d+)/g)].reduce((n, m) => n + Number(m[1]), 0);
  };

  test('valid tokens pass; forged and expired ones are refused at the edge and never reach the origin', async () => {
    const u = await signUp(app, 'signer');
    const { id, version } = await readyVideo(app, u.token, 'private');
    const play = await app.api('GET', `/api/v1/videos/${id}/play`, { token: u.token });
    const signedPath = new URL(play.body.hlsManifest, app.url).pathname;
    // The origin counts a request in onResponse, which runs after the client already has the
    // body: a count is read only once it includes the request just answered, never right after.
    const countBefore = await originMediaRequests();
    const ok = await fetch(`${edge.url}${signedPath}`);
    assert.equal(ok.status, 200);
    assert.match(await ok.text(), /#EXTM3U/);
    const before = await until(async () => {
      const n = await originMediaRequests();
      return n > countBefore && n;
    }, 'the origin to count the valid request');

    const forged = signedPath.replace(/(\/media\/s\/\d+\.)[A-Za-z0-9_-]{43}/, `$1${'A'.repeat(43)}`);
    const expiredToken = signMediaToken(secret, `media/${id}/${version}/`, Math.floor(Date.now() / 1000) - 60);
    const expired = `/media/s/${expiredToken}/${id}/${version}/master.m3u8`;
    const otherVersion = signedPath.replace(`/${version}/`, '/vother/');
    for (const path of [forged, expired, otherVersion]) {
      const r = await fetch(`${edge.url}${path}`);
      assert.equal(r.status, 403, path);
      assert.equal(r.headers.get('x-kinema-edge'), 'denied');
    }
    assert.equal((await fetch(`${edge.url}/media/s/garbage/${id}/${version}/master.m3u8`)).status, 404);
    // A marker request that does reach the origin, sent after the refused ones: once the origin
    // has counted it, anything the refused requests caused at the origin has been counted too.
    const marker = await fetch(`${edge.url}${signedPath}`);
    assert.equal(marker.status, 200);
    await marker.arrayBuffer();
    const after = await until(async () => {
      const n = await originMediaRequests();
      return n > before && n;
    }, 'the origin to count the marker request');
    assert.equal(after, before + 1, 'only the marker reached the origin; the refused requests never did');
  });
});
