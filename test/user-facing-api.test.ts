import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { get as httpGet, type IncomingHttpHeaders } from 'node:http';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { join } from 'node:path';
import { packageRoot } from '../src/platform/paths.js';
import { startTestApp, signUp, type TestApp } from './support/app.js';
import { createVideo, lifecycleOf, readyVideo, startProcessing } from './support/delivery.js';

/**
 * What people and scripts see from the API with the defaults: URLs that work from any device,
 * sign-in asked for before input is checked, error messages in words (never a schema keyword or
 * a regex), real 404s for pages that do not exist, and whether a failed video is worth retrying.
 */

const noRegex = (message: string) => assert.doesNotMatch(message, /\^|\$|\[A-Za-z|must match pattern|must be equal to one of|must NOT/, message);

describe('with PUBLIC_URL and MEDIA_BASE_URL unset', () => {
  let app: TestApp;
  before(async () => {
    app = await startTestApp();
  });
  after(() => app?.close());

  test('media, poster, storyboard and upload URLs are root-relative, so they reach the host the client used', async () => {
    const u = await signUp(app, 'lan');
    const { id } = await readyVideo(app, u.token, 'public');
    const play = await app.api('GET', `/api/v1/videos/${id}/play`);
    assert.equal(play.status, 200);
    const urls = [play.body.hlsManifest, play.body.posterUrl, play.body.storyboardUrl, ...play.body.renditions.map((r: { url: string }) => r.url)];
    for (const url of urls) assert.match(url, /^\/media\//, url);
    // The client resolves them against the address it used (here the loopback one).
    const master = await fetch(new URL(play.body.hlsManifest, app.url));
    assert.equal(master.status, 200);
    assert.match(await master.text(), /^#EXTM3U/);
    const video = await app.api('GET', `/api/v1/videos/${id}`);
    assert.match(video.body.posterUrl, /^\/media\//);
    const created = await app.api('POST', '/api/v1/videos', { token: u.token, body: { title: 'no file yet' } });
    assert.equal(created.body.uploadUrl, '/api/v1/uploads');
  });

  test('signed URLs of private videos are root-relative too, and work', async () => {
    const u = await signUp(app, 'private');
    const { id } = await readyVideo(app, u.token, 'private');
    const play = await app.api('GET', `/api/v1/videos/${id}/play`, { token: u.token });
    assert.match(play.body.hlsManifest, /^\/media\/s\//);
    assert.equal((await fetch(new URL(play.body.hlsManifest, app.url))).status, 200);
  });

  test('the OpenAPI document names its own origin as the server', async () => {
    const doc = await app.api('GET', '/api/v1/openapi.json');
    assert.deepEqual(doc.body.servers, [{ url: '/' }]);
  });
});

describe('with PUBLIC_URL set', () => {
  let app: TestApp;
  before(async () => {
    app = await startTestApp({ env: { PUBLIC_URL: 'https://video.example.test/' } });
  });
  after(() => app?.close());

  test('configured URLs stay absolute: media on PUBLIC_URL (the default MEDIA_BASE_URL), uploads, OpenAPI', async () => {
    const u = await signUp(app, 'configured');
    const { id } = await readyVideo(app, u.token, 'public');
    const play = await app.api('GET', `/api/v1/videos/${id}/play`);
    assert.match(play.body.hlsManifest, /^https:\/\/video\.example\.test\/media\//);
    assert.match(play.body.posterUrl, /^https:\/\/video\.example\.test\/media\//);
    const created = await app.api('POST', '/api/v1/videos', { token: u.token, body: { title: 'absolute' } });
    assert.equal(created.body.uploadUrl, 'https://video.example.test/api/v1/uploads');
    assert.deepEqual((await app.api('GET', '/api/v1/openapi.json')).body.servers, [{ url: 'https://video.example.test' }]);
  });
});

describe('errors people and scripts can act on', () => {
  let app: TestApp;
  before(async () => {
    assert.ok(existsSync(join(packageRoot, 'dist', 'web', 'index.html')), 'the web app is built (npm test builds it)');
    app = await startTestApp();
  });
  after(() => app?.close());

  test('an anonymous request to a route that needs sign-in gets 401 before any complaint about its input', async () => {
    const u = await signUp(app, 'authfirst');
    const id = await createVideo(app, u.token, 'public');
    const cases: [string, string, unknown][] = [
      ['POST', '/api/v1/videos', {}],
      ['POST', '/api/v1/videos', { visibility: 'secret', colour: 'red' }],
      ['POST', '/api/v1/videos', '{"title":'],
      ['PATCH', '/api/v1/videos/not-an-id', { title: 'x' }],
      ['PATCH', `/api/v1/videos/${id}`, {}],
      ['DELETE', '/api/v1/videos/bad', undefined],
      ['POST', '/api/v1/videos/bad/reprocess', undefined],
    ];
    for (const [method, path, body] of cases) {
      const r = await app.api(method, path, { body });
      assert.equal(r.status, 401, `${method} ${path} ${JSON.stringify(body)}`);
      assert.equal(r.body.error.code, 'UNAUTHENTICATED');
      assert.match(r.body.error.message, /Sign in/);
    }
    // Signed in, the same bad input is reported as such.
    assert.equal((await app.api('POST', '/api/v1/videos', { token: u.token, body: {} })).status, 400);
  });

  test('visibility defaults to public; a bad one lists the allowed values', async () => {
    const u = await signUp(app, 'visible');
    const created = await app.api('POST', '/api/v1/videos', { token: u.token, body: { title: 'defaults' } });
    assert.equal(created.status, 201);
    assert.equal(created.body.visibility, 'public');
    const bad = await app.api('POST', '/api/v1/videos', { token: u.token, body: { title: 'x', visibility: 'secret' } });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error.message, 'The body field "visibility" must be one of: public, unlisted, private.');
    const badPatch = await app.api('PATCH', `/api/v1/videos/${created.body.id}`, { token: u.token, body: { visibility: 'everyone' } });
    assert.equal(badPatch.body.error.message, 'The body field "visibility" must be one of: public, unlisted, private.');
    const badSort = await app.api('GET', '/api/v1/videos?sort=best');
    assert.equal(badSort.body.error.message, 'The query string field "sort" must be one of: newest, popular.');
  });

  test('unknown, missing and malformed fields are named in plain words', async () => {
    const u = await signUp(app, 'fields');
    const unknown = await app.api('POST', '/api/v1/videos', { token: u.token, body: { title: 't', colour: 'red' } });
    assert.equal(unknown.body.error.message, 'The body has an unknown field "colour" (allowed: title, description, tags, visibility).');
    const missing = await app.api('POST', '/api/v1/videos', { token: u.token, body: { visibility: 'public' } });
    assert.equal(missing.body.error.message, 'The body is missing the field "title".');
    const blank = await app.api('POST', '/api/v1/videos', { token: u.token, body: { title: '   ' } });
    assert.equal(blank.body.error.message, 'The title must contain more than spaces.');
    const wrongType = await app.api('POST', '/api/v1/videos', { token: u.token, body: { title: 42 } });
    assert.equal(wrongType.body.error.message, 'The body field "title" must be text.');
    const tooMany = await app.api('GET', '/api/v1/videos?limit=500');
    assert.equal(tooMany.body.error.message, 'The query string field "limit" must be at most 100.');
    for (const r of [unknown, missing, blank, wrongType, tooMany]) {
      assert.equal(r.status, 400);
      assert.equal(r.body.error.code, 'VALIDATION_FAILED');
      noRegex(r.body.error.message);
    }
  });

  test('a malformed video id is explained, never shown as a regex', async () => {
    for (const path of ['/api/v1/videos/not-an-id', '/api/v1/videos/not-an-id/play']) {
      const r = await app.api('GET', path);
      assert.equal(r.status, 400, path);
      assert.equal(r.body.error.message, 'No video with id "not-an-id": video ids are 11 characters of letters, digits, - and _. Check the link.');
    }
  });

  test('watch pages of malformed and unknown ids, and unknown pages, answer 404 with the web app', async () => {
    for (const path of ['/watch/not-an-id', '/watch/AAAAAAAAAAA', '/nope', '/watch/AAAAAAAAAAA/extra', '/me/nothing']) {
      const res = await fetch(`${app.url}${path}`);
      assert.equal(res.status, 404, path);
      assert.match(res.headers.get('content-type') ?? '', /text\/html/);
      assert.match(await res.text(), /<main id="main"/, `${path}: the app draws its not-found page`);
    }
    for (const path of ['/', '/upload', '/login', '/signup', '/me/videos', '/me/videos/']) {
      const res = await fetch(`${app.url}${path}`);
      assert.equal(res.status, 200, path);
      await res.text();
    }
    // Missing assets and API routes stay JSON 404s.
    for (const path of ['/assets/gone-123.js', '/api/v1/nope']) {
      const res = await fetch(`${app.url}${path}`);
      assert.equal(res.status, 404, path);
      assert.equal((await res.json()).error.code, 'NOT_FOUND');
    }
  });

  test('the web app\'s scripts and styles go compressed to browsers that accept it: the same bytes once decoded, cached for a year', async () => {
    const assets = join(packageRoot, 'dist', 'web', 'assets');
    const get = (file: string, encoding?: string) =>
      new Promise<{ headers: IncomingHttpHeaders; body: Buffer }>((resolve, reject) => {
        httpGet(`${app.url}/assets/${file}`, { headers: encoding ? { 'accept-encoding': encoding } : {} }, (res) => {
          const parts: Buffer[] = [];
          res.on('data', (c: Buffer) => parts.push(c)).on('end', () => resolve({ headers: res.headers, body: Buffer.concat(parts) })).on('error', reject);
        }).on('error', reject);
      });
    const scripts = readdirSync(assets).filter((f) => /\.(js|css)$/.test(f) && statSync(join(assets, f)).size >= 1024);
    assert.ok(scripts.some((f) => /^watch-.*\.js$/.test(f)) && scripts.some((f) => /^index-.*\.js$/.test(f)), `the build has an entry and a watch chunk: ${scripts.join(' ')}`);
    for (const file of scripts) {
      const raw = readFileSync(join(assets, file));
      for (const [accept, encoding, decode] of [['gzip, deflate, br', 'br', brotliDecompressSync], ['gzip', 'gzip', gunzipSync]] as const) {
        const res = await get(file, accept);
        assert.equal(res.headers['content-encoding'], encoding, `${file} for ${accept}`);
        assert.match(String(res.headers.vary), /accept-encoding/i, 'caches keep one copy per encoding');
        assert.equal(res.headers['cache-control'], 'public, max-age=31536000, immutable');
        assert.ok(res.body.length < raw.length, `${file} ${encoding}: ${res.body.length} bytes sent for ${raw.length}`);
        // What the browser runs must be the build's own file, byte for byte (a copy taken before
        // the build's last rewrite once left the entry chunk unable to load any page).
        assert.ok(decode(res.body).equals(raw), `${file}: ${encoding} decodes to the built file`);
      }
      const plain = await get(file);
      assert.equal(plain.headers['content-encoding'], undefined, 'a client that asks for no encoding gets the file as it is');
      assert.ok(plain.body.equals(raw), file);
    }
    const watch = scripts.find((f) => /^watch-.*\.js$/.test(f))!;
    const watchBr = (await get(watch, 'br')).body.length;
    assert.ok(watchBr < statSync(join(assets, watch)).size / 2.5, `the watch chunk (hls.js) shrinks to ${watchBr} bytes`);
  });

  test('the watch page of a video that exists answers 200 in every state to its owner; not ready, 404 to others', async () => {
    const u = await signUp(app, 'states');
    const waiting = await createVideo(app, u.token, 'public');
    assert.equal((await fetch(`${app.url}/watch/${waiting}`, { headers: { cookie: `kinema_session=${u.token}` } })).status, 200);
    assert.equal((await fetch(`${app.url}/watch/${waiting}`)).status, 404, 'an unfinished video does not exist for others (issue 9)');
    const { id } = await readyVideo(app, u.token, 'public');
    assert.equal((await fetch(`${app.url}/watch/${id}`)).status, 200);
  });

  test('a failed video says whether processing it again can help', async () => {
    const u = await signUp(app, 'failures');
    const permanent = await createVideo(app, u.token, 'public');
    await startProcessing(app, permanent);
    await lifecycleOf(app).markFailed(permanent, 'This file has no video track.', { retryable: false });
    const transient = await createVideo(app, u.token, 'public');
    await startProcessing(app, transient);
    await lifecycleOf(app).markFailed(transient, 'Processing failed several times on our side.');
    const a = await app.api('GET', `/api/v1/videos/${permanent}`, { token: u.token });
    assert.equal(a.body.status, 'failed');
    assert.equal(a.body.failureRetryable, false);
    const b = await app.api('GET', `/api/v1/videos/${transient}`, { token: u.token });
    assert.equal(b.body.failureRetryable, true, 'failures default to retryable');
    const mine = await app.api('GET', '/api/v1/videos?owner=me', { token: u.token });
    assert.deepEqual(new Set(mine.body.items.map((v: { failureRetryable: boolean }) => v.failureRetryable)), new Set([false, true]));
    const ready = await readyVideo(app, u.token, 'public');
    assert.equal((await app.api('GET', `/api/v1/videos/${ready.id}`)).body.failureRetryable, null, 'null unless failed');
  });
});
