import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { startTestApp, signUp, type TestApp } from './support/app.js';
import { readyVideo } from './support/delivery.js';
import { buildWebApp } from './e2e/kinema.js';

/** The CSP directives of a response, by name. */
function cspOf(res: Response): Map<string, string[]> {
  const header = res.headers.get('content-security-policy');
  assert.ok(header, 'a Content-Security-Policy header');
  return new Map(header.split(';').map((d) => d.trim().split(/\s+/)).map(([name, ...values]) => [name!, values]));
}

/** sha256 CSP sources of the executable inline scripts in a served page, computed here. */
function inlineScriptHashesOf(html: string): string[] {
  return [...html.matchAll(/<script(\s[^>]*)?>([\s\S]*?)<\/script>/g)]
    .filter(([, attrs = '']) => !/src=|type="application\/json"/.test(attrs))
    .map(([, , body = '']) => `'sha256-${createHash('sha256').update(body).digest('base64')}'`);
}

/** Security headers on pages, API answers and media (issue 9), with the built web app. */
describe('security headers', () => {
  let app: TestApp;
  before(async () => {
    await buildWebApp();
    app = await startTestApp();
  });
  after(() => app?.close());

  for (const page of ['home', 'watch'] as const) {
    test(`the ${page} page allows its inline boot script by hash, and nothing inline else`, async () => {
      let path = '/';
      if (page === 'watch') {
        const u = await signUp(app, 'viewer');
        path = `/watch/${(await readyVideo(app, u.token, 'public')).id}`;
      }
      const res = await fetch(`${app.url}${path}`);
      assert.equal(res.status, 200);
      const html = await res.text();
      const csp = cspOf(res);
      const served = inlineScriptHashesOf(html);
      assert.equal(served.length, 1, 'the page has one inline boot script');
      assert.deepEqual(csp.get('script-src'), ["'self'", ...served], 'the hash of the script as served, and no unsafe-inline');
      assert.deepEqual(csp.get('script-src-attr'), ["'none'"]);
      assert.deepEqual(csp.get('default-src'), ["'self'"]);
      assert.deepEqual(csp.get('object-src'), ["'none'"]);
      assert.deepEqual(csp.get('frame-ancestors'), ["'self'"], 'no embed page exists: only this site may frame it');
      assert.ok(!csp.has('upgrade-insecure-requests'), 'plain http (localhost) is not upgraded');
      assert.equal(res.headers.get('x-frame-options'), 'SAMEORIGIN');
      assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
      assert.equal(res.headers.get('referrer-policy'), 'strict-origin-when-cross-origin');
      assert.equal(res.headers.get('strict-transport-security'), null, 'no HSTS over plain http');
    });
  }

  test('API answers are nosniff and same-origin; media stays readable by players on other sites', async () => {
    const api = await fetch(`${app.url}/api/v1/videos`);
    assert.equal(api.headers.get('x-content-type-options'), 'nosniff');
    assert.equal(api.headers.get('cross-origin-resource-policy'), 'same-origin');
    const u = await signUp(app, 'media');
    const { prefix } = await readyVideo(app, u.token, 'public');
    const media = await fetch(`${app.url}/${prefix}master.m3u8`, { headers: { origin: 'https://other.example' } });
    assert.equal(media.status, 200);
    assert.equal(media.headers.get('x-content-type-options'), 'nosniff');
    assert.equal(media.headers.get('cross-origin-resource-policy'), 'cross-origin', 'posters and storyboards load in <img> on other sites');
    assert.equal(media.headers.get('access-control-allow-origin'), '*', 'hls.js on other origins still reads playlists and segments');
    const preflight = await fetch(`${app.url}/${prefix}master.m3u8`, { method: 'OPTIONS', headers: { origin: 'https://other.example', 'access-control-request-method': 'GET', 'access-control-request-headers': 'range' } });
    assert.equal(preflight.status, 204);
    assert.match(preflight.headers.get('access-control-allow-headers') ?? '', /Range/);
  });
});

