import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { signUp, startTestApp, type TestApp } from '../support/app.js';
import { readyVideo } from '../support/delivery.js';
import { freePort } from '../support/services.js';
import { launchChromium, newObservedPage, type Observed } from './browser.js';
import { buildWebApp, until } from './kinema.js';

/**
 * The web app under its Content-Security-Policy (issue 9), in a real Chromium: the home page
 * shows posters and the watch page plays, with no CSP violation and no script error. Media is
 * served from another origin than the page (MEDIA_BASE_URL on localhost, the page on 127.0.0.1),
 * as with an edge or CDN: the CSP must list it, and CORS and the media's resource policy must
 * let the player and the posters through. Screenshots go to the system temp directory.
 */

const UI_TIMEOUT_MS = 60_000;
const SCREENSHOT_DIR = process.env.KINEMA_SCREENSHOT_DIR ?? tmpdir();

describe('the web app under its Content-Security-Policy', () => {
  let app: TestApp;
  let browser: Browser;
  let videoId: string;

  before(async () => {
    await buildWebApp();
    browser = await launchChromium();
    for (let attempt = 1; ; attempt++) {
      const port = await freePort();
      try {
        app = await startTestApp({ env: { PORT: String(port), PUBLIC_URL: `http://127.0.0.1:${port}`, MEDIA_BASE_URL: `http://localhost:${port}` } });
        break;
      } catch (err) {
        if (attempt >= 5 || (err as { code?: string }).code !== 'EADDRINUSE') throw err;
      }
    }
    const u = await signUp(app, 'csp');
    videoId = (await readyVideo(app, u.token, 'public')).id;
  });
  after(async () => {
    await browser?.close();
    await app?.close();
  });

  async function openPage(path: string): Promise<{ page: Page; observed: Observed }> {
    const observed: Observed = { violations: [], errors: [] };
    const { page } = await newObservedPage(browser, observed, { baseURL: app.url, timeoutMs: UI_TIMEOUT_MS });
    await page.goto(path);
    return { page, observed };
  }

  test('the home page renders its posters from the media origin without a CSP violation', async () => {
    const { page, observed } = await openPage('/');
    const poster = page.locator('img').first();
    await poster.waitFor();
    await until(() => poster.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth > 0), 'a poster to load from the media origin', UI_TIMEOUT_MS);
    assert.match((await poster.getAttribute('src')) ?? '', /^http:\/\/localhost:\d+\/media\//, 'the poster comes from the other origin');
    await page.screenshot({ path: join(SCREENSHOT_DIR, 'kinema-csp-home.png') });
    assert.deepEqual(observed.violations, []);
    assert.deepEqual(observed.errors, []);
  });

  test('the watch page boots (inline script, MSE) and plays from the media origin without a CSP violation', async () => {
    const { page, observed } = await openPage(`/watch/${videoId}`);
    const video = page.locator('video');
    await video.waitFor();
    await until(() => video.evaluate((v: HTMLVideoElement) => v.currentTime > 0 && v.readyState >= 2), 'the video to play', UI_TIMEOUT_MS);
    // Only the inline boot script sets this mark: it ran, so its hash matched.
    assert.ok(await page.evaluate(() => performance.getEntriesByName('kinema:play-response').length > 0), 'the inline boot script ran');
    await page.screenshot({ path: join(SCREENSHOT_DIR, 'kinema-csp-watch.png') });
    assert.deepEqual(observed.violations, []);
    assert.deepEqual(observed.errors, []);
  });
});
