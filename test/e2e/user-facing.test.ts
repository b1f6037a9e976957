import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { signUp, startTestApp, type TestApp } from '../support/app.js';
import { createVideo, lifecycleOf, readyVideo, startProcessing } from '../support/delivery.js';
import { beacon, newSession, viewCountInDb } from '../support/engagement.js';
import { until } from '../support/poll.js';
import { freePort } from '../support/services.js';
import { launchChromium } from './browser.js';
import { buildWebApp } from './kinema.js';

/**
 * What a viewer and a creator see when things are not simply "ready and playing", in a real
 * Chromium against a real Kinema started with the defaults (no PUBLIC_URL, no MEDIA_BASE_URL, so
 * media URLs are root-relative): the player's error overlay for unreachable, missing and
 * undecodable media, real not-found pages, the processing / waiting / failed states, and a home
 * page with few videos. Writes the screenshots of those states to docs/screenshots/.
 */

const SCREENSHOTS = fileURLToPath(new URL('../../docs/screenshots/', import.meta.url));
const UI_TIMEOUT_MS = 30_000;
/**
 * How long the player may keep retrying unreachable media before it shows the error: hls.js's
 * fragment retry schedule (1+2+4+8+8+8 s) for each of the player's 3 in-place recoveries, plus load.
 */
const MEDIA_GIVE_UP_MS = 240_000;

