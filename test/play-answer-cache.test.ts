/**
 * The cached play answers (src/modules/delivery/play-answers.ts) never outlive a write: after
 * every change to a video (title, visibility, a takedown, a new version, delete) the very next
 * /play and watch page show it, for anonymous and signed-in viewers alike. On PGlite with the
 * in-process cache, and on PostgreSQL + Redis with two api instances sharing them, where one
 * instance writes and the other answers.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { videoAnswerCacheKey } from '../src/modules/catalog/index.js';
import { lastPositionCacheKey } from '../src/modules/engagement/index.js';
import { packageRoot } from '../src/platform/paths.js';
import { signUp, startTestApp, type TestApp } from './support/app.js';
import { createServerDatabase } from './support/databases.js';
import { publishLadder, readyVideo } from './support/delivery.js';
import { ensureRedis } from './support/services.js';

const SETUPS = ['pglite + in-process cache', 'postgres + Redis, two api instances'] as const;

function inlinePlay(html: string): { status: number; body: any } {
  const m = /<script id="kinema-play" type="application\/json" data-status="(\d+)">(.*?)<\/script>/s.exec(html);
  assert.ok(m, 'the page carries its play answer');
  return { status: Number(m[1]), body: JSON.parse(m[2]!) };
}

for (const setup of SETUPS) {
  describe(`cached play answers follow every write (${setup})`, { timeout: 600_000 }, () => {
    /** Where writes are made, and where answers are read (the same app on PGlite). */
    let writer: TestApp;
    let reader: TestApp;
    let dropDatabase: (() => Promise<void>) | undefined;
    let admin: { token: string };
    let owner: { token: string };
    let viewer: { token: string };

    before(async () => {
      assert.ok(existsSync(join(packageRoot, 'dist', 'web', 'index.html')), 'the web app is built (npm test builds it)');
      if (setup.startsWith('pglite')) {
        writer = reader = await startTestApp();
      } else {
        await ensureRedis();
        const db = await createServerDatabase();
        dropDatabase = db.drop;
        const env = { DATABASE_URL: db.url, REDIS_URL: 'redis://127.0.0.1:6379', REDIS_KEY_PREFIX: `test-answers-${randomBytes(4).toString('hex')}:` };
        writer = await startTestApp({ env });
        reader = await startTestApp({ env });
      }
      // The first account of a fresh instance is its admin.
      admin = await signUp(writer, 'admin');
      owner = await signUp(writer, 'owner');
      viewer = await signUp(writer, 'viewer');
    });
    after(async () => {
      await reader?.close();
      if (writer !== reader) await writer?.close();
      await dropDatabase?.();
    });

    /** Every way the reader answers for the video: anonymous and signed-in /play, and the watch page. */
    async function look(id: string) {
      const anonymous = await reader.api('GET', `/api/v1/videos/${id}/play`);
      const signedIn = await reader.api('GET', `/api/v1/videos/${id}/play`, { token: viewer.token });
      const page = await fetch(`${reader.url}/watch/${id}`);
      const inline = inlinePlay(await page.text());
      assert.equal(inline.status, page.status === 404 ? 404 : inline.status, 'a page says 404 when its answer does');
      return { anonymous, signedIn, page: { status: page.status, etag: page.headers.get('etag'), body: inline.body } };
    }

    /** Asks until the reader answers from its cached template, so the write after it meets a warm cache. */
    async function warm(id: string) {
      for (let i = 0; i < 2; i++) await look(id);
      assert.ok(await reader.platform.cache.get(videoAnswerCacheKey(id)), 'the answer is cached before the write');
      return look(id);
    }

    const patch = (id: string, token: string, body: Record<string, unknown>) => writer.api('PATCH', `/api/v1/videos/${id}`, { token, body });

    test('a new title shows at once, in the API, the watch page and its ETag', async () => {
      const { id } = await readyVideo(writer, owner.token, 'public');
      const old = await warm(id);
      assert.ok(old.page.etag, 'an anonymous page has an ETag');
      assert.equal((await fetch(`${reader.url}/watch/${id}`, { headers: { 'if-none-match': old.page.etag! } })).status, 304, 'revalidation of an unchanged page');
      const title = `renamed ${randomBytes(3).toString('hex')}`;
      assert.equal((await patch(id, owner.token, { title, description: 'now described' })).status, 200);
      const seen = await look(id);
      for (const body of [seen.anonymous.body, seen.signedIn.body, seen.page.body]) {
        assert.equal(body.title, title);
        assert.equal(body.description, 'now described');
      }
      assert.notEqual(seen.page.etag, old.page.etag, 'a changed page has another ETag');
      const revalidated = await fetch(`${reader.url}/watch/${id}`, { headers: { 'if-none-match': old.page.etag! } });
      assert.equal(revalidated.status, 200, 'the old ETag no longer matches');
      assert.equal(inlinePlay(await revalidated.text()).body.title, title);
    });

    test('made private by its owner: gone for everyone else at once, and the owner gets signed URLs, not the cached ones', async () => {
      const { id } = await readyVideo(writer, owner.token, 'public');
      const old = await warm(id);
      assert.equal((await patch(id, owner.token, { visibility: 'unlisted' })).status, 200);
      const unlisted = await look(id);
      assert.equal(unlisted.anonymous.status, 200, 'unlisted plays for whoever has the link');
      assert.equal(unlisted.page.status, 200);
      assert.equal((await patch(id, owner.token, { visibility: 'private' })).status, 200);
      const hidden = await look(id);
      assert.equal(hidden.anonymous.status, 404);
      assert.equal(hidden.signedIn.status, 404);
      assert.equal(hidden.page.status, 404);
      assert.equal(hidden.page.body.error.code, 'VIDEO_NOT_FOUND');
      const own = await reader.api('GET', `/api/v1/videos/${id}/play`, { token: owner.token });
      assert.equal(own.status, 200);
      assert.ok(own.body.expiresAt, 'signed URLs expire');
      assert.notEqual(own.body.hlsManifest, old.anonymous.body.hlsManifest, 'the manifest URL is signed now');
      assert.equal((await patch(id, owner.token, { visibility: 'public' })).status, 200);
      const back = await look(id);
      assert.equal(back.anonymous.status, 200);
      assert.equal(back.anonymous.body.expiresAt, null);
    });

    test('a takedown by an admin, then a delete: 404 at once', async () => {
      const { id } = await readyVideo(writer, owner.token, 'public');
      await warm(id);
      assert.equal((await patch(id, admin.token, { visibility: 'private' })).status, 200);
      const taken = await look(id);
      assert.deepEqual([taken.anonymous.status, taken.signedIn.status, taken.page.status], [404, 404, 404]);

      const { id: other } = await readyVideo(writer, owner.token, 'unlisted');
      await warm(other);
      assert.equal((await writer.api('DELETE', `/api/v1/videos/${other}`, { token: owner.token })).status, 204);
      const deleted = await look(other);
      assert.deepEqual([deleted.anonymous.status, deleted.signedIn.status, deleted.page.status], [404, 404, 404]);
    });

    test('a signed-in /play of a video the viewer may not watch caches nothing for it (no position, no answer)', async () => {
      const { id } = await readyVideo(writer, owner.token, 'private');
      const me = (await reader.api('GET', '/api/v1/me', { token: viewer.token })).body;
      for (const path of [`/api/v1/videos/${id}/play`, '/api/v1/videos/AAAAAAAAAAA/play']) {
        assert.equal((await reader.api('GET', path, { token: viewer.token })).status, 404);
        const videoId = path.split('/')[4]!;
        assert.equal(await reader.platform.cache.get(lastPositionCacheKey(me.id, videoId)), undefined, `${videoId}: no position cached`);
        assert.equal(await reader.platform.cache.get(videoAnswerCacheKey(videoId)), undefined, `${videoId}: no answer cached`);
      }
    });

    test('a new version, published through the catalog lifecycle as any job publishes one, is what the next answer points at', async () => {
      const { id, version } = await readyVideo(writer, owner.token, 'public');
      const old = await warm(id);
      assert.ok(old.anonymous.body.hlsManifest.includes(`/${version}/`));
      const next = await publishLadder(writer, id);
      const seen = await look(id);
      for (const body of [seen.anonymous.body, seen.signedIn.body, seen.page.body]) {
        assert.ok(body.hlsManifest.includes(`/${next.version}/`), `the new version: ${body.hlsManifest}`);
        assert.ok(body.renditions.every((r: { url: string }) => r.url.includes(`/${next.version}/`)));
      }
      assert.notEqual(seen.page.etag, old.page.etag);
    });
  });
}
