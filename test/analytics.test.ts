/**
 * What creators and admins read, from beacons sent over real HTTP: views, watch time, the
 * retention curve from `played`, QoE (Mux's definitions), concurrent viewers; and the rollup job
 * run by the queue. PGlite and PostgreSQL.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ENGINES } from './support/databases.js';
import { signUp, startTestApp, type TestApp } from './support/app.js';
import { readyVideo } from './support/delivery.js';
import { until } from './support/poll.js';
import { beacon, eventCount, FIREFOX_UA, newSession, setDuration } from './support/engagement.js';
import { createRollup, ROLLUP_QUEUE } from '../src/modules/analytics/index.js';
import { createLogger } from '../src/platform/log.js';

for (const engine of ENGINES) {
  describe(`analytics on ${engine}`, () => {
    let app: TestApp;
    let admin: Awaited<ReturnType<typeof signUp>>;
    let owner: Awaited<ReturnType<typeof signUp>>;
    before(async () => {
      app = await startTestApp({ engine, env: { MEDIA_BASE_URL: 'https://edge1.kinema.test' } });
      admin = await signUp(app, 'admin'); // the first account of an instance is its admin
      owner = await signUp(app, 'creator');
    });
    after(() => app.close());

    const rollup = () => createRollup({ db: app.platform.database.db, log: createLogger('silent'), retentionDays: 90 }).run();

    async function send(videoId: string, beacons: Array<{ body: Record<string, unknown>; ua?: string; token?: string }>) {
      const before = await eventCount(app, videoId, 'beacon');
      for (const b of beacons) assert.equal((await beacon(app, videoId, b.body, b)).status, 204);
      await until(async () => (await eventCount(app, videoId, 'beacon')) >= before + beacons.length, 'the beacons to be written');
    }

    test('a video\'s views, watch time, retention curve and QoE, for its owner and admins only', async () => {
      const v = await readyVideo(app, owner.token, 'public');
      await setDuration(app, v.id, 100);
      const rung = (height: number, bitrateKbps: number, playedMs: number) => ({ height, bitrateKbps, playedMs });
      await send(v.id, [
        // Watched it all, at 720p in a 1080-high player (upscaled), one stall of 5 s in 100 s.
        { body: { sessionId: newSession(), positionSec: 100, played: [[0, 100]], qoe: { startupMs: 450, watchMs: 100_000, rebufferCount: 1, rebufferMs: 5000, renditions: [rung(720, 3000, 100_000)], playerHeight: 1080 } } },
        // The first half, at 1080p.
        { body: { sessionId: newSession(), positionSec: 50, played: [[0, 50]], qoe: { startupMs: 1450, watchMs: 50_000, renditions: [rung(1080, 6000, 50_000)], playerHeight: 1080 } }, ua: FIREFOX_UA },
        // Resumed at the middle, to the end.
        { body: { sessionId: newSession(), positionSec: 100, played: [[50, 100]], qoe: { startupMs: 900, watchMs: 50_000, renditions: [rung(720, 3000, 50_000)] } } },
        // Left before the first frame, and one that failed: neither played anything.
        { body: { sessionId: newSession(), positionSec: 0, played: [], state: 'left', qoe: { exitedBeforeStart: true } } },
        { body: { sessionId: newSession(), positionSec: 0, played: [], qoe: { fatalError: { type: 'networkError', details: 'manifestLoadError' } } } },
      ]);
      await rollup();
      const r = await app.api('GET', `/api/v1/videos/${v.id}/analytics?days=7`, { token: owner.token });
      assert.equal(r.status, 200, JSON.stringify(r.body));
      const a = r.body;
      assert.equal(a.views, 3);
      assert.equal(a.watchTimeSec, 200);
      assert.equal(a.avgViewDurationSec, 67);
      assert.equal(a.timeline.length, 7);
      assert.deepEqual(a.timeline.at(-1), { date: new Date().toISOString().slice(0, 10), views: 3, watchTimeSec: 200 });
      const at = (p: number) => a.retention.find((x: { atPercent: number }) => x.atPercent === p).audiencePercent;
      // Five sessions, two of which played nothing.
      assert.equal(a.retention.length, 21);
      assert.deepEqual([at(0), at(25), at(50), at(75), at(100)], [40, 40, 60, 40, 40]);
      assert.equal(a.qoe.sessions, 5);
      assert.equal(a.qoe.startupMsMedian, 900, 'the middle of 450, 900, 1450, as its 100 ms bucket\'s upper bound');
      assert.equal(a.qoe.startupMsP95, 1500);
      assert.equal(a.qoe.exitsBeforeStartPercent, 20);
      assert.equal(a.qoe.playbackFailurePercent, 20);
      assert.equal(a.qoe.rebufferPercent, 2.5, '5 s stalled in 200 s of watch time');
      assert.equal(a.qoe.avgBitrateKbps, Math.round((3000 * 150 + 6000 * 50) / 200));
      assert.deepEqual(a.qoe.renditionShare, [{ height: 1080, percent: 25 }, { height: 720, percent: 75 }]);
      assert.equal(a.qoe.upscalePercent, 66.7, '100 s of 150 s with a known player size were upscaled');
      assert.ok(a.updatedThrough);

      const stranger = await signUp(app, 'stranger');
      assert.equal((await app.api('GET', `/api/v1/videos/${v.id}/analytics`, { token: stranger.token })).status, 403);
      assert.equal((await app.api('GET', `/api/v1/videos/${v.id}/analytics`)).status, 401);
      assert.equal((await app.api('GET', `/api/v1/videos/${v.id}/analytics`, { token: admin.token })).status, 200);
      assert.equal((await app.api('GET', `/api/v1/videos/${v.id}/analytics?days=91`, { token: owner.token })).status, 400);

      // Views counted after the rollup show at once; the rest waits for the next run.
      await send(v.id, [{ body: { sessionId: newSession(), positionSec: 40, played: [[0, 40]] } }]);
      const fresh = (await app.api('GET', `/api/v1/videos/${v.id}/analytics?days=7`, { token: owner.token })).body;
      assert.equal(fresh.views, 4);
      const channel = (await app.api('GET', '/api/v1/me/analytics?days=7', { token: owner.token })).body;
      assert.ok(channel.views >= 4);
      assert.equal(channel.topVideos[0].id, v.id);
    });

    test('admin QoE: by browser, rung and edge, over time, and concurrent viewers; admins only', async () => {
      const v = await readyVideo(app, owner.token, 'public');
      const live = newSession();
      await send(v.id, [
        { body: { sessionId: live, positionSec: 5, played: [[0, 1]], state: 'playing', qoe: { startupMs: 300, renditions: [{ height: 90, bitrateKbps: 100, playedMs: 1000 }], edgeHost: 'edge2.kinema.test' } } },
        { body: { sessionId: newSession(), positionSec: 5, played: [[0, 1]], state: 'left', qoe: { startupMs: 700 } }, ua: FIREFOX_UA },
      ]);
      await rollup();
      assert.equal((await app.api('GET', '/api/v1/admin/qoe', { token: owner.token })).status, 403);
      const r = await app.api('GET', '/api/v1/admin/qoe?days=1', { token: admin.token });
      assert.equal(r.status, 200, JSON.stringify(r.body));
      const q = r.body;
      assert.ok(q.concurrentViewers >= 1, 'the playing session is watching now');
      const liveVideo = (await app.api('GET', `/api/v1/videos/${v.id}/analytics`, { token: owner.token })).body;
      assert.equal(liveVideo.watchingNow, 1, 'the session that left is not watching');
      assert.ok(q.overall.sessions >= 2);
      assert.ok(q.byBrowser.some((b: { browser: string }) => b.browser === 'Firefox'));
      assert.ok(q.byBrowser.some((b: { browser: string }) => b.browser === 'Chrome'));
      assert.ok(q.byRung.some((b: { height: number }) => b.height === 90));
      assert.ok(q.byEdge.some((b: { edge: string }) => b.edge === 'edge2.kinema.test'), 'the edge the player named');
      assert.ok(q.byEdge.some((b: { edge: string }) => b.edge === 'edge1.kinema.test'), 'else the MEDIA_BASE_URL host');
      assert.ok(q.timeline.length >= 1);
      assert.match(q.timeline.at(-1).hour, /T\d\d:00:00\.000Z$/);
    });

    test('the rollup runs as a queue job in the api process', async () => {
      const v = await readyVideo(app, owner.token, 'public');
      await send(v.id, [{ body: { sessionId: newSession(), positionSec: 2, played: [[0, 2]] } }]);
      await app.platform.queue.send(ROLLUP_QUEUE, {});
      await until(async () => (await app.platform.database.db.selectFrom('videoHourly').select('views').where('videoId', '=', v.id).executeTakeFirst())?.views === 1 || undefined, 'the job to roll the view up', 60_000);
    });

    test('Prometheus exposes the startup-time histogram and the rebuffer counters', async () => {
      const v = await readyVideo(app, owner.token, 'public');
      const s = newSession();
      await send(v.id, [
        { body: { sessionId: s, positionSec: 1, played: [[0, 1]], qoe: { startupMs: 800, watchMs: 10_000, rebufferMs: 1000 } } },
        { body: { sessionId: s, positionSec: 2, played: [[0, 2]], qoe: { startupMs: 800, watchMs: 20_000, rebufferMs: 1500 } } },
      ]);
      const text = await (await fetch(`${app.metricsUrl}/metrics`)).text();
      assert.match(text, /kinema_qoe_startup_seconds_bucket\{le="1"\} [1-9]/);
      assert.match(text, /kinema_qoe_rebuffer_seconds_total \d/);
      assert.match(text, /kinema_qoe_watch_seconds_total \d/);
    });
  });
}
