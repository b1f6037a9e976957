import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, signUp } from './support/app.js';
import { tempDir } from './support/services.js';
import { tusUpload } from './support/tus.js';
import { makeClip } from './fixtures/media.js';
import { until } from './support/poll.js';

const CLIP_SEC = 16;

const metric = (page: string, line: string) => Number(new RegExp(`^${line.replace(/[{}"]/g, (c) => `\\${c}`)} (\\S+)$`, 'm').exec(page)?.[1]);

test('/metrics shows the worker busy while it encodes, the encode speed once the video is ready, and the transcode queue depth', async () => {
  const app = await startTestApp({ roles: { api: true, worker: true } });
  try {
    const scrape = () => fetch(`${app.metricsUrl}/metrics`).then((r) => r.text());
    const idle = await scrape();
    assert.equal(metric(idle, 'kinema_worker_slots'), 1);
    assert.equal(metric(idle, 'kinema_worker_busy_ratio'), 0);
    assert.equal(metric(idle, 'kinema_queue_waiting_jobs{queue="transcode"}'), 0);
    assert.equal(metric(idle, 'kinema_transcode_media_seconds_total'), 0);

    // Long enough that the encode outlasts many scrapes (100 ms apart) even on an idle machine.
    const clip = await makeClip(await tempDir('kinema-worker-metrics-'), { width: 640, height: 360, durationSec: CLIP_SEC });
    const u = await signUp(app, 'metered');
    const { id } = (await app.api('POST', '/api/v1/videos', { token: u.token, body: { title: 'metered', visibility: 'public' } })).body;
    await tusUpload(clip, { endpoint: `${app.url}/api/v1/uploads`, token: u.token, videoId: id });
    // While its one slot encodes, the worker is fully busy and the job counts as running.
    await until(async () => (await app.api('GET', `/api/v1/videos/${id}`, { token: u.token })).body.status === 'processing', 'the encode to start');
    const busy = await until(async () => {
      const page = await scrape();
      return metric(page, 'kinema_worker_busy_ratio') === 1 && page;
    }, 'the worker to show busy while it encodes');
    await until(async () => (await app.api('GET', `/api/v1/videos/${id}`, { token: u.token })).body.status === 'ready', 'the video to be ready');
    const after = await until(async () => {
      const page = await scrape();
      return metric(page, 'kinema_transcode_media_seconds_total') > 0 && page;
    }, 'the encode to be counted');
    const mediaSec = metric(after, 'kinema_transcode_media_seconds_total');
    assert.ok(Math.abs(mediaSec - CLIP_SEC) < 0.5, `media seconds ${mediaSec}`);
    const encodeSec = metric(after, 'kinema_transcode_encode_seconds_total');
    assert.ok(encodeSec > 0);
    assert.equal(metric(after, 'kinema_transcode_encode_seconds_per_media_second_count'), 1);
    assert.equal(metric(after, 'kinema_transcode_encode_seconds_per_media_second_sum').toFixed(6), (encodeSec / mediaSec).toFixed(6));
    assert.equal(metric(busy, 'kinema_worker_busy_slots'), 1);
    await until(async () => metric(await scrape(), 'kinema_worker_busy_ratio') === 0, 'the worker to be idle again');
  } finally {
    await app.close();
  }
});
