import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../src/platform/paths.js';
import { startTestApp, signUp, type TestApp } from './support/app.js';
import { createVideo, lifecycleOf, readyVideo, startProcessing } from './support/delivery.js';

/**
 * Issue 9: a video that is not ready (waiting for its file, uploaded, processing, failed) exists
 * only for its owner and admins. Anyone else gets the same 404 as for an id that never existed,
 * on the API, the play API and the watch page, and never its failure details.
 */

// Words only ffprobe and the creator's file could have put there.
const REASON = 'ffprobe: moov atom not found in holiday-secret.mov';

describe('unfinished videos are their owner\'s business (issue 9)', () => {
  let app: TestApp;
  let admin: { token: string };
  before(async () => {
    assert.ok(existsSync(join(packageRoot, 'dist', 'web', 'index.html')), 'the web app is built (npm test builds it)');
    app = await startTestApp();
    // The first account of a fresh instance is its admin.
    admin = await signUp(app, 'admin');
    assert.equal((await app.api('GET', '/api/v1/me', { token: admin.token })).body.role, 'admin');
  });
  after(() => app.close());

  /** Every way to look at one video, as `token` (undefined: anonymous), as raw text. */
  async function lookAt(id: string, token?: string) {
    const headers: Record<string, string> = token ? { authorization: `Bearer ${token}`, cookie: `kinema_session=${token}` } : {};
    const read = async (path: string) => {
      const res = await fetch(`${app.url}${path}`, { headers });
      return { status: res.status, text: await res.text() };
    };
    return { video: await read(`/api/v1/videos/${id}`), play: await read(`/api/v1/videos/${id}/play`), watch: await read(`/watch/${id}`) };
  }

  const inlinePlay = (html: string) => {
    const m = /<script id="kinema-play" type="application\/json" data-status="(\d+)">(.*?)<\/script>/s.exec(html);
    assert.ok(m, 'the watch page inlines its play answer');
    return { status: Number(m[1]), body: JSON.parse(m[2]!) };
  };

  function assertLooksMissing(seen: Awaited<ReturnType<typeof lookAt>>, who: string) {
    for (const [what, r] of [['GET /api/v1/videos/:id', seen.video], ['GET /play', seen.play]] as const) {
      assert.equal(r.status, 404, `${who}: ${what}`);
      assert.equal(JSON.parse(r.text).error.code, 'VIDEO_NOT_FOUND', `${who}: ${what}`);
    }
    assert.equal(seen.watch.status, 404, `${who}: watch page`);
    assert.equal(inlinePlay(seen.watch.text).body.error.code, 'VIDEO_NOT_FOUND', `${who}: watch page`);
    for (const r of [seen.video, seen.play, seen.watch]) {
      assert.ok(!r.text.includes('moov atom') && !r.text.includes('holiday-secret'), `${who}: no failure details anywhere`);
      assert.ok(!/failureReason|"status":"(failed|processing|uploaded|awaiting_upload)"/.test(r.text), `${who}: no state at all`);
    }
  }

  test('a failed video: 404 with no failure reason for others and anonymous; its owner and admins get the details', async () => {
    const alice = await signUp(app, 'alice');
    const bob = await signUp(app, 'bob');
    const id = await createVideo(app, alice.token, 'public', 'Holiday');
    await startProcessing(app, id);
    await lifecycleOf(app).markFailed(id, REASON, { retryable: false });

    assertLooksMissing(await lookAt(id, bob.token), 'another user');
    assertLooksMissing(await lookAt(id), 'anonymous');
    // Exactly what an id that never existed answers: nothing tells the two apart.
    const never = await lookAt('AAAAAAAAAAA', bob.token);
    const seen = await lookAt(id, bob.token);
    assert.deepEqual(JSON.parse(seen.video.text).error.code, JSON.parse(never.video.text).error.code);

    for (const [who, token] of [['owner', alice.token], ['admin', admin.token]] as const) {
      const { video, play, watch } = await lookAt(id, token);
      assert.equal(video.status, 200, who);
      const v = JSON.parse(video.text);
      assert.equal(v.status, 'failed', who);
      assert.equal(v.failureReason, REASON, who);
      assert.equal(v.failureRetryable, false, who);
      assert.equal(play.status, 422, who);
      assert.equal(JSON.parse(play.text).failureReason, REASON, who);
      assert.equal(watch.status, 200, who);
      assert.equal(inlinePlay(watch.text).body.failureReason, REASON, who);
    }
    const mine = await app.api('GET', '/api/v1/videos?owner=me', { token: alice.token });
    assert.equal(mine.body.items.find((v: { id: string }) => v.id === id)?.failureReason, REASON, 'the owner\'s list shows it');
  });

  test('waiting for its file, uploaded and processing: 404 for others, status and progress for the owner', async () => {
    const alice = await signUp(app, 'carol');
    const bob = await signUp(app, 'dave');
    for (const visibility of ['public', 'unlisted'] as const) {
      const id = await createVideo(app, alice.token, visibility);
      const states: [string, () => Promise<unknown>][] = [
        ['awaiting_upload', async () => undefined],
        ['uploaded', () => lifecycleOf(app).markUploaded(id, { filename: 'holiday-secret.mov', sizeBytes: 1 }, async () => undefined)],
        ['processing', async () => lifecycleOf(app).heartbeat(id, (await lifecycleOf(app).markProcessing(id, 'job-visibility'))!, 42.5)],
      ];
      for (const [status, reach] of states) {
        await reach();
        assertLooksMissing(await lookAt(id, bob.token), `another user, ${visibility} ${status}`);
        assertLooksMissing(await lookAt(id), `anonymous, ${visibility} ${status}`);
        const own = await lookAt(id, alice.token);
        assert.equal(JSON.parse(own.video.text).status, status, `owner, ${visibility}`);
        assert.equal(own.play.status, 202, `owner, ${visibility} ${status}`);
        assert.equal(JSON.parse(own.play.text).status, status);
      }
      assert.equal(JSON.parse((await lookAt(id, alice.token)).play.text).progress, 42.5);
    }
  });

  test('listings show others only ready public videos; a ready video shows no failure fields to anyone but its owner', async () => {
    const alice = await signUp(app, 'erin');
    const bob = await signUp(app, 'frank');
    const failed = await createVideo(app, alice.token, 'public');
    await startProcessing(app, failed);
    await lifecycleOf(app).markFailed(failed, REASON);
    const waiting = await createVideo(app, alice.token, 'public');
    const ready = await readyVideo(app, alice.token, 'public');
    for (const token of [bob.token, undefined]) {
      for (const path of [`/api/v1/videos?owner=${alice.userId}`, '/api/v1/videos?limit=100']) {
        const list = await app.api('GET', path, { token });
        assert.equal(list.status, 200, path);
        const ids = list.body.items.map((v: { id: string }) => v.id);
        assert.ok(ids.includes(ready.id), path);
        assert.ok(!ids.includes(failed) && !ids.includes(waiting), `${path}: nothing unfinished`);
        assert.ok(!JSON.stringify(list.body).includes('moov atom'));
      }
      const v = await app.api('GET', `/api/v1/videos/${ready.id}`, { token });
      assert.equal(v.status, 200);
      assert.equal(v.body.failureReason, null);
      assert.equal(v.body.failureRetryable, null);
    }
  });
});
