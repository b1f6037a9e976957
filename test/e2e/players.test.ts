import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { transcodeFile } from '../../src/modules/transcode/transcode-file.js';
import { makeClip, tempDir } from '../fixtures/media.js';
import { until } from '../support/poll.js';
import { launchChromium } from './browser.js';
import { playedPast as playedPastFor, servePlayers, startHlsJs, startShaka, type PlayerHarness } from './player-harness.js';

/**
 * One ladder, two independent MSE players in Debian's Chromium: hls.js (the web app's) and Shaka
 * Player (what Smart TVs and Chromecast run), each from its own compiled build on a page this test
 * serves. Both play the same CMAF files, switch down to the cellular variant (and its own audio
 * group), and Shaka also runs trick play from the I-frame playlists, fetching their byte ranges.
 * (Safari's native player is not available here; the master and the I-frame playlists follow
 * Apple's authoring spec, which is what it reads.)
 */

const WAIT_MS = 120_000;

interface Requested {
  url: string;
  range?: string;
}

describe('the ladder in hls.js and Shaka Player (Chromium)', () => {
  let dir = '';
  let cleanup = async () => {};
  let players: PlayerHarness;
  let browser: Browser;
  const requests: Requested[] = [];

  before(async () => {
    ({ dir, cleanup } = await tempDir('kinema-players-'));
    const clip = await makeClip(dir, { width: 640, height: 360, durationSec: 12 });
    await transcodeFile(clip, join(dir, 'ladder'));
    players = await servePlayers(join(dir, 'ladder'), (req) => {
      requests.push({ url: req.url, ...(req.headers.range ? { range: req.headers.range } : {}) });
    });
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await players?.server.close();
    await cleanup();
  });

  const openPage = (script: 'hls.js' | 'shaka.js') => players.openPage(browser, script, WAIT_MS);
  const playedPast = (page: Page, sec: number) => playedPastFor(page, sec, WAIT_MS);

  test('hls.js plays the ladder, lists three variants (no I-frame variant among them) and switches to the cellular one', async () => {
    requests.length = 0;
    const { page, errors } = await openPage('hls.js');
    await startHlsJs(page);
    await playedPast(page, 1);
    const levels = await page.evaluate(() => (window as any).hls.levels.map((l: any) => `${l.width}x${l.height} ${l.bitrate}`));
    assert.equal(levels.length, 3, levels.join(' | '));
    const cellular = await page.evaluate(() => (window as any).hls.levels.findIndex((l: any) => l.height === 144));
    assert.ok(cellular >= 0, levels.join(' | '));
    assert.ok(Number(levels[cellular]!.split(' ')[1]) <= 192_000, levels[cellular]);

    await page.evaluate((i) => ((window as any).hls.currentLevel = i), cellular);
    await until(() => page.evaluate(() => (document.getElementById('v') as HTMLVideoElement).videoHeight === 144), 'the 144p picture', WAIT_MS);
    await until(() => requests.some((r) => r.url.startsWith('/media/audio-cellular/seg_')), 'cellular audio segments', WAIT_MS);
    const now = await page.evaluate(() => (document.getElementById('v') as HTMLVideoElement).currentTime);
    await playedPast(page, now + 1);
    assert.deepEqual(await page.evaluate(() => (window as any).fatal), []);
    assert.deepEqual(errors, []);
    await page.close();
  });

  test('Shaka Player plays the ladder, switches to the cellular variant and trick-plays from the I-frame playlists', async () => {
    requests.length = 0;
    const { page, errors } = await openPage('shaka.js');
    await startShaka(page);
    await playedPast(page, 1);

    const tracks = await page.evaluate(() => (window as any).player.getVariantTracks().map((t: any) => `${t.width}x${t.height} ${t.bandwidth}`));
    assert.equal(tracks.length, 3, tracks.join(' | '));
    // The I-frame playlists became trick-mode streams of the variants with the same resolution.
    const trickModes = await page.evaluate(() =>
      (window as any).player.getManifest().variants.map((v: any) => v.video?.trickModeVideo ? `${v.video.height}:${v.video.trickModeVideo.height}` : 'none'),
    );
    assert.deepEqual([...trickModes].sort(), ['144:144', '240:240', '360:360'], trickModes.join(' | '));

    await page.evaluate(() => {
      const player = (window as any).player;
      player.configure({ abr: { enabled: false } });
      player.selectVariantTrack(player.getVariantTracks().find((t: any) => t.height === 144), true);
    });
    await until(() => page.evaluate(() => (document.getElementById('v') as HTMLVideoElement).videoHeight === 144), 'the 144p picture', WAIT_MS);
    await until(() => requests.some((r) => r.url.startsWith('/media/audio-cellular/seg_')), 'cellular audio segments', WAIT_MS);

    // Trick play at 4x from the start: Shaka switches to the I-frame stream and fetches the
    // byte ranges the I-frame playlist names (each starts at a fragment's moof).
    const iframeRanges = new Set<string>();
    for (const label of ['144p', '240p', '360p']) {
      const text = await readFile(join(dir, 'ladder', label, 'iframes.m3u8'), 'utf8');
      for (const [, length, offset, uri] of text.matchAll(/#EXT-X-BYTERANGE:(\d+)@(\d+)\n(\S+)/g)) {
        iframeRanges.add(`/media/${label}/${uri} bytes=${offset}-${Number(offset) + Number(length) - 1}`);
      }
    }
    await page.evaluate(() => {
      const video = document.getElementById('v') as HTMLVideoElement;
      video.currentTime = 0;
      (window as any).player.trickPlay(4);
    });
    await until(() => requests.some((r) => iframeRanges.has(`${r.url} ${r.range}`)), 'a request for an I-frame byte range', WAIT_MS);
    await page.evaluate(() => (window as any).player.cancelTrickPlay());
    const now = await page.evaluate(() => (document.getElementById('v') as HTMLVideoElement).currentTime);
    await page.evaluate(() => (document.getElementById('v') as HTMLVideoElement).play());
    await playedPast(page, Math.min(now + 0.5, 10));
    assert.deepEqual(await page.evaluate(() => (window as any).errors), []);
    assert.deepEqual(errors, []);
    await page.close();
  });
});
