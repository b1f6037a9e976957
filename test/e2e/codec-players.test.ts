import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import type { VideoCodec } from '../../src/modules/transcode/codecs.js';
import { transcodeFile } from '../../src/modules/transcode/transcode-file.js';
import { makeClip, tempDir } from '../fixtures/media.js';
import { until } from '../support/poll.js';
import { launchChromium } from './browser.js';
import { playedPast as playedPastFor, servePlayers, startHlsJs, startShaka, type PlayerHarness } from './player-harness.js';

/**
 * A ladder with HEVC and AV1 twins (LADDER_CODECS=h264,hevc,av1) in Chromium's MSE players: each
 * player keeps to variants whose CODECS the browser says it decodes (Debian's Chromium: H.264 and
 * AV1, no HEVC without hardware), plays, and the AV1 variant plays when chosen.
 */

const WAIT_MS = 120_000;

const encoders = spawnSync('ffmpeg', ['-hide_banner', '-encoders'], { encoding: 'utf8' }).stdout ?? '';
const hasEncoder = (name: string) => new RegExp(`^\\s*V\\S*\\s+${name}\\s`, 'm').test(encoders);
const codecs: VideoCodec[] = ['h264', ...(hasEncoder('libx265') ? ['hevc' as const] : []), ...(hasEncoder('libsvtav1') ? ['av1' as const] : [])];

describe('a ladder with extra codecs in hls.js and Shaka Player (Chromium)', { skip: codecs.length === 1 && 'this ffmpeg has neither libx265 nor libsvtav1' }, () => {
  let dir = '';
  let cleanup = async () => {};
  let players: PlayerHarness;
  let browser: Browser;
  let variantCodecs: Map<string, string>;
  const requests: string[] = [];

  before(async () => {
    ({ dir, cleanup } = await tempDir('kinema-codec-players-'));
    const clip = await makeClip(dir, { width: 426, height: 240, durationSec: 8 });
    const out = await transcodeFile(clip, join(dir, 'ladder'), { codecs });
    variantCodecs = new Map([...out.renditions, ...out.codecRenditions].map((r) => [r.label, r.codecs.split(',')[0]!]));
    players = await servePlayers(join(dir, 'ladder'), (req) => void requests.push(req.url));
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await players?.server.close();
    await cleanup();
  });

  const openPage = (script: 'hls.js' | 'shaka.js') => players.openPage(browser, script, WAIT_MS);
  const playedPast = (page: Page, sec: number) => playedPastFor(page, sec, WAIT_MS);
  /** Which of the ladder's rungs this browser's MSE says it decodes, by label. */
  const decodable = (page: Page) => page.evaluate((entries) => Object.fromEntries(entries.map(([label, codec]) =>
    [label, MediaSource.isTypeSupported(`video/mp4; codecs="${codec}"`)])), [...variantCodecs]) as Promise<Record<string, boolean>>;
  /** Rung folders whose media segments were fetched. */
  const fetchedRungs = () => new Set(requests.flatMap((url) => /^\/media\/([^/]+)\/seg_/.exec(url)?.[1] ?? []).filter((r) => !r.startsWith('audio')));

  test('hls.js plays, never fetches a variant the browser cannot decode, and plays the AV1 variant when chosen', async () => {
    requests.length = 0;
    const { page, errors } = await openPage('hls.js');
    const canDecode = await decodable(page);
    await startHlsJs(page);
    await playedPast(page, 1);
    const levels = await page.evaluate(() => (window as any).hls.levels.map((l: any) => `${l.height} ${l.videoCodec}`));
    assert.equal(levels.length, Object.values(canDecode).filter(Boolean).length, `${levels.join(' | ')} vs ${JSON.stringify(canDecode)}`);
    for (const rung of fetchedRungs()) assert.ok(canDecode[rung], `fetched ${rung}, which this browser cannot decode`);

    // Chromium decodes AV1 in MSE (dav1d): the AV1 twin is the one extra variant it can play.
    if (codecs.includes('av1')) assert.equal(canDecode['240p-av1'], true, JSON.stringify(canDecode));
    if (canDecode['240p-av1']) {
      const av1 = await page.evaluate(() => (window as any).hls.levels.findIndex((l: any) => /^av01/.test(l.videoCodec)));
      assert.ok(av1 >= 0, levels.join(' | '));
      await page.evaluate((i) => {
        (window as any).hls.currentLevel = i;
        (document.getElementById('v') as HTMLVideoElement).currentTime = 0;
      }, av1);
      await until(() => fetchedRungs().has('240p-av1'), 'AV1 segments', WAIT_MS);
      await until(() => page.evaluate((i) => (window as any).hls.currentLevel === i, av1), 'hls.js on the AV1 level', WAIT_MS);
      await playedPast(page, 5);
      assert.equal(await page.evaluate(() => (document.getElementById('v') as HTMLVideoElement).videoHeight), 240);
    }
    assert.deepEqual(await page.evaluate(() => (window as any).fatal), []);
    assert.deepEqual(errors, []);
    await page.close();
  });

  test('Shaka Player plays one codec it decodes', async () => {
    requests.length = 0;
    const { page, errors } = await openPage('shaka.js');
    const canDecode = await decodable(page);
    await startShaka(page);
    await playedPast(page, 2);
    const active = await page.evaluate(() => (window as any).player.getVariantTracks().find((t: any) => t.active)?.videoCodec as string);
    const label = [...variantCodecs].find(([, codec]) => codec === active)?.[0];
    assert.ok(label && canDecode[label], `Shaka plays ${active}; decodable: ${JSON.stringify(canDecode)}`);
    for (const rung of fetchedRungs()) assert.ok(canDecode[rung], `fetched ${rung}, which this browser cannot decode`);
    assert.deepEqual(await page.evaluate(() => (window as any).errors), []);
    assert.deepEqual(errors, []);
    await page.close();
  });
});
