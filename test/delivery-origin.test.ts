import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { startTestApp, signUp, type TestApp } from './support/app.js';
import { createVideo, playlistUris, rawRequest, readyVideo, testLadder } from './support/delivery.js';

// The embedded origin's HTTP contract (headers, ranges, conditionals, CORS, path safety). It is
// engine-independent, so it runs on the embedded engine only; the play suite covers both.
describe('media origin', () => {
  let app: TestApp;
  let v: { id: string; version: string; prefix: string };
  let segmentPath: string;
  let segmentBytes: Buffer;
  const path = (file: string) => `/media/${v.id}/${v.version}/${file}`;

  before(async () => {
    [app] = await Promise.all([startTestApp(), testLadder()]);
    const owner = await signUp(app, 'origin');
    v = await readyVideo(app, owner.token, 'unlisted');
    const rung = (await testLadder()).out.renditions[0]!;
    const playlist = await (await fetch(`${app.url}${path(rung.playlist)}`)).text();
    segmentPath = path(`${rung.label}/${playlistUris(playlist).find((u) => u.endsWith('.m4s'))}`);
    segmentBytes = Buffer.from(await (await fetch(`${app.url}${segmentPath}`)).arrayBuffer());
  });
  after(() => app.close());

  test('every file type gets its MIME type, length, validators and a year of immutable caching', async () => {
    const cases: [string, string][] = [
      ['master.m3u8', 'application/vnd.apple.mpegurl'],
      ['90p/init.mp4', 'video/mp4'],
      ['90p/seg_00001.m4s', 'video/iso.segment'],
      ['thumbs/poster.jpg', 'image/jpeg'],
      ['thumbs/storyboard.vtt', 'text/vtt'],
    ];
    for (const [file, type] of cases) {
      const res = await fetch(`${app.url}${path(file)}`);
      const body = Buffer.from(await res.arrayBuffer());
      assert.equal(res.status, 200, file);
      assert.equal(res.headers.get('content-type'), type, file);
      assert.equal(Number(res.headers.get('content-length')), body.length, file);
      assert.match(res.headers.get('etag') ?? '', /^"[^"]+"$/, file);
      assert.ok(Date.parse(res.headers.get('last-modified') ?? '') > 0, file);
      assert.equal(res.headers.get('accept-ranges'), 'bytes');
      assert.equal(res.headers.get('cache-control'), 'public, max-age=31536000, immutable');
      assert.equal(res.headers.get('access-control-allow-origin'), '*');
      assert.match(res.headers.get('access-control-expose-headers') ?? '', /Content-Range/);
    }
  });

  test('.m4a audio is served as audio/mp4', async () => {
    await app.platform.store.put(`${v.prefix}audio/extra.m4a`, Readable.from([Buffer.from('not really audio')]));
    const res = await fetch(`${app.url}${path('audio/extra.m4a')}`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'audio/mp4');
  });

  test('byte ranges: a-b, a- and -n give 206 with Content-Range; past the end is 416', async () => {
    const size = segmentBytes.length;
    const cases: [string, number, number][] = [['bytes=0-99', 0, 99], ['bytes=100-', 100, size - 1], ['bytes=-50', size - 50, size - 1], ['bytes=10-99999999', 10, size - 1]];
    for (const [range, start, end] of cases) {
      const res = await fetch(`${app.url}${segmentPath}`, { headers: { range } });
      assert.equal(res.status, 206, range);
      assert.equal(res.headers.get('content-range'), `bytes ${start}-${end}/${size}`, range);
      assert.equal(Number(res.headers.get('content-length')), end - start + 1, range);
      assert.deepEqual(Buffer.from(await res.arrayBuffer()), segmentBytes.subarray(start, end + 1), range);
    }
    const beyond = await fetch(`${app.url}${segmentPath}`, { headers: { range: `bytes=${size}-` } });
    assert.equal(beyond.status, 416);
    assert.equal(beyond.headers.get('content-range'), `bytes */${size}`);
    assert.equal((await beyond.json()).error.code, 'RANGE_NOT_SATISFIABLE');
    const multi = await fetch(`${app.url}${segmentPath}`, { headers: { range: 'bytes=0-1,5-6' } });
    assert.equal(multi.status, 200, 'multi-range is answered with the whole body');
    assert.equal(Buffer.from(await multi.arrayBuffer()).length, size);
    const stale = await fetch(`${app.url}${segmentPath}`, { headers: { range: 'bytes=0-9', 'if-range': '"some-older-version"' } });
    assert.equal(stale.status, 200, 'If-Range with another ETag gets the whole, current body');
    await stale.arrayBuffer();
  });

  test('HEAD sends the headers of the GET and no body', async () => {
    const res = await rawRequest(app.url, 'HEAD', segmentPath);
    assert.equal(res.status, 200);
    assert.equal(Number(res.headers['content-length']), segmentBytes.length);
    assert.equal(res.headers['content-type'], 'video/iso.segment');
    assert.equal(res.body.length, 0);
    const ranged = await rawRequest(app.url, 'HEAD', segmentPath, { range: 'bytes=0-9' });
    assert.equal(ranged.status, 206);
    assert.equal(ranged.headers['content-length'], '10');
  });

  test('conditional GETs: 304 for a matching ETag or an unchanged date, 200 otherwise', async () => {
    const first = await fetch(`${app.url}${segmentPath}`);
    await first.arrayBuffer();
    const etag = first.headers.get('etag')!;
    const lastModified = first.headers.get('last-modified')!;
    const byTag = await fetch(`${app.url}${segmentPath}`, { headers: { 'if-none-match': etag } });
    assert.equal(byTag.status, 304);
    assert.equal(byTag.headers.get('etag'), etag);
    assert.equal(byTag.headers.get('cache-control'), 'public, max-age=31536000, immutable');
    assert.equal((await byTag.arrayBuffer()).byteLength, 0);
    assert.equal((await fetch(`${app.url}${segmentPath}`, { headers: { 'if-modified-since': lastModified } })).status, 304);
    const changed = await fetch(`${app.url}${segmentPath}`, { headers: { 'if-none-match': '"not-it"' } });
    assert.equal(changed.status, 200);
    await changed.arrayBuffer();
    const old = await fetch(`${app.url}${segmentPath}`, { headers: { 'if-modified-since': 'Thu, 01 Jan 2015 00:00:00 GMT' } });
    assert.equal(old.status, 200);
    await old.arrayBuffer();
  });

  test('answers CORS preflights for players on other origins', async () => {
    const res = await fetch(`${app.url}${segmentPath}`, {
      method: 'OPTIONS',
      headers: { origin: 'https://player.example', 'access-control-request-method': 'GET', 'access-control-request-headers': 'range' },
    });
    assert.equal(res.status, 204);
    assert.equal(res.headers.get('access-control-allow-origin'), '*');
    assert.match(res.headers.get('access-control-allow-methods') ?? '', /GET/);
    assert.match(res.headers.get('access-control-allow-headers') ?? '', /Range/);
  });

  test('traversal and malformed paths are 404 and never reach outside the version', async () => {
    await app.platform.store.put(`originals/${v.id}/source`, Readable.from([Buffer.from('the original upload')]));
    const attempts = [
      `${path('')}../../../originals/${v.id}/source`,
      `/media/../originals/${v.id}/source`,
      `${path('')}%2e%2e/%2e%2e/%2e%2e/originals/${v.id}/source`,
      `${path('')}..%2f..%2f..%2foriginals%2f${v.id}%2fsource`,
      `${path('')}%2E%2E%5C%2E%2E%5Coriginals`,
      `${path('')}..\\..\\..\\originals\\${v.id}\\source`,
      `/media/${v.id}//${v.version}/master.m3u8`,
      `${path('')}/master.m3u8`,
      `${path('master.m3u8')}%00.jpg`,
      `/media/${v.id}/${v.version}`,
      `/media/${v.id}/${v.version}/`,
      `/media/${v.id}/${v.version}/nope.m3u8`,
      `/media/${v.id}/vOTHER/master.m3u8`,
      '/media/AAAAAAAAAAA/v1/master.m3u8',
    ];
    for (const attempt of attempts) {
      const res = await rawRequest(app.url, 'GET', attempt);
      assert.equal(res.status, 404, attempt);
      assert.ok(!res.body.toString().includes('the original upload'), attempt);
      assert.equal(res.headers['cache-control'], 'no-store', `${attempt}: a 404 is never cached for a year`);
    }
    // Outside /media/ the web app's fallback may answer, but never with a stored object.
    const outside = await rawRequest(app.url, 'GET', `/originals/${v.id}/source`);
    assert.ok(!outside.body.toString().includes('the original upload'));
    // Invalid percent-encoding is refused by Fastify's router before any route runs.
    const undecodable = await rawRequest(app.url, 'GET', `${path('')}%zz`);
    assert.equal(undecodable.status, 400);
  });

  test('only the current version is served, and only while the video exists', async () => {
    const owner = await signUp(app, 'mover');
    const w = await readyVideo(app, owner.token, 'public');
    // Files of a version that was never published, under the same video.
    await app.platform.store.put(`media/${w.id}/vdraft/master.m3u8`, Readable.from([Buffer.from('#EXTM3U\n')]));
    assert.equal((await fetch(`${app.url}/media/${w.id}/vdraft/master.m3u8`)).status, 404);
    assert.equal((await fetch(`${app.url}/media/${w.id}/${w.version}/master.m3u8`)).status, 200);
    // A video still awaiting upload has no version at all.
    const pending = await createVideo(app, owner.token, 'public');
    await app.platform.store.put(`media/${pending}/v1/master.m3u8`, Readable.from([Buffer.from('#EXTM3U\n')]));
    assert.equal((await fetch(`${app.url}/media/${pending}/v1/master.m3u8`)).status, 404);
    assert.equal((await app.api('DELETE', `/api/v1/videos/${w.id}`, { token: owner.token })).status, 204);
    assert.equal((await fetch(`${app.url}/media/${w.id}/${w.version}/master.m3u8`)).status, 404);
  });
});
