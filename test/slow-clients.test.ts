import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { request } from 'node:http';
import { startTestApp, signUp, type TestApp } from './support/app.js';
import { startEdge, type Edge } from './support/nginx.js';

// Issue 9: connections that trickled bytes were never timed out, so a few hundred slow clients
// could hold every socket of the api (or the edge). Each attack is sent byte by byte over a raw
// socket; the server must hang up on it, while an upload that keeps sending finishes however
// long it takes. The timeouts are set small by settings so the attacks end quickly.

/** Far past every timeout set below: a server that has not hung up by then never will. */
const GIVE_UP_MS = 45_000;

interface SlowClient {
  /** The request's start (e.g. a request line and some headers). */
  first: string;
  /** Sent every `everyMs` afterwards, never finishing the request. */
  drip: string;
  everyMs: number;
}

/** Opens a raw connection, sends `first`, then drips; resolves when the server hangs up (or not). */
function slowClient(base: string, c: SlowClient): Promise<{ hungUp: boolean; received: string }> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve) => {
    const socket = connect(Number(port), hostname);
    let received = '';
    let done = false;
    let drip: NodeJS.Timeout | undefined;
    const finish = (hungUp: boolean) => {
      if (done) return;
      done = true;
      clearInterval(drip);
      clearTimeout(giveUp);
      socket.destroy();
      resolve({ hungUp, received });
    };
    const giveUp = setTimeout(() => finish(false), GIVE_UP_MS);
    socket.setEncoding('latin1');
    socket.on('data', (d: string) => (received += d));
    socket.on('close', () => finish(true));
    // A reset is one way of hanging up (nginx: reset_timedout_connection); 'close' follows.
    socket.on('error', () => undefined);
    socket.once('connect', () => {
      socket.write(c.first);
      drip = setInterval(() => socket.write(c.drip), c.everyMs);
    });
  });
}

const tusHeaders = (token: string) => ({ authorization: `Bearer ${token}`, 'tus-resumable': '1.0.0' });

/** A video and the URL of its started tus upload of `sizeBytes`, created through `base`. */
async function startedUpload(app: TestApp, base: string, token: string, sizeBytes: number): Promise<URL> {
  const video = await app.api('POST', '/api/v1/videos', { token, body: { title: 'slow', visibility: 'public' } });
  assert.equal(video.status, 201);
  const created = await fetch(`${base}/api/v1/uploads`, {
    method: 'POST',
    headers: { ...tusHeaders(token), 'upload-length': String(sizeBytes), 'upload-metadata': `videoId ${Buffer.from(video.body.id).toString('base64')}` },
  });
  assert.equal(created.status, 201, await created.text());
  return new URL(created.headers.get('location')!, base);
}

/** The headers of a tus PATCH of `sizeBytes` from offset 0, as raw HTTP/1.1. */
const rawPatchHead = (url: URL, token: string, sizeBytes: number) =>
  `PATCH ${url.pathname} HTTP/1.1\r\nHost: ${url.host}\r\nAuthorization: Bearer ${token}\r\nTus-Resumable: 1.0.0\r\n` +
  `Upload-Offset: 0\r\nContent-Type: application/offset+octet-stream\r\nContent-Length: ${sizeBytes}\r\n\r\n`;

/** Sends a PATCH body in `chunks` pieces, one every `everyMs`: slow, but never pausing for long. */
function steadyPatch(url: URL, token: string, chunks: number, chunkBytes: number, everyMs: number): Promise<{ status: number; offset: string | undefined }> {
  return new Promise((resolve, reject) => {
    const req = request(url, {
      method: 'PATCH',
      headers: { ...tusHeaders(token), 'upload-offset': '0', 'content-type': 'application/offset+octet-stream', 'content-length': String(chunks * chunkBytes) },
    }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode!, offset: res.headers['upload-offset'] as string | undefined }));
    });
    req.on('error', reject);
    let sent = 0;
    const next = () => {
      req.write(Buffer.alloc(chunkBytes, sent));
      if (++sent === chunks) req.end();
      else setTimeout(next, everyMs);
    };
    next();
  });
}

