import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../src/platform/paths.js';
import { startTestApp, signUp, type TestApp } from './support/app.js';
import { startTier, type Edge } from './support/nginx.js';
import { readyVideo } from './support/delivery.js';
import { until } from './support/poll.js';
import { freePort } from './support/services.js';

/**
 * Watch pages through an edge and a shield (real nginx from `kinema edge-config`): a signed-out
 * viewer's page comes from the nearby tier, a signed-in viewer's never does and is never stored,
 * the client hints the page's play answer reads are part of the key, and a takedown purges the
 * page with the media.
 */
describe('watch pages at the cache tiers', () => {
  let app: TestApp;
  let shield: Edge;
  let edge: Edge;
  const DESKTOP = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36';
  const PHONE = 'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Mobile Safari/537.36';

  before(async () => {
    assert.ok(existsSync(join(packageRoot, 'dist', 'web', 'index.html')), 'the web app is built (npm test builds it)');
    const port = await freePort();
    shield = await startTier({ role: 'shield', origins: [`127.0.0.1:${port}`] });
    edge = await startTier({ role: 'edge', origins: [shield.host] });
    // Pages kept far longer than a test runs: a page that goes away went by the purge.
    app = await startTestApp({ env: { PORT: String(port), EDGE_PURGE_URLS: [shield, edge].map((t) => t.url).join(','), EDGE_PAGE_TTL_SEC: '3600' } });
  });
  after(async () => {
    await Promise.all([edge, shield].map((t) => t?.stop()));
    await app?.close();
  });

  const page = async (path: string, headers: Record<string, string> = {}) => {
    const res = await fetch(`${edge.url}${path}`, { headers: { 'user-agent': DESKTOP, ...headers } });
    return { status: res.status, cache: res.headers.get('x-cache-status'), headers: res.headers, html: await res.text() };
  };
  const inlined = (html: string) => JSON.parse(/<script id="kinema-play" type="application\/json" data-status="\d+">(.*?)<\/script>/s.exec(html)![1]!);

  test('a signed-out viewer\'s page is kept by the tiers; browsers are still told not to keep it', async () => {
    const u = await signUp(app, 'edgepage');
    const { id } = await readyVideo(app, u.token, 'public');
    const first = await page(`/watch/${id}`);
    assert.equal(first.status, 200);
    assert.equal(first.cache, 'MISS');
    assert.equal(inlined(first.html).videoId, id);
    const again = await page(`/watch/${id}?t=30`);
    assert.equal(again.cache, 'HIT', 'the query string is the app\'s, not part of the key');
    assert.equal(again.html, first.html);
    assert.match(again.headers.get('cache-control') ?? '', /no-store|no-cache/, 'browsers do not keep it without asking');
    assert.equal(again.headers.get('x-accel-expires'), null, 'the tiers\' own header never reaches a browser');
    // The shield holds it too: a second edge would not reach the origin.
    const atShield = await fetch(`${shield.url}/watch/${id}`, { headers: { 'user-agent': DESKTOP } });
    await atShield.text();
    assert.equal(atShield.headers.get('x-cache-status'), 'HIT');
  });

  test('a signed-in viewer\'s page never comes from the cache and is never stored', async () => {
    const u = await signUp(app, 'edgeviewer');
    const { id } = await readyVideo(app, u.token, 'public');
    const sessions: Record<string, string>[] = [{ cookie: `theme=dark; kinema_session=${u.token}` }, { cookie: `__Host-kinema_session=${u.token}` }, { authorization: `Bearer ${u.token}` }];
    for (const headers of sessions) {
      const signedIn = await page(`/watch/${id}`, headers);
      assert.equal(signedIn.status, 200);
      assert.equal(signedIn.cache, 'BYPASS', JSON.stringify(headers));
    }
    // Nothing a signed-in request fetched was stored for the signed-out ones.
    assert.equal((await page(`/watch/${id}`)).cache, 'MISS');
    // A cookie that only looks alike is no session.
    assert.equal((await page(`/watch/${id}`, { cookie: 'not_kinema_session=1' })).cache, 'HIT');
  });

  test('the client hints the play answer reads are part of the key', async () => {
    const u = await signUp(app, 'edgehints');
    const { id } = await readyVideo(app, u.token, 'public');
    assert.equal((await page(`/watch/${id}`)).cache, 'MISS');
    assert.equal((await page(`/watch/${id}`)).cache, 'HIT');
    // A phone, by user agent or by Sec-CH-UA-Mobile, and Save-Data each get their own page.
    assert.equal((await page(`/watch/${id}`, { 'user-agent': PHONE })).cache, 'MISS');
    assert.equal((await page(`/watch/${id}`, { 'user-agent': DESKTOP, 'sec-ch-ua-mobile': '?1' })).cache, 'HIT', 'the same phone class');
    assert.equal((await page(`/watch/${id}`, { 'user-agent': PHONE, 'sec-ch-ua-mobile': '?0' })).cache, 'HIT', 'the hint beats the user agent, as at the api');
    assert.equal((await page(`/watch/${id}`, { 'save-data': 'on' })).cache, 'MISS');
  });

  test('a video made private: its page is purged from both tiers with its media', async () => {
    const u = await signUp(app, 'edgetakedown');
    const { id } = await readyVideo(app, u.token, 'public');
    await page(`/watch/${id}`);
    assert.equal((await page(`/watch/${id}`)).cache, 'HIT');
    const patch = await app.api('PATCH', `/api/v1/videos/${id}`, { token: u.token, body: { visibility: 'private' } });
    assert.equal(patch.status, 200);
    await until(async () => (await page(`/watch/${id}`)).status === 404, 'the edge to answer 404 for the purged page', 120_000, 250);
    const shieldNow = await fetch(`${shield.url}/watch/${id}`, { headers: { 'user-agent': DESKTOP } });
    await shieldNow.text();
    assert.equal(shieldNow.status, 404, 'the shield answers 404 too');
    // Its owner still gets the page, through the tiers, never from their cache.
    const owner = await page(`/watch/${id}`, { cookie: `kinema_session=${u.token}` });
    assert.equal(owner.status, 200);
    assert.equal(owner.cache, 'BYPASS');
    assert.equal(inlined(owner.html).videoId, id);
  });
});
