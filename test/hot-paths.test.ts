/**
 * What makes the hot reads fast (bench/http): on a cache hit they run no SQL at all. Every
 * statement the modules run is seen through the database adapter's own query hook (`onQuery`,
 * Kysely's log), on PGlite and on PostgreSQL with Redis. The one write a play causes, its
 * `video_play` event, goes through the batched append path, never per request.
 */
import assert from 'node:assert/strict';
import { AsyncLocalStorage } from 'node:async_hooks';
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { signUp, startTestApp, type TestApp } from './support/app.js';
import { readyVideo } from './support/delivery.js';
import { ENGINES } from './support/databases.js';
import { replyGenerationKey } from '../src/platform/http/reply-cache.js';
import { ensureRedis } from './support/services.js';
import { beacon, newSession, setDuration } from './support/engagement.js';
import { until } from './support/poll.js';

/**
 * Marks the async context of every HTTP request `app` serves, so a query can be told apart from
 * the background jobs (ranking, rollups, sweeps) that run in the same process on their own clock.
 */
const inRequest = new AsyncLocalStorage<true>();
function markRequests(app: TestApp): void {
  const server = app.http!.server;
  const handlers = server.listeners('request') as Array<(req: IncomingMessage, res: ServerResponse) => void>;
  server.removeAllListeners('request');
  for (const handler of handlers) server.on('request', (req: IncomingMessage, res: ServerResponse) => inRequest.run(true, () => handler.call(server, req, res)));
}

/** The SQL of every statement run on behalf of a request while `fn` runs. */
async function statementsDuring(app: TestApp, fn: () => Promise<void>): Promise<string[]> {
  const seen: string[] = [];
  const stop = app.platform.database.onQuery((sql) => {
    if (inRequest.getStore()) seen.push(sql);
  });
  try {
    await fn();
  } finally {
    stop();
  }
  return seen;
}

/** The batched append of analytics events (and its view-rule hook in the same transaction). */
const isEventAppend = (sql: string) => /insert into "?events"?\b|view_marks|watch_history|^(begin|commit|rollback)$/i.test(sql.trim());
/** A statement that reads (a SELECT of its own, not the INSERT … SELECT FROM unnest of the batch). */
const isRead = (sql: string) => /^\s*(with|select)\b/i.test(sql);

