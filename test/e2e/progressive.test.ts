import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Browser, Page } from 'playwright-core';
import { makeClip } from '../fixtures/media.js';
import { signUp, type TestApp } from '../support/app.js';
import { tempDir } from '../support/services.js';
import { tusUpload } from '../support/tus.js';
import { encodeUntil, findEncoder, signalProcess } from '../support/encoder.js';
import { launchChromium } from './browser.js';
import { startWebKinema, until } from './kinema.js';

/**
 * Watchable while it transcodes, in a real Chromium against a real Kinema (api + worker, PGlite,
 * local disk, real ffmpeg): an anonymous viewer opens a public video while its ladder is still
 * being encoded, sees "still processing", plays from the beginning what is published, and then
 * plays on to its end once the encode finishes.
 *
 * To hold the "still encoding" state on any machine, fast or loaded, the test pauses the worker's
 * ffmpeg (SIGSTOP, a child of this process) once the video is playable and resumes it (SIGCONT)
 * after the browser has played: the pipeline itself is untouched, it just sees a slow encoder.
 */

const UI_TIMEOUT_MS = 120_000;
const PROCESSING_TIMEOUT_MS = 300_000;
const CLIP_SEC = 20;

describe('a video is watchable while its ladder is still being encoded', () => {
  let app: TestApp;
  let browser: Browser;
  let encoderPid: number | undefined;

  before(async () => {
    [app, browser] = await Promise.all([startWebKinema(), launchChromium()]);
  });
  after(async () => {
    // A paused encoder would hold the app's shutdown for its whole grace period.
    if (encoderPid) signalProcess(encoderPid, 'SIGCONT');
    await browser?.close();
    await app?.close();
  });

  test('an anonymous viewer plays it from the start during the encode, then to its end', async () => {
    const owner = await signUp(app, 'progressive');
    const clip = await makeClip(await tempDir('kinema-progressive-'), { width: 320, height: 180, durationSec: CLIP_SEC });
    const created = await app.api('POST', '/api/v1/videos', { token: owner.token, body: { title: 'Still encoding', visibility: 'public' } });
    const id: string = created.body.id;
    await tusUpload(clip, { endpoint: `${app.url}/api/v1/uploads`, token: owner.token, videoId: id });

    // Catch the encoder as it starts and pause it; then let it run in short bursts until the
    // video is playable (its first segments published), and keep it paused there.
    encoderPid = await until(() => findEncoder(id), 'the worker to start encoding', PROCESSING_TIMEOUT_MS, 10);
    signalProcess(encoderPid, 'SIGSTOP');
    const play = await encodeUntil(encoderPid, async () => {
      const r = await app.api('GET', `/api/v1/videos/${id}/play`);
      return r.status === 200 && r.body;
    }, { timeoutMs: PROCESSING_TIMEOUT_MS });
    assert.equal(play.processing, true);
    assert.equal(play.posterUrl, null);
    const video = (await app.api('GET', `/api/v1/videos/${id}`)).body;
    assert.equal(video.status, 'processing');
    assert.equal(video.isPlayable, true);

    // What a viewer's player gets now: a growing EVENT playlist, cached for a second at most.
    const playlist = await fetch(new URL(play.renditions[0].url, app.url));
    const text = await playlist.text();
    assert.match(text, /#EXT-X-PLAYLIST-TYPE:EVENT/);
    assert.match(text, /#EXT-X-START:TIME-OFFSET=0/);
    assert.doesNotMatch(text, /#EXT-X-ENDLIST/);
    assert.equal(playlist.headers.get('cache-control'), 'public, max-age=1');
    const listedSec = [...text.matchAll(/#EXTINF:([\d.]+)/g)].reduce((sum, m) => sum + Number(m[1]), 0);
    assert.ok(listedSec < CLIP_SEC - 2, `only part of the video is published while encoding (${listedSec} s listed)`);

    const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, baseURL: app.url });
    context.setDefaultTimeout(UI_TIMEOUT_MS);
    const page: Page = await context.newPage();
    const failedMedia: string[] = [];
    const errors: string[] = [];
    page.on('response', (r) => void (r.url().includes('/media/') && r.status() >= 400 && failedMedia.push(`${r.status()} ${r.url()}`)));
    page.on('pageerror', (err) => errors.push(err.message));
    await page.goto(`/watch/${id}`);
    await page.getByTestId('still-processing').waitFor();
    assert.match((await page.getByTestId('still-processing').textContent()) ?? '', /Still processing/);
    // Playing from the beginning, not from the live edge.
    await page.waitForFunction(() => {
      const v = document.querySelector('video');
      return !!v && v.currentTime > 0.5;
    }, undefined, { timeout: UI_TIMEOUT_MS });
    const startedAt = await page.evaluate(() => document.querySelector('video')!.played.start(0));
    assert.ok(startedAt < 0.5, `playback started at ${startedAt} s, not at the beginning`);
    // The encode is still paused: the browser played a version that is not complete.
    assert.equal((await app.api('GET', `/api/v1/videos/${id}`)).body.status, 'processing');
    await page.screenshot({ path: join(tmpdir(), 'kinema-still-processing.png') });

    // Let the encoder finish: the player follows the playlist to EXT-X-ENDLIST and the end.
    signalProcess(encoderPid, 'SIGCONT');
    await page.waitForFunction(() => document.querySelector('video')?.ended === true, undefined, { timeout: PROCESSING_TIMEOUT_MS });
    const end = await page.evaluate(() => ({ at: document.querySelector('video')!.currentTime }));
    assert.ok(end.at > CLIP_SEC - 1, `played to ${end.at} s of ${CLIP_SEC}`);
    await until(async () => (await page.getByTestId('still-processing').count()) === 0, 'the notice to go once the playlist ended', UI_TIMEOUT_MS);

    const ready = await until(async () => {
      const v = (await app.api('GET', `/api/v1/videos/${id}`)).body;
      return v.status === 'ready' && v;
    }, 'the video to be ready', PROCESSING_TIMEOUT_MS);
    assert.equal(ready.isPlayable, true);
    const final = (await app.api('GET', `/api/v1/videos/${id}/play`)).body;
    assert.equal(final.processing, false);
    // The same version, now complete: VOD, immutable.
    assert.equal(final.hlsManifest, play.hlsManifest);
    const vod = await fetch(new URL(final.renditions[0].url, app.url));
    assert.match(await vod.text(), /#EXT-X-PLAYLIST-TYPE:VOD[\s\S]*#EXT-X-ENDLIST/);
    assert.match(vod.headers.get('cache-control') ?? '', /immutable/);

    assert.deepEqual(failedMedia, [], 'no media request failed: every listed segment was complete in the store');
    assert.deepEqual(errors, []);
    await context.close();
  });

  test('the creator\'s upload page links to the video as soon as it is watchable', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, baseURL: app.url });
    context.setDefaultTimeout(UI_TIMEOUT_MS);
    const page = await context.newPage();
    let pid: number | undefined;
    try {
      const username = `creator_${randomBytes(3).toString('hex')}`;
      await page.goto('/signup');
      await page.getByLabel('Username').fill(username);
      await page.getByLabel('Email').fill(`${username}@example.test`);
      await page.getByLabel('Password').fill('correct horse battery staple');
      await page.getByRole('button', { name: 'Sign up' }).click();
      await page.locator('.nav-username', { hasText: username }).waitFor();
      await page.goto('/upload');
      const clip = await makeClip(await tempDir('kinema-progressive-page-'), { width: 320, height: 180, durationSec: CLIP_SEC, name: 'long-take.mp4' });
      await page.locator('#upload-file').setInputFiles(clip);
      await page.getByRole('button', { name: 'Upload', exact: true }).click();
      // The creator's newest video, through the page's own session (created before its upload).
      const id: string = await until(() => page.evaluate(async () => (await (await fetch('/api/v1/videos?owner=me')).json()).items[0]?.id as string | undefined), 'the video to exist', UI_TIMEOUT_MS, 20);
      // Hold the encode once the video is playable, so the page is seen while it still processes.
      pid = await until(() => findEncoder(id), 'the worker to start encoding', PROCESSING_TIMEOUT_MS, 10);
      signalProcess(pid, 'SIGSTOP');
      await encodeUntil(pid, async () => (await app.api('GET', `/api/v1/videos/${id}/play`)).status === 200, { timeoutMs: PROCESSING_TIMEOUT_MS });
      await page.getByTestId('processing-status').waitFor();
      const line = page.getByTestId('watchable-while-processing');
      await line.waitFor();
      assert.match((await line.textContent()) ?? '', /already be watched/);
      assert.equal(await line.locator('a').getAttribute('href'), `/watch/${id}`);
      await page.screenshot({ path: join(tmpdir(), 'kinema-upload-watchable.png') });
    } finally {
      if (pid) signalProcess(pid, 'SIGCONT');
      await context.close();
    }
  });
});
