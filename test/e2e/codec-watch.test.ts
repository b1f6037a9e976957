import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import type { Browser, Page } from 'playwright-core';
import { makeClip } from '../fixtures/media.js';
import { signUp, type TestApp } from '../support/app.js';
import { tempDir } from '../support/services.js';
import { tusUpload } from '../support/tus.js';
import { launchChromium } from './browser.js';
import { startWebKinema, until } from './kinema.js';

/**
 * The web app's watch page in Chromium against a Kinema whose worker encodes LADDER_CODECS=h264,av1:
 * the master lists AV1 twins beside the H.264 rungs, and the page still starts, plays and offers
 * each rung once in its quality menu. (The web app's fast start buffers the H.264 rung, and hls.js
 * keeps to the codec it starts with: the web app plays H.264; the AV1 twins are for players that
 * pick by codec, test/e2e/codec-players.test.ts.)
 */

const PROCESSING_TIMEOUT_MS = 300_000;
const UI_TIMEOUT_MS = 120_000;
const hasSvtAv1 = /^\s*V\S*\s+libsvtav1\s/m.test(spawnSync('ffmpeg', ['-hide_banner', '-encoders'], { encoding: 'utf8' }).stdout ?? '');

describe('the watch page with an H.264 + AV1 ladder', { skip: !hasSvtAv1 && 'this ffmpeg has no libsvtav1' }, () => {
  let app: TestApp;
  let browser: Browser;

  before(async () => {
    [app, browser] = await Promise.all([startWebKinema({ env: { LADDER_CODECS: 'h264,av1' } }), launchChromium()]);
  });
  after(async () => {
    await browser?.close();
    await app?.close();
  });

  test('plays from the start, lists each rung once, and fetches the master with the AV1 variants', async () => {
    const owner = await signUp(app, 'codecs');
    const clip = await makeClip(await tempDir('kinema-codec-watch-'), { width: 640, height: 360, durationSec: 8, name: 'codecs.mp4' });
    const created = await app.api('POST', '/api/v1/videos', { token: owner.token, body: { title: 'Two codecs', description: '', visibility: 'public' } });
    assert.equal(created.status, 201);
    const videoId = created.body.id as string;
    await tusUpload(clip, { endpoint: `${app.url}/api/v1/uploads`, token: owner.token, videoId });
    await until(async () => {
      const v = (await app.api('GET', `/api/v1/videos/${videoId}`, { token: owner.token })).body;
      if (v.status === 'failed') throw new Error(`processing failed: ${v.failureReason}`);
      return v.status === 'ready';
    }, 'the video to be processed', PROCESSING_TIMEOUT_MS);

    // The play API keeps listing the H.264 ladder; the master adds the AV1 twins.
    const play = (await app.api('GET', `/api/v1/videos/${videoId}/play`)).body;
    assert.deepEqual(play.renditions.map((r: { label: string }) => r.label), ['360p', '240p', '144p']);
    const master = await (await fetch(new URL(play.hlsManifest, app.url))).text();
    assert.match(master, /CODECS="av01\.0\.\d\dM\.08,mp4a\.40\.2",RESOLUTION=640x360/);
    assert.match(master, /CODECS="av01\.0\.\d\dM\.08,mp4a\.40\.2",RESOLUTION=426x240/);

    const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, baseURL: app.url });
    context.setDefaultTimeout(UI_TIMEOUT_MS);
    const page: Page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (err) => errors.push(err.message));
    const segments: string[] = [];
    page.on('request', (r) => void (/\/seg_\d+\.m4s/.test(r.url()) && segments.push(r.url())));
    await page.goto(`/watch/${videoId}`);
    await page.locator('video[data-first-frame]').waitFor({ state: 'attached' });
    await page.evaluate(() => document.querySelector('video')!.play().catch(() => undefined));
    await until(() => page.evaluate(() => document.querySelector('video')!.currentTime > 2), 'playback past 2 s', UI_TIMEOUT_MS);

    const quality = page.locator('.ctl-quality');
    await until(async () => /^Auto \(\d+p\)$/.test((await quality.textContent()) ?? ''), 'the quality button to show the playing rung', UI_TIMEOUT_MS);
    await page.evaluate(() => document.querySelector('video')!.pause());
    await quality.click();
    const items = (await page.getByRole('menuitemradio').allTextContents()).slice(1);
    assert.deepEqual(items, ['360p', '240p', '144p']);
    assert.ok(segments.length > 0 && segments.every((url) => !/-av1\//.test(url)), `segments fetched: ${segments.join(' ')}`);
    assert.deepEqual(errors, []);
    await context.close();
  });
});