for (const engine of ENGINES) {
  describe(`hot reads on a cache hit run no SQL (${engine}${engine === 'postgres' ? ' + Redis' : ''})`, { timeout: 300_000 }, () => {
    let app: TestApp;
    let videoId: string;
    let username: string;
    let creatorToken: string;

    before(async () => {
      if (engine === 'postgres') await ensureRedis();
      app = await startTestApp({
        engine,
        // PostgreSQL without Redis caps the in-process cache at 2 s (processes cannot see each
        // other's invalidations), which would make a hit a matter of timing.
        env: engine === 'postgres' ? { REDIS_URL: 'redis://127.0.0.1:6379', REDIS_KEY_PREFIX: `test-hot-${randomBytes(4).toString('hex')}:` } : {},
      });
      markRequests(app);
      const creator = await signUp(app, 'hot');
      username = creator.username;
      creatorToken = creator.token;
      ({ id: videoId } = await readyVideo(app, creator.token, 'public'));
    });
    after(() => app?.close());

    test('what the statement counter sees: the SQL a request runs, and only that', async () => {
      // A signed-in quota read always goes to the database: the counter must see it, or every
      // "no SQL" below would pass for the wrong reason.
      const login = await app.api('POST', '/api/v1/auth/login', { body: { username, password: 'correct horse battery staple' } });
      const seen = await statementsDuring(app, async () => {
        assert.equal((await app.api('GET', '/api/v1/me/quota', { token: login.body.token })).status, 200);
      });
      assert.ok(seen.some((s) => /select/i.test(s)), `the quota read's statements are seen: ${JSON.stringify(seen)}`);
    });

    test('an anonymous /play answered from the cache reads nothing from the database', async () => {
      const first = await app.api('GET', `/api/v1/videos/${videoId}/play`);
      assert.equal(first.status, 200);
      const statements = await statementsDuring(app, async () => {
        for (let i = 0; i < 10; i++) {
          const r = await app.api('GET', `/api/v1/videos/${videoId}/play`);
          assert.equal(r.status, 200);
          assert.equal(r.body.videoId, videoId);
        }
      });
      assert.deepEqual(statements.filter((s) => !isEventAppend(s)), [], 'no statement but the batched event append');
      assert.ok(statements.filter((s) => /insert into "?events"?\b/i.test(s)).length < 10, 'plays are appended in batches, not one by one');
    });

    test('a signed-in /play answered from the cache reads nothing from the database, resume point included', async () => {
      const viewer = await signUp(app, 'resumer');
      const { id } = await readyVideo(app, creatorToken, 'public');
      await setDuration(app, id, 100);
      assert.equal((await beacon(app, id, { sessionId: newSession(), positionSec: 40, played: [[0, 40]] }, { token: viewer.token })).status, 204);
      await until(async () => (await app.api('GET', `/api/v1/videos/${id}/play`, { token: viewer.token })).body.resumeAtSec === 40, 'the resume point to reach /play');
      const statements = await statementsDuring(app, async () => {
        for (let i = 0; i < 10; i++) {
          const r = await app.api('GET', `/api/v1/videos/${id}/play`, { token: viewer.token });
          assert.equal(r.status, 200);
          assert.equal(r.body.resumeAtSec, 40);
        }
        assert.equal((await fetch(`${app.url}/watch/${id}`, { headers: { cookie: `kinema_session=${viewer.token}` } })).status, 200);
      });
      assert.deepEqual(statements.filter(isRead), [], 'no read: not the session, the video, its version nor the watch history');
      assert.deepEqual(statements.filter((s) => !isEventAppend(s)), [], 'no statement but the batched event append');
    });

    test('a signed-in /play resumes where the latest beacon left off, never from a cached older point', async () => {
      const viewer = await signUp(app, 'returning');
      const { id } = await readyVideo(app, creatorToken, 'public');
      await setDuration(app, id, 100);
      const resume = async () => (await app.api('GET', `/api/v1/videos/${id}/play`, { token: viewer.token })).body.resumeAtSec;
      const watchPageResume = async () => {
        const html = await (await fetch(`${app.url}/watch/${id}`, { headers: { cookie: `kinema_session=${viewer.token}` } })).text();
        return JSON.parse(/<script id="kinema-play"[^>]*>(.*?)<\/script>/s.exec(html)![1]!).resumeAtSec;
      };
      // Never watched: start at 0, and that answer is now cached.
      assert.equal(await resume(), null);
      assert.equal(await resume(), null);
      const session = newSession();
      for (const positionSec of [40, 60]) {
        assert.equal((await beacon(app, id, { sessionId: session, positionSec, played: [[0, positionSec]] }, { token: viewer.token })).status, 204);
        // The beacon is written in the next batch (about a second); once written, the cached
        // point must give way, so this waits for a change a stale cache would never show.
        await until(async () => (await resume()) === positionSec, `/play to resume at ${positionSec} s`);
        assert.equal(await watchPageResume(), positionSec, 'the watch page agrees');
      }
      // Writes the viewer makes themselves are seen by their very next /play.
      assert.equal((await app.api('PUT', '/api/v1/me/settings', { token: viewer.token, body: { historyPaused: true } })).status, 200);
      assert.equal(await resume(), null, 'paused history resumes nothing');
      assert.equal((await app.api('PUT', '/api/v1/me/settings', { token: viewer.token, body: { historyPaused: false } })).status, 200);
      assert.equal(await resume(), 60, 'unpaused, the point is back');
      assert.equal((await app.api('DELETE', `/api/v1/me/history/${id}`, { token: viewer.token })).status, 204);
      assert.equal(await resume(), null, 'removed from history');
      assert.equal((await beacon(app, id, { sessionId: session, positionSec: 50, played: [[0, 50]] }, { token: viewer.token })).status, 204);
      await until(async () => (await resume()) === 50, '/play to resume at 50 s');
      assert.equal((await app.api('DELETE', '/api/v1/me/history', { token: viewer.token })).status, 204);
      assert.equal(await resume(), null, 'history cleared');
    });

    test('the watch page answered from the cache reads nothing from the database', async () => {
      await app.api('GET', `/watch/${videoId}`);
      const statements = await statementsDuring(app, async () => {
        for (let i = 0; i < 5; i++) assert.equal((await fetch(`${app.url}/watch/${videoId}`)).status, 200);
      });
      assert.deepEqual(statements.filter((s) => !isEventAppend(s)), []);
    });

    test('anonymous listings, channel pages and searches come from a cached body until a write', async () => {
      const paths = ['/api/v1/videos', `/api/v1/channels/${username}`, '/api/v1/search?q=clip'];
      // A write by the worker or a job in the window (it bumps the lists' generation) makes a
      // miss that is right: measure again then, a few times at most.
      const generation = () => app.platform.cache.get<string>(replyGenerationKey('listings'));
      let statements: string[] = [];
      for (let attempt = 0; attempt < 5; attempt++) {
        const before = await generation();
        const firsts: Array<Awaited<ReturnType<TestApp['api']>>> = [];
        for (const p of paths) firsts.push(await app.api('GET', p));
        for (const r of firsts) assert.equal(r.status, 200);
        statements = await statementsDuring(app, async () => {
          for (const [i, p] of paths.entries()) {
            const r = await app.api('GET', p);
            assert.deepEqual(r.body, firsts[i]!.body, `${p}: the same answer`);
            // A client that revalidates gets a 304 for the body it has.
            const etag = r.headers.get('etag');
            assert.ok(etag, `${p}: an ETag`);
            assert.equal((await fetch(`${app.url}${p}`, { headers: { 'if-none-match': etag } })).status, 304);
          }
        });
        if (before !== undefined && (await generation()) === before) break;
      }
      // (The plays of the tests above may be appended meanwhile.)
      assert.deepEqual(statements.filter((s) => !isEventAppend(s)), []);

      // A write (a new title) is seen at once by every cached list.
      const renamed = `clip renamed ${randomBytes(3).toString('hex')}`;
      const creatorToken = (await app.api('POST', '/api/v1/auth/login', { body: { username, password: 'correct horse battery staple' } })).body.token;
      assert.equal((await app.api('PATCH', `/api/v1/videos/${videoId}`, { token: creatorToken, body: { title: renamed } })).status, 200);
      for (const p of paths) {
        const r = await app.api('GET', p);
        assert.ok(r.body.items.some((v: { title: string }) => v.title === renamed), `${p} shows the new title`);
      }
    });
  });
}
