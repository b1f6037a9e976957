/**
 * Time to first frame (TTFF) of the watch page, in headless Chromium against a real Kinema on
 * localhost: navigation start → first video frame presented (the player's
 * `performance.mark('kinema:first-frame')`, set from requestVideoFrameCallback).
 *
 * Compares the web app as shipped (tuned hls.js config, early play request, low start rung) with
 * the same page using hls.js defaults (`?hlsDefaults=1`). Fresh browser context per run (cold
 * HTTP cache, no stored bandwidth estimate), runs interleaved so drift hits both alike.
 *
 *   npx tsx bench/ttff/run.ts [--runs 10] [--width 1280 --height 720 --duration 10] [--json]
 */
import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import type { Browser } from 'playwright-core';
import { makeClip } from '../../test/fixtures/media.js';
import { signUp, type TestApp } from '../../test/support/app.js';
import { tempDir } from '../../test/support/services.js';
import { tusUpload } from '../../test/support/tus.js';
import { launchChromium } from '../../test/e2e/browser.js';
import { startWebKinema, until } from '../../test/e2e/kinema.js';

interface Sample {
  ttffMs: number;
  playApiMs: number;
  hlsChunkMs: number;
  manifestMs: number;
  firstSegmentMs: number;
  startRung: string;
  /** Every `kinema:*` performance mark (ms since navigation start), for `--breakdown`. */
  marks: Record<string, number>;
}

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '10' },
    width: { type: 'string', default: '1280' },
    height: { type: 'string', default: '720' },
    duration: { type: 'string', default: '10' },
    json: { type: 'boolean', default: false },
    breakdown: { type: 'boolean', default: false },
    modes: { type: 'string', default: 'ours,defaults' },
  },
});
const runs = Number(values.runs);

async function readyVideo(app: TestApp): Promise<string> {
  const user = await signUp(app, 'bench');
  const dir = await tempDir('kinema-ttff-');
  const clip = await makeClip(dir, { width: Number(values.width), height: Number(values.height), durationSec: Number(values.duration), rate: 30 });
  const created = await app.api('POST', '/api/v1/videos', { token: user.token, body: { title: 'TTFF bench clip', visibility: 'public' } });
  const id: string = created.body.id;
  await tusUpload(clip, { endpoint: `${app.url}/api/v1/uploads`, token: user.token, videoId: id });
  const video = await until(async () => {
    const v = (await app.api('GET', `/api/v1/videos/${id}`)).body;
    return (v.status === 'ready' || v.status === 'failed') && v;
  }, 'the bench video to be processed', 600_000, 500);
  if (video.status !== 'ready') throw new Error(`transcode failed: ${video.failureReason}`);
  return id;
}

/**
 * Read in the page. A string, not a function: tsx (esbuild keepNames) would wrap nested
 * functions in a `__name` helper that does not exist in the browser.
 */
const COLLECT_TIMINGS = `(() => {
  const mark = performance.getEntriesByName('kinema:first-frame')[0];
  const resources = performance.getEntriesByType('resource');
  const end = (re) => { const r = resources.find((x) => re.test(x.name)); return r ? r.responseEnd : NaN; };
  return {
    ttffMs: mark.startTime,
    playApiMs: (performance.getEntriesByName('kinema:play-response')[0] || { startTime: end(/\\/play(\\?|$)/) }).startTime,
    hlsChunkMs: end(/\\/assets\\/watch-.*\\.js$/),
    manifestMs: end(/master\\.m3u8/),
    firstSegmentMs: end(/\\.m4s/),
    startRung: document.querySelector('.quality-label')?.textContent ?? '',
    marks: Object.fromEntries([['html', performance.getEntriesByType('navigation')[0].responseEnd]].concat(performance.getEntriesByType('mark').filter((m) => m.name.startsWith('kinema:')).map((m) => [m.name.slice(7), m.startTime]))),
  };
})()`;

/** One cold load of the watch page; times are ms since navigation start. */
async function measure(browser: Browser, url: string): Promise<Sample> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  try {
    const page = await context.newPage();
    await page.goto(url, { waitUntil: 'commit' });
    await page.waitForFunction(() => performance.getEntriesByName('kinema:first-frame').length > 0, undefined, { timeout: 30_000, polling: 20 });
    return (await page.evaluate(COLLECT_TIMINGS)) as Sample;
  } finally {
    await context.close();
  }
}

