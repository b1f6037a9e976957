import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, signUp, type TestApp } from './support/app.js';
import { startS3Server, tempDir, type S3Server } from './support/services.js';
import { tusUpload } from './support/tus.js';
import { makeClip } from './fixtures/media.js';
import { until } from './support/poll.js';
import { encodeUntil, findEncoder, signalProcess } from './support/encoder.js';
import { startTier, type Edge } from './support/nginx.js';

/**
 * Watchable while it transcodes, on both engine sets (local disk + PGlite, an S3 server +
 * PostgreSQL): while ffmpeg encodes, every segment a growing playlist lists is already complete
 * in the object store, the playlists are short-lived for caches and segments immutable, and the
 * same version becomes the published one; an encode that dies after the video became playable
 * leaves nothing of it playable, and the retry publishes a new version from scratch. The encoder
 * is paused and resumed (test/support/encoder.ts) to hold each state on a loaded machine.
 */

const TIMEOUT_MS = 300_000;
const CLIP_SEC = 16;

interface EngineSet {
  name: string;
  start(): Promise<TestApp>;
}

const s3Servers: S3Server[] = [];
after(async () => {
  for (const s3 of s3Servers) await s3.stop();
});

const ENGINE_SETS: EngineSet[] = [
  { name: 'local disk + PGlite', start: () => startTestApp({ roles: { api: true, worker: true } }) },
  {
    name: 'S3 + PostgreSQL',
    async start() {
      const s3 = await startS3Server({ bucket: 'kinema-progressive' });
      s3Servers.push(s3);
      return startTestApp({
        engine: 'postgres',
        roles: { api: true, worker: true },
        env: {
          S3_ENDPOINT: s3.endpoint, S3_BUCKET: s3.bucket, S3_REGION: s3.region,
          S3_ACCESS_KEY_ID: s3.accessKeyId, S3_SECRET_ACCESS_KEY: s3.secretAccessKey, S3_FORCE_PATH_STYLE: 'true',
        },
      });
    },
  },
];

/** Uploads a clip and returns its id and the paused encoder's pid once the video is playable. */
async function uploadUntilPlayable(app: TestApp, token: string, visibility: 'public' | 'private') {
  // 360p: three rungs, enough work that the encoder is still running when it is looked for.
  const clip = await makeClip(await tempDir('kinema-progressive-'), { width: 640, height: 360, durationSec: CLIP_SEC });
  const created = await app.api('POST', '/api/v1/videos', { token, body: { title: 'growing', visibility } });
  const id: string = created.body.id;
  await tusUpload(clip, { endpoint: `${app.url}/api/v1/uploads`, token, videoId: id });
  const pid = await until(async () => {
    const found = await findEncoder(id);
    if (found) return found;
    // An encode that finished before it was seen would otherwise be a 5-minute wait for nothing.
    const { status } = (await app.api('GET', `/api/v1/videos/${id}`, { token })).body;
    if (status === 'ready' || status === 'failed') throw new Error(`the encode ended (${status}) before the test could pause it`);
    return undefined;
  }, 'the worker to start encoding', TIMEOUT_MS, 10);
  signalProcess(pid, 'SIGSTOP');
  const play = await encodeUntil(pid, async () => {
    const r = await app.api('GET', `/api/v1/videos/${id}/play`, { token });
    return r.status === 200 && r.body;
  }, { timeoutMs: TIMEOUT_MS });
  return { id, pid, play };
}

const fetchFrom = (app: TestApp, url: string) => fetch(new URL(url, app.url));

