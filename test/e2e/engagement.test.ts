import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { makeClip } from '../fixtures/media.js';
import { signUp, type TestApp } from '../support/app.js';
import { tempDir } from '../support/services.js';
import { tusUpload } from '../support/tus.js';
import { launchChromium, newObservedPage, type Observed } from './browser.js';
import { startWebKinema, until } from './kinema.js';

/**
 * Engagement in a real Chromium against a real Kinema (api + worker, PGlite, real transcode):
 * a viewer plays a video, leaves at 40 %, and on coming back chooses "Resume" and continues
 * from there; history and home's "Continue watching" show it; the like button counts; a session
 * on a throttled network (CDP Network.emulateNetworkConditions) stalls, and the stall shows in
 * the video's rebufferPercent; the creator dashboard draws the real figures. Every page is
 * watched for CSP violations and script errors. Writes the README screenshots.
 */

const SCREENSHOTS = fileURLToPath(new URL('../../docs/screenshots/', import.meta.url));
/** Deadlines, not speed requirements: generous for two loaded cores. */
const PROCESSING_TIMEOUT_MS = 300_000;
// Generous: with two suites side by side (load ~12 on 2 cores) the first page took over 60 s.
const UI_TIMEOUT_MS = 120_000;
/** The figures other than views come from rollups a queue job refreshes every minute. */
const ROLLUP_TIMEOUT_MS = 240_000;
const CLIP_SEC = 24;
const DESKTOP_CHROME = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36';

