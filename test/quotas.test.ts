import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, signUp, type TestApp } from './support/app.js';
import { ENGINES } from './support/databases.js';
import { until } from './support/poll.js';

// Issue 9: one account could create unlimited videos and uploads and flood the transcode queue.
// Each limit is attacked the way a script would: a burst of concurrent requests, over real HTTP,
// on PGlite and on PostgreSQL. Exactly the limit must get through, never more.

const LIMITS = {
  QUOTA_UNFINISHED_UPLOADS: '4',
  QUOTA_VIDEOS_PER_DAY: '6',
  QUOTA_STORAGE_BYTES: '1000',
  QUOTA_UPLOAD_BYTES_PER_DAY: '1500',
  QUOTA_ACTIVE_JOBS: '3',
};

type User = Awaited<ReturnType<typeof signUp>>;

const countBy = (statuses: number[]) => statuses.reduce<Record<number, number>>((acc, s) => ({ ...acc, [s]: (acc[s] ?? 0) + 1 }), {});

for (const engine of ENGINES) {
  describe(`per-user quotas (${engine})`, () => {
    let app: TestApp;
    let admin: User;
    before(async () => {
      // api role only: finished uploads stay queued (`uploaded`), so they hold their job slot.
      app = await startTestApp({ engine, env: LIMITS });
      admin = await signUp(app, 'admin'); // the first account administers the instance
    });
    after(() => app.close());

    const createVideo = (u: User) => app.api('POST', '/api/v1/videos', { token: u.token, body: { title: 'quota test', visibility: 'public' } });
    const newVideo = async (u: User) => {
      const r = await createVideo(u);
      assert.equal(r.status, 201, JSON.stringify(r.body));
      return r.body.id as string;
    };
    const deleteVideo = async (u: User, id: string) => assert.equal((await app.api('DELETE', `/api/v1/videos/${id}`, { token: u.token })).status, 204);
    /** tus creation: the declared Upload-Length is all the server knows before a byte arrives. */
    const startUpload = (u: User, videoId: string, sizeBytes: number) =>
      fetch(`${app.url}/api/v1/uploads`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${u.token}`,
          'tus-resumable': '1.0.0',
          'upload-length': String(sizeBytes),
          'upload-metadata': `videoId ${Buffer.from(videoId).toString('base64')},filename ${Buffer.from('a.mp4').toString('base64')}`,
        },
      });
    const upload = async (u: User, videoId: string, sizeBytes: number) => {
      const created = await startUpload(u, videoId, sizeBytes);
      assert.equal(created.status, 201, await created.text());
      const patch = await fetch(new URL(created.headers.get('location')!, app.url), {
        method: 'PATCH',
        headers: { authorization: `Bearer ${u.token}`, 'tus-resumable': '1.0.0', 'upload-offset': '0', 'content-type': 'application/offset+octet-stream' },
        body: Buffer.alloc(sizeBytes, 7),
      });
      assert.equal(patch.status, 204, await patch.text());
    };
    const quotaReport = async (u: User) => {
      const r = await app.api('GET', '/api/v1/me/quota', { token: u.token });
      assert.equal(r.status, 200, JSON.stringify(r.body));
      return r.body;
    };

    test('a burst of 10 concurrent creations: exactly 4 unfinished uploads are allowed, then 429 saying which limit', async () => {
      const u = await signUp(app, 'burst');
      const results = await Promise.all(Array.from({ length: 10 }, () => createVideo(u)));
      assert.deepEqual(countBy(results.map((r) => r.status)), { 201: 4, 429: 6 });
      const refused = results.find((r) => r.status === 429)!;
      assert.equal(refused.body.error.code, 'QUOTA_EXCEEDED');
      assert.deepEqual(refused.body.error.details, { quota: 'unfinishedUploads', limit: 4, used: 4, resetsAt: null });
      assert.match(refused.body.error.message, /4 videos waiting for a file.*delete/);
      assert.equal(refused.headers.get('retry-after'), null, 'waiting does not help: no Retry-After');
      // Deleting a draft makes room for another.
      await deleteVideo(u, results.find((r) => r.status === 201)!.body.id);
      assert.equal((await createVideo(u)).status, 201);
    });

    test('videos per day: deleting does not give a creation back, a burst gets exactly the rest, and the refusal says when it resets', async () => {
      const u = await signUp(app, 'daily');
      for (let i = 0; i < 4; i++) await deleteVideo(u, await newVideo(u));
      const results = await Promise.all(Array.from({ length: 10 }, () => createVideo(u)));
      assert.deepEqual(countBy(results.map((r) => r.status)), { 201: 2, 429: 8 });
      const refused = results.find((r) => r.status === 429)!;
      const { details } = refused.body.error;
      assert.equal(details.quota, 'videosPerDay');
      assert.equal(details.limit, 6);
      assert.equal(details.used, 6);
      const resetsInSec = (Date.parse(details.resetsAt) - Date.now()) / 1000;
      assert.ok(resetsInSec > 0 && resetsInSec <= 24 * 3600, `resets at ${details.resetsAt}`);
      const retryAfter = Number(refused.headers.get('retry-after'));
      assert.ok(retryAfter > 0 && retryAfter <= 24 * 3600, `retry-after ${retryAfter}`);
      assert.match(refused.body.error.message, /6 videos in the last 24 hours.*You can create another in \d+ (minutes?|hours), at \d\d:\d\d UTC\./);
      const report = await quotaReport(u);
      assert.deepEqual({ ...report.quotas.videosPerDay, resetsAt: undefined }, { limit: 6, used: 6, resetsAt: undefined });
      assert.equal(report.quotas.videosPerDay.resetsAt, details.resetsAt, 'the report and the refusal name the same reset');
    });

    test('storage: concurrent upload starts declaring 400 bytes each against 1000 bytes: exactly 2 start, the rest get 413 before a byte is stored', async () => {
      const u = await signUp(app, 'storage');
      const ids = [await newVideo(u), await newVideo(u), await newVideo(u), await newVideo(u)];
      const results = await Promise.all(ids.map((id) => startUpload(u, id, 400)));
      assert.deepEqual(countBy(results.map((r) => r.status)), { 201: 2, 413: 2 });
      for (const [i, r] of results.entries()) {
        if (r.status !== 413) continue;
        const body = (await r.json()) as { error: { code: string; message: string; details: Record<string, unknown> } };
        assert.equal(body.error.code, 'QUOTA_EXCEEDED');
        assert.deepEqual(body.error.details, { quota: 'storageBytes', limit: 1000, used: 800, requested: 400, resetsAt: null });
        assert.match(body.error.message, /over your storage quota of 1000 bytes\. Delete videos/);
        // Nothing was staged for it: tus never saw the creation.
        const head = await fetch(`${app.url}/api/v1/uploads/${ids[i]}`, { method: 'HEAD', headers: { authorization: `Bearer ${u.token}`, 'tus-resumable': '1.0.0' } });
        assert.equal(head.status, 404);
      }
      assert.deepEqual((await quotaReport(u)).quotas.storageBytes, { limit: 1000, used: 800, resetsAt: null });
    });

    test('bytes per day: deleted uploads still count for 24 hours; the refusal is 413 with Retry-After', async () => {
      const u = await signUp(app, 'bytes');
      for (let i = 0; i < 2; i++) {
        const id = await newVideo(u);
        await upload(u, id, 600);
        await deleteVideo(u, id);
      }
      const id = await newVideo(u);
      const refused = await startUpload(u, id, 600);
      assert.equal(refused.status, 413);
      const body = (await refused.json()) as { error: { code: string; message: string; details: Record<string, unknown> } };
      assert.equal(body.error.code, 'QUOTA_EXCEEDED');
      assert.equal(body.error.details.quota, 'uploadBytesPerDay');
      assert.equal(body.error.details.used, 1200);
      assert.equal(body.error.details.requested, 600);
      assert.ok(Date.parse(body.error.details.resetsAt as string) > Date.now());
      assert.ok(Number(refused.headers.get('retry-after')) > 0);
      assert.match(body.error.message, /over the daily limit of 1.5 KiB\. You can upload it in \d+/);
      // A smaller file still fits today.
      assert.equal((await startUpload(u, id, 300)).status, 201);
      const report = await quotaReport(u);
      assert.equal(report.quotas.uploadBytesPerDay.used, 1500);
      assert.equal(report.quotas.storageBytes.used, 300, 'deleted videos no longer take storage; the started upload does');
    });

    test('active jobs: uploads in progress and videos waiting for a transcode count; the fourth upload start is refused', async () => {
      const u = await signUp(app, 'jobs');
      const ids = [await newVideo(u), await newVideo(u), await newVideo(u), await newVideo(u)];
      await upload(u, ids[0]!, 100);
      await upload(u, ids[1]!, 100);
      assert.equal((await startUpload(u, ids[2]!, 100)).status, 201, 'an upload in progress: the third job');
      const refused = await startUpload(u, ids[3]!, 100);
      assert.equal(refused.status, 429);
      const body = (await refused.json()) as { error: { details: Record<string, unknown>; message: string } };
      assert.deepEqual(body.error.details, { quota: 'activeJobs', limit: 3, used: 3, resetsAt: null });
      assert.match(body.error.message, /3 videos uploading or waiting to be processed/);
      // Starting the same upload again replaces its charge: it is not a fourth job.
      assert.equal((await startUpload(u, ids[2]!, 100)).status, 201);
      assert.deepEqual((await quotaReport(u)).quotas.activeJobs, { limit: 3, used: 3, resetsAt: null });
    });

    test('active jobs: processing a failed video again is refused while the queue holds the limit', async () => {
      const u = await signUp(app, 'retry');
      const failed = await newVideo(u);
      await upload(u, failed, 100);
      // Its original stored and its job queued; then it fails (as a worker would mark it).
      await until(async () => (await app.platform.database.sql.query("SELECT 1 FROM pgboss.job WHERE name = 'transcode' AND data->>'videoId' = $1", [failed])).rows.length > 0, 'the transcode job');
      await app.platform.database.sql.query("UPDATE videos SET status = 'failed', failure_reason = 'test' WHERE video_id = $1", [failed]);
      await app.platform.cache.del(`video:${failed}`);
      const others = [await newVideo(u), await newVideo(u), await newVideo(u)];
      for (const id of others) await upload(u, id, 100);
      const refused = await app.api('POST', `/api/v1/videos/${failed}/reprocess`, { token: u.token });
      assert.equal(refused.status, 429);
      assert.deepEqual(refused.body.error.details, { quota: 'activeJobs', limit: 3, used: 3, resetsAt: null });
      assert.equal((await app.api('GET', `/api/v1/videos/${failed}`, { token: u.token })).body.status, 'failed', 'the refusal left it failed');
      await deleteVideo(u, others[0]!);
      assert.equal((await app.api('POST', `/api/v1/videos/${failed}/reprocess`, { token: u.token })).status, 202);
    });

    test('admins are exempt, and their report says so', async () => {
      const results = await Promise.all(Array.from({ length: 8 }, () => createVideo(admin)));
      assert.deepEqual(countBy(results.map((r) => r.status)), { 201: 8 });
      assert.equal((await startUpload(admin, results[0]!.body.id, 5000)).status, 201);
      const report = await quotaReport(admin);
      assert.equal(report.exempt, true);
      assert.equal(report.quotas.unfinishedUploads.used, 8);
      assert.equal(report.quotas.storageBytes.used, 5000);
    });

    test('the quota report needs a session', async () => {
      assert.equal((await app.api('GET', '/api/v1/me/quota')).status, 401);
    });
  });
}
