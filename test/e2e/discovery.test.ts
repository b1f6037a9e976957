import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { makeClip } from '../fixtures/media.js';
import { signUp, type TestApp } from '../support/app.js';
import { seedVideo } from '../support/discovery.js';
import { rankAndRead, recordWatch } from '../support/ranking.js';
import { tempDir } from '../support/services.js';
import { tusUpload } from '../support/tus.js';
import { launchChromium, newObservedPage, type Observed } from './browser.js';
import { startWebKinema, until } from './kinema.js';

/**
 * Discovery in a real Chromium against a real Kinema (api + worker, PGlite): the header's search
 * box suggests as a person types and is driven by the keyboard alone, its results page marks
 * the matches and filters them; a channel page subscribes (the count moves, the feed and home
 * show the channel's video, a signed-out visitor is asked to log in); the watch page's "Up next"
 * holds a related video, and its tags lead to their search. Every page is watched for CSP
 * violations and script errors. Writes the README's discovery screenshots.
 */

const SCREENSHOTS = fileURLToPath(new URL('../../docs/screenshots/', import.meta.url));
/** Deadlines, not speed requirements: generous for two loaded cores and suites side by side. */
const UI_TIMEOUT_MS = 120_000;
const PROCESSING_TIMEOUT_MS = 300_000;