for (const engines of ENGINE_SETS) {
  describe(`publishing while encoding (${engines.name})`, () => {
    test('a growing playlist lists only segments complete in the store, and the same version is published', async () => {
      const app = await engines.start();
      let pid: number | undefined;
      try {
        const owner = await signUp(app, 'grow');
        const started = await uploadUntilPlayable(app, owner.token, 'public');
        pid = started.pid;
        const { id, play } = started;
        assert.equal(play.processing, true);
        assert.equal(play.posterUrl, null);
        assert.equal((await app.api('GET', `/api/v1/videos/${id}`)).body.status, 'processing');

        const master = await fetchFrom(app, play.hlsManifest);
        assert.equal(master.headers.get('cache-control'), 'public, max-age=1');
        assert.equal(master.headers.get('x-accel-expires'), '1');
        const masterText = await master.text();
        const playlists = [...play.renditions.map((r: { url: string }) => r.url), ...(play.audioUrl ? [play.audioUrl] : [])];
        assert.ok(masterText.includes('#EXT-X-STREAM-INF:'));
        let listed = 0;
        for (const url of playlists) {
          const res = await fetchFrom(app, url);
          assert.equal(res.headers.get('cache-control'), 'public, max-age=1');
          const text = await res.text();
          assert.match(text, /#EXT-X-PLAYLIST-TYPE:EVENT/);
          assert.doesNotMatch(text, /#EXT-X-ENDLIST/);
          const uris = ['init.mp4', ...text.split('\n').filter((l) => l && !l.startsWith('#'))];
          for (const uri of uris) {
            const seg = await fetchFrom(app, new URL(uri, new URL(url, app.url)).href);
            assert.equal(seg.status, 200, `${uri} of ${url} is in the store`);
            assert.match(seg.headers.get('cache-control') ?? '', /immutable/);
            const bytes = Buffer.from(await seg.arrayBuffer());
            assert.equal(bytes.length, Number(seg.headers.get('content-length')));
            // A whole fMP4 fragment: it starts with its box (styp/moof for segments, ftyp for init).
            assert.match(bytes.subarray(4, 8).toString('latin1'), /ftyp|styp|moof/);
          }
          listed += uris.length - 1;
        }
        assert.ok(listed > 0);

        signalProcess(pid, 'SIGCONT');
        const ready = await until(async () => {
          const v = (await app.api('GET', `/api/v1/videos/${id}`)).body;
          return (v.status === 'ready' || v.status === 'failed') && v;
        }, 'the ladder to be published', TIMEOUT_MS);
        assert.equal(ready.status, 'ready');
        const final = (await app.api('GET', `/api/v1/videos/${id}/play`)).body;
        assert.equal(final.processing, false);
        assert.equal(final.hlsManifest, play.hlsManifest, 'the growing version is the one published');
        const vod = await fetchFrom(app, final.renditions[0].url);
        assert.match(vod.headers.get('cache-control') ?? '', /immutable/);
        assert.equal(vod.headers.get('x-accel-expires'), null);
        const vodText = await vod.text();
        assert.match(vodText, /#EXT-X-PLAYLIST-TYPE:VOD/);
        assert.match(vodText, /#EXT-X-ENDLIST/);
        const sec = [...vodText.matchAll(/#EXTINF:([\d.]+)/g)].reduce((sum, m) => sum + Number(m[1]), 0);
        assert.ok(Math.abs(sec - CLIP_SEC) < 1, `the published playlist holds the whole video (${sec} s)`);
        assert.match(await (await fetchFrom(app, final.hlsManifest)).text(), /#EXT-X-I-FRAME-STREAM-INF:/);
      } finally {
        if (pid) signalProcess(pid, 'SIGCONT');
        await app.close();
      }
    });

    test('an encode that dies after the video became playable leaves nothing playable; the retry publishes a new version', async () => {
      const app = await engines.start();
      let pid: number | undefined;
      try {
        const owner = await signUp(app, 'dies');
        const started = await uploadUntilPlayable(app, owner.token, 'private');
        pid = started.pid;
        const { id, play } = started;
        // Private rules hold while it grows: signed URLs for its owner, nothing for anyone else.
        assert.equal(play.processing, true);
        assert.match(play.hlsManifest, /\/media\/s\//);
        assert.ok(play.expiresAt);
        assert.equal((await app.api('GET', `/api/v1/videos/${id}/play`)).status, 404);
        const signedMaster = await fetchFrom(app, play.hlsManifest);
        assert.equal(signedMaster.status, 200);
        assert.equal(signedMaster.headers.get('cache-control'), 'private, max-age=1');
        const unsigned = play.hlsManifest.replace(/\/media\/s\/[^/]+\//, '/media/');
        assert.equal((await fetchFrom(app, unsigned)).status, 403);

        // The encoder dies (a crash, an OOM kill): the attempt fails and the queue retries it.
        signalProcess(pid, 'SIGKILL');
        signalProcess(pid, 'SIGCONT');
        await until(async () => (await fetchFrom(app, play.hlsManifest)).status === 404, 'the half-encoded version to stop being served', TIMEOUT_MS);
        const during = await app.api('GET', `/api/v1/videos/${id}/play`, { token: owner.token });
        assert.ok(during.status === 202 || (during.status === 200 && during.body.hlsManifest !== play.hlsManifest), 'the dead attempt\'s version is not offered');

        const ready = await until(async () => {
          const v = (await app.api('GET', `/api/v1/videos/${id}`, { token: owner.token })).body;
          return (v.status === 'ready' || v.status === 'failed') && v;
        }, 'the retry to publish', TIMEOUT_MS);
        assert.equal(ready.status, 'ready');
        const final = (await app.api('GET', `/api/v1/videos/${id}/play`, { token: owner.token })).body;
        const versionOf = (url: string) => /\/media\/(?:s\/[^/]+\/)?[^/]+\/([^/]+)\//.exec(new URL(url, app.url).pathname)?.[1];
        assert.notEqual(versionOf(final.hlsManifest), versionOf(play.hlsManifest), 'the retry wrote a new version');
        assert.equal((await fetchFrom(app, final.hlsManifest)).status, 200);
        assert.equal((await fetchFrom(app, play.hlsManifest)).status, 404);
      } finally {
        if (pid) signalProcess(pid, 'SIGCONT');
        await app.close();
      }
    });
  });
}

describe('publishing while encoding, through an nginx shield and edge', () => {
  test('the tiers keep a growing playlist a second, follow it to its VOD form, and keep segments', async () => {
    const app = await startTestApp({ roles: { api: true, worker: true } });
    const tiers: Edge[] = [];
    let pid: number | undefined;
    try {
      tiers.push(await startTier({ role: 'shield', origins: [new URL(app.url).host] }));
      tiers.push(await startTier({ role: 'edge', origins: [tiers[0]!.host] }));
      const edge = tiers[1]!;
      const owner = await signUp(app, 'edged');
      const started = await uploadUntilPlayable(app, owner.token, 'public');
      pid = started.pid;
      const path = new URL(started.play.renditions[0].url, app.url).pathname;
      const viaEdge = async () => {
        const r = await fetch(`${edge.url}${path}`);
        return { text: await r.text(), cache: r.headers.get('x-cache-status'), cacheControl: r.headers.get('cache-control') };
      };
      const fromOrigin = async () => (await fetch(`${app.url}${path}`)).text();
      const first = await viaEdge();
      assert.equal(first.text, await fromOrigin());
      assert.equal(first.cacheControl, 'public, max-age=1');
      const segmentsOf = (text: string) => text.split('\n').filter((l) => l && !l.startsWith('#'));

      // More segments at the origin: the edge (behind the shield) follows within seconds, not a year.
      const hasGrown = (text: string) => segmentsOf(text).length > segmentsOf(first.text).length;
      await encodeUntil(pid, async () => hasGrown(await fromOrigin()), { timeoutMs: TIMEOUT_MS });
      await until(async () => hasGrown((await viaEdge()).text), 'the edge to serve the grown playlist', 60_000, 250);

      // A segment is stored like any media: the second request is a hit at the edge.
      const segment = new URL(segmentsOf(first.text)[0]!, `${edge.url}${path}`).href;
      await fetch(segment).then((r) => r.arrayBuffer());
      const again = await fetch(segment);
      await again.arrayBuffer();
      assert.equal(again.headers.get('x-cache-status'), 'HIT');

      // Once published, the same URL's VOD playlist reaches viewers through both tiers.
      signalProcess(pid, 'SIGCONT');
      await until(async () => (await app.api('GET', `/api/v1/videos/${started.id}`)).body.status === 'ready', 'the ladder to be published', TIMEOUT_MS);
      const vod = await until(async () => {
        const r = await viaEdge();
        return /#EXT-X-ENDLIST/.test(r.text) && r;
      }, 'the edge to serve the finished playlist', 60_000, 250);
      assert.match(vod.text, /#EXT-X-PLAYLIST-TYPE:VOD/);
      assert.match(vod.cacheControl ?? '', /immutable/);
    } finally {
      if (pid) signalProcess(pid, 'SIGCONT');
      for (const tier of tiers.reverse()) await tier.stop();
      await app.close();
    }
  });
});