describe('the api hangs up on slow clients', () => {
  const IDLE_SEC = 6;
  let app: TestApp;
  let token: string;
  before(async () => {
    app = await startTestApp({ env: { HEADERS_TIMEOUT_SEC: '2', REQUEST_TIMEOUT_SEC: '2', IDLE_TIMEOUT_SEC: String(IDLE_SEC) } });
    token = (await signUp(app, 'slow')).token;
  });
  after(() => app.close());

  test('slow-loris: a header trickled a line every 500 ms (never idle) is cut at HEADERS_TIMEOUT_SEC', async () => {
    const r = await slowClient(app.url, { first: 'GET /health HTTP/1.1\r\nHost: localhost\r\n', drip: 'X-Slow: 1\r\n', everyMs: 500 });
    assert.equal(r.hungUp, true, `the server still held the connection after ${GIVE_UP_MS} ms`);
  });

  test('an upload body that pauses longer than IDLE_TIMEOUT_SEC is cut (and stays resumable)', async () => {
    const url = await startedUpload(app, app.url, token, 1000);
    const r = await slowClient(app.url, { first: `${rawPatchHead(url, token, 1000)}0123456789`, drip: 'x', everyMs: IDLE_SEC * 2000 });
    assert.equal(r.hungUp, true, `the server still held the connection after ${GIVE_UP_MS} ms`);
    const head = await fetch(url, { method: 'HEAD', headers: tusHeaders(token) });
    assert.equal(head.status, 200);
    assert.ok(Number(head.headers.get('upload-offset')) < 1000, 'the upload is still unfinished, and can be resumed from its offset');
  });

  test('a JSON body trickled a byte every 500 ms (never idle) is cut at REQUEST_TIMEOUT_SEC', async () => {
    const head = 'POST /api/v1/auth/login HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 200\r\n\r\n{';
    const r = await slowClient(app.url, { first: head, drip: ' ', everyMs: 500 });
    assert.equal(r.hungUp, true, `the server still held the connection after ${GIVE_UP_MS} ms`);
  });

  test('a steady upload that takes longer than every timeout above finishes', async () => {
    // 32 chunks, one every 250 ms: at least 8 s, past the 2 s request and 6 s idle timeouts.
    const url = await startedUpload(app, app.url, token, 32 * 1024);
    const r = await steadyPatch(url, token, 32, 1024, 250);
    assert.equal(r.status, 204);
    assert.equal(r.offset, String(32 * 1024));
  });
});

describe('the nginx edge hangs up on slow clients', () => {
  let app: TestApp;
  let edge: Edge;
  let token: string;
  before(async () => {
    // The api's own timeouts stay at their (long) defaults: what is cut here, nginx cut.
    app = await startTestApp();
    edge = await startEdge(new URL(app.url).host, { timeouts: { clientHeaderSec: 2, clientBodySec: 3, sendSec: 3, keepaliveSec: 5 } });
    token = (await signUp(app, 'edgy')).token;
  });
  after(async () => {
    await edge?.stop();
    await app?.close();
  });

  test('slow-loris: a header trickled a line every 500 ms is cut at client_header_timeout', async () => {
    const r = await slowClient(edge.url, { first: 'GET /health HTTP/1.1\r\nHost: localhost\r\n', drip: 'X-Slow: 1\r\n', everyMs: 500 });
    assert.equal(r.hungUp, true, `nginx still held the connection after ${GIVE_UP_MS} ms`);
  });

  test('an upload body that pauses longer than client_body_timeout is cut', async () => {
    const url = await startedUpload(app, edge.url, token, 1000);
    const r = await slowClient(edge.url, { first: `${rawPatchHead(url, token, 1000)}0123456789`, drip: 'x', everyMs: 6000 });
    assert.equal(r.hungUp, true, `nginx still held the connection after ${GIVE_UP_MS} ms`);
  });

  test('a steady upload through the edge that takes longer than client_body_timeout finishes', async () => {
    // 24 chunks, one every 250 ms: at least 6 s, twice the 3 s between-reads timeout.
    const url = await startedUpload(app, edge.url, token, 24 * 1024);
    const r = await steadyPatch(url, token, 24, 1024, 250);
    assert.equal(r.status, 204);
    assert.equal(r.offset, String(24 * 1024));
  });
});