describe('engagement in a browser: watch beacon, resume, history, likes, QoE, dashboard', () => {
  let app: TestApp;
  let browser: Browser;
  let uploaded: Promise<{ owner: Awaited<ReturnType<typeof signUp>>; videoId: string; durationSec: number }> | undefined;
  let watched: Promise<{ viewer: Awaited<ReturnType<typeof signUp>>; leftAtSec: number }> | undefined;

  before(async () => {
    // Headless Chromium says "HeadlessChrome", which the server rightly treats as a bot (no view,
    // no QoE session); these sessions stand for people, so the browser presents a desktop
    // Chrome's string, for every request, the page-hide beacons included (a context's userAgent
    // option does not reach requests sent while a page unloads).
    [app, browser] = await Promise.all([startWebKinema(), launchChromium([`--user-agent=${DESKTOP_CHROME}`])]);
    await mkdir(SCREENSHOTS, { recursive: true });
  });
  after(async () => {
    await browser?.close();
    await app?.close();
  });

  function newPage(observed: Observed, width = 1280, height = 800): Promise<{ context: BrowserContext; page: Page }> {
    return newObservedPage(browser, observed, {
      baseURL: app.url,
      timeoutMs: UI_TIMEOUT_MS,
      width,
      height,
      initScript: () => {
        // Media events do not bubble; a capturing listener on the document still sees them.
        const w = window as unknown as { __waiting: number };
        w.__waiting = 0;
        // Stalls once playback has started (a wait before the first frame is startup, not a stall).
        document.addEventListener('waiting', (e) => void ((e.target as HTMLVideoElement).currentTime > 0 && w.__waiting++), true);
      },
    });
  }

  async function logIn(page: Page, account: { username: string; password: string }): Promise<void> {
    await page.goto('/login');
    await page.getByLabel('Username or email').fill(account.username);
    await page.getByLabel('Password').fill(account.password);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.locator('.nav-username', { hasText: account.username }).waitFor();
  }

  const clearToasts = (page: Page) => page.evaluate(() => document.querySelectorAll('.toast').forEach((t) => t.remove()));
  const currentTime = (page: Page) => page.evaluate(() => document.querySelector<HTMLVideoElement>('video.player-video')?.currentTime ?? 0);

  /**
   * A 24 s, 640x360 video (a two-rung ladder), uploaded with tus and transcoded by the worker. Its
   * owner is the instance's first account, so also its admin.
   */
  function uploadedVideo() {
    uploaded ??= (async () => {
      const owner = await signUp(app, 'creator');
      const clip = await makeClip(await tempDir('kinema-engage-'), { width: 640, height: 360, durationSec: CLIP_SEC, rate: 24, name: 'tide-tables.mp4' });
      const created = await app.api('POST', '/api/v1/videos', { token: owner.token, body: { title: 'Tide tables of the north coast', description: 'Generated with ffmpeg testsrc2.', visibility: 'public' } });
      assert.equal(created.status, 201);
      const videoId = created.body.id as string;
      await tusUpload(clip, { endpoint: `${app.url}/api/v1/uploads`, token: owner.token, videoId });
      const video = await until(async () => {
        const v = (await app.api('GET', `/api/v1/videos/${videoId}`, { token: owner.token })).body;
        if (v.status === 'failed') throw new Error(`processing failed: ${v.failureReason}`);
        return v.status === 'ready' && v;
      }, 'the video to be processed', PROCESSING_TIMEOUT_MS);
      return { owner, videoId, durationSec: video.duration as number };
    })();
    return uploaded;
  }

  /**
   * A signed-in viewer plays from the start, likes it, and leaves the page at 40 %; the server
   * then has the position (the beacons: every 10 s, and sendBeacon on page hide).
   */
  function watchedTo40Percent() {
    watched ??= (async () => {
      const { videoId, durationSec } = await uploadedVideo();
      const viewer = await signUp(app, 'viewer');
      const observed: Observed = { violations: [], errors: [] };
      const { context, page } = await newPage(observed);
      await logIn(page, viewer);
      await page.goto(`/watch/${videoId}`);
      await until(async () => (await currentTime(page)) > 0, 'the video to play', UI_TIMEOUT_MS);

      const like = page.getByTestId('like');
      await like.click();
      await until(async () => (await like.getAttribute('aria-pressed')) === 'true' && (await like.textContent()) === '1', 'the like to show as pressed with its count', UI_TIMEOUT_MS);
      assert.equal((await app.api('GET', `/api/v1/videos/${videoId}`)).body.likeCount, 1);

      await until(async () => (await currentTime(page)) >= durationSec * 0.4, 'playback to reach 40 %', UI_TIMEOUT_MS * 2);
      const leftAtSec = await currentTime(page);
      await page.goto('/');
      await until(async () => {
        const item = (await app.api('GET', '/api/v1/me/history', { token: viewer.token })).body.items?.[0];
        return item?.video.id === videoId && item.positionSec >= durationSec * 0.35 && item;
      }, 'the history to hold where the viewer left', UI_TIMEOUT_MS);
      // The page-hide beacon (sendBeacon) arrived, and is the session's last word: "left".
      const lastBeacon = await until(async () => {
        const rows = await app.platform.database.db.selectFrom('events').select(['props', 'sessionId']).where('videoId', '=', videoId).where('userId', '=', viewer.userId).where('type', '=', 'beacon').orderBy('id', 'desc').execute();
        return rows.some((r) => (r.props as { state?: string }).state === 'left') && rows[0];
      }, 'the page-hide beacon', UI_TIMEOUT_MS);
      assert.equal((lastBeacon.props as { state?: string }).state, 'left', 'nothing after the page-hide beacon says the viewer is still there');
      assert.equal((lastBeacon.props as { bot?: boolean }).bot, undefined, 'a person\'s beacon');
      assert.deepEqual(observed, { violations: [], errors: [] });
      await context.close();
      return { viewer, leftAtSec };
    })();
    return watched;
  }

  test('a viewer who left at 40 % gets "Continue watching", the history entry, and resumes there after choosing Resume', async () => {
    const { videoId, durationSec } = await uploadedVideo();
    const { viewer, leftAtSec } = await watchedTo40Percent();
    const resumeAt = (await app.api('GET', `/api/v1/videos/${videoId}/play`, { token: viewer.token })).body.resumeAtSec as number;
    assert.ok(resumeAt >= durationSec * 0.35 && resumeAt <= leftAtSec + 1, `resumeAtSec ${resumeAt} is where the viewer left (${leftAtSec.toFixed(1)} s)`);

    const observed: Observed = { violations: [], errors: [] };
    const { context, page } = await newPage(observed);
    await logIn(page, viewer);

    // Home: the row to pick up from, with the line showing how far.
    await page.goto('/');
    const row = page.locator('#continue-heading ~ .video-grid .video-card', { has: page.locator(`a[href="/watch/${videoId}"]`) });
    await row.waitFor();
    assert.match((await row.textContent())!, /Resume at 0:\d\d/);
    await page.waitForFunction(() => [...document.querySelectorAll<HTMLImageElement>('img.card-poster')].every((img) => img.complete));
    await clearToasts(page);
    await page.screenshot({ path: join(SCREENSHOTS, 'home-continue-watching.png') });

    // History: newest first, where they stopped.
    await page.getByRole('link', { name: 'History', exact: true }).click();
    const entry = page.locator(`[data-page="history"] [data-video-id="${videoId}"]`);
    await entry.waitFor();
    assert.match((await entry.textContent())!, /Stopped at 0:\d\d of 0:24/);
    await page.waitForFunction(() => [...document.querySelectorAll<HTMLImageElement>('.row-thumb img')].every((img) => img.complete));
    await clearToasts(page);
    await page.screenshot({ path: join(SCREENSHOTS, 'history.png') });

    // Back on the watch page: the choice, and nothing plays until it is made.
    await page.goto(`/watch/${videoId}`);
    const resume = page.getByTestId('resume');
    await resume.waitFor();
    assert.match((await resume.textContent())!, new RegExp(`Resume from 0:${String(Math.floor(resumeAt)).padStart(2, '0')}`));
    await page.getByTestId('start-over').waitFor();
    assert.equal(await page.evaluate(() => document.querySelector<HTMLVideoElement>('video.player-video')!.paused), true, 'no playback before the choice');
    const like = page.getByTestId('like');
    await until(async () => (await like.getAttribute('aria-pressed')) === 'true', 'the viewer\'s own like to show', UI_TIMEOUT_MS);
    await page.screenshot({ path: join(SCREENSHOTS, 'watch-resume.png') });

    await resume.click();
    await until(async () => (await currentTime(page)) > resumeAt + 0.5, 'playback to go on from the resume point', UI_TIMEOUT_MS);
    const played = await page.evaluate(() => {
      const ranges = document.querySelector<HTMLVideoElement>('video.player-video')!.played;
      return Array.from({ length: ranges.length }, (_, i) => [ranges.start(i), ranges.end(i)]);
    });
    assert.ok(played.every(([start]) => start! >= resumeAt - 1), `played from the resume point, not from 0: ${JSON.stringify(played)}`);

    // Watched on to the end: with the first 40 % that is more than half of a short video, one view.
    await page.waitForFunction(() => document.querySelector<HTMLVideoElement>('video.player-video')!.ended, undefined, { timeout: UI_TIMEOUT_MS * 2 });
    await until(async () => (await app.api('GET', `/api/v1/videos/${videoId}`)).body.viewCount === 1, 'the view to be counted', UI_TIMEOUT_MS);
    assert.deepEqual(observed, { violations: [], errors: [] });
    await context.close();
  });

  test('a session on a throttled network stalls, and the stall shows in the video\'s rebufferPercent', async () => {
    const { owner, videoId } = await uploadedVideo();
    const play = (await app.api('GET', `/api/v1/videos/${videoId}/play`)).body;
    const lowestBps = Math.min(...(play.renditions as { bandwidth: number }[]).map((r) => r.bandwidth));
    const observed: Observed = { violations: [], errors: [] };
    const { context, page } = await newPage(observed);
    // Half the lowest rung's bitrate (the 144p cellular one): every segment takes twice as long to
    // arrive as it plays, so once the playhead moves it must catch up with the download and wait.
    const cdp = await context.newCDPSession(page);
    await cdp.send('Network.enable');
    await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 20, downloadThroughput: Math.round(lowestBps / 2 / 8), uploadThroughput: 1_000_000 });
    // Only the first frame matters here: "load" also waits for every image and font on this link.
    await page.goto(`/watch/${videoId}`, { waitUntil: 'commit' });
    await until(async () => (await currentTime(page)) > 0, 'the first frame on a slow network', UI_TIMEOUT_MS * 2);
    await until(() => page.evaluate(() => (window as unknown as { __waiting: number }).__waiting > 0), 'a stall after the start', UI_TIMEOUT_MS * 2);
    await until(async () => (await currentTime(page)) > 4, 'playback to go on after a stall', UI_TIMEOUT_MS * 2);
    await page.evaluate(() => document.querySelector<HTMLVideoElement>('video.player-video')!.pause()); // the pause beacon carries the stall
    await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });

    // The session's own beacon: the stall, and the rung on screen (frames the boot script showed before hls.js took over included).
    const sessionId = await page.evaluate(() => document.querySelector<HTMLVideoElement>('video.player-video')!.dataset.watchSession ?? null);
    assert.ok(sessionId, 'the player names its watch session on the video element');
    const sent = await until(async () => {
      const rows = await app.platform.database.db.selectFrom('events').select('props').where('videoId', '=', videoId).where('sessionId', '=', sessionId).where('type', '=', 'beacon').orderBy('id', 'desc').execute();
      const qoe = (rows[0]?.props as { qoe?: { rebufferCount?: number; rebufferMs?: number; renditions?: { height: number; playedMs: number }[] } } | undefined)?.qoe;
      return qoe && (qoe.rebufferCount ?? 0) > 0 && qoe;
    }, 'the beacon that carries the stall', UI_TIMEOUT_MS);
    assert.ok(sent.rebufferMs! > 0, 'the stall has a length');
    assert.ok(sent.renditions!.some((r) => r.playedMs > 0 && r.height > 0), `the rung on screen is reported: ${JSON.stringify(sent.renditions)}`);

    const qoe = await until(async () => {
      const a = (await app.api('GET', `/api/v1/videos/${videoId}/analytics?days=7`, { token: owner.token })).body;
      return a.qoe?.rebufferPercent > 0 && a.qoe;
    }, 'the stall to reach rebufferPercent', ROLLUP_TIMEOUT_MS);
    assert.ok(qoe.rebufferPercent > 0 && qoe.rebufferPercent < 100, `rebufferPercent ${qoe.rebufferPercent}`);
    assert.ok(qoe.startupMsMedian > 0, 'the slow start is measured too');
    assert.deepEqual(observed, { violations: [], errors: [] });
    await context.close();
  });

  test('the creator dashboard draws the video\'s real figures: views, watch time, retention, QoE, watching now', async () => {
    const { owner, videoId } = await uploadedVideo();
    await watchedTo40Percent();
    // Every session of the earlier tests has sent its last beacon by now: wait until the rollups
    // cover this moment, so the page shows all of them.
    const viewedBy = Date.now();
    const figures = await until(async () => {
      const a = (await app.api('GET', `/api/v1/videos/${videoId}/analytics?days=28`, { token: owner.token })).body;
      return a.updatedThrough && Date.parse(a.updatedThrough) >= viewedBy && a.watchTimeSec > 0 && a.retention?.length > 0 && a.qoe?.sessions > 0 && a;
    }, 'the rollups to hold the viewing', ROLLUP_TIMEOUT_MS);

    const observed: Observed = { violations: [], errors: [] };
    const { context, page } = await newPage(observed, 1280, 1400);
    await logIn(page, owner);
    await page.goto('/me/videos');
    await page.locator(`[data-video-id="${videoId}"]`).getByRole('link', { name: /^Analytics/ }).click();
    await page.locator('[data-page="analytics"] [data-testid="timeline-chart"] canvas').waitFor();
    // The page's numbers are the API's (the API may have moved on by a view since: compare after loading).
    const shown = await page.getByTestId('kpi-views').locator('.kpi-value').textContent();
    assert.ok(Number(shown) >= figures.views, `views shown: ${shown}`);
    assert.notEqual(await page.getByTestId('kpi-watch-time').locator('.kpi-value').textContent(), '0 s');
    await page.locator('[data-testid="retention-chart"] canvas').waitFor();
    assert.match((await page.getByTestId('qoe-startup').textContent())!, /\d+(\.\d+)? m?s/);
    assert.match((await page.getByTestId('watching-now').textContent())!, /^\d+$/);
    await clearToasts(page);
    await page.screenshot({ path: join(SCREENSHOTS, 'dashboard.png'), fullPage: true });

    // The channel view and, the owner being the first account, the instance's QoE for admins.
    await page.getByRole('link', { name: '← Channel overview' }).click();
    await page.locator('[data-page="analytics"] [data-testid="timeline-chart"] canvas').waitFor();
    await page.getByRole('cell', { name: 'Tide tables of the north coast' }).waitFor();
    await page.goto('/admin/qoe');
    await page.locator('[data-testid="qoe-timeline-chart"] canvas').waitFor();
    await page.screenshot({ path: join(SCREENSHOTS, 'admin-qoe.png'), fullPage: true });

    // On a 360 px phone the dashboards stack into one column, with nothing to scroll sideways.
    await page.setViewportSize({ width: 360, height: 740 });
    for (const path of [`/me/analytics/${videoId}`, '/me/analytics', '/admin/qoe']) {
      await page.goto(path);
      await page.locator('[data-page] .chart-box canvas').first().waitFor();
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      assert.ok(overflow <= 0, `${path} is ${overflow}px wider than the screen`);
    }
    assert.deepEqual(observed, { violations: [], errors: [] });
    await context.close();
  });

  test('history: remove one, pause, clear all', async () => {
    const { videoId } = await uploadedVideo();
    const { viewer } = await watchedTo40Percent();
    const observed: Observed = { violations: [], errors: [] };
    const { context, page } = await newPage(observed);
    await logIn(page, viewer);
    await page.goto('/me/history');
    await page.locator(`[data-video-id="${videoId}"]`).waitFor();

    await page.getByTestId('pause-history').click();
    await until(async () => (await app.api('GET', '/api/v1/me/settings', { token: viewer.token })).body.historyPaused === true, 'history to be paused', UI_TIMEOUT_MS);
    await page.getByText('History is paused').waitFor();
    await page.getByTestId('pause-history').click();
    await until(async () => (await app.api('GET', '/api/v1/me/settings', { token: viewer.token })).body.historyPaused === false, 'history to be on again', UI_TIMEOUT_MS);

    await page.getByRole('button', { name: /^Remove “Tide tables/ }).click();
    await page.locator(`[data-video-id="${videoId}"]`).waitFor({ state: 'detached' });
    assert.equal((await app.api('GET', '/api/v1/me/history', { token: viewer.token })).body.items.length, 0);
    await page.getByText('Nothing here yet').waitFor();

    // Clear all, with another entry to clear (written through the same beacon the player sends).
    const beacon = await app.api('POST', `/api/v1/videos/${videoId}/progress`, {
      token: viewer.token,
      headers: { 'user-agent': DESKTOP_CHROME },
      body: { sessionId: 'e2eHistoryClear01', positionSec: 6, played: [[0, 6]] },
    });
    assert.equal(beacon.status, 204);
    await until(async () => (await app.api('GET', '/api/v1/me/history', { token: viewer.token })).body.items.length === 1, 'the new entry', UI_TIMEOUT_MS);
    await page.reload();
    await page.locator(`[data-video-id="${videoId}"]`).waitFor();
    await page.getByRole('button', { name: 'Clear all history' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Clear history' }).click();
    await page.getByText('Nothing here yet').waitFor();
    assert.equal((await app.api('GET', '/api/v1/me/history', { token: viewer.token })).body.items.length, 0);
    assert.deepEqual(observed, { violations: [], errors: [] });
    await context.close();
  });
});
