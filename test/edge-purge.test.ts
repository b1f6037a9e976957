import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, signUp, type TestApp } from './support/app.js';
import { startTier, type Edge } from './support/nginx.js';
import { readyVideo } from './support/delivery.js';
import { until } from './support/poll.js';
import { freePort } from './support/services.js';
import { prewarmTiers } from '../src/modules/delivery/index.js';

/**
 * Takedowns reach every cache tier: a shield and two edges hold a public video's media; making it
 * private, or deleting it, purges every URL from every tier through the queue.
 */
describe('purging media from, and pre-warming, the edges and the shield', () => {
  let app: TestApp;
  let shield: Edge;
  let edges: Edge[];
  before(async () => {
    // The tiers need the origin's address and the api needs theirs: the origin's port is chosen
    // first, the tiers start in front of it, then the api binds it (another process could take
    // the port meanwhile: then start-up fails loudly, it never passes wrongly).
    const port = await freePort();
    shield = await startTier({ role: 'shield', origins: [`127.0.0.1:${port}`] });
    edges = await Promise.all([1, 2].map(() => startTier({ role: 'edge', origins: [shield.host] })));
    app = await startTestApp({ env: { PORT: String(port), EDGE_PURGE_URLS: [shield, ...edges].map((t) => t.url).join(',') } });
  });
  after(async () => {
    await Promise.all([...(edges ?? []), shield].map((t) => t?.stop()));
    await app?.close();
  });

  /** Every media URL of a ready video, fetched through every edge until each edge holds it. */
  async function cacheEverywhere(prefix: string): Promise<string[]> {
    const master = await fetch(`${app.url}/${prefix}master.m3u8`).then((r) => r.text());
    const rung = master.split('\n').find((l) => l && !l.startsWith('#'))!;
    const dir = rung.replace(/index\.m3u8$/, '');
    const playlist = await fetch(`${app.url}/${prefix}${rung}`).then((r) => r.text());
    const segment = playlist.split('\n').find((l) => l.endsWith('.m4s'))!;
    const paths = [`/${prefix}master.m3u8`, `/${prefix}${rung}`, `/${prefix}${dir}init.mp4`, `/${prefix}${dir}${segment}`];
    for (const edge of edges) {
      for (const p of paths) {
        await fetch(`${edge.url}${p}`).then((r) => r.arrayBuffer());
        const again = await fetch(`${edge.url}${p}`);
        await again.arrayBuffer();
        assert.equal(again.headers.get('x-cache-status'), 'HIT', `${p} cached at ${edge.url}`);
      }
    }
    return paths;
  }

  /** Until every tier answers `status` for every path (from the origin's answer, not the old copy). */
  async function untilEveryTierAnswers(paths: string[], status: number) {
    await until(async () => {
      for (const tier of [shield, ...edges]) {
        for (const p of paths) {
          const r = await fetch(`${tier.url}${p}`);
          await r.arrayBuffer();
          if (r.status !== status) return false;
        }
      }
      return true;
    }, `every tier to answer ${status} for the purged media`, 120_000, 250);
  }

  test('a public video made private stops being served by every tier', async () => {
    const u = await signUp(app, 'purged');
    const { id, prefix } = await readyVideo(app, u.token, 'public');
    const paths = await cacheEverywhere(prefix);
    const patch = await app.api('PATCH', `/api/v1/videos/${id}`, { token: u.token, body: { visibility: 'private' } });
    assert.equal(patch.status, 200);
    await untilEveryTierAnswers(paths, 403);
    // The owner still plays it, through signed URLs that no tier stores.
    const play = await app.api('GET', `/api/v1/videos/${id}/play`, { token: u.token });
    const signed = new URL(play.body.hlsManifest, app.url).pathname;
    const viaEdge = await fetch(`${edges[0]!.url}${signed}`);
    assert.equal(viaEdge.status, 200);
    assert.match(await viaEdge.text(), /#EXTM3U/);
  });

  test('a deleted video stops being served by every tier', async () => {
    const u = await signUp(app, 'deleted');
    const { id, prefix } = await readyVideo(app, u.token, 'unlisted');
    const paths = await cacheEverywhere(prefix);
    const del = await app.api('DELETE', `/api/v1/videos/${id}`, { token: u.token });
    assert.equal(del.status, 204);
    await untilEveryTierAnswers(paths, 404);
  });

  test('a request whose purge header is not exactly 1 is served from the cache', async () => {
    const u = await signUp(app, 'notpurger');
    const { prefix } = await readyVideo(app, u.token, 'public');
    const [master] = await cacheEverywhere(prefix);
    // The tiers allow purges from 127.0.0.1 only when the header says exactly 1.
    const r = await fetch(`${edges[0]!.url}${master}`, { headers: { 'x-kinema-purge': 'yes' } });
    assert.equal(r.headers.get('x-cache-status'), 'HIT');
    await r.arrayBuffer();
  });

  test('pre-warming loads a listed video\'s start into every tier: its first viewers get HITs', async () => {
    const u = await signUp(app, 'trendy');
    const { prefix } = await readyVideo(app, u.token, 'public');
    const report = await prewarmTiers({ apiBase: app.url, tiers: [shield, ...edges].map((t) => t.url), budgetBytes: 50 * 1024 * 1024, videos: 50 });
    assert.ok(report.warmed > 0, JSON.stringify(report));
    const master = await fetch(`${app.url}/${prefix}master.m3u8`).then((r) => r.text());
    const rung = master.split('\n').find((l) => l && !l.startsWith('#'))!;
    const dir = rung.replace(/index\.m3u8$/, '');
    const playlist = await fetch(`${app.url}/${prefix}${rung}`).then((r) => r.text());
    const segment = playlist.split('\n').find((l) => l.endsWith('.m4s'))!;
    for (const edge of edges) {
      for (const p of ['master.m3u8', rung, `${dir}init.mp4`, `${dir}${segment}`]) {
        const r = await fetch(`${edge.url}/${prefix}${p}`);
        await r.arrayBuffer();
        assert.equal(r.headers.get('x-cache-status'), 'HIT', `${p} at ${edge.url}`);
      }
    }
    // A second run finds everything warm and fetches nothing new.
    const again = await prewarmTiers({ apiBase: app.url, tiers: [shield, ...edges].map((t) => t.url), budgetBytes: 50 * 1024 * 1024, videos: 50 });
    assert.equal(again.warmed, 0, JSON.stringify(again));
  });
});
