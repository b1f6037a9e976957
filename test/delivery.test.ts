import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { ENGINES } from './support/databases.js';
import { startTestApp, signUp, type TestApp } from './support/app.js';
import { mediaSigningSecret } from '../src/services.js';
import { signMediaToken } from '../src/modules/delivery/index.js';
import { createVideo,  lifecycleOf, playlistUris, publishLadder, readyVideo, startProcessing, testLadder } from './support/delivery.js';
import { until } from './support/poll.js';

const MIME: Record<string, string> = {
  m3u8: 'application/vnd.apple.mpegurl', mp4: 'video/mp4', m4s: 'video/iso.segment', jpg: 'image/jpeg', vtt: 'text/vtt',
};
// Media URLs point at MEDIA_BASE_URL (an edge/CDN in production); the tests stand in for that
// edge by sending the same paths to the app's own origin.
const CDN = 'https://cdn.kinema.test';
const local = (app: TestApp, url: string) => url.replace(CDN, app.url);
const mimeOf = (url: string) => MIME[new URL(url).pathname.split('.').pop()!];

/** Fetches a URL, checks 200 + MIME, returns the text (or '' for binary). */
async function fetchMedia(url: string): Promise<{ res: Response; text: string }> {
  const res = await fetch(url);
  assert.equal(res.status, 200, url);
  assert.equal(res.headers.get('content-type'), mimeOf(url), url);
  const isText = /\.(m3u8|vtt)$/.test(new URL(url).pathname);
  return { res, text: isText ? await res.text() : (await res.arrayBuffer(), '') };
}

