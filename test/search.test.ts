import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, signUp, type TestApp } from './support/app.js';
import { ENGINES } from './support/databases.js';
import { allPages, seedVideo } from './support/discovery.js';

/**
 * Issue 11: search that finds what a person means, on PGlite and on PostgreSQL alike. Each test
 * uses words no other test uses, so the tests share one instance and still assert exact results.
 */
for (const engine of ENGINES) {
  describe(`search (${engine})`, () => {
    let app: TestApp;
    let ada: Awaited<ReturnType<typeof signUp>>;
    let bob: Awaited<ReturnType<typeof signUp>>;
    before(async () => {
      app = await startTestApp({ engine });
      ada = await signUp(app, 'ada');
      bob = await signUp(app, 'bob');
    });
    after(() => app?.close());

    const search = async (query: string, token?: string) => {
      const r = await app.api('GET', `/api/v1/search?${query}`, { token });
      assert.equal(r.status, 200, JSON.stringify(r.body));
      return r.body as { items: any[]; nextCursor: string | null };
    };
    const titles = async (query: string, token?: string) => (await search(query, token)).items.map((v) => v.title);

    test('typos: "harbor timelaps" finds "Harbour time-lapse" first', async () => {
      await seedVideo(app, ada.token, { title: 'Harbour time-lapse', tags: ['sea'] });
      await seedVideo(app, ada.token, { title: 'Harbour lights at dusk' });
      await seedVideo(app, ada.token, { title: 'Mountain time-lapse' });
      const found = await titles('q=harbor%20timelaps');
      assert.equal(found[0], 'Harbour time-lapse');
      // Every word must match (through its correction): neither half alone is enough.
      assert.deepEqual(found, ['Harbour time-lapse']);
      assert.deepEqual(await titles('q=harbour%20timelapse'), ['Harbour time-lapse'], 'the closed compound matches the hyphenated one');
    });

    test('accents are folded both ways: "amelie" finds "Amélie", "AMÉLIE" too', async () => {
      await seedVideo(app, ada.token, { title: 'Le fabuleux destin d\'Amélie Poulain' });
      await seedVideo(app, ada.token, { title: 'Cafe des deux moulins' });
      assert.deepEqual(await titles('q=amelie'), ['Le fabuleux destin d\'Amélie Poulain']);
      assert.deepEqual(await titles(`q=${encodeURIComponent('AMÉLIE poulain')}`), ['Le fabuleux destin d\'Amélie Poulain']);
      assert.deepEqual(await titles(`q=${encodeURIComponent('café moulins')}`), ['Cafe des deux moulins']);
    });

    test('leading articles and library-style titles: "the office" finds "Office, The (2005)" first', async () => {
      await seedVideo(app, ada.token, { title: 'Officer training day', viewCount: 5000 });
      await seedVideo(app, ada.token, { title: 'Office chairs reviewed', viewCount: 5000 });
      await seedVideo(app, ada.token, { title: 'Office, The (2005)' });
      const found = await titles('q=the%20office');
      assert.equal(found[0], 'Office, The (2005)');
      assert.ok(found.includes('Office chairs reviewed'));
      // A title made only of stop words is still found, by its trigrams.
      await seedVideo(app, ada.token, { title: 'The Who' });
      assert.equal((await titles('q=the%20who'))[0], 'The Who');
    });

    test('the last word is a prefix while typing, a whole word after a space', async () => {
      await seedVideo(app, ada.token, { title: 'Volcano eruption in Iceland' });
      assert.deepEqual(await titles('q=volcan'), ['Volcano eruption in Iceland']);
      assert.deepEqual(await titles('q=icel'), ['Volcano eruption in Iceland']);
      assert.deepEqual(await titles('q=volcano%20erup'), ['Volcano eruption in Iceland']);
    });

    test('title, then tags and channel, then description: all searched, weighted in that order', async () => {
      const carol = await signUp(app, 'carol');
      await seedVideo(app, carol.token, { title: 'A quiet afternoon', description: 'We talk about the kestrel nesting on the roof.', viewCount: 100_000 });
      await seedVideo(app, carol.token, { title: 'Birds of the valley', tags: ['kestrel', 'raptors'] });
      await seedVideo(app, carol.token, { title: 'Kestrel hovering over a field' });
      // The description is searched (PeerTube #7440 is the gap to beat), but counts least.
      assert.deepEqual(await titles('q=kestrel'), ['Kestrel hovering over a field', 'Birds of the valley', 'A quiet afternoon']);
      assert.deepEqual(await titles('q=raptors'), ['Birds of the valley']);
      // The channel name is part of the document.
      const mine = await titles(`q=${carol.username}`);
      assert.equal(mine.length, 3);
    });

    test('popularity is a light prior: among equal matches the more viewed first, never over a better match', async () => {
      await seedVideo(app, ada.token, { title: 'Sourdough starter basics', viewCount: 10 });
      await seedVideo(app, ada.token, { title: 'Sourdough starter basics again', viewCount: 2_000_000 });
      await seedVideo(app, ada.token, { title: 'Bread', description: 'sourdough', viewCount: 50_000_000 });
      const found = await titles('q=sourdough');
      assert.deepEqual(found.slice(0, 2).sort(), ['Sourdough starter basics', 'Sourdough starter basics again']);
      assert.equal(found[2], 'Bread', 'fifty million views do not lift a description match over two title matches');
      await seedVideo(app, ada.token, { title: 'Pickled walnuts', viewCount: 10 });
      await seedVideo(app, ada.token, { title: 'Pickled walnuts', viewCount: 100_000 });
      const twins = (await search('q=pickled%20walnuts')).items;
      assert.deepEqual(twins.map((v) => v.viewCount), [100_000, 10]);
    });

    test('private, unlisted, unready and deleted videos never appear for others; your own ready ones appear to you', async () => {
      const word = 'zanzibarish';
      const listed = await seedVideo(app, ada.token, { title: `${word} public` });
      const priv = await seedVideo(app, ada.token, { title: `${word} private`, visibility: 'private' });
      const hidden = [priv];
      const unlisted = await seedVideo(app, ada.token, { title: `${word} unlisted`, visibility: 'unlisted' });
      hidden.push(unlisted);
      hidden.push(await seedVideo(app, ada.token, { title: `${word} processing`, status: 'processing' }));
      hidden.push(await seedVideo(app, ada.token, { title: `${word} failed`, status: 'failed' }));
      hidden.push(await seedVideo(app, ada.token, { title: `${word} waiting`, status: 'awaiting_upload' }));
      const gone = await seedVideo(app, ada.token, { title: `${word} deleted` });
      assert.equal((await app.api('DELETE', `/api/v1/videos/${gone}`, { token: ada.token })).status, 204);
      hidden.push(gone);

      for (const [who, token] of [['anonymous', undefined], ['another user', bob.token]] as const) {
        assert.deepEqual((await search(`q=${word}`, token)).items.map((v) => v.id), [listed], who);
        // Not by typo, not by prefix, not by the fuzzy title fallback, whatever the sort.
        for (const q of [`${word}%20private`, 'zanzibarsh%20privat', `${word}%20priv`, `${word}%20unlisted`, `${word}%20processing&sort=date`, `${word}%20deleted&sort=views`]) {
          const ids = (await search(`q=${q}`, token)).items.map((v) => v.id);
          assert.ok(!ids.some((id) => hidden.includes(id)), `${who}: ${q}`);
        }
        const s = await app.api('GET', `/api/v1/search/suggestions?q=${word}`, { token });
        assert.deepEqual(s.body.items, [`${word} public`], who);
      }
      const own = (await search(`q=${word}`, ada.token)).items.map((v) => v.id).sort();
      assert.deepEqual(own, [listed, priv, unlisted].sort(), 'the owner also finds their private and unlisted ready videos, never the unready ones');
      assert.deepEqual((await app.api('GET', `/api/v1/search/suggestions?q=${word}`, { token: ada.token })).body.items, [`${word} public`], 'suggestions are the same for everyone');
    });

    test('an edit is searchable at once: new title and tags found, old ones gone; made private, it leaves others\' results', async () => {
      const id = await seedVideo(app, ada.token, { title: 'Axolotl feeding', tags: ['amphibian'] });
      assert.deepEqual((await search('q=axolotl')).items.map((v) => v.id), [id]);
      const edited = await app.api('PATCH', `/api/v1/videos/${id}`, { token: ada.token, body: { title: 'Salamander feeding', tags: ['newt'] } });
      assert.equal(edited.status, 200);
      assert.deepEqual((await search('q=axolotl')).items, []);
      assert.deepEqual((await search('q=amphibian')).items, []);
      assert.deepEqual((await search('q=salamander%20newt')).items.map((v) => v.id), [id]);
      assert.deepEqual((await search('q=salamandr')).items.map((v) => v.id), [id], 'the new words are in the typo vocabulary');
      await app.api('PATCH', `/api/v1/videos/${id}`, { token: ada.token, body: { visibility: 'private' } });
      assert.deepEqual((await search('q=salamander', bob.token)).items, []);
      assert.deepEqual((await search('q=salamander', ada.token)).items.map((v) => v.id), [id]);
    });

    test('a result is exactly what GET /videos/:id answers the same viewer', async () => {
      const id = await seedVideo(app, ada.token, { title: 'Quokka selfies', tags: ['rottnest'], description: 'Smiling marsupials', durationSec: 42.5, viewCount: 7 });
      for (const token of [undefined, ada.token]) {
        const [hit] = (await search('q=quokka', token)).items;
        // myRating is GET /videos/:id's own addition for a signed-in caller; lists leave it out.
        const { myRating: _, ...direct } = (await app.api('GET', `/api/v1/videos/${id}`, { token })).body;
        assert.deepEqual(hit, direct);
      }
    });

    test('filters: duration, upload date and sort', async () => {
      const w = 'gondolier';
      await seedVideo(app, ada.token, { title: `${w} short`, durationSec: 60, viewCount: 30, ageDays: 0.5 });
      await seedVideo(app, ada.token, { title: `${w} medium`, durationSec: 600, viewCount: 10, ageDays: 3 });
      await seedVideo(app, ada.token, { title: `${w} long`, durationSec: 3600, viewCount: 20, ageDays: 40 });
      await seedVideo(app, ada.token, { title: `${w} ancient`, durationSec: 100, viewCount: 0, ageDays: 400 });
      const names = (vs: string[]) => vs.map((t) => t.replace(`${w} `, ''));
      assert.deepEqual(names(await titles(`q=${w}&duration=short&sort=date`)), ['short', 'ancient']);
      assert.deepEqual(names(await titles(`q=${w}&duration=medium`)), ['medium']);
      assert.deepEqual(names(await titles(`q=${w}&duration=long`)), ['long']);
      assert.deepEqual(names(await titles(`q=${w}&uploaded=day`)), ['short']);
      assert.deepEqual(names(await titles(`q=${w}&uploaded=week&sort=date`)), ['short', 'medium']);
      assert.deepEqual(names(await titles(`q=${w}&uploaded=year&sort=date`)), ['short', 'medium', 'long']);
      assert.deepEqual(names(await titles(`q=${w}&sort=date`)), ['short', 'medium', 'long', 'ancient']);
      assert.deepEqual(names(await titles(`q=${w}&sort=views`)), ['short', 'long', 'medium', 'ancient']);
      const bad = await app.api('GET', `/api/v1/search?q=${w}&duration=epic`);
      assert.equal(bad.status, 400);
      assert.equal(bad.body.error.code, 'VALIDATION_FAILED');
    });

    test('keyset pages: every match exactly once, in the order of one big page, for every sort', async () => {
      const w = 'pangolin';
      for (let i = 0; i < 9; i++) {
        // Ties on purpose: equal titles, views and ages must still page without loss or repeats.
        await seedVideo(app, ada.token, { title: `${w} ${i % 3 === 0 ? 'walk' : 'nap'}`, viewCount: i % 2, ageDays: i % 3 });
      }
      for (const sort of ['relevance', 'date', 'views']) {
        const whole = (await search(`q=${w}&sort=${sort}&limit=100`)).items.map((v) => v.id);
        assert.equal(whole.length, 9);
        const paged = (await allPages(app, `/api/v1/search?q=${w}&sort=${sort}&limit=2`)).map((v) => v.id);
        assert.deepEqual(paged, whole, sort);
      }
      const first = await search(`q=${w}&limit=2`);
      const other = await app.api('GET', `/api/v1/search?q=walrus&cursor=${first.nextCursor}`);
      assert.equal(other.status, 400);
      assert.equal(other.body.error.code, 'INVALID_CURSOR');
      assert.equal((await app.api('GET', '/api/v1/search?q=x&cursor=bm9wZQ')).body.error.code, 'INVALID_CURSOR');
    });

    test('what is typed is words, never query syntax', async () => {
      for (const q of ["a'b & | ! :* (", '\\', '%_', '&', ':*', "'", '!!!!']) {
        const r = await app.api('GET', `/api/v1/search?q=${encodeURIComponent(q)}`);
        assert.equal(r.status, 200, `${q}: ${JSON.stringify(r.body)}`);
      }
      assert.equal((await app.api('GET', '/api/v1/search?q=')).status, 400);
    });

    test('the OpenAPI document describes search, suggestions, channels, subscriptions and the feed', async () => {
      const doc = (await app.api('GET', '/api/v1/openapi.json')).body;
      for (const [path, method] of [
        ['/api/v1/search', 'get'], ['/api/v1/search/suggestions', 'get'], ['/api/v1/channels/{username}', 'get'],
        ['/api/v1/channels/{username}/subscription', 'put'], ['/api/v1/channels/{username}/subscription', 'delete'],
        ['/api/v1/me/subscriptions', 'get'], ['/api/v1/me/feed', 'get'],
      ] as const) assert.ok(doc.paths[path]?.[method], `${method.toUpperCase()} ${path}`);
      const params = doc.paths['/api/v1/search'].get.parameters.map((p: { name: string }) => p.name).sort();
      assert.deepEqual(params, ['cursor', 'duration', 'limit', 'q', 'sort', 'uploaded']);
    });

    test('suggestions complete titles, tags and channel names as a person types', async () => {
      const dora = await signUp(app, 'narwhalfan');
      await seedVideo(app, dora.token, { title: 'Narwhal tusks explained', tags: ['narwhals', 'arctic'], viewCount: 50 });
      await seedVideo(app, dora.token, { title: 'Narwhal migration', viewCount: 500 });
      await seedVideo(app, dora.token, { title: 'Narwhal secrets', visibility: 'private' });
      const suggest = async (q: string) => (await app.api('GET', `/api/v1/search/suggestions?q=${encodeURIComponent(q)}`)).body.items as string[];
      const items = await suggest('narw');
      assert.deepEqual(items.slice(0, 2), ['Narwhal migration', 'Narwhal tusks explained'], 'most viewed title first');
      assert.ok(items.includes('narwhals'), 'a tag');
      assert.ok(items.includes(dora.username), 'a channel name');
      assert.ok(!items.includes('Narwhal secrets'), 'never a private title');
      assert.deepEqual(await suggest('narwhal mig'), ['Narwhal migration']);
      assert.deepEqual(await suggest('NARWHAL MIG'), ['Narwhal migration']);
      assert.deepEqual(await suggest('   '), []);
    });
  });
}
