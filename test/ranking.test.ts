import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { startTestApp, signUp, type TestApp } from './support/app.js';
import { createTestDatabase, ENGINES } from './support/databases.js';
import { seedVideo } from './support/discovery.js';
import { beacon, newSession } from './support/engagement.js';
import { until } from './support/poll.js';
import { range, rankAndRead, recordWatch, seedHourly } from './support/ranking.js';
import { computeTrending } from '../src/modules/discovery/trending.js';

const ids = (body: { items: any[] }) => body.items.map((v) => v.id as string);

/**
 * Issue 11: trending, related videos and recommendations, on PGlite and PostgreSQL. The ranking
 * job is run by the tests themselves (the app's own periodic run computes the same lists), and
 * every test uses its own videos, so the tests share one instance and still assert exact orders.
 */
for (const engine of ENGINES) {
  describe(`ranking (${engine})`, () => {
    let app: TestApp;
    let db: TestApp['platform']['database']['db'];
    before(async () => {
      app = await startTestApp({ engine });
      db = app.platform.database.db;
    });
    after(() => app?.close());

    test('trending: a new video gaining views beats an old giant at its usual pace; hidden videos never appear', async () => {
      const maker = await signUp(app, 'maker');
      const giant = await seedVideo(app, maker.token, { title: 'Old giant', viewCount: 2_000_000, ageDays: 400 });
      const rising = await seedVideo(app, maker.token, { title: 'New and rising', viewCount: 400, ageDays: 1 });
      const quiet = await seedVideo(app, maker.token, { title: 'Quiet one', viewCount: 50, ageDays: 30 });
      const hidden = [
        await seedVideo(app, maker.token, { title: 'Hot but private', visibility: 'private' }),
        await seedVideo(app, maker.token, { title: 'Hot but unlisted', visibility: 'unlisted' }),
        await seedVideo(app, maker.token, { title: 'Hot but processing', status: 'processing' }),
      ];
      const deleted = await seedVideo(app, maker.token, { title: 'Hot but deleted' });
      // The giant: 300 views every hour for ten days. The new one: 40 an hour for ten hours.
      await seedHourly(db, giant, range(0, 240), 300);
      await seedHourly(db, rising, range(0, 10), 40);
      for (const id of [...hidden, deleted]) await seedHourly(db, id, range(0, 10), 5000);
      assert.equal((await app.api('DELETE', `/api/v1/videos/${deleted}`, { token: maker.token })).status, 204);

      const body = await rankAndRead(app, '/api/v1/trending?limit=50', (b) => ids(b).includes(rising));
      const order = ids(body).filter((id) => [giant, rising, quiet].includes(id));
      assert.deepEqual(order, [rising, giant, quiet], 'growth against its own past lifts the new video; the quiet one only fills');
      for (const id of [...hidden, deleted]) assert.ok(!ids(body).includes(id), 'private, unlisted, unready and deleted videos never trend');
      assert.equal(body.nextCursor, null);
      const shown = body.items.find((v: any) => v.id === rising);
      assert.deepEqual(shown, (await app.api('GET', `/api/v1/videos/${rising}`)).body, 'the catalog\'s video shape');

      // Made private after the job ran: gone at once, without waiting for the next run.
      assert.equal((await app.api('PATCH', `/api/v1/videos/${rising}`, { token: maker.token, body: { visibility: 'private' } })).status, 200);
      assert.ok(!ids((await app.api('GET', '/api/v1/trending?limit=50')).body).includes(rising));
      assert.equal((await app.api('GET', '/api/v1/trending?limit=0')).status, 400);
    });

    test('related: videos watched by the same viewers, normalised by each one\'s audience; never itself or a hidden one', async () => {
      const owners = await Promise.all(range(0, 5).map((i) => signUp(app, `own${i}`)));
      const x = await seedVideo(app, owners[0]!.token, { title: 'Sourdough starter basics', tags: ['baking'] });
      const y = await seedVideo(app, owners[1]!.token, { title: 'Tuning a bass guitar', tags: ['music'] });
      const z = await seedVideo(app, owners[2]!.token, { title: 'Planting garlic in autumn', tags: ['garden'] });
      const hiddenPartner = await seedVideo(app, owners[3]!.token, { title: 'Secret footage', visibility: 'private' });
      const unrelated = await seedVideo(app, owners[4]!.token, { title: 'Welding aluminium', tags: ['metal'] });
      // Three viewers watch x then y within a day; one watches x then z; everyone x then the private one.
      for (let i = 0; i < 4; i++) {
        const viewer = await signUp(app, `v${i}`);
        await recordWatch(db, { userId: viewer.userId, videoId: x, minutesAgo: 5, progressSec: 60 });
        await recordWatch(db, { userId: viewer.userId, videoId: i < 3 ? y : z, minutesAgo: 4, progressSec: 60 });
        await recordWatch(db, { userId: viewer.userId, videoId: hiddenPartner, minutesAgo: 3, progressSec: 60 });
      }
      const body = await rankAndRead(app, `/api/v1/videos/${x}/related?limit=10`, (b) => ids(b)[0] === y);
      assert.deepEqual(ids(body).slice(0, 2), [y, z]);
      assert.ok(!ids(body).includes(x) && !ids(body).includes(hiddenPartner) && !ids(body).includes(unrelated));
      // Symmetric: y's neighbour is x.
      assert.equal(ids((await app.api('GET', `/api/v1/videos/${y}/related`)).body)[0], x);
    });

    test('related: a new video nobody watched gets neighbours by tags, title words and channel', async () => {
      const paddler = await signUp(app, 'paddler');
      const other = await signUp(app, 'other');
      const fresh = await seedVideo(app, paddler.token, { title: 'Kayak river rapids, first run', tags: ['kayaking', 'whitewater'] });
      const byTag = await seedVideo(app, other.token, { title: 'Paddling lessons', tags: ['kayaking'] });
      const byTitle = await seedVideo(app, other.token, { title: 'Rapids of the Colorado river' });
      const byChannel = await seedVideo(app, paddler.token, { title: 'My camping stove' });
      const unrelated = await seedVideo(app, other.token, { title: 'Stock market basics', tags: ['finance'] });
      const hiddenTwin = await seedVideo(app, other.token, { title: 'Kayak river rapids too', tags: ['kayaking', 'whitewater'], visibility: 'unlisted' });
      const r = await app.api('GET', `/api/v1/videos/${fresh}/related?limit=20`);
      assert.equal(r.status, 200);
      const found = ids(r.body);
      for (const id of [byTag, byTitle, byChannel]) assert.ok(found.includes(id), `neighbour ${id} missing from ${found}`);
      assert.ok(found.indexOf(byTag) < found.indexOf(byChannel), 'a shared tag counts more than the channel alone');
      for (const id of [fresh, unrelated, hiddenTwin]) assert.ok(!found.includes(id));
    });

    test('related: 404 for an unknown video or one the caller may not see, as GET /videos/:id', async () => {
      const owner = await signUp(app, 'secretive');
      const mine = await seedVideo(app, owner.token, { title: 'Private diary', visibility: 'private' });
      const stranger = await signUp(app, 'stranger');
      for (const [path, token] of [[`/api/v1/videos/AAAAAAAAAAA/related`, undefined], [`/api/v1/videos/${mine}/related`, undefined], [`/api/v1/videos/${mine}/related`, stranger.token]] as const) {
        const r = await app.api('GET', path, { token });
        assert.equal(r.status, 404, path);
        assert.equal(r.body.error.code, 'VIDEO_NOT_FOUND');
      }
      assert.equal((await app.api('GET', `/api/v1/videos/${mine}/related`, { token: owner.token })).status, 200, 'its owner sees it, and public neighbours');
      assert.equal((await app.api('GET', '/api/v1/videos/not-an-id!/related')).status, 400);
    });

    test('recommendations: from my latest watches, without what I finished; a new watch shows at once', async () => {
      const chefs = await Promise.all(range(0, 6).map((i) => signUp(app, `chef${i}`)));
      const video = (i: number, title: string, tags: string[]) => seedVideo(app, chefs[i]!.token, { title, tags, durationSec: 100 });
      const ramen = await video(0, 'Ramen broth from scratch', ['noodles']);
      const udon = await video(1, 'Hand-cut udon', ['noodles']);
      const soba = await video(2, 'Soba dipping sauce', ['noodles']);
      const tart = await video(3, 'Lemon tart', ['pastry']);
      const eclair = await video(4, 'Eclairs at home', ['pastry']);
      const croissant = await video(5, 'Laminated croissant dough', ['pastry']);
      const me = await signUp(app, 'eater');
      await recordWatch(db, { userId: me.userId, videoId: ramen, minutesAgo: 2, progressSec: 95 });
      await recordWatch(db, { userId: me.userId, videoId: udon, minutesAgo: 1, progressSec: 95 });
      const first = await rankAndRead(app, '/api/v1/recommendations?limit=20', (b) => ids(b).includes(soba), me.token);
      assert.equal(ids(first)[0], soba, 'the noodle video I have not seen comes first');
      assert.ok(!ids(first).includes(ramen) && !ids(first).includes(udon), 'finished videos (past 90 %) are never recommended');

      // A new watch, through the player's beacon: pastry takes over, no job needed for that.
      const s = newSession();
      assert.equal((await beacon(app, tart, { sessionId: s, positionSec: 40, played: [[0, 40]] }, { token: me.token })).status, 204);
      await until(async () => (await app.api('GET', '/api/v1/me/history', { token: me.token })).body.items?.some((e: any) => e.video.id === tart), 'the watch in history', 60_000);
      const next = ids((await app.api('GET', '/api/v1/recommendations?limit=20', { token: me.token })).body);
      assert.deepEqual(new Set(next.slice(0, 3)), new Set([soba, eclair, croissant]), 'the latest watch brings its neighbours in at once');
      assert.ok(!ids(first).slice(0, 3).includes(eclair), 'they were not there before');
    });

    test('recommendations: anonymous and history-paused viewers get trending', async () => {
      const anonymous = await rankAndRead(app, '/api/v1/recommendations?limit=10', () => true);
      const trending = (await app.api('GET', '/api/v1/trending?limit=10')).body;
      assert.deepEqual(ids(anonymous), ids(trending));
      assert.ok(anonymous.items.length > 0);
      const paused = await signUp(app, 'paused');
      const seen = (await app.api('GET', '/api/v1/trending?limit=1')).body.items[0].id;
      await recordWatch(db, { userId: paused.userId, videoId: seen, minutesAgo: 1, progressSec: 1 });
      assert.equal((await app.api('PUT', '/api/v1/me/settings', { token: paused.token, body: { historyPaused: true } })).status, 200);
      assert.deepEqual(ids((await app.api('GET', '/api/v1/recommendations?limit=10', { token: paused.token })).body), ids(trending));
      const fresh = await signUp(app, 'newcomer');
      assert.deepEqual(ids((await app.api('GET', '/api/v1/recommendations?limit=10', { token: fresh.token })).body), ids(trending), 'no history yet: trending');
    });

    test('the three endpoints are in the OpenAPI document, with their limit', async () => {
      const doc = (await app.api('GET', '/api/v1/openapi.json')).body;
      for (const path of ['/api/v1/trending', '/api/v1/videos/{id}/related', '/api/v1/recommendations']) {
        assert.deepEqual(doc.paths[path]?.get?.parameters.filter((p: any) => p.in === 'query').map((p: any) => p.name), ['limit'], path);
      }
    });

    test('co-visitation counts each viewer once, however often the job reads the same views', async () => {
      const o = await signUp(app, 'once');
      const a = await seedVideo(app, o.token, { title: 'Counting once A' });
      const b = await seedVideo(app, o.token, { title: 'Counting once B' });
      const viewer = await signUp(app, 'repeat');
      for (const m of [9, 7, 5]) {
        await recordWatch(db, { userId: viewer.userId, videoId: a, minutesAgo: m, progressSec: 60 });
        await recordWatch(db, { userId: viewer.userId, videoId: b, minutesAgo: m - 1, progressSec: 60 });
      }
      await rankAndRead(app, '/api/v1/trending', () => true);
      await rankAndRead(app, '/api/v1/trending', () => true);
      const pair = await sql<{ count: number }>`SELECT count FROM covisit_pairs WHERE video_id = ${a} AND other_id = ${b}`.execute(db);
      const viewers = await sql<{ viewers: number }>`SELECT viewers FROM covisit_viewers WHERE video_id = ${a}`.execute(db);
      assert.deepEqual([pair.rows[0]?.count, viewers.rows[0]?.viewers], [1, 1]);
    });
  });

  describe(`trending decay (${engine})`, () => {
    test('recent views outweigh older ones, and a list goes quiet as its views age', async () => {
      const handle = await createTestDatabase(engine);
      try {
        const db = handle.db;
        const now = Date.parse('2026-06-01T12:00:00Z');
        await sql`INSERT INTO users (user_id, username, email, password_hash) VALUES ('u1', 'decay', 'd@example.test', 'x')`.execute(db);
        for (const id of ['olderburst', 'freshtrick']) {
          await sql`INSERT INTO videos (video_id, user_id, title, visibility, status, duration, created_at)
                    VALUES (${id}, 'u1', ${id}, 'public', 'ready', 60, ${new Date(now - 5 * 86400_000)})`.execute(db);
        }
        // 100 views two days ago against 30 views an hour ago; neither had views before.
        await seedHourly(db, 'olderburst', [48], 100, now);
        await seedHourly(db, 'freshtrick', [1], 30, now);
        const scores = async (at: number) => {
          await computeTrending(db, new Date(at));
          const { rows } = await sql<{ videoId: string; score: number }>`SELECT video_id, score FROM trending_scores ORDER BY score DESC`.execute(db);
          return Object.fromEntries(rows.map((r) => [r.videoId, r.score])) as Record<string, number>;
        };
        const at = await scores(now);
        assert.ok(at.freshtrick! > at.olderburst!, JSON.stringify(at));
        const dayLater = await scores(now + 86400_000);
        assert.ok(dayLater.freshtrick! < at.freshtrick! && dayLater.olderburst! < at.olderburst!, 'with no new views, scores fall');
        const weekLater = await scores(now + 7 * 86400_000);
        assert.ok(weekLater.freshtrick! < -50 && weekLater.olderburst! < -50, 'past the recent window they only fill the list');
      } finally {
        await handle.close();
      }
    });
  });
}
