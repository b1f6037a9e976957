import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../src/platform/paths.js';
import { startTestApp, signUp, type TestApp } from './support/app.js';
import { readyVideo } from './support/delivery.js';
import { beacon, newSession, setDuration } from './support/engagement.js';
import { until } from './support/poll.js';

function inlinePlay(html: string): { status: number; body: any } {
  const m = /<script id="kinema-play" type="application\/json" data-status="(\d+)">(.*?)<\/script>/s.exec(html);
  assert.ok(m, 'the page carries its play answer');
  return { status: Number(m[1]), body: JSON.parse(m[2]!) };
}

describe('the watch page carries its play answer in its first response', () => {
  let app: TestApp;
  before(async () => {
    assert.ok(existsSync(join(packageRoot, 'dist', 'web', 'index.html')), 'the web app is built (npm test builds it)');
    app = await startTestApp();
  });
  after(() => app.close());

  test('a ready video: inlined play answer, preload hints for the first media requests', async () => {
    const u = await signUp(app, 'watcher');
    const title = 'evil </script><script>alert(1)</script> title';
    const { id } = await readyVideo(app, u.token, 'public');
    await app.api('PATCH', `/api/v1/videos/${id}`, { token: u.token, body: { title } });
    const res = await fetch(`${app.url}/watch/${id}`);
    assert.equal(res.status, 200);
    // The same page for every anonymous viewer: a browser may keep it but must ask again (ETag).
    assert.equal(res.headers.get('cache-control'), 'private, no-cache');
    assert.ok(res.headers.get('etag'));
    assert.match(res.headers.get('content-type') ?? '', /^text\/html/);
    const again = await fetch(`${app.url}/watch/${id}`);
    assert.match(again.headers.get('content-type') ?? '', /^text\/html/, 'a page from the cache is HTML too');
    assert.equal(inlinePlay(await again.text()).body.title, title);
    const signedIn = await fetch(`${app.url}/watch/${id}`, { headers: { cookie: `kinema_session=${u.token}` } });
    assert.equal(signedIn.headers.get('cache-control'), 'no-store', 'a signed-in page is that viewer\'s own');
    assert.equal(signedIn.headers.get('etag'), null);
    const html = await res.text();
    const play = inlinePlay(html);
    assert.equal(play.status, 200);
    assert.equal(play.body.title, title, 'the title survives, escaped');
    assert.ok(!html.includes('<script>alert(1)</script>'), 'no markup injection through metadata');
    assert.ok(html.includes(`<link rel="preload" as="fetch" crossorigin href="${play.body.hlsManifest}">`));
    const api = await app.api('GET', `/api/v1/videos/${id}/play`);
    assert.equal(api.body.hlsManifest, play.body.hlsManifest, 'the same answer as the play API');
  });

  test('a private video of someone else: the page shows not-found, revealing nothing', async () => {
    const owner = await signUp(app, 'hider');
    const { id } = await readyVideo(app, owner.token, 'private');
    const html = await (await fetch(`${app.url}/watch/${id}`)).text();
    const play = inlinePlay(html);
    assert.equal(play.status, 404);
    assert.ok(!html.includes('rel="preload"'));
    const ownerHtml = await (await fetch(`${app.url}/watch/${id}`, { headers: { cookie: `kinema_session=${owner.token}` } })).text();
    assert.equal(inlinePlay(ownerHtml).status, 200, 'the owner, signed in with the cookie, gets signed URLs');
  });

  test('a signed-in viewer\'s page carries where they left off (resumeAtSec); an anonymous one starts at 0', async () => {
    const owner = await signUp(app, 'maker');
    const viewer = await signUp(app, 'returner');
    const { id } = await readyVideo(app, owner.token, 'public');
    await setDuration(app, id, 100);
    assert.equal((await beacon(app, id, { sessionId: newSession(), positionSec: 40, played: [[0, 40]] }, { token: viewer.token })).status, 204);
    const cookie = `kinema_session=${viewer.token}`;
    const play = await until(async () => {
      const p = inlinePlay(await (await fetch(`${app.url}/watch/${id}`, { headers: { cookie } })).text());
      return p.body.resumeAtSec === 40 && p;
    }, 'the watch page to resume at 40 s');
    assert.equal(play.status, 200);
    assert.equal(inlinePlay(await (await fetch(`${app.url}/watch/${id}`)).text()).body.resumeAtSec, null);
  });
});