describe('discovery in a browser: search with suggestions, channels and subscribe, up next', () => {
  let app: TestApp;
  let browser: Browser;
  let creator: Awaited<ReturnType<typeof signUp>>;
  const ids: Record<string, string> = {};

  before(async () => {
    [app, browser] = await Promise.all([startWebKinema(), launchChromium()]);
    await mkdir(SCREENSHOTS, { recursive: true });
    creator = await signUp(app, 'harbourcam');
    // Seeded where the pipeline would leave them (no media: search and listings need none).
    // The most watched first, so it leads the suggestions for "harb".
    ids.dawn = await seedVideo(app, creator.token, { title: 'Harbour time-lapse at dawn', tags: ['harbour', 'timelapse', 'sea'], description: 'Fishing boats leave the harbour as the sun comes up over the breakwater.', viewCount: 900, durationSec: 95 });
    ids.night = await seedVideo(app, creator.token, { title: 'Harbour lights by night', tags: ['harbour', 'night', 'timelapse'], viewCount: 300, durationSec: 130, ageDays: 2 });
    const other = await signUp(app, 'trailrider');
    ids.bikeOwner = other.username;
    ids.bike = await seedVideo(app, other.token, { title: 'Mountain bike descent', tags: ['bike'], viewCount: 50, durationSec: 1500 });
  });
  after(async () => {
    await browser?.close();
    await app?.close();
  });

  async function newPage(observed: Observed, width = 1280, height = 800): Promise<Page> {
    return (await newObservedPage(browser, observed, { baseURL: app.url, timeoutMs: UI_TIMEOUT_MS, width, height })).page;
  }

  async function logIn(page: Page, account: { username: string; password: string }): Promise<void> {
    await page.goto('/login');
    await page.getByLabel('Username or email').fill(account.username);
    await page.getByLabel('Password').fill(account.password);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.locator('.nav-username', { hasText: account.username }).waitFor({ state: 'attached' });
  }

  function assertClean(observed: Observed): void {
    assert.deepEqual(observed.violations, [], 'no CSP violations');
    assert.deepEqual(observed.errors, [], 'no script errors');
  }

  test('search: suggestions as you type, chosen with the keyboard; results mark the match and filter', async () => {
    const observed: Observed = { violations: [], errors: [] };
    const page = await newPage(observed);
    await page.goto('/');
    const box = page.getByRole('combobox', { name: 'Search videos' });
    await box.click();
    await box.pressSequentially('harb', { delay: 40 });
    const listbox = page.getByRole('listbox', { name: 'Suggestions' });
    const first = listbox.getByRole('option').first();
    // On a loaded machine the keys can come slower than the debounce, so the list for "ha" may
    // show first: wait for the one for all four letters (what was typed is marked in each).
    await until(async () => (await first.textContent()) === 'Harbour time-lapse at dawn' && (await first.locator('mark').first().textContent()) === 'Harb',
      'the most watched title to lead the suggestions for "harb", marked', UI_TIMEOUT_MS);
    assert.equal(await box.getAttribute('aria-expanded'), 'true');

    // Down selects the first suggestion (the box shows it), Escape takes it back and closes.
    await box.press('ArrowDown');
    assert.equal(await first.getAttribute('aria-selected'), 'true');
    assert.equal(await box.getAttribute('aria-activedescendant'), await first.getAttribute('id'));
    assert.equal(await box.inputValue(), 'Harbour time-lapse at dawn');
    await page.screenshot({ path: join(SCREENSHOTS, 'search-suggestions.png') });
    await box.press('Escape');
    assert.equal(await box.getAttribute('aria-expanded'), 'false');
    assert.equal(await box.inputValue(), 'harb');

    // Down opens the list again; Down, Enter searches for the suggestion.
    await box.press('ArrowDown');
    await until(async () => (await box.getAttribute('aria-expanded')) === 'true', 'the suggestions to open again', UI_TIMEOUT_MS);
    await box.press('ArrowDown');
    await box.press('Enter');
    await page.waitForURL((url) => url.pathname === '/search' && url.searchParams.get('q') === 'Harbour time-lapse at dawn');
    const results = page.getByRole('list', { name: 'Search results' });
    const top = results.locator('.search-result').first();
    await top.waitFor();
    assert.equal(await top.getAttribute('data-video-id'), ids.dawn);
    assert.deepEqual(await top.locator('.result-title mark').allTextContents(), ['Harbour', 'time', 'lapse', 'at', 'dawn']);
    assert.equal(await top.locator('.result-channel a').getAttribute('href'), `/c/${creator.username}`);

    // A typo and a filter: "harbor" finds both harbour videos; "Over 20 minutes" finds neither.
    await box.fill('harbor');
    await box.press('Enter');
    await page.waitForURL((url) => url.searchParams.get('q') === 'harbor');
    await until(async () => (await results.locator('.search-result').count()) === 2, 'both harbour videos for "harbor"', UI_TIMEOUT_MS);
    assert.equal(await results.locator('.search-result').first().locator('.result-title mark').first().textContent(), 'Harbour');
    await page.screenshot({ path: join(SCREENSHOTS, 'search-results.png') });
    await page.getByLabel('Duration').selectOption('long');
    await page.waitForURL((url) => url.searchParams.get('duration') === 'long');
    await page.getByRole('heading', { name: 'No videos match “harbor”' }).waitFor();
    await page.getByRole('link', { name: 'Search without filters' }).click();
    await until(async () => (await results.locator('.search-result').count()) === 2, 'the results again without the filter', UI_TIMEOUT_MS);
    assertClean(observed);
    await page.context().close();
  });

  test('channel: a viewer subscribes, the count moves, the feed and home show its video; signed out, a prompt', async () => {
    const observed: Observed = { violations: [], errors: [] };
    const page = await newPage(observed);

    // Signed out: the username on a card leads to the channel, whose Subscribe asks to log in.
    await page.goto('/');
    await page.locator('.video-card').filter({ hasText: 'Harbour lights by night' }).first().getByRole('link', { name: creator.username }).click();
    await page.waitForURL(`**/c/${creator.username}`);
    await page.getByRole('heading', { level: 1, name: creator.username }).waitFor();
    const count = page.getByTestId('subscriber-count');
    assert.equal(await count.textContent(), '0 subscribers');
    assert.deepEqual(await page.getByRole('list', { name: `Videos of ${creator.username}` }).locator('.card-title').allTextContents(), ['Harbour time-lapse at dawn', 'Harbour lights by night'], 'newest first');
    await page.getByTestId('subscribe').click();
    await page.getByTestId('sign-in-dialog').getByRole('heading', { name: `Subscribe to ${creator.username}?` }).waitFor();
    assert.match(await page.getByTestId('sign-in-dialog').getByRole('link', { name: 'Log in' }).getAttribute('href') ?? '', new RegExp(`^/login\\?next=%2Fc%2F${creator.username}$`));
    await page.getByRole('button', { name: 'Not now' }).click();

    // Signed in: subscribe, and the count says so at once and after a reload.
    const viewer = await signUp(app, 'viewer');
    await logIn(page, viewer);
    await page.goto(`/c/${creator.username}`);
    const subscribe = page.getByTestId('subscribe');
    await until(async () => (await subscribe.getAttribute('aria-pressed')) === 'false', 'the Subscribe button', UI_TIMEOUT_MS);
    await subscribe.click();
    await until(async () => (await subscribe.getAttribute('aria-pressed')) === 'true' && (await subscribe.textContent()) === 'Subscribed', 'the button to say Subscribed', UI_TIMEOUT_MS);
    assert.equal(await count.textContent(), '1 subscriber');
    const subs = await app.api('GET', '/api/v1/me/subscriptions', { token: viewer.token });
    assert.deepEqual(subs.body.items.map((c: { username: string }) => c.username), [creator.username]);
    await page.reload();
    await until(async () => (await page.getByTestId('subscriber-count').textContent()) === '1 subscriber', 'the count after a reload', UI_TIMEOUT_MS);
    await page.screenshot({ path: join(SCREENSHOTS, 'channel.png') });

    // The Subscriptions page: the channel, and its videos newest first.
    await page.getByRole('link', { name: 'Subscriptions' }).click();
    await page.getByRole('list', { name: 'Channels you follow' }).getByRole('link', { name: creator.username }).waitFor();
    assert.deepEqual(await page.getByRole('list', { name: 'New videos from your subscriptions' }).locator('.card-title').allTextContents(), ['Harbour time-lapse at dawn', 'Harbour lights by night']);
    // Home: "From your subscriptions".
    await page.getByRole('link', { name: 'Kinema home' }).click();
    const row = page.getByRole('list', { name: 'New from your subscriptions' });
    await row.waitFor();
    assert.ok((await row.locator('.card-title').allTextContents()).includes('Harbour time-lapse at dawn'));

    // Unsubscribe from the channel page: the count goes back.
    await page.goto(`/c/${creator.username}`);
    await until(async () => (await subscribe.getAttribute('aria-pressed')) === 'true', 'the button to show the subscription', UI_TIMEOUT_MS);
    await subscribe.click();
    await until(async () => (await page.getByTestId('subscriber-count').textContent()) === '0 subscribers', 'the count to go back to 0', UI_TIMEOUT_MS);
    assertClean(observed);
    await page.context().close();
  });

  test('watch: Up next holds related videos (co-watched first, then alike), linked to their channels; a tag leads to its search', async () => {
    // The watched video is real (uploaded and transcoded) so the page plays it. Two neighbours
    // share its tags and channel; a third shares nothing, but three viewers watched it right
    // after this one: co-visitation puts it first, content similarity brings the other two.
    const clip = await makeClip(await tempDir('kinema-discovery-'), { width: 320, height: 180, durationSec: 4, name: 'harbour-fog.mp4' });
    const created = await app.api('POST', '/api/v1/videos', { token: creator.token, body: { title: 'Harbour in the fog', tags: ['harbour', 'fog', 'sea'], visibility: 'public' } });
    assert.equal(created.status, 201);
    const videoId: string = created.body.id;
    await tusUpload(clip, { endpoint: `${app.url}/api/v1/uploads`, token: creator.token, videoId });
    await until(async () => {
      const v = (await app.api('GET', `/api/v1/videos/${videoId}`, { token: creator.token })).body;
      if (v.status === 'failed') throw new Error(`processing failed: ${v.failureReason}`);
      return v.status === 'ready';
    }, 'the video to be processed', PROCESSING_TIMEOUT_MS);
    for (let i = 0; i < 3; i++) {
      const viewer = await signUp(app, 'cowatcher');
      await recordWatch(app.platform.database.db, { userId: viewer.userId, videoId, minutesAgo: 6, progressSec: 4 });
      await recordWatch(app.platform.database.db, { userId: viewer.userId, videoId: ids.bike!, minutesAgo: 5, progressSec: 600 });
    }
    const related = await rankAndRead(app, `/api/v1/videos/${videoId}/related?limit=12`, (body) => body.items[0]?.id === ids.bike);
    assert.equal(related.items[0]?.id, ids.bike, 'the ranking job made the co-watched video its first neighbour');

    const observed: Observed = { violations: [], errors: [] };
    const page = await newPage(observed);
    await page.goto(`/watch/${videoId}`);
    const upNext = page.getByTestId('up-next');
    await upNext.waitFor();
    assert.equal(await upNext.getAttribute('data-source'), 'related', 'filled from related videos, not the newest fallback');
    assert.equal(await page.getByRole('heading', { name: 'Up next' }).count(), 1);
    const upNextIds = await upNext.locator('.up-next-item').evaluateAll((els) => els.map((e) => e.getAttribute('data-video-id')));
    assert.equal(upNextIds[0], ids.bike, `the co-watched video leads Up next (got ${upNextIds.join(', ')})`);
    assert.deepEqual(new Set(upNextIds.slice(1, 3)), new Set([ids.dawn, ids.night]), 'then the videos alike in tags and channel');
    assert.ok(!upNextIds.includes(videoId), 'not the video itself');
    assert.equal(await upNext.locator('.up-next-item').first().locator('.channel-link').getAttribute('href'), `/c/${ids.bikeOwner}`);
    assert.equal(await upNext.locator('.up-next-item').nth(1).locator('.channel-link').getAttribute('href'), `/c/${creator.username}`);

    // The watch page: the channel linked, the tags as links to their search.
    assert.equal(await page.locator('.watch-meta .watch-channel').getAttribute('href'), `/c/${creator.username}`);
    const tags = page.getByRole('list', { name: 'Tags' });
    assert.deepEqual(await tags.getByRole('link').allTextContents(), ['#harbour', '#fog', '#sea']);
    await tags.getByRole('link', { name: '#fog' }).click();
    await page.waitForURL((url) => url.pathname === '/search' && url.searchParams.get('q') === '#fog');
    const results = page.getByRole('list', { name: 'Search results' });
    await results.locator('.search-result').first().waitFor();
    assert.deepEqual(await results.locator('.search-result').evaluateAll((els) => els.map((e) => e.getAttribute('data-video-id'))), [videoId]);
    assertClean(observed);
    await page.context().close();
  });

  test('a channel with more videos than a page: Show more brings the rest, then goes away', async () => {
    const prolific = await signUp(app, 'prolific');
    const titles = Array.from({ length: 26 }, (_, i) => `Lesson ${String(i + 1).padStart(2, '0')}`);
    // Oldest first, so the newest-first page starts at lesson 26.
    for (const [i, title] of titles.entries()) await seedVideo(app, prolific.token, { title, ageDays: titles.length - i });
    const observed: Observed = { violations: [], errors: [] };
    const page = await newPage(observed);
    await page.goto(`/c/${prolific.username}`);
    const cards = page.locator('.video-card:not(.skeleton)');
    await until(async () => (await cards.count()) === 24, 'the first page of 24', UI_TIMEOUT_MS);
    assert.match((await cards.first().textContent()) ?? '', /Lesson 26/);
    const more = page.getByRole('button', { name: 'Show more' });
    await more.click();
    await until(async () => (await cards.count()) === 26, 'the last two after Show more', UI_TIMEOUT_MS);
    assert.match((await cards.last().textContent()) ?? '', /Lesson 01/);
    await until(async () => !(await more.isVisible()), 'Show more to go once the list is complete', UI_TIMEOUT_MS);
    assertClean(observed);
    await page.context().close();
  });
});
