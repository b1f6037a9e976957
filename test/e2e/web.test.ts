import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { makeClip } from '../fixtures/media.js';
import { signUp, type TestApp } from '../support/app.js';
import { tempDir } from '../support/services.js';
import { sha256Of } from '../support/byte-streams.js';
import { launchChromium } from './browser.js';
import { startWebKinema, until } from './kinema.js';

/**
 * The web app in a real Chromium against a real Kinema (api + worker, PGlite, local storage):
 * sign up, upload through the upload page, wait for processing, watch, switch quality,
 * visibility, My videos. Also writes the README screenshots to docs/screenshots/.
 */

const SCREENSHOTS = fileURLToPath(new URL('../../docs/screenshots/', import.meta.url));
/** Transcoding on a busy CI machine is slow; the UI polls, we wait on what it shows. */
const PROCESSING_TIMEOUT_MS = 300_000;
/** A deadline for the page to show something, not a speed requirement: generous for 2 loaded cores. */
const UI_TIMEOUT_MS = 60_000;
const PASSWORD = 'correct horse battery staple';

interface Account {
  username: string;
  context: BrowserContext;
  page: Page;
}

describe('web app in a browser', () => {
  let app: TestApp;
  let browser: Browser;
  let clipDir: string;
  let shared: Promise<{ owner: Account; videoId: string; title: string }> | undefined;

  before(async () => {
    [app, browser] = await Promise.all([startWebKinema(), launchChromium()]);
    clipDir = await tempDir('kinema-e2e-');
    await mkdir(SCREENSHOTS, { recursive: true });
  });
  after(async () => {
    await browser?.close();
    await app?.close();
  });

  async function newPage(width = 1280, height = 800): Promise<{ context: BrowserContext; page: Page }> {
    const context = await browser.newContext({ viewport: { width, height }, baseURL: app.url });
    context.setDefaultTimeout(UI_TIMEOUT_MS);
    const page = await context.newPage();
    page.on('pageerror', (err) => console.error('page error:', err.message));
    return { context, page };
  }

  /** Signs up through the sign-up form; the header then shows the account. */
  async function signUpInBrowser(prefix: string): Promise<Account> {
    const { context, page } = await newPage();
    const username = `${prefix}_${randomBytes(3).toString('hex')}`;
    await page.goto('/signup');
    await page.getByLabel('Username').fill(username);
    await page.getByLabel('Email').fill(`${username}@example.test`);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign up' }).click();
    await page.locator('.nav-username', { hasText: username }).waitFor();
    return { username, context, page };
  }

  /**
   * One video uploaded through the upload page and processed, shared by the tests that need a
   * ready video (transcoding is the slow part). A 640x360 source gives a two-rung ladder
   * (360p + 240p), so there is a quality to switch to.
   */
  function uploadedVideo(): Promise<{ owner: Account; videoId: string; title: string }> {
    shared ??= (async () => {
      const owner = await signUpInBrowser('creator');
      const clip = await makeClip(clipDir, { width: 640, height: 360, durationSec: 6, name: 'harbour-at-dusk.mp4' });
      const { page } = owner;
      await page.getByRole('link', { name: 'Upload', exact: true }).click();
      await page.locator('#upload-file').setInputFiles(clip);
      const title = page.getByLabel('Title');
      assert.equal(await title.inputValue(), 'harbour-at-dusk', 'the title defaults to the file name');
      await page.getByLabel('Description').fill('Boats coming home while the sun sets. Generated with ffmpeg testsrc2.');
      await page.evaluate(() => document.querySelectorAll('.toast').forEach((t) => t.remove())); // the welcome toast
      await page.screenshot({ path: join(SCREENSHOTS, 'upload.png') });
      await title.fill('Harbour at dusk');
      await page.getByRole('button', { name: 'Upload', exact: true }).click();
      await page.getByRole('progressbar', { name: 'Upload progress' }).waitFor();
      const watchLink = page.getByTestId('watch-link');
      await watchLink.waitFor({ timeout: PROCESSING_TIMEOUT_MS });
      const href = await watchLink.getAttribute('href');
      const videoId = href!.split('/').pop()!;
      return { owner, videoId, title: 'Harbour at dusk' };
    })();
    return shared;
  }

  test('signs up, logs out and logs back in through the forms', async () => {
    const account = await signUpInBrowser('viewer');
    const { page } = account;
    await page.getByRole('button', { name: 'Log out' }).click();
    await page.getByRole('link', { name: 'Log in' }).waitFor();
    await page.getByRole('link', { name: 'Log in' }).click();
    await page.getByLabel('Username or email').fill(account.username);
    await page.getByLabel('Password').fill('wrong password');
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('alert').filter({ hasText: /./ }).waitFor();
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.locator('.nav-username', { hasText: account.username }).waitFor();
    await account.context.close();
  });

  test('uploads a file on the upload page and shows processing until it is ready', async () => {
    const { videoId } = await uploadedVideo();
    const video = (await app.api('GET', `/api/v1/videos/${videoId}`)).body;
    assert.equal(video.status, 'ready');
    assert.equal(video.title, 'Harbour at dusk');
    assert.equal(video.visibility, 'public');
  });

  test('the watch page plays to a first frame on a fresh load and its shortcuts work', async () => {
    const { videoId, title } = await uploadedVideo();
    const { context, page } = await newPage();
    await page.goto(`/watch/${videoId}`);
    await page.locator('video[data-first-frame]').waitFor({ state: 'attached' });
    await page.waitForFunction(() => (document.querySelector('video')?.currentTime ?? 0) > 0);
    assert.equal(await page.locator('h1').textContent(), title);
    assert.ok(await page.evaluate(() => performance.getEntriesByName('kinema:first-frame').length === 1));

    await page.keyboard.press('k');
    await page.waitForFunction(() => document.querySelector('video')!.paused);
    await page.keyboard.press('m');
    assert.equal(await page.evaluate(() => document.querySelector('video')!.muted), true);
    await page.getByRole('button', { name: /^Unmute/ }).waitFor();
    await context.close();
  });

  test('switching quality in the menu changes the rung being played; the seek bar previews storyboard frames', async () => {
    const { videoId } = await uploadedVideo();
    const { context, page } = await newPage();
    await page.goto(`/watch/${videoId}`);
    await page.locator('video[data-first-frame]').waitFor({ state: 'attached' });
    const quality = page.locator('.ctl-quality');
    await until(async () => /^Auto \(\d+p\)$/.test((await quality.textContent()) ?? ''), 'the quality button to show the playing rung', UI_TIMEOUT_MS);
    const playing = /\((\d+p)\)/.exec((await quality.textContent())!)![1]!;

    await page.evaluate(() => document.querySelector('video')!.pause());
    await quality.click();
    const items = page.getByRole('menuitemradio');
    assert.deepEqual(await items.allTextContents(), [`Auto (${playing})`, '360p', '240p', '144p']);
    const other = playing === '360p' ? '240p' : '360p';
    await page.getByRole('menuitemradio', { name: other }).click();
    await until(async () => (await quality.textContent()) === other, `the button to say ${other}`, UI_TIMEOUT_MS);
    // Play from the start: the picture's size follows the rung of the frames being shown.
    await page.evaluate(() => {
      const video = document.querySelector('video')!;
      video.currentTime = 0;
      return video.play();
    });
    const height = Number.parseInt(other, 10);
    await page.waitForFunction((h) => document.querySelector('video')!.videoHeight === h, height);

    await quality.click();
    assert.equal(await page.getByRole('menuitemradio', { name: other }).getAttribute('aria-checked'), 'true');
    await page.getByRole('menuitemradio', { name: /^Auto/ }).click();
    await until(async () => /^Auto/.test((await quality.textContent()) ?? ''), 'automatic quality again', UI_TIMEOUT_MS);

    // README screenshot: playing, controls up, pointer over the seek bar showing a storyboard preview.
    await page.evaluate(() => document.querySelector('video')!.play());
    const seek = await page.locator('.seek-input').boundingBox();
    // The storyboard VTT loads on the first hover; keep hovering until its thumbnail shows.
    let step = 0;
    await until(async () => {
      await page.mouse.move(seek!.x + seek!.width * (0.6 + (step++ % 2) * 0.01), seek!.y + seek!.height / 2);
      return page.locator('.seek-thumb:not([hidden])').isVisible();
    }, 'a storyboard thumbnail over the seek bar', UI_TIMEOUT_MS, 100);
    assert.match(await page.locator('.seek-thumb').evaluate((el) => el.style.backgroundImage), /storyboard/);
    await page.screenshot({ path: join(SCREENSHOTS, 'watch.png') });
    await context.close();
  });

  test('a private video is a 404 page for another user and shows its state to the owner', async () => {
    const owner = await signUp(app, 'secretive');
    const created = await app.api('POST', '/api/v1/videos', { token: owner.token, body: { title: 'Not for you', visibility: 'private' } });
    assert.equal(created.status, 201);
    const stranger = await signUpInBrowser('stranger');
    await stranger.page.goto(`/watch/${created.body.id}`);
    await stranger.page.locator('[data-page="not-found"]').waitFor();
    assert.equal(await stranger.page.locator('h1').textContent(), 'Video not found');
    await stranger.context.close();
  });

  test('my videos lists uploads with their status, edits and deletes after confirming', async () => {
    const { owner, videoId, title } = await uploadedVideo();
    const { page } = owner;
    // A second video that was never uploaded: listed as waiting, then deleted.
    const login = await app.api('POST', '/api/v1/auth/login', { body: { username: owner.username, password: PASSWORD } });
    const draft = await app.api('POST', '/api/v1/videos', { token: login.body.token, body: { title: 'Draft to delete', visibility: 'unlisted' } });

    await page.goto('/me/videos');
    const ready = page.locator(`[data-video-id="${videoId}"]`);
    await ready.getByText('Ready', { exact: true }).waitFor();
    assert.match((await ready.textContent())!, new RegExp(title));
    const waiting = page.locator(`[data-video-id="${draft.body.id}"]`);
    await waiting.getByText('Waiting for file').waitFor();
    await page.screenshot({ path: join(SCREENSHOTS, 'my-videos.png') });

    await waiting.getByRole('button', { name: /^Edit/ }).click();
    await page.getByRole('dialog').getByLabel('Title').fill('Draft, renamed');
    await page.getByRole('dialog').getByRole('button', { name: 'Save' }).click();
    await page.locator(`[data-video-id="${draft.body.id}"]`, { hasText: 'Draft, renamed' }).waitFor();

    await page.locator(`[data-video-id="${draft.body.id}"]`).getByRole('button', { name: /^Delete/ }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Delete' }).click();
    await page.locator(`[data-video-id="${draft.body.id}"]`).waitFor({ state: 'detached' });
    assert.equal((await app.api('GET', `/api/v1/videos/${draft.body.id}`, { token: login.body.token })).status, 404);
    assert.equal(await ready.count(), 1, 'the other video stays');
  });

  test('home shows the newest videos as cards with duration and views', async () => {
    const { videoId, title } = await uploadedVideo();
    const { context, page } = await newPage();
    await page.goto('/');
    const card = page.locator('#newest-heading ~ .video-grid .video-card', { has: page.locator(`a[href="/watch/${videoId}"]`) });
    await card.waitFor();
    assert.match((await card.textContent())!, new RegExp(`0:06.*${title}.*view`, 's'));
    await page.waitForFunction(() => [...document.querySelectorAll<HTMLImageElement>('.card-poster')].every((img) => img.tagName !== 'IMG' || img.complete));
    await page.screenshot({ path: join(SCREENSHOTS, 'home.png') });
    await context.close();
  });

  test('pages fit a 360 px wide phone screen without sideways scrolling', async () => {
    const { videoId } = await uploadedVideo();
    const { context, page } = await newPage(360, 740);
    for (const path of ['/', `/watch/${videoId}`, '/upload', '/signup', '/login']) {
      await page.goto(path);
      await page.locator('main h1, main .page-title, main .video-grid, main .message-panel').first().waitFor();
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      assert.ok(overflow <= 0, `${path} is ${overflow}px wider than the screen`);
    }
    await context.close();
  });
  test('an upload interrupted by a page reload resumes from where it stopped', async () => {
    const account = await signUpInBrowser('resumer');
    const { page, context } = account;
    // 24 MiB of random bytes: three 8 MiB chunks, and no two chunks alike.
    const file = join(clipDir, 'long-holiday.mp4');
    await writeFile(file, randomBytes(24 * 1024 * 1024));
    // The second chunk's request is held (never answered, never passed on) so the reload lands
    // mid-transfer by construction; a throttle would leave that to how fast the machine is.
    const uploads = '**/api/v1/uploads/**';
    let patches = 0;
    const secondChunkHeld = new Promise<void>((resolve) => {
      void page.route(uploads, (route) => {
        if (route.request().method() === 'PATCH' && ++patches === 2) return resolve();
        return route.continue();
      });
    });

    await page.goto('/upload');
    await page.locator('#upload-file').setInputFiles(file);
    await page.getByRole('button', { name: 'Upload', exact: true }).click();
    await secondChunkHeld;
    const videoId = await page.evaluate(() => JSON.parse(localStorage.getItem('kinema.pendingUpload')!).videoId as string);

    await page.unroute(uploads);
    await page.reload();
    await page.getByTestId('resume-banner').waitFor();
    const head = await fetch(`${app.url}/api/v1/uploads/${videoId}`, { method: 'HEAD', headers: { 'tus-resumable': '1.0.0', cookie: (await context.cookies()).map((c) => `${c.name}=${c.value}`).join('; ') } });
    const storedOffset = Number(head.headers.get('upload-offset'));
    assert.ok(storedOffset > 0 && storedOffset < 24 * 1024 * 1024, `the server kept the part received before the reload (${storedOffset} bytes)`);

    const offsets: number[] = [];
    page.on('request', (req) => req.method() === 'PATCH' && offsets.push(Number(req.headers()['upload-offset'])));
    await page.locator('#upload-file').setInputFiles(file);
    await page.getByText('Resuming your earlier upload.').waitFor();
    await until(async () => ['uploaded', 'processing', 'ready', 'failed'].includes((await app.api('GET', `/api/v1/videos/${videoId}`, { headers: { cookie: (await context.cookies()).map((c) => `${c.name}=${c.value}`).join('; ') } })).body.status), 'the upload to complete', UI_TIMEOUT_MS * 3);
    assert.equal(offsets[0], storedOffset, 'the first request after the reload continued at the stored offset');
    // The copy into the object store follows the last PATCH's answer, in the background.
    const stored = await until(() => app.platform.store.get(`originals/${videoId}/source`), 'the original to be copied into the object store', UI_TIMEOUT_MS * 3);
    assert.equal(await sha256Of(stored.body), await sha256Of(createReadStream(file)), 'the stored original is the file, byte for byte');
    await context.close();
  });
  test('a failed upload shows its reason in My videos, without a retry that would fail the same way', async () => {
    const account = await signUpInBrowser('unlucky');
    const { page } = account;
    const fake = join(clipDir, 'not-really-a-video.mp4');
    await writeFile(fake, 'just some text, not a video\n'.repeat(100));
    await page.goto('/upload');
    await page.locator('#upload-file').setInputFiles(fake);
    await page.getByRole('button', { name: 'Upload', exact: true }).click();
    // The upload page follows processing and shows the verdict; leaving earlier would pause the upload.
    await page.getByText(/not a video/i).first().waitFor({ timeout: PROCESSING_TIMEOUT_MS });
    await page.goto('/me/videos');
    const row = page.locator('.video-row').first();
    await row.locator('.form-error', { hasText: /not a video/i }).waitFor({ timeout: PROCESSING_TIMEOUT_MS });
    await row.getByText(/would fail the same way/i).waitFor();
    assert.equal(await row.getByRole('button', { name: /^Process .* again$/ }).count(), 0, 'no "Try again" for a file that can never work');
    await account.context.close();
  });
});
