import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { request, type IncomingHttpHeaders } from 'node:http';
import { startTestApp, signUp, type TestApp } from './support/app.js';
import { until } from './support/poll.js';

const UPLOADS = '/api/v1/uploads';
const TOTAL_BYTES = 1000;
const FIRST_PART_BYTES = 400;

interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/**
 * One request with the request-target sent exactly as written: fetch (and `new URL`) would
 * normalise `..`, `#` and `%2F` before they reach the server, and that is the whole attack.
 */
function rawSend(baseUrl: string, method: string, target: string, headers: Record<string, string>, body?: Buffer): Promise<Reply> {
  const { hostname, port } = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const req = request({ host: hostname, port, method, path: target, headers: body ? { ...headers, 'content-length': String(body.length) } : headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

const b64 = (s: string) => Buffer.from(s).toString('base64');

describe('an upload URL reaches only the upload its owner was authorized for (issue 9)', () => {
  let app: TestApp;
  before(async () => {
    app = await startTestApp();
  });
  after(() => app.close());

  const tus = (token: string, extra: Record<string, string> = {}) => ({ authorization: `Bearer ${token}`, 'tus-resumable': '1.0.0', ...extra });

  async function startUpload(token: string, filename: string): Promise<string> {
    const video = await app.api('POST', '/api/v1/videos', { token, body: { title: filename, visibility: 'public' } });
    assert.equal(video.status, 201);
    const created = await rawSend(app.url, 'POST', UPLOADS, tus(token, { 'upload-length': String(TOTAL_BYTES), 'upload-metadata': `videoId ${b64(video.body.id)},filename ${b64(filename)}` }));
    assert.equal(created.status, 201, created.body);
    assert.equal(created.headers.location, `${UPLOADS}/${video.body.id}`);
    return video.body.id as string;
  }

  const offsetOf = async (token: string, id: string) => {
    const head = await rawSend(app.url, 'HEAD', `${UPLOADS}/${id}`, tus(token));
    assert.equal(head.status, 200, `HEAD of ${id} by its owner`);
    return Number(head.headers['upload-offset']);
  };

  test('HEAD, PATCH and DELETE with one\'s own id in the path and the victim\'s after it are refused; the victim\'s upload is untouched', async () => {
    const alice = await signUp(app, 'victim');
    const mallory = await signUp(app, 'attacker');
    const aliceBytes = randomBytes(TOTAL_BYTES);
    const victim = await startUpload(alice.token, 'secret-holiday.mp4');
    const first = await rawSend(app.url, 'PATCH', `${UPLOADS}/${victim}`, tus(alice.token, { 'upload-offset': '0', 'content-type': 'application/offset+octet-stream' }), aliceBytes.subarray(0, FIRST_PART_BYTES));
    assert.equal(first.status, 204, first.body);
    const own = await startUpload(mallory.token, 'decoy.mp4');

    // Each target names the attacker's own upload where the router looks and the victim's where
    // a last-path-segment parse of the whole URL (query and fragment included) looks.
    const targets = [
      `${UPLOADS}/${own}?/${victim}`,
      `${UPLOADS}/${own}?x=/${victim}`,
      `${UPLOADS}/${own}?/${victim}/`,
      `${UPLOADS}/${own}?%2F${victim}`,
      `${UPLOADS}/${own}#/${victim}`,
      `${UPLOADS}/${own}?#/${victim}`,
      `${UPLOADS}/${own};/${victim}`,
      `${UPLOADS}/${own}%2F${victim}`,
      `${UPLOADS}/${own}%2f..%2f${victim}`,
      `${UPLOADS}/${own}/../${victim}`,
      `${UPLOADS}/${own}/..%2F${victim}`,
      `${UPLOADS}/${own}//${victim}`,
      `${UPLOADS}//${own}/${victim}`,
      `${UPLOADS}/${own}/${victim}`,
      `${UPLOADS}/${own}/`,
      `${app.url}${UPLOADS}/${own}?/${victim}`,
    ];
    for (const target of targets) {
      const head = await rawSend(app.url, 'HEAD', target, tus(mallory.token));
      assert.ok(head.status >= 400, `HEAD ${target}: ${head.status}`);
      assert.equal(head.headers['upload-offset'], undefined, `HEAD ${target} reveals no offset`);
      assert.equal(head.headers['upload-metadata'], undefined, `HEAD ${target} reveals no file name`);

      const patch = await rawSend(app.url, 'PATCH', target, tus(mallory.token, { 'upload-offset': String(FIRST_PART_BYTES), 'content-type': 'application/offset+octet-stream' }), Buffer.alloc(100, 'X'));
      assert.ok(patch.status >= 400, `PATCH ${target}: ${patch.status}`);

      const del = await rawSend(app.url, 'DELETE', target, tus(mallory.token));
      assert.ok(del.status >= 400, `DELETE ${target}: ${del.status}`);

      assert.equal(await offsetOf(alice.token, victim), FIRST_PART_BYTES, `after ${target}: the victim's upload is still there, at its own offset`);
    }
    const aliceHead = await rawSend(app.url, 'HEAD', `${UPLOADS}/${victim}`, tus(alice.token));
    assert.match(String(aliceHead.headers['upload-metadata']), new RegExp(`filename ${b64('secret-holiday.mp4')}`));

    // The attacker's own upload still works through its plain URL: the fix refuses tricks, not uploads.
    assert.equal(await offsetOf(mallory.token, own), 0);
    // And the victim finishes with exactly her bytes: nothing was appended or removed.
    const rest = await rawSend(app.url, 'PATCH', `${UPLOADS}/${victim}`, tus(alice.token, { 'upload-offset': String(FIRST_PART_BYTES), 'content-type': 'application/offset+octet-stream' }), aliceBytes.subarray(FIRST_PART_BYTES));
    assert.equal(rest.status, 204, rest.body);
    // The original is copied to the object store in the background after the last PATCH.
    const stored = await until(() => app.platform.store.get(`originals/${victim}/source`), 'the victim\'s original is stored');
    const chunks: Buffer[] = [];
    for await (const c of stored.body) chunks.push(c as Buffer);
    assert.ok(Buffer.concat(chunks).equals(aliceBytes), 'the stored original is byte for byte what the victim sent');
  });

  test('a query string or extra path on one\'s own upload URL is refused with a clear error', async () => {
    const u = await signUp(app, 'tidy');
    const id = await startUpload(u.token, 'clip.mp4');
    const r = await rawSend(app.url, 'HEAD', `${UPLOADS}/${id}?x=1`, tus(u.token));
    assert.equal(r.status, 400);
    const withBody = await rawSend(app.url, 'DELETE', `${UPLOADS}/${id}?x=1`, tus(u.token));
    assert.equal(withBody.status, 400);
    assert.equal(JSON.parse(withBody.body).error.code, 'UPLOAD_URL_INVALID');
    assert.equal(await offsetOf(u.token, id), 0, 'the refused DELETE removed nothing');
  });
});
