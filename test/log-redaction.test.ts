import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { symlink, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { startTestApp, signUp, type TestApp } from './support/app.js';
import { readyVideo } from './support/delivery.js';
import { until } from './support/poll.js';
import { createLogger } from '../src/platform/log.js';

/**
 * Signed media URLs are bearer grants to private videos: the api's logs must never hold one
 * (issue 9). A real api writes its logs to a stream this test reads; a signed request fails on
 * the server, so its URL is logged by the request-failure and error paths.
 */
describe('signed media tokens in the api logs', () => {
  const lines: string[] = [];
  let app: TestApp;
  before(async () => {
    app = await startTestApp({ log: createLogger('info', { write: (line: string) => void lines.push(line) }) });
  });
  after(() => app?.close());

  test('a failing signed request is logged with the token redacted, never in clear', async () => {
    const u = await signUp(app, 'logged');
    const { id, prefix } = await readyVideo(app, u.token, 'private');
    const play = await app.api('GET', `/api/v1/videos/${id}/play`, { token: u.token });
    const signedPath = new URL(play.body.hlsManifest, app.url).pathname;
    const [, expiry, signature] = /^\/media\/s\/(\d+)\.([A-Za-z0-9_-]{43})\//.exec(signedPath)!;
    // A master playlist the store cannot open (a symlink to itself: ELOOP, even for root): the
    // request passes the token check, then fails with a 500 that is logged with its URL.
    const file = join(app.dataDir, 'objects', `${prefix}master.m3u8`);
    await unlink(file);
    await symlink(file, file);
    const r = await fetch(`${app.url}${signedPath}`);
    assert.equal(r.status, 500);
    await r.arrayBuffer();
    // The failure is logged in onResponse, after the client has the answer: wait for the line.
    await until(() => lines.some((l) => l.includes('"request failed"')), 'the failed request to be logged');
    const log = lines.join('');
    assert.ok(log.includes('"unhandled error"'), 'the error itself was logged too');
    assert.ok(log.includes(`/media/s/${expiry}.REDACTED/${id}/`), 'the URL is logged in its redacted form');
    assert.ok(!log.includes(signature!), 'the token signature appears nowhere in the log');
  });
});