/** Follows a master playlist down to every init and media segment (and a VTT to its sprite). */
async function walkPlaylists(masterUrl: string): Promise<string[]> {
  const seen: string[] = [];
  const visit = async (url: string) => {
    seen.push(url);
    const { text } = await fetchMedia(url);
    if (url.endsWith('.m3u8') || url.endsWith('.vtt')) {
      const uris = url.endsWith('.vtt') ? [...new Set([...text.matchAll(/^(\S+?)#xywh=/gm)].map((m) => m[1]!))] : playlistUris(text);
      for (const uri of uris) await visit(new URL(uri, url).href);
    }
  };
  await visit(masterUrl);
  return seen;
}

for (const engine of ENGINES) {
  describe(`play API on ${engine}`, () => {
    let app: TestApp;
    before(async () => {
      [app] = await Promise.all([startTestApp({ engine, env: { MEDIA_BASE_URL: CDN } }), testLadder()]);
    });
    after(() => app.close());

    test('unknown ids and other people\'s private videos are 404 without revealing anything', async () => {
      const owner = await signUp(app, 'owner');
      const other = await signUp(app, 'other');
      const hidden = await readyVideo(app, owner.token, 'private');
      for (const [path, token] of [['/api/v1/videos/AAAAAAAAAAA/play', undefined], [`/api/v1/videos/${hidden.id}/play`, undefined], [`/api/v1/videos/${hidden.id}/play`, other.token]] as const) {
        const r = await app.api('GET', path, { token });
        assert.equal(r.status, 404, path);
        assert.equal(r.body.error.code, 'VIDEO_NOT_FOUND');
      }
      assert.equal((await app.api('GET', '/api/v1/videos/not-an-id/play')).status, 400);
    });

    test('202 with status and progress to the owner until the video is ready; 404 to anyone else', async () => {
      const owner = await signUp(app, 'waiter');
      const other = await signUp(app, 'passerby');
      const id = await createVideo(app, owner.token, 'public');
      const waiting = await app.api('GET', `/api/v1/videos/${id}/play`, { token: owner.token });
      assert.equal(waiting.status, 202);
      assert.deepEqual(waiting.body, { status: 'awaiting_upload', progress: 0 });
      assert.ok(Number(waiting.headers.get('retry-after')) > 0);
      const jobId = await startProcessing(app, id);
      await lifecycleOf(app).heartbeat(id, jobId, 42.5);
      assert.deepEqual((await app.api('GET', `/api/v1/videos/${id}/play`, { token: owner.token })).body, { status: 'processing', progress: 42.5 });
      // A video that is not ready does not exist for anyone but its owner and admins (issue 9).
      for (const token of [undefined, other.token]) {
        const hidden = await app.api('GET', `/api/v1/videos/${id}/play`, { token });
        assert.equal(hidden.status, 404);
        assert.equal(hidden.body.error.code, 'VIDEO_NOT_FOUND');
      }
      await publishLadder(app, id, jobId);
      assert.equal((await app.api('GET', `/api/v1/videos/${id}/play`)).status, 200);
    });

    test('422 VIDEO_FAILED with the failure reason for a failed video, to its owner only', async () => {
      const owner = await signUp(app, 'failer');
      const other = await signUp(app, 'onlooker');
      const id = await createVideo(app, owner.token, 'public');
      await startProcessing(app, id);
      await lifecycleOf(app).markFailed(id, 'This file has no video track.');
      for (const token of [undefined, other.token]) {
        const hidden = await app.api('GET', `/api/v1/videos/${id}/play`, { token });
        assert.equal(hidden.status, 404);
        assert.equal(hidden.body.error.code, 'VIDEO_NOT_FOUND');
        assert.doesNotMatch(JSON.stringify(hidden.body), /no video track|failureReason/);
      }
      const r = await app.api('GET', `/api/v1/videos/${id}/play`, { token: owner.token });
      assert.equal(r.status, 422);
      assert.equal(r.body.status, 'failed');
      assert.equal(r.body.failureReason, 'This file has no video track.');
      assert.equal(r.body.error.code, 'VIDEO_FAILED');
      assert.match(r.body.error.message, /no video track/);
    });

    test('200 answer for a ready public video: shape, headers, and every URL plays through the origin', async () => {
      const owner = await signUp(app, 'pub');
      const v = await readyVideo(app, owner.token, 'public');
      const r = await app.api('GET', `/api/v1/videos/${v.id}/play`);
      assert.equal(r.status, 200);
      const { out } = await testLadder();
      assert.deepEqual(r.body, {
        videoId: v.id,
        title: r.body.title,
        description: '',
        duration: out.durationSec,
        hlsManifest: `${CDN}/media/${v.id}/${v.version}/master.m3u8`,
        renditions: out.renditions.map((x) => ({ label: x.label, width: x.width, height: x.height, bandwidth: x.bandwidthBps, url: `${CDN}/media/${v.id}/${v.version}/${x.playlist}` })),
        audioUrl: `${CDN}/media/${v.id}/${v.version}/audio/index.m3u8`,
        recommendedRendition: '90p',
        posterUrl: `${CDN}/media/${v.id}/${v.version}/thumbs/poster.jpg`,
        storyboardUrl: `${CDN}/media/${v.id}/${v.version}/thumbs/storyboard.vtt`,
        expiresAt: null,
        resumeAtSec: null,
        processing: false,
      });
      assert.equal(r.headers.get('accept-ch'), 'Downlink, ECT, Save-Data');
      assert.equal(r.headers.get('cache-control'), 'no-store');
      assert.match(r.headers.get('vary') ?? '', /Save-Data/);
      for (const url of [r.body.hlsManifest, r.body.posterUrl, r.body.storyboardUrl, ...r.body.renditions.map((x: { url: string }) => x.url)]) await fetchMedia(local(app, url));
      const walked = await walkPlaylists(local(app, r.body.hlsManifest));
      for (const file of ['90p/index.m3u8', '90p/init.mp4', '90p/seg_00001.m4s', 'audio/index.m3u8', 'audio/init.mp4']) {
        assert.ok(walked.some((u) => u.endsWith(`/${v.version}/${file}`)), `master chain reaches ${file}`);
      }
      assert.ok((await walkPlaylists(local(app, r.body.storyboardUrl))).some((u) => u.endsWith('thumbs/storyboard.jpg')));
    });

    test('edits and re-publishes show up in /play at once despite the metadata cache', async () => {
      const owner = await signUp(app, 'editor');
      const v = await readyVideo(app, owner.token, 'public');
      assert.equal((await app.api('GET', `/api/v1/videos/${v.id}/play`)).body.title.startsWith('clip'), true);
      await app.api('PATCH', `/api/v1/videos/${v.id}`, { token: owner.token, body: { title: 'Renamed', description: 'new words' } });
      const renamed = await app.api('GET', `/api/v1/videos/${v.id}/play`);
      assert.equal(renamed.body.title, 'Renamed');
      assert.equal(renamed.body.description, 'new words');
      const next = await publishLadder(app, v.id);
      const replayed = await app.api('GET', `/api/v1/videos/${v.id}/play`);
      assert.match(replayed.body.hlsManifest, new RegExp(`/${next.version}/master\\.m3u8$`));
      // Viewers in the middle of the old version keep playing it for a grace period.
      assert.equal((await fetch(`${app.url}/media/${v.id}/${v.version}/master.m3u8`)).status, 200);
      await app.api('PATCH', `/api/v1/videos/${v.id}`, { token: owner.token, body: { visibility: 'private' } });
      assert.equal((await app.api('GET', `/api/v1/videos/${v.id}/play`)).status, 404, 'made private: hidden from others at once');
    });

    test('a play records a video_play event in the background and counts no view (views come from watch beacons)', async () => {
      const owner = await signUp(app, 'counted');
      const v = await readyVideo(app, owner.token, 'public');
      assert.equal((await app.api('GET', `/api/v1/videos/${v.id}/play`, { token: owner.token })).status, 200);
      assert.equal((await app.api('GET', `/api/v1/videos/${v.id}/play?bandwidth=100000`)).status, 200);
      const db = app.platform.database.db;
      const events = await until(async () => {
        const rows = await db.selectFrom('events').selectAll().where('videoId', '=', v.id).orderBy('id').execute();
        return rows.length === 2 && rows;
      }, 'two video_play events');
      assert.deepEqual(events.map((e) => [e.type, e.userId]), [['video_play', owner.userId], ['video_play', null]]);
      assert.equal(events[0]!.props.recommendedRendition, '90p');
      assert.ok(events[0]!.occurredAt instanceof Date);
      const row = await db.selectFrom('videos').select(sql<string>`view_count::text`.as('views')).where('videoId', '=', v.id).executeTakeFirstOrThrow();
      assert.equal(row.views, '0');
    });

    test('private videos: the owner gets signed URLs that work through the whole chain; nobody else gets in', async () => {
      const owner = await signUp(app, 'private');
      const v = await readyVideo(app, owner.token, 'private');
      const r = await app.api('GET', `/api/v1/videos/${v.id}/play`, { token: owner.token });
      assert.equal(r.status, 200);
      assert.match(r.body.hlsManifest, new RegExp(`/media/s/\\d+\\.[A-Za-z0-9_-]{43}/${v.id}/${v.version}/master\\.m3u8$`));
      const expiresInSec = (Date.parse(r.body.expiresAt) - Date.now()) / 1000;
      assert.ok(expiresInSec > 5 * 3600 && expiresInSec <= 6 * 3600 + 300, `token lifetime ${expiresInSec}s`);
      const walked = await walkPlaylists(local(app, r.body.hlsManifest));
      assert.ok(walked.length >= 7 && walked.every((u) => u.includes('/media/s/')), 'relative URLs keep the token');
      const segment = await fetch(local(app, walked.find((u) => u.endsWith('.m4s'))!));
      assert.match(segment.headers.get('cache-control') ?? '', /^private, max-age=\d+$/);
      assert.ok(Number(/max-age=(\d+)/.exec(segment.headers.get('cache-control')!)![1]) <= 6 * 3600);
      await walkPlaylists(local(app, r.body.storyboardUrl));
      await fetchMedia(local(app, r.body.posterUrl));

      const other = await signUp(app, 'snoop');
      assert.equal((await app.api('GET', `/api/v1/videos/${v.id}/play`, { token: other.token })).status, 404);
      const plain = await fetch(`${app.url}/media/${v.id}/${v.version}/master.m3u8`);
      assert.equal(plain.status, 403);
      assert.equal((await plain.json()).error.code, 'MEDIA_TOKEN_REQUIRED');
      const token = /\/media\/s\/([^/]+)\//.exec(r.body.hlsManifest)![1]!;
      const [exp, sig] = token.split('.') as [string, string];
      const forged = [`${Number(exp) + 3600}.${sig}`, `${exp}.${sig.slice(0, -2)}${sig.endsWith('AA') ? 'BB' : 'AA'}`];
      for (const t of forged) {
        const res = await fetch(`${app.url}/media/s/${t}/${v.id}/${v.version}/master.m3u8`);
        assert.equal(res.status, 403, t);
        assert.equal((await res.json()).error.code, 'MEDIA_TOKEN_INVALID');
      }
      // Another video's token does not open this one.
      const mine = await readyVideo(app, other.token, 'private');
      const theirs = await app.api('GET', `/api/v1/videos/${mine.id}/play`, { token: other.token });
      const otherToken = /\/media\/s\/([^/]+)\//.exec(theirs.body.hlsManifest)![1]!;
      assert.equal((await fetch(`${app.url}/media/s/${otherToken}/${v.id}/${v.version}/master.m3u8`)).status, 403);
      const expired = signMediaToken(mediaSigningSecret(app.platform.config), `media/${v.id}/${v.version}/`, Math.floor(Date.now() / 1000) - 1);
      const late = await fetch(`${app.url}/media/s/${expired}/${v.id}/${v.version}/master.m3u8`);
      assert.equal(late.status, 403);
      assert.equal((await late.json()).error.code, 'MEDIA_TOKEN_EXPIRED');
    });

    test('the catalog shows posters: a plain URL for public videos, a signed one for the owner of a private one', async () => {
      const owner = await signUp(app, 'poster');
      const pub = await readyVideo(app, owner.token, 'public');
      const priv = await readyVideo(app, owner.token, 'private');
      const pubJson = (await app.api('GET', `/api/v1/videos/${pub.id}`)).body;
      assert.equal(pubJson.posterUrl, `${CDN}/media/${pub.id}/${pub.version}/thumbs/poster.jpg`);
      const mine = (await app.api('GET', '/api/v1/videos?owner=me', { token: owner.token })).body.items;
      const privPoster = mine.find((x: { id: string }) => x.id === priv.id).posterUrl;
      assert.match(privPoster, /\/media\/s\/\d+\.[\w-]{43}\//);
      for (const u of [pubJson.posterUrl, privPoster]) await fetchMedia(local(app, u));
    });
  });
}
