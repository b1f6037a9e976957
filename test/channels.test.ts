import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, signUp, type TestApp } from './support/app.js';
import { ENGINES } from './support/databases.js';
import { allPages, seedVideo } from './support/discovery.js';

/** Issue 11: channel pages, subscriptions and the subscriptions feed, on PGlite and PostgreSQL. */
for (const engine of ENGINES) {
  describe(`channels and subscriptions (${engine})`, () => {
    let app: TestApp;
    before(async () => {
      app = await startTestApp({ engine });
    });
    after(() => app?.close());

    test('a channel page: profile, figures and public ready videos newest first, paged; any case of the name', async () => {
      const ada = await signUp(app, 'Ada');
      const fan = await signUp(app, 'fan');
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) ids.push(await seedVideo(app, ada.token, { title: `Ada ${i}`, viewCount: 10, ageDays: 5 - i }));
      await seedVideo(app, ada.token, { title: 'Ada private', visibility: 'private', viewCount: 1000 });
      await seedVideo(app, ada.token, { title: 'Ada unlisted', visibility: 'unlisted' });
      await seedVideo(app, ada.token, { title: 'Ada processing', status: 'processing' });
      assert.equal((await app.api('PUT', `/api/v1/channels/${ada.username}/subscription`, { token: fan.token })).status, 200);

      for (const token of [undefined, fan.token, ada.token]) {
        const r = await app.api('GET', `/api/v1/channels/${ada.username.toUpperCase()}?limit=2`, { token });
        assert.equal(r.status, 200);
        const { channel, items, nextCursor } = r.body;
        assert.equal(channel.id, ada.userId);
        assert.equal(channel.username, ada.username);
        assert.equal(channel.videoCount, 5);
        assert.equal(channel.viewCount, 50, 'views of public videos only');
        assert.equal(channel.subscriberCount, 1);
        assert.equal(channel.subscribed, token === undefined ? null : token === fan.token);
        assert.deepEqual(items.map((v: any) => v.id), [ids[4], ids[3]]);
        assert.ok(nextCursor);
      }
      const all = await allPages(app, `/api/v1/channels/${ada.username}?limit=2`);
      assert.deepEqual(all.map((v) => v.id), [...ids].reverse(), 'every public video once, newest first; nothing private, unlisted or unready, even for its owner');
      const [first] = all;
      assert.deepEqual(first, (await app.api('GET', `/api/v1/videos/${first.id}`)).body, 'the catalog\'s video shape');

      const missing = await app.api('GET', '/api/v1/channels/nobody-by-this-name');
      assert.equal(missing.status, 404);
      assert.equal(missing.body.error.code, 'CHANNEL_NOT_FOUND');
      assert.equal((await app.api('GET', '/api/v1/channels/bad%20name')).status, 400);
    });

    test('subscribe and unsubscribe: idempotent, counted, never to yourself, only signed in', async () => {
      const chan = await signUp(app, 'chan');
      const a = await signUp(app, 'a');
      const b = await signUp(app, 'b');
      const path = `/api/v1/channels/${chan.username}/subscription`;
      assert.equal((await app.api('PUT', path)).status, 401);
      assert.deepEqual((await app.api('PUT', path, { token: a.token })).body, { subscribed: true, subscriberCount: 1 });
      assert.deepEqual((await app.api('PUT', path, { token: a.token })).body, { subscribed: true, subscriberCount: 1 }, 'twice is once');
      assert.deepEqual((await app.api('PUT', path, { token: b.token })).body, { subscribed: true, subscriberCount: 2 });
      assert.deepEqual((await app.api('DELETE', path, { token: a.token })).body, { subscribed: false, subscriberCount: 1 });
      assert.deepEqual((await app.api('DELETE', path, { token: a.token })).body, { subscribed: false, subscriberCount: 1 });
      const self = await app.api('PUT', path, { token: chan.token });
      assert.equal(self.status, 400);
      assert.equal(self.body.error.code, 'CANNOT_SUBSCRIBE_TO_SELF');
      const none = await app.api('PUT', '/api/v1/channels/no-such-channel/subscription', { token: a.token });
      assert.equal(none.status, 404);
      assert.equal(none.body.error.code, 'CHANNEL_NOT_FOUND');
    });

    test('my subscriptions, most recently followed first, paged', async () => {
      const me = await signUp(app, 'me');
      const chans = [];
      for (let i = 0; i < 3; i++) {
        const c = await signUp(app, `c${i}`);
        await seedVideo(app, c.token, { title: `c${i} video` });
        assert.equal((await app.api('PUT', `/api/v1/channels/${c.username}/subscription`, { token: me.token })).status, 200);
        chans.push(c);
      }
      assert.equal((await app.api('GET', '/api/v1/me/subscriptions')).status, 401);
      const items = await allPages(app, '/api/v1/me/subscriptions?limit=2', me.token);
      assert.deepEqual(items.map((c) => c.username), chans.map((c) => c.username).reverse());
      assert.deepEqual(
        { subscribed: items[0].subscribed, videoCount: items[0].videoCount, subscriberCount: items[0].subscriberCount },
        { subscribed: true, videoCount: 1, subscriberCount: 1 },
      );
      assert.ok(!Number.isNaN(Date.parse(items[0].subscribedAt)));
    });

    test('the feed: new public videos of the channels I follow, newest first, paged; gone when I unsubscribe', async () => {
      const me = await signUp(app, 'reader');
      const x = await signUp(app, 'x');
      const y = await signUp(app, 'y');
      const other = await signUp(app, 'other');
      const x1 = await seedVideo(app, x.token, { title: 'x old', ageDays: 3 });
      const y1 = await seedVideo(app, y.token, { title: 'y mid', ageDays: 2 });
      const x2 = await seedVideo(app, x.token, { title: 'x new', ageDays: 1 });
      await seedVideo(app, x.token, { title: 'x private', visibility: 'private' });
      await seedVideo(app, x.token, { title: 'x unlisted', visibility: 'unlisted' });
      await seedVideo(app, y.token, { title: 'y processing', status: 'processing' });
      await seedVideo(app, other.token, { title: 'not followed' });
      assert.equal((await app.api('GET', '/api/v1/me/feed')).status, 401);
      assert.deepEqual((await app.api('GET', '/api/v1/me/feed', { token: me.token })).body, { items: [], nextCursor: null });
      for (const c of [x, y]) await app.api('PUT', `/api/v1/channels/${c.username}/subscription`, { token: me.token });
      const feed = await allPages(app, '/api/v1/me/feed?limit=2', me.token);
      assert.deepEqual(feed.map((v) => v.id), [x2, y1, x1]);
      await app.api('DELETE', `/api/v1/channels/${x.username}/subscription`, { token: me.token });
      assert.deepEqual((await allPages(app, '/api/v1/me/feed', me.token)).map((v) => v.id), [y1]);
      assert.equal((await app.api('GET', '/api/v1/me/feed?cursor=garbage', { token: me.token })).body.error.code, 'INVALID_CURSOR');
    });

    test('GET /videos?owner= takes a username (any case) as well as a user id', async () => {
      const owner = await signUp(app, 'Owner');
      const id = await seedVideo(app, owner.token, { title: 'by name' });
      const priv = await seedVideo(app, owner.token, { title: 'by name, private', visibility: 'private' });
      for (const o of [owner.username, owner.username.toLowerCase(), owner.userId]) {
        assert.deepEqual((await app.api('GET', `/api/v1/videos?owner=${o}`)).body.items.map((v: any) => v.id), [id], o);
      }
      const mine = (await app.api('GET', `/api/v1/videos?owner=${owner.username}`, { token: owner.token })).body.items.map((v: any) => v.id);
      assert.deepEqual(mine.sort(), [id, priv].sort(), 'your own username lists all of yours, as owner=me does');
      assert.deepEqual((await app.api('GET', '/api/v1/videos?owner=nobody-at-all')).body, { items: [], nextCursor: null });
    });
  });
}