describe('security headers on an HTTPS site', () => {
  let app: TestApp;
  before(async () => {
    await buildWebApp();
    app = await startTestApp({ env: { PUBLIC_URL: 'https://video.example.test', MEDIA_BASE_URL: 'https://cdn.example.test' } });
  });
  after(() => app?.close());

  test('HSTS, upgrade-insecure-requests, and the media and upload origins in the CSP', async () => {
    const res = await fetch(`${app.url}/`);
    const csp = cspOf(res);
    assert.ok(csp.has('upgrade-insecure-requests'));
    assert.match(res.headers.get('strict-transport-security') ?? '', /^max-age=31536000$/);
    assert.deepEqual(csp.get('connect-src'), ["'self'", 'https://cdn.example.test', 'https://video.example.test']);
    assert.ok(csp.get('media-src')!.includes('https://cdn.example.test'));
    assert.ok(csp.get('img-src')!.includes('https://cdn.example.test'));
  });
});

/** Set-Cookie of a sign-up on `app`, sent with `headers`. */
async function signUpCookie(app: TestApp, headers: Record<string, string> = {}): Promise<{ setCookie: string; token: string }> {
  const name = `cookie_${Math.random().toString(36).slice(2, 8)}`;
  const r = await fetch(`${app.url}/api/v1/auth/signup`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ username: name, email: `${name}@example.test`, password: 'correct horse battery staple' }),
  });
  assert.equal(r.status, 201);
  return { setCookie: r.headers.get('set-cookie') ?? '', token: ((await r.json()) as { token: string }).token };
}

const meWithCookie = (app: TestApp, cookie: string, headers: Record<string, string> = {}) =>
  fetch(`${app.url}/api/v1/me`, { headers: { cookie, ...headers } }).then((r) => r.status);

describe('the session cookie', () => {
  test('on plain http (localhost): kinema_session, HttpOnly, SameSite=Lax, not Secure', async () => {
    const app = await startTestApp();
    try {
      const { setCookie, token } = await signUpCookie(app);
      assert.match(setCookie, /^kinema_session=[^;]+;/);
      assert.match(setCookie, /; HttpOnly/i);
      assert.match(setCookie, /; SameSite=Lax/i);
      assert.doesNotMatch(setCookie, /; Secure/i);
      assert.equal(await meWithCookie(app, `kinema_session=${token}`), 200);
    } finally {
      await app.close();
    }
  });

  test('with an https PUBLIC_URL: __Host-kinema_session, Secure, Path=/, no Domain; a plain-named cookie is not accepted', async () => {
    const app = await startTestApp({ env: { PUBLIC_URL: 'https://video.example.test' } });
    try {
      const { setCookie, token } = await signUpCookie(app);
      assert.match(setCookie, /^__Host-kinema_session=[^;]+;/);
      assert.match(setCookie, /; Path=\/(;|$)/);
      assert.match(setCookie, /; Secure/i);
      assert.match(setCookie, /; HttpOnly/i);
      assert.match(setCookie, /; SameSite=Lax/i);
      assert.doesNotMatch(setCookie, /; Domain=/i);
      assert.equal(await meWithCookie(app, `__Host-kinema_session=${token}`), 200);
      // A cookie without the prefix could have been planted by a sibling subdomain or over http.
      assert.equal(await meWithCookie(app, `kinema_session=${token}`), 401);
      const logout = await fetch(`${app.url}/api/v1/auth/logout`, { method: 'POST', headers: { cookie: `__Host-kinema_session=${token}` } });
      assert.match(logout.headers.get('set-cookie') ?? '', /^__Host-kinema_session=;.*Secure/i, 'sign-out clears the same cookie');
    } finally {
      await app.close();
    }
  });

  test('a request that arrived over TLS through a trusted proxy gets the __Host- cookie too', async () => {
    const app = await startTestApp({ env: { TRUST_PROXY: '127.0.0.1' } });
    try {
      const https = await signUpCookie(app, { 'x-forwarded-proto': 'https' });
      assert.match(https.setCookie, /^__Host-kinema_session=[^;]+;.*; Secure/i);
      assert.equal(await meWithCookie(app, `__Host-kinema_session=${https.token}`, { 'x-forwarded-proto': 'https' }), 200);
      const http = await signUpCookie(app);
      assert.match(http.setCookie, /^kinema_session=/);
    } finally {
      await app.close();
    }
  });
});
