/**
 * Watchable while it transcodes: time from "upload complete" (the last tus PATCH answered) to the
 * first video frame on a viewer's screen, for a long 1080p source (default 10 minutes), with
 * publishing while encoding (PUBLISH_WHILE_ENCODING=true, the default) and without (false: the
 * whole ladder is encoded and uploaded before anything plays). Both in one run, on the same
 * source, one after the other (never side by side: they would share the CPU).
 *
 * Each mode: a fresh Kinema (api + worker, PGlite, local disk), the source uploaded with tus, the
 * play API polled every 200 ms from the moment the upload completed, and as soon as it answers 200
 * a cold Chromium context opens the watch page; first frame = the player's
 * `kinema:first-frame` mark (requestVideoFrameCallback), as wall-clock time.
 *
 *   npx tsx bench/progressive/run.ts [--duration 600] [--width 1920 --height 1080] [--modes after,before]
 */
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { parseArgs } from 'node:util';
import { makeClip } from '../../test/fixtures/media.js';
import { signUp, type TestApp } from '../../test/support/app.js';
import { tempDir } from '../../test/support/services.js';
import { tusUpload } from '../../test/support/tus.js';
import { launchChromium } from '../../test/e2e/browser.js';
import { buildWebApp, startWebKinema, until } from '../../test/e2e/kinema.js';

const run = promisify(execFile);
const { values } = parseArgs({
  options: {
    duration: { type: 'string', default: '600' },
    width: { type: 'string', default: '1920' },
    height: { type: 'string', default: '1080' },
    modes: { type: 'string', default: 'after,before' },
  },
});
const durationSec = Number(values.duration);
type Mode = 'after' | 'before';

interface Result {
  mode: Mode;
  /** Upload complete → a worker claimed the video (hand-off to the store, queue, pick-up). */
  claimedMs: number;
  /** Upload complete → the play API answered 200. */
  playableMs: number;
  /** Upload complete → first frame on screen. */
  firstFrameMs: number;
  /** Upload complete → the whole ladder published (before mode only; NaN when not waited for). */
  readyMs: number;
}

/**
 * A long source without minutes of generating it: a 20 s testsrc2 clip (moving picture, tone)
 * repeated by stream copy. The encoder sees every frame as new work all the same.
 */
async function makeSource(dir: string): Promise<string> {
  const unitSec = Math.min(20, durationSec);
  const unit = await makeClip(dir, { width: Number(values.width), height: Number(values.height), durationSec: unitSec, rate: 30, name: 'unit.mp4' });
  if (unitSec >= durationSec) return unit;
  const out = join(dir, 'source.mp4');
  const loops = Math.ceil(durationSec / unitSec) - 1;
  await run('ffmpeg', ['-hide_banner', '-v', 'error', '-y', '-stream_loop', String(loops), '-i', unit, '-c', 'copy', '-t', String(durationSec), out]);
  return out;
}

async function measure(mode: Mode, source: string): Promise<Result> {
  const app: TestApp = await startWebKinema({ build: false, env: { PUBLISH_WHILE_ENCODING: mode === 'after' ? 'true' : 'false' } });
  const browser = await launchChromium();
  try {
    const user = await signUp(app, `bench${mode}`);
    const created = await app.api('POST', '/api/v1/videos', { token: user.token, body: { title: `progressive bench (${mode})`, visibility: 'public' } });
    const id: string = created.body.id;
    await tusUpload(source, { endpoint: `${app.url}/api/v1/uploads`, token: user.token, videoId: id });
    const uploadedAt = Date.now();
    console.log(`  ${mode}: upload complete, waiting for the play API…`);
    let claimedMs = NaN;
    await until(async () => {
      // The owner's view: 202 with the status until playable, so the claim shows too.
      const r = await app.api('GET', `/api/v1/videos/${id}/play`, { token: user.token });
      if (Number.isNaN(claimedMs) && (r.status === 200 || r.body?.status === 'processing')) claimedMs = Date.now() - uploadedAt;
      return r.status === 200;
    }, `${mode}: the video to be playable`, 4 * 3600_000, 200);
    const playableMs = Date.now() - uploadedAt;
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    await page.goto(`${app.url}/watch/${id}`, { waitUntil: 'commit' });
    await page.waitForFunction(() => performance.getEntriesByName('kinema:first-frame').length > 0, undefined, { timeout: 120_000, polling: 20 });
    const frameAt = await page.evaluate(() => performance.timeOrigin + performance.getEntriesByName('kinema:first-frame')[0]!.startTime);
    await context.close();
    const firstFrameMs = frameAt - uploadedAt;
    console.log(`  ${mode}: playable after ${(playableMs / 1000).toFixed(1)} s, first frame after ${(firstFrameMs / 1000).toFixed(1)} s`);
    // Without publishing while encoding, playable means the whole ladder was published; with it,
    // the rest of the encode goes on after the first frame (not waited for: it takes as long as
    // the before mode's whole run).
    const readyMs = mode === 'before' ? playableMs : NaN;
    return { mode, claimedMs, playableMs, firstFrameMs, readyMs };
  } finally {
    await browser.close();
    await app.close();
  }
}

async function main(): Promise<void> {
  const dir = await tempDir('kinema-progressive-bench-');
  console.log(`making a ${values.width}x${values.height} ${durationSec} s source…`);
  const source = await makeSource(dir);
  await buildWebApp();
  const loadBefore = loadavg()[0]!;
  const modes = values.modes.split(',').filter((m): m is Mode => m === 'after' || m === 'before');
  const results: Result[] = [];
  for (const mode of modes) results.push(await measure(mode, source));
  const loadAfter = loadavg()[0]!;

  const s = (ms: number) => (Number.isFinite(ms) ? `${(ms / 1000).toFixed(1)} s` : '—');
  console.log(`\nUpload complete → first frame, ${values.width}x${values.height} source of ${durationSec} s (${(durationSec / 60).toFixed(1)} min)\n`);
  const header = ['publishing', 'worker claimed it', 'playable (play API 200)', 'first frame', 'whole ladder published'];
  const label = (m: Mode) => (m === 'after' ? 'while encoding (EVENT playlist)' : 'after the whole encode (before)');
  const table = [header, ...results.map((r) => [label(r.mode), s(r.claimedMs), s(r.playableMs), s(r.firstFrameMs), s(r.readyMs)])];
  const widths = header.map((_, i) => Math.max(...table.map((row) => row[i]!.length)));
  for (const [i, row] of table.entries()) {
    console.log(`| ${row.map((c, j) => c.padEnd(widths[j]!)).join(' | ')} |`);
    if (i === 0) console.log(`| ${widths.map((w) => '-'.repeat(w)).join(' | ')} |`);
  }
  const after = results.find((r) => r.mode === 'after');
  const before = results.find((r) => r.mode === 'before');
  if (after && before) console.log(`\nratio (before / after, first frame): ${(before.firstFrameMs / after.firstFrameMs).toFixed(1)}x`);
  console.log(`machine: ${cpus().length} CPUs, 1-min load average ${loadBefore.toFixed(1)} before / ${loadAfter.toFixed(1)} after`);
}

await main();
