/**
 * Watch beacons over real HTTP, on PGlite and PostgreSQL: the view rule and its dedup, owner and
 * bot exclusions, counts that agree everywhere, watch history with resume, and likes.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ENGINES } from './support/databases.js';
import { signUp, startTestApp, type TestApp } from './support/app.js';
import { readyVideo } from './support/delivery.js';
import { until } from './support/poll.js';
import { beacon, eventCount, newSession, setDuration, viewCountInDb } from './support/engagement.js';

for (const engine of ENGINES) {
  describe(`watch beacons and views on ${engine}`, () => {
    let app: TestApp;
    let owner: Awaited<ReturnType<typeof signUp>>;
    before(async () => {
      // Proxies on loopback are believed, so tests can speak for several client addresses.
      app = await startTestApp({ engine, env: { TRUST_PROXY: 'loopback' } });
      owner = await signUp(app, 'creator');
    });
    after(() => app.close());

    /** Sends beacons, then waits until every one of them is written (and with it, its batch's views). */
    async function send(videoId: string, beacons: Array<{ body: Record<string, unknown>; token?: string; ua?: string | null; forwardedFor?: string }>) {
      const before = await eventCount(app, videoId, 'beacon');
      for (const b of beacons) {
        const r = await beacon(app, videoId, b.body, b);
        assert.equal(r.status, 204, JSON.stringify(r.body));
      }
      await until(async () => (await eventCount(app, videoId, 'beacon')) >= before + beacons.length, 'the beacons to be written');
    }
    const played = (sessionId: string, ranges: Array<[number, number]>) => ({ sessionId, positionSec: ranges.at(-1)?.[1] ?? 0, played: ranges });

    test('the OpenAPI document describes every engagement and analytics endpoint', async () => {
      const doc = (await app.api('GET', '/api/v1/openapi.json')).body;
      const expected: Array<[string, string]> = [
        ['/api/v1/videos/{id}/progress', 'post'], ['/api/v1/me/history', 'get'], ['/api/v1/me/history', 'delete'],
        ['/api/v1/me/history/{videoId}', 'delete'], ['/api/v1/me/settings', 'get'], ['/api/v1/me/settings', 'put'],
        ['/api/v1/videos/{id}/rating', 'put'], ['/api/v1/videos/{id}/rating', 'delete'], ['/api/v1/videos/{id}/analytics', 'get'],
        ['/api/v1/me/analytics', 'get'], ['/api/v1/admin/qoe', 'get'],
      ];
      for (const [path, method] of expected) assert.ok(doc.paths[path]?.[method], `${method.toUpperCase()} ${path}`);
      const play = doc.paths['/api/v1/videos/{id}/play'].get.responses['200'].content['application/json'].schema;
      assert.ok(play.properties.resumeAtSec, 'the play answer documents resumeAtSec');
      const beaconBody = doc.paths['/api/v1/videos/{id}/progress'].post.requestBody.content['application/json'].schema;
      assert.ok(beaconBody.properties.qoe.properties.startupMs);
    });

    test('hostile or malformed beacons get a 400 that says what is wrong; unknown videos a 404; text/plain a 415', async () => {
      const v = await readyVideo(app, owner.token, 'public');
      const cases: Array<[unknown, string, RegExp]> = [
        [{ sessionId: newSession(), positionSec: 1, played: [], colour: 'red' }, 'VALIDATION_FAILED', /unknown field "colour"/],
        [{ sessionId: 'short', positionSec: 1, played: [] }, 'VALIDATION_FAILED', /sessionId/],
        [{ sessionId: newSession(), positionSec: -1, played: [] }, 'VALIDATION_FAILED', /positionSec/],
        [{ sessionId: newSession(), positionSec: 1, played: [[0, 1e12]] }, 'VALIDATION_FAILED', /played/],
        [{ sessionId: newSession(), positionSec: 1, played: [[5, 2]] }, 'INVALID_PLAYED_RANGE', /played\[0\] ends before it starts/],
        [{ sessionId: newSession(), positionSec: 1, played: Array.from({ length: 201 }, () => [0, 1]) }, 'VALIDATION_FAILED', /played/],
        [{ sessionId: newSession(), positionSec: 1, played: [], qoe: { startupMs: 'fast' } }, 'VALIDATION_FAILED', /startupMs/],
        [{ sessionId: newSession(), positionSec: 1, played: [], qoe: { renditions: [{ height: 720, bitrateKbps: 1, playedMs: 1, extra: 1 }] } }, 'VALIDATION_FAILED', /extra/],
        ['{"sessionId":', 'INVALID_JSON', /not valid JSON/],
      ];
      for (const [body, code, message] of cases) {
        const r = await beacon(app, v.id, body as Record<string, unknown>);
        assert.equal(r.status, 400, JSON.stringify(body));
        assert.equal(r.body.error.code, code, JSON.stringify(r.body));
        assert.match(r.body.error.message, message);
      }
      const missing = await beacon(app, 'AAAAAAAAAAA', played(newSession(), [[0, 1]]));
      assert.equal(missing.status, 404);
      assert.equal(missing.body.error.code, 'VIDEO_NOT_FOUND');
      const plain = await beacon(app, v.id, played(newSession(), [[0, 1]]), { contentType: 'text/plain;charset=UTF-8' });
      assert.equal(plain.status, 415, 'a cross-site simple request cannot forge a beacon');
      assert.equal(await eventCount(app, v.id, 'beacon'), 0, 'nothing refused was recorded');
    });

    test('beacons from one session beyond 120 a minute are refused with 429', async () => {
      const v = await readyVideo(app, owner.token, 'public');
      const body = played(newSession(), [[0, 0.1]]);
      const statuses: number[] = [];
      for (let i = 0; i < 121; i++) statuses.push((await beacon(app, v.id, body)).status);
      assert.deepEqual(statuses.slice(0, 120).filter((s) => s !== 204), []);
      assert.equal(statuses[120], 429);
      const other = await beacon(app, v.id, played(newSession(), [[0, 0.1]]));
      assert.equal(other.status, 204, 'another session is not held back');
    });

    test('a view needs 30 s of played union (half of a video shorter than 60 s); overlaps count once', async () => {
      const long = await readyVideo(app, owner.token, 'public');
      await setDuration(app, long.id, 600);
      await send(long.id, [
        { body: played(newSession(), [[0, 20], [10, 29.5]]) }, // union 29.5 s
        { body: played(newSession(), [[100, 700]]) }, // clipped to the video: 500 s, a view
      ]);
      assert.equal(await viewCountInDb(app, long.id), 1);
      await send(long.id, [{ body: played(newSession(), [[0, 15], [20, 35.5]]) }]); // union 30.5 s
      assert.equal(await viewCountInDb(app, long.id), 2);

      const short = await readyVideo(app, owner.token, 'public');
      await setDuration(app, short.id, 40);
      await send(short.id, [{ body: played(newSession(), [[0, 19.9]]) }]);
      assert.equal(await viewCountInDb(app, short.id), 0, 'under half of a 40 s video');
      await send(short.id, [{ body: played(newSession(), [[0, 10], [25, 35]]) }]);
      assert.equal(await viewCountInDb(app, short.id), 1, 'half of a 40 s video, in two pieces');
    });

    test('a session counts once; an account once an hour across sessions; anonymous viewers by address plus session', async () => {
      const v = await readyVideo(app, owner.token, 'public');
      const viewer = await signUp(app, 'viewer');
      const s1 = newSession();
      await send(v.id, [{ body: played(s1, [[0, 1.5]]), token: viewer.token }, { body: played(s1, [[0, 2]]), token: viewer.token }]);
      assert.equal(await viewCountInDb(app, v.id), 1, 'one session, two beacons past the rule: one view');
      await send(v.id, [{ body: played(newSession(), [[0, 2]]), token: viewer.token }]);
      assert.equal(await viewCountInDb(app, v.id), 1, 'the same account in another session within the hour');

      const a = newSession();
      await send(v.id, [
        { body: played(a, [[0, 2]]), forwardedFor: '198.51.100.7' },
        { body: played(a, [[0, 2]]), forwardedFor: '198.51.100.7' },
        { body: played(newSession(), [[0, 2]]), forwardedFor: '198.51.100.7' },
      ]);
      assert.equal(await viewCountInDb(app, v.id), 3, 'anonymous: each address+session once');

      // An hour later (the marks are moved back, as time would): the account counts again in a
      // new session, but a session that already counted never does.
      const db = app.platform.database.db;
      await db.updateTable('viewMarks').set({ countedAt: new Date(Date.now() - 3601_000) }).where('videoId', '=', v.id).execute();
      const s3 = newSession();
      await send(v.id, [{ body: played(s1, [[0, 2]]), token: viewer.token }]);
      assert.equal(await viewCountInDb(app, v.id), 3, 'a session that counted does not count again');
      await send(v.id, [{ body: played(s3, [[0, 2]]), token: viewer.token }]);
      assert.equal(await viewCountInDb(app, v.id), 4, 'the account, an hour later, in a new session');
      assert.equal(await eventCount(app, v.id, 'view'), 4, 'each counted view is an event too');
    });

    test('the owner, bots, link unfurlers and clients without a User-Agent count no view', async () => {
      const v = await readyVideo(app, owner.token, 'public');
      await send(v.id, [
        { body: played(newSession(), [[0, 2]]), token: owner.token },
        { body: played(newSession(), [[0, 2]]), ua: 'Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)' },
        { body: played(newSession(), [[0, 2]]), ua: 'facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)' },
        { body: played(newSession(), [[0, 2]]), ua: 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)' },
        { body: played(newSession(), [[0, 2]]), ua: null },
      ]);
      assert.equal(await viewCountInDb(app, v.id), 0);
      // A signed-in script is still a bot: it moves nobody's history or resume point either.
      const scripted = await signUp(app, 'scripted');
      await send(v.id, [{ body: played(newSession(), [[0, 2]]), token: scripted.token, ua: 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/131.0.0.0 Safari/537.36' }]);
      assert.deepEqual((await app.api('GET', '/api/v1/me/history', { token: scripted.token })).body.items, []);
      assert.equal(await viewCountInDb(app, v.id), 0);
      await send(v.id, [{ body: played(newSession(), [[0, 2]]) }]);
      assert.equal(await viewCountInDb(app, v.id), 1, 'a browser does count');
    });

    test('view counts agree in GET /videos/:id, the listing and the database within seconds, cached rows included', async () => {
      const v = await readyVideo(app, owner.token, 'public');
      // Fill the cache with the row at 0 views.
      assert.equal((await app.api('GET', `/api/v1/videos/${v.id}`)).body.viewCount, 0);
      await send(v.id, [{ body: played(newSession(), [[0, 2]]) }, { body: played(newSession(), [[0, 2]]) }]);
      assert.equal(await viewCountInDb(app, v.id), 2);
      const shown = await until(async () => {
        const r = await app.api('GET', `/api/v1/videos/${v.id}`);
        return r.body.viewCount === 2 && r.body.viewCount;
      }, 'GET /videos/:id to show the new count');
      const listed = (await app.api('GET', `/api/v1/videos?owner=${owner.userId}&limit=100`)).body.items.find((i: { id: string }) => i.id === v.id);
      assert.equal(listed.viewCount, shown);
    });

    test('watch history: newest first, keyset-paged, deletable one by one or all, and paused on request', async () => {
      const viewer = await signUp(app, 'historian');
      const videos = [await readyVideo(app, owner.token, 'public'), await readyVideo(app, owner.token, 'public'), await readyVideo(app, owner.token, 'public')];
      for (const v of videos) await send(v.id, [{ body: { ...played(newSession(), [[0, 1]]), positionSec: 1 }, token: viewer.token }]);
      await until(async () => (await app.api('GET', '/api/v1/me/history', { token: viewer.token })).body.items.length === 3 || undefined, 'three history entries');
      const first = await app.api('GET', '/api/v1/me/history?limit=2', { token: viewer.token });
      assert.equal(first.status, 200);
      assert.deepEqual(first.body.items.map((i: { video: { id: string } }) => i.video.id), [videos[2]!.id, videos[1]!.id]);
      assert.equal(first.body.items[0].positionSec, 1);
      assert.ok(first.body.nextCursor);
      const second = await app.api('GET', `/api/v1/me/history?limit=2&cursor=${first.body.nextCursor}`, { token: viewer.token });
      assert.deepEqual(second.body.items.map((i: { video: { id: string } }) => i.video.id), [videos[0]!.id]);
      assert.equal(second.body.nextCursor, null);
      assert.equal((await app.api('GET', '/api/v1/me/history?cursor=bogus', { token: viewer.token })).body.error.code, 'INVALID_CURSOR');
      assert.equal((await app.api('GET', '/api/v1/me/history')).status, 401);

      // Watching an older one again moves it to the top.
      await send(videos[0]!.id, [{ body: { ...played(newSession(), [[0, 1.5]]), positionSec: 1.5 }, token: viewer.token }]);
      const top = await until(async () => {
        const r = await app.api('GET', '/api/v1/me/history', { token: viewer.token });
        return r.body.items[0].video.id === videos[0]!.id && r.body.items;
      }, 'the rewatched video on top');
      assert.equal(top.length, 3, 'a video appears once');

      assert.equal((await app.api('DELETE', `/api/v1/me/history/${videos[1]!.id}`, { token: viewer.token })).status, 204);
      assert.deepEqual((await app.api('GET', '/api/v1/me/history', { token: viewer.token })).body.items.map((i: { video: { id: string } }) => i.video.id), [videos[0]!.id, videos[2]!.id]);

      assert.deepEqual((await app.api('PUT', '/api/v1/me/settings', { token: viewer.token, body: { historyPaused: true } })).body, { historyPaused: true });
      assert.deepEqual((await app.api('GET', '/api/v1/me/settings', { token: viewer.token })).body, { historyPaused: true });
      await send(videos[1]!.id, [{ body: played(newSession(), [[0, 1]]), token: viewer.token }]);
      assert.equal((await app.api('GET', '/api/v1/me/history', { token: viewer.token })).body.items.length, 2, 'paused: nothing added');

      assert.equal((await app.api('DELETE', '/api/v1/me/history', { token: viewer.token })).status, 204);
      assert.deepEqual((await app.api('GET', '/api/v1/me/history', { token: viewer.token })).body.items, []);
      assert.equal((await app.api('PUT', '/api/v1/me/settings', { token: viewer.token, body: { historyPaused: 'yes' } })).status, 400);
    });

    test('resume: the play answer carries resumeAtSec between 5 % and 90 % of the video; past 90 % it counts as watched', async () => {
      const viewer = await signUp(app, 'resumer');
      const v = await readyVideo(app, owner.token, 'public');
      await setDuration(app, v.id, 100);
      const cases: Array<[number, number | null, boolean]> = [[4.9, null, false], [5, 5, false], [40, 40, false], [90, 90, false], [90.5, null, true]];
      for (const [positionSec, expected, completed] of cases) {
        await send(v.id, [{ body: { sessionId: newSession(), positionSec, played: [[0, positionSec]] }, token: viewer.token }]);
        const r = await until(async () => {
          const h = await app.api('GET', '/api/v1/me/history', { token: viewer.token });
          return h.body.items[0]?.positionSec === positionSec && h.body.items[0];
        }, `history at ${positionSec}`);
        assert.equal(r.completed, completed, `completed at ${positionSec}`);
        const play = await app.api('GET', `/api/v1/videos/${v.id}/play`, { token: viewer.token });
        assert.equal(play.body.resumeAtSec, expected, `resume at ${positionSec}`);
      }
      assert.equal((await app.api('GET', `/api/v1/videos/${v.id}/play`)).body.resumeAtSec, null, 'anonymous viewers start at 0');
      await send(v.id, [{ body: { sessionId: newSession(), positionSec: 50, played: [[0, 50]] }, token: viewer.token }]);
      await until(async () => (await app.api('GET', `/api/v1/videos/${v.id}/play`, { token: viewer.token })).body.resumeAtSec === 50 || undefined, 'resume at 50');
      await app.api('PUT', '/api/v1/me/settings', { token: viewer.token, body: { historyPaused: true } });
      assert.equal((await app.api('GET', `/api/v1/videos/${v.id}/play`, { token: viewer.token })).body.resumeAtSec, null, 'paused history resumes nothing');
    });

    test('likes: counted and shown, your own rating in GET /videos/:id, dislikes never shown', async () => {
      const v = await readyVideo(app, owner.token, 'public');
      const [a, b] = [await signUp(app, 'liker'), await signUp(app, 'liker')];
      assert.equal((await app.api('PUT', `/api/v1/videos/${v.id}/rating`, { body: { value: 'like' } })).status, 401);
      assert.equal((await app.api('PUT', `/api/v1/videos/${v.id}/rating`, { token: a.token, body: { value: 'love' } })).status, 400);
      assert.deepEqual((await app.api('PUT', `/api/v1/videos/${v.id}/rating`, { token: a.token, body: { value: 'like' } })).body, { likeCount: 1, myRating: 'like' });
      assert.deepEqual((await app.api('PUT', `/api/v1/videos/${v.id}/rating`, { token: a.token, body: { value: 'like' } })).body, { likeCount: 1, myRating: 'like' }, 'idempotent');
      assert.deepEqual((await app.api('PUT', `/api/v1/videos/${v.id}/rating`, { token: b.token, body: { value: 'like' } })).body, { likeCount: 2, myRating: 'like' });
      const seen = await app.api('GET', `/api/v1/videos/${v.id}`, { token: a.token });
      assert.equal(seen.body.likeCount, 2);
      assert.equal(seen.body.myRating, 'like');
      assert.deepEqual((await app.api('PUT', `/api/v1/videos/${v.id}/rating`, { token: b.token, body: { value: 'dislike' } })).body, { likeCount: 1, myRating: 'dislike' });
      const anon = await app.api('GET', `/api/v1/videos/${v.id}`);
      assert.equal(anon.body.likeCount, 1);
      assert.equal(anon.body.myRating, undefined);
      assert.ok(!JSON.stringify(anon.body).includes('dislike'), 'dislikes are never shown');
      const row = await app.platform.database.db.selectFrom('videos').select(['likeCount', 'dislikeCount']).where('videoId', '=', v.id).executeTakeFirstOrThrow();
      assert.deepEqual([Number(row.likeCount), Number(row.dislikeCount)], [1, 1]);
      assert.deepEqual((await app.api('DELETE', `/api/v1/videos/${v.id}/rating`, { token: a.token })).body, { likeCount: 0, myRating: null });
      assert.equal((await app.api('GET', `/api/v1/videos/${v.id}`, { token: a.token })).body.myRating, null);
      assert.equal((await app.api('PUT', '/api/v1/videos/AAAAAAAAAAA/rating', { token: a.token, body: { value: 'like' } })).status, 404);
    });
  });
}