describe('what people see beyond the happy path', () => {
  let app: TestApp;
  let browser: Browser;

  before(async () => {
    await buildWebApp();
    [app, browser] = await Promise.all([startTestApp(), launchChromium()]);
    await mkdir(SCREENSHOTS, { recursive: true });
  });
  after(async () => {
    await browser?.close();
    await app?.close();
  });

  async function newPage(baseURL = app.url, token?: string): Promise<{ context: BrowserContext; page: Page }> {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, baseURL });
    context.setDefaultTimeout(UI_TIMEOUT_MS);
    if (token) await context.addCookies([{ name: 'kinema_session', value: token, url: baseURL }]);
    const page = await context.newPage();
    page.on('pageerror', (err) => console.error('page error:', err.message));
    return { context, page };
  }

  const shot = (page: Page, name: string) => page.screenshot({ path: join(SCREENSHOTS, name) });

  test('with the defaults a video plays from root-relative media URLs', async () => {
    const u = await signUp(app, 'relative');
    const { id } = await readyVideo(app, u.token, 'public');
    const play = await app.api('GET', `/api/v1/videos/${id}/play`);
    assert.match(play.body.hlsManifest, /^\/media\//);
    const { context, page } = await newPage();
    await page.goto(`/watch/${id}`);
    await page.locator('video[data-first-frame]').waitFor({ state: 'attached' });
    assert.equal(await page.locator('.player-error:visible').count(), 0);
    await context.close();
  });

  test('media that cannot be reached: the player says so, names the media host, and Try again works', async () => {
    const closedPort = await freePort();
    const elsewhere = await startTestApp({ env: { MEDIA_BASE_URL: `http://127.0.0.1:${closedPort}` } });
    try {
      const u = await signUp(elsewhere, 'unreachable');
      const { id } = await readyVideo(elsewhere, u.token, 'public');
      const { context, page } = await newPage(elsewhere.url);
      await page.goto(`/watch/${id}`);
      const overlay = page.locator('.player-error');
      await overlay.waitFor({ timeout: MEDIA_GIVE_UP_MS });
      assert.match((await overlay.textContent())!, new RegExp(`Could not reach the video server \\(127\\.0\\.0\\.1:${closedPort}\\)\\. Check your connection and try again\\.`));
      await overlay.getByRole('button', { name: 'Try again' }).waitFor();
      await context.close();
    } finally {
      await elsewhere.close();
    }

    // The same failure on our own origin (the connection drops), then the network comes back.
    const u = await signUp(app, 'offline');
    const { id } = await readyVideo(app, u.token, 'public');
    const { context, page } = await newPage();
    await page.route('**/media/**', (route) => route.abort('connectionrefused'));
    await page.goto(`/watch/${id}`);
    const overlay = page.locator('.player-error');
    // When the start-up path (its warm-up worker) got the playlists, only fragment loads fail, and
    // the player retries them on hls.js's schedule before the error is fatal: wait for all of it.
    await overlay.waitFor({ timeout: MEDIA_GIVE_UP_MS });
    assert.match((await overlay.textContent())!, /Could not reach the video server\. Check your connection and try again\./);
    await shot(page, 'player-error.png');
    await page.unroute('**/media/**');
    await overlay.getByRole('button', { name: 'Try again' }).click();
    await page.locator('video[data-first-frame]').waitFor({ state: 'attached' });
    assert.equal(await page.locator('.player-error:visible').count(), 0);
    await context.close();
  });

  test('media missing on the server (404): a message to act on, and no Try again', async () => {
    const u = await signUp(app, 'missing');
    const { id, prefix } = await readyVideo(app, u.token, 'public');
    await app.platform.store.deletePrefix(prefix);
    const { context, page } = await newPage();
    await page.goto(`/watch/${id}`);
    const overlay = page.locator('.player-error');
    // hls.js retries the missing files before it gives up: on a loaded machine that took over 30 s.
    await overlay.waitFor({ timeout: MEDIA_GIVE_UP_MS });
    assert.match((await overlay.textContent())!, /The files of this video are missing on the server/);
    assert.equal(await overlay.getByRole('button', { name: 'Try again' }).count(), 0);
    await context.close();
  });

  test('media that cannot be decoded: says so, and no Try again', async () => {
    const u = await signUp(app, 'garbled');
    const { id, prefix } = await readyVideo(app, u.token, 'public');
    const keys = (await app.platform.store.list(prefix)).filter((k) => /\/(init\.mp4|seg_\d+\.m4s)$/.test(k));
    assert.ok(keys.length > 0);
    for (const key of keys) await app.platform.store.put(key, Readable.from(randomBytes(4096)));
    const { context, page } = await newPage();
    await page.goto(`/watch/${id}`);
    const overlay = page.locator('.player-error');
    await overlay.waitFor();
    assert.match((await overlay.textContent())!, /could not be (decoded|played) in this browser/);
    assert.equal(await overlay.getByRole('button', { name: 'Try again' }).count(), 0);
    await context.close();
  });

  test('malformed and unknown video links, and unknown pages, show the not-found page with a 404', async () => {
    const { context, page } = await newPage();
    const cases: [string, string][] = [['/watch/not-an-id', 'Video not found'], ['/watch/AAAAAAAAAAA', 'Video not found'], ['/nope', 'Page not found']];
    for (const [path, heading] of cases) {
      const res = await page.goto(path);
      assert.equal(res?.status(), 404, path);
      await page.locator('[data-page="not-found"]').waitFor();
      assert.equal(await page.locator('h1').textContent(), heading, path);
      const text = (await page.locator('main').textContent())!;
      assert.doesNotMatch(text, /must match|pattern|\^\[|Try again/, path);
      if (path === '/watch/not-an-id') await shot(page, 'watch-not-found.png');
    }
    // Followed inside the app (no server round trip for the page): the same not-found page.
    await page.goto('/');
    // Outside <main>, which the home page re-renders when its lists arrive; the router handles
    // clicks on links anywhere in the document.
    await page.evaluate(() => {
      const a = document.createElement('a');
      a.href = '/watch/short';
      a.textContent = 'broken link';
      document.body.append(a);
    });
    await page.getByRole('link', { name: 'broken link' }).click();
    await page.locator('[data-page="not-found"]').waitFor();
    assert.doesNotMatch((await page.locator('main').textContent())!, /must match|pattern/);
    await context.close();
  });

  test('a processing video shows its title and progress on the watch page', async () => {
    const u = await signUp(app, 'processing');
    const title = `Harbour timelapse ${randomBytes(2).toString('hex')}`;
    const id = await createVideo(app, u.token, 'public', title);
    const jobId = await startProcessing(app, id);
    await lifecycleOf(app).heartbeat(id, jobId, 42);
    // Its creator's view: to anyone else a video that is not ready is "not found" (issue 9).
    const { context, page } = await newPage(app.url, u.token);
    await page.goto(`/watch/${id}`);
    await page.getByTestId('processing').getByText('This video is still processing').waitFor();
    await page.locator('h1.watch-title', { hasText: title }).waitFor();
    await page.getByText('42% processed').waitFor();
    await page.getByText(/^Created /).waitFor();
    await shot(page, 'watch-processing.png');
    await context.close();
  });

  test('a video without its file: the creator is told where to upload it, and can, from My videos', async () => {
    const u = await signUp(app, 'nofile');
    const title = `Sketch ${randomBytes(2).toString('hex')}`;
    const id = await createVideo(app, u.token, 'unlisted', title);
    const { context, page } = await newPage(app.url, u.token);
    await page.goto(`/watch/${id}`);
    await page.getByText('Waiting for the video file').waitFor();
    await page.getByTestId('processing').getByRole('link', { name: 'My videos' }).waitFor();
    await page.locator('h1.watch-title', { hasText: title }).waitFor();

    const stranger = await newPage();
    await stranger.page.goto(`/watch/${id}`);
    // Not ready, so it does not exist for anyone but its creator and admins (issue 9).
    await stranger.page.locator('[data-page="not-found"]').waitFor();
    await stranger.context.close();

    await page.goto('/me/videos');
    const row = page.locator(`[data-video-id="${id}"]`);
    await row.getByText('Waiting for file', { exact: true }).waitFor();
    const text = (await row.textContent())!;
    assert.match(text, /Created just now/);
    assert.doesNotMatch(text, /uploaded just now|views/);
    await row.getByRole('link', { name: `Choose the file for “${title}”` }).click();
    await page.getByTestId('file-for-video').waitFor();
    await page.locator('#upload-file').setInputFiles({ name: 'sketch.mp4', mimeType: 'video/mp4', buffer: randomBytes(64 * 1024) });
    // No worker runs here: the upload landing moves the video on from awaiting_upload.
    await page.getByTestId('processing-status').waitFor({ timeout: UI_TIMEOUT_MS * 2 });
    const after = await app.api('GET', `/api/v1/videos/${id}`, { token: u.token });
    assert.notEqual(after.body.status, 'awaiting_upload');
    await context.close();
  });

  test('failed videos offer Try again only when processing again can help', async () => {
    const u = await signUp(app, 'failing');
    const permanent = await createVideo(app, u.token, 'public', 'Holiday notes.txt');
    await startProcessing(app, permanent);
    await lifecycleOf(app).markFailed(permanent, 'This file is not a video we can read. Upload a video file (MP4, MOV, MKV, WebM…).', { retryable: false });
    const transient = await createVideo(app, u.token, 'public', 'Birthday party');
    await startProcessing(app, transient);
    await lifecycleOf(app).markFailed(transient, 'Processing failed several times on our side. Try again; if it keeps failing, contact the site operator.');
    const waiting = await createVideo(app, u.token, 'private', 'Interview, part 2');

    const { context, page } = await newPage(app.url, u.token);
    await page.goto('/me/videos');
    const permanentRow = page.locator(`[data-video-id="${permanent}"]`);
    const transientRow = page.locator(`[data-video-id="${transient}"]`);
    await permanentRow.getByText(/not a video we can read/).waitFor();
    await page.locator(`[data-video-id="${waiting}"]`).getByText('Waiting for file').waitFor();
    assert.equal(await permanentRow.getByRole('button', { name: /again/ }).count(), 0, 'not a video: retrying cannot help');
    await permanentRow.getByText('Trying again would fail the same way: upload a different file.').waitFor();
    await transientRow.getByRole('button', { name: 'Process “Birthday party” again' }).waitFor();
    await shot(page, 'my-videos-states.png');

    await page.goto(`/watch/${permanent}`);
    await page.getByText('This video could not be processed').waitFor();
    await page.getByText('Upload a different file, or delete it, from').waitFor();
    await page.locator('h1.watch-title', { hasText: 'Holiday notes.txt' }).waitFor();
    assert.equal(await page.getByRole('button', { name: 'Try again' }).count(), 0);
    await shot(page, 'watch-failed.png');
    await context.close();
  });

  test('home with a few videos shows one row, not Newest and Popular with the same cards', async () => {
    const u = await signUp(app, 'fewvideos');
    const { id } = await readyVideo(app, u.token, 'public');
    // A view (a viewer's watch beacon; /play counts none), so Popular has something to rank; it
    // still holds only videos Newest shows.
    assert.equal((await beacon(app, id, { sessionId: newSession(), positionSec: 2, played: [[0, 2]] })).status, 204);
    await until(async () => (await viewCountInDb(app, id)) === 1 || undefined, 'the view to be counted');
    const { context, page } = await newPage();
    await page.goto('/');
    await page.locator(`#newest-heading ~ .video-grid a[href="/watch/${id}"]`).first().waitFor();
    assert.equal(await page.locator('#popular-heading').count(), 0);
    assert.equal(await page.locator('.section-title').count(), 1);
    await context.close();
  });
});