const percentile = (xs: number[], p: number) => {
  const s = [...xs].filter(Number.isFinite).sort((a, b) => a - b);
  if (!s.length) return NaN;
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;
};
const fmt = (ms: number) => (Number.isFinite(ms) ? `${ms.toFixed(0)} ms` : '—');

async function main(): Promise<void> {
  console.log('starting Kinema (api + worker) and building the web app…');
  const app = await startWebKinema();
  let browser: Browser | undefined;
  try {
    console.log(`transcoding a ${values.width}x${values.height} ${values.duration} s clip…`);
    const id = await readyVideo(app);
    browser = await launchChromium();
    const loadBefore = loadavg()[0]!;
    const base = `${app.url}/watch/${id}`;
    const urls = { ours: base, defaults: `${base}?hlsDefaults=1` } as const;
    const modes = (Object.keys(urls) as Mode[]).filter((m) => values.modes.split(',').includes(m));
    // Warm-up (not counted): the server's first requests and the OS file cache.
    for (const mode of modes) await measure(browser, urls[mode]);
    const samples: Record<Mode, Sample[]> = { ours: [], defaults: [] };
    for (let i = 0; i < runs; i++) {
      for (const mode of modes) samples[mode].push(await measure(browser, urls[mode]));
    }
    report(samples, loadBefore);
  } finally {
    await browser?.close();
    await app.close();
  }
}

type Mode = 'ours' | 'defaults';

/** `--breakdown`: the median time of every `kinema:*` mark, in the order they happen. */
function printBreakdown(samples: Record<Mode, Sample[]>): void {
  for (const mode of ['ours', 'defaults'] as const) {
    const s = samples[mode];
    if (!s.length) continue;
    const names = [...new Set(s.flatMap((x) => Object.keys(x.marks)))];
    const med = (name: string) => percentile(s.map((x) => x.marks[name] ?? NaN), 50);
    console.log(`\n${mode}: median mark times`);
    for (const name of names.sort((a, b) => med(a) - med(b))) console.log(`  ${name.padEnd(20)} ${fmt(med(name))}`);
  }
}

function report(samples: Record<Mode, Sample[]>, loadBefore: number): void {
  if (values.json) {
    console.log(JSON.stringify(samples, null, 2));
  }
  if (values.breakdown) printBreakdown(samples);
  const rows = (['ours', 'defaults'] as const).filter((mode) => samples[mode].length).map((mode) => {
    const s = samples[mode];
    const med = (k: keyof Sample) => percentile(s.map((x) => x[k] as number), 50);
    return {
      key: mode,
      mode: mode === 'ours' ? 'Kinema web app (tuned)' : 'hls.js defaults',
      median: med('ttffMs'),
      p95: percentile(s.map((x) => x.ttffMs), 95),
      playApi: med('playApiMs'),
      chunk: med('hlsChunkMs'),
      manifest: med('manifestMs'),
      segment: med('firstSegmentMs'),
      rung: s[0]?.startRung ?? '',
    };
  });
  console.log(`\nTTFF on the watch page, ${runs} cold runs each (ms from navigation start; breakdown = medians of when each response ended)\n`);
  const header = ['player config', 'TTFF median', 'TTFF p95', 'play API', 'watch chunk', 'master.m3u8', '1st segment', 'rung at first frame'];
  const table = [header, ...rows.map((r) => [r.mode, fmt(r.median), fmt(r.p95), fmt(r.playApi), fmt(r.chunk), fmt(r.manifest), fmt(r.segment), r.rung])];
  const widths = header.map((_, i) => Math.max(...table.map((row) => row[i]!.length)));
  for (const [i, row] of table.entries()) {
    console.log(row.map((cell, j) => cell.padEnd(widths[j]!)).join('  '));
    if (i === 0) console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  }
  const loadAfter = loadavg()[0]!;
  console.log(`\nmachine: ${cpus().length} CPUs, 1-min load average ${loadBefore.toFixed(1)} before / ${loadAfter.toFixed(1)} after` +
    (Math.max(loadBefore, loadAfter) > cpus().length ? ' — OVERLOADED: browser and server compete for CPU, figures are inflated' : ''));
  const ours = rows.find((r) => r.key === 'ours');
  const defaults = rows.find((r) => r.key === 'defaults');
  if (ours && defaults) console.log(`ratio (defaults / tuned, median): ${(defaults.median / ours.median).toFixed(2)}x`);
  if (ours) console.log(`target: median < 300 ms → ${ours.median < 300 ? 'met' : 'NOT met'}`);
}

await main();
