import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, signUp, type TestApp } from './support/app.js';
import { startEdge, type Edge } from './support/nginx.js';
import { readyVideo } from './support/delivery.js';

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
    const signed = new URL(play.body.hlsManifest);
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

  test('the API and uploads pass through the edge', async () => {
    const health = await fetch(`${edge.url}/health`);
    assert.equal(health.status, 200);
    assert.equal(health.headers.get('x-cache-status'), null);
  });
});
