/**
 * Start-time table: time to first frame (TTFF) on the watch page in headless Chromium, over real
 * network distance, for the seed's four rows (single origin far away, edge cold, edge warm, edge
 * warm with the low-rung fast start), beside the seed's 8.5 / 3.2 / 0.8 / 0.5 s.
 *
 * By default everything runs on this machine (root needed): client, edge and origin are network
 * namespaces joined by shaped links (bench/cdn/netns.ts: 80 ms RTT and 20 Mbit/s from client and
 * edge to the origin, 10 ms RTT and 100 Mbit/s from client to edge). The origin is a real
 * `kinema start` (temp DATA_DIR, PGlite) with one uploaded and transcoded clip; the edge is real
 * nginx from `kinema edge-config --role edge`; Chromium runs in the client namespace.
 *
 *   npx tsx bench/cdn/start-time.ts [--runs 10] [--duration 30] [--width 1920 --height 1080]
 *       [--far-rtt 80 --far-rate 20 --edge-rtt 10 --edge-rate 100] [--impairment auto|netem|delay-line]
 *       [--no-extras] [--json]
 *
 * Against your own hosts (no namespaces, no local api; Chromium runs here):
 *
 *   npx tsx bench/cdn/start-time.ts --video <id> --origin-url https://origin.example \
 *       --edge-url https://edge.example [--cold-cmd 'ssh edge1 kinema-purge-all']
 *
 * `--origin-url` pages must hand out origin media URLs and `--edge-url` pages edge ones (relative
 * media URLs, MEDIA_BASE_URL unset, do both). Edge-cold rows run only with `--cold-cmd`, a shell
 * command that empties the edge's cache before each cold run.
 *
 * Slow: transcoding the clip (minutes on a loaded machine), then ~6 x runs page loads, with the
 * edge restarted empty before every cold run and re-warmed before the warm ones.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { chromium, type Browser } from 'playwright-core';
import { renderEdgeConfig } from '../../src/modules/delivery/index.js';
import { packageRoot } from '../../src/platform/paths.js';
import { makeClip } from '../../test/fixtures/media.js';
import { CHROMIUM_ARGS, ensureChromium } from '../../test/e2e/browser.js';
import { buildWebApp } from '../../test/e2e/kinema.js';
import { until } from '../../test/support/poll.js';
import { tempDir } from '../../test/support/services.js';
import { tusUpload } from '../../test/support/tus.js';
import { startNetwork, type Network } from './netns.js';
import { percentile } from './origin.js';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '10' },
    duration: { type: 'string', default: '30' },
    width: { type: 'string', default: '1920' },
    height: { type: 'string', default: '1080' },
    'far-rtt': { type: 'string', default: '80' },
    'far-rate': { type: 'string', default: '20' },
    'edge-rtt': { type: 'string', default: '10' },
    'edge-rate': { type: 'string', default: '100' },
    impairment: { type: 'string', default: 'auto' },
    'no-extras': { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
    // Against existing hosts:
    'origin-url': { type: 'string' },
    'edge-url': { type: 'string' },
    video: { type: 'string' },
    'cold-cmd': { type: 'string' },
  },
});
const runs = Number(values.runs);
const external = !!(values['origin-url'] || values['edge-url']);
if (external && !values.video) throw new Error('--origin-url/--edge-url need --video <id> (a public, ready video)');
if (!['auto', 'netem', 'delay-line'].includes(values.impairment)) throw new Error('--impairment is auto, netem or delay-line');

const ORIGIN_PORT = 8080;
const EDGE_PORT = 8080;

interface Sample {
  ttffMs: number;
  /** The page's HTML fully received. */
  htmlMs: number;
  manifestMs: number;
  firstSegmentMs: number;
  /** Rungs whose video segments were requested before the first frame. */
  rung: string;
}

/**
 * How the watch page starts playing:
 * - `fast-start`: the web app as shipped, first visit: play answer inlined in the page, media
 *   fetched before hls.js has loaded, lowest rung first;
 * - `top-rung`: the same app for a returning viewer whose last measured throughput was high
 *   (saved in localStorage): it starts on the top rung, i.e. without the low-rung fast start;
 * - `hls-defaults`: `?hlsDefaults=1`, hls.js with its default settings and nothing else.
 */
type Player = 'fast-start' | 'top-rung' | 'hls-defaults';

interface Row {
  key: string;
  label: string;
  /** The seed's figure, seconds (undefined: a row the seed does not have). */
  seedSec?: number;
  base: 'origin' | 'edge';
  player: Player;
  edge: 'none' | 'cold' | 'warm';
}

const ROWS: Row[] = [
  { key: 'far', label: 'single origin, far away', seedSec: 8.5, base: 'origin', player: 'top-rung', edge: 'none' },
  { key: 'cold', label: 'edge, cold', seedSec: 3.2, base: 'edge', player: 'top-rung', edge: 'cold' },
  { key: 'warm', label: 'edge, warm', seedSec: 0.8, base: 'edge', player: 'top-rung', edge: 'warm' },
  { key: 'warm-fast', label: 'edge, warm, low-rung fast start', seedSec: 0.5, base: 'edge', player: 'fast-start', edge: 'warm' },
  { key: 'far-fast', label: '(extra) single origin, fast start', base: 'origin', player: 'fast-start', edge: 'none' },
  { key: 'cold-fast', label: '(extra) edge cold, fast start', base: 'edge', player: 'fast-start', edge: 'cold' },
  { key: 'warm-hls', label: '(extra) edge warm, hls.js defaults', base: 'edge', player: 'hls-defaults', edge: 'warm' },
];

/** A saved throughput of 1 Gbit/s: every rung fits, so the player starts on the top one. */
const RETURNING_FAST_VIEWER = `try { localStorage.setItem('kinema.bandwidthBps', '1000000000'); } catch {}`;

/** Read in the page (a string: tsx would wrap nested functions in a helper the page lacks). */
const COLLECT = `(() => {
  const resources = performance.getEntriesByType('resource');
  const end = (re) => { const r = resources.find((x) => re.test(x.name)); return r ? r.responseEnd : NaN; };
  return {
    ttffMs: performance.getEntriesByName('kinema:first-frame')[0].startTime,
    htmlMs: performance.getEntriesByType('navigation')[0].responseEnd,
    manifestMs: end(/master\\.m3u8/),
    firstSegmentMs: end(/\\.m4s/),
    rung: [...new Set(resources.filter((x) => x.startTime < performance.getEntriesByName('kinema:first-frame')[0].startTime).map((x) => (/\\/([^/]+)\\/seg_\\d+\\.m4s/.exec(x.name) || [])[1]).filter((r) => r && r !== 'audio'))].join('+'),
  };
})()`;

/**
 * Fetches every object of the video (all rungs, audio) through the page's host (the edge), then
 * asks again for the master and each rung's first segment and hands back their X-Cache-Status.
 */
const WARM = (videoId: string) => `(async () => {
  const play = await (await fetch('/api/v1/videos/${videoId}/play')).json();
  const master = new URL(play.hlsManifest, location.href);
  const get = async (u) => { const r = await fetch(u, { cache: 'no-store' }); const b = await r.arrayBuffer(); return { r, b }; };
  const masterText = new TextDecoder().decode((await get(master)).b);
  // Variant playlists and alternative renditions (EXT-X-MEDIA URI=, e.g. audio).
  const uris = masterText.split('\\n').filter((l) => l && !l.startsWith('#')).concat([...masterText.matchAll(/#EXT-X-MEDIA:.*URI="([^"]+)"/g)].map((m) => m[1]));
  const rungs = uris.map((l) => new URL(l, master));
  let bytes = 0, objects = 0;
  const firsts = [];
  await Promise.all(rungs.map(async (rung) => {
    const text = new TextDecoder().decode((await get(rung)).b);
    const map = /#EXT-X-MAP:URI="([^"]+)"/.exec(text);
    const files = (map ? [map[1]] : []).concat(text.split('\\n').filter((l) => l && !l.startsWith('#')));
    for (const f of files) { const { b } = await get(new URL(f, rung)); bytes += b.byteLength; objects++; }
    firsts.push(new URL(files[map ? 1 : 0], rung));
  }));
  const statuses = [];
  for (const u of [master, ...firsts]) { const { r } = await get(u); statuses.push(u.pathname + ' ' + r.headers.get('x-cache-status')); }
  return { bytes, objects, statuses };
})()`;

async function newPageLoad(browser: Browser, url: string, player: Player): Promise<Sample> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  try {
    if (player === 'top-rung') await context.addInitScript(RETURNING_FAST_VIEWER);
    const page = await context.newPage();
    await page.goto(url, { waitUntil: 'commit', timeout: 120_000 });
    await page.waitForFunction(() => performance.getEntriesByName('kinema:first-frame').length > 0, undefined, { timeout: 120_000, polling: 20 });
    return (await page.evaluate(COLLECT)) as Sample;
  } finally {
    await context.close();
  }
}

async function warmEdge(browser: Browser, edgeUrl: string, videoId: string): Promise<{ bytes: number; objects: number; statuses: (string | null)[] }> {
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    await page.goto(`${edgeUrl}/`, { waitUntil: 'commit', timeout: 120_000 });
    const warmed = (await page.evaluate(WARM(videoId))) as { bytes: number; objects: number; statuses: (string | null)[] };
    if (warmed.statuses.some((s) => !s?.endsWith(' HIT'))) throw new Error(`the edge did not answer HIT after warming: ${warmed.statuses.join(', ')}`);
    return warmed;
  } finally {
    await context.close();
  }
}

/** Kinema (`kinema start`, api + worker) in the origin namespace, reached from here over the admin link. */
async function startOrigin(net: Network): Promise<{ url: string; child: ChildProcess; logs: () => string }> {
  const dataDir = await tempDir('kinema-start-time-');
  const child = net.spawnIn(net.ns.origin, process.execPath, ['--import', 'tsx', join(packageRoot, 'src', 'cli.ts'), 'start'], {
    cwd: packageRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      DATA_DIR: dataDir,
      HOST: '0.0.0.0',
      PORT: String(ORIGIN_PORT),
      LOG_LEVEL: 'warn',
      // No PUBLIC_URL/MEDIA_BASE_URL: media URLs stay relative, so a page loaded from the edge
      // plays from the edge and one loaded from the origin plays from the origin.
      PUBLIC_URL: '',
      MEDIA_BASE_URL: '',
      TRUST_PROXY: '10.3.0.1',
      SIGNUPS_PER_ADDRESS_PER_HOUR: '0',
    },
  });
  let out = '';
  child.stdout!.on('data', (d) => (out = (out + d).slice(-20_000)));
  child.stderr!.on('data', (d) => (out = (out + d).slice(-20_000)));
  const url = `http://${net.ip.originFromRoot}:${ORIGIN_PORT}`;
  await until(async () => {
    if (child.exitCode !== null) throw new Error(`kinema start exited (${child.exitCode}): ${out}`);
    return (await fetch(`${url}/`).then((r) => r.ok, () => false)) || undefined;
  }, 'kinema to answer in the origin namespace', 300_000, 250);
  return { url, child, logs: () => out };
}

async function json(url: string, method: string, body?: unknown, token?: string): Promise<any> {
  const r = await fetch(url, { method, headers: { ...(body ? { 'content-type': 'application/json' } : {}), ...(token ? { authorization: `Bearer ${token}` } : {}) }, body: body ? JSON.stringify(body) : undefined });
  const text = await r.text();
  if (!r.ok) throw new Error(`${method} ${url}: ${r.status} ${text}`);
  return text ? JSON.parse(text) : undefined;
}

async function uploadClip(originUrl: string): Promise<string> {
  const username = `starttime_${Date.now().toString(36)}`;
  const { token } = await json(`${originUrl}/api/v1/auth/signup`, 'POST', { username, email: `${username}@example.test`, password: 'correct horse battery staple' });
  const dir = await tempDir('kinema-start-clip-');
  const clip = await makeClip(dir, { width: Number(values.width), height: Number(values.height), durationSec: Number(values.duration), rate: 30 });
  const { id } = await json(`${originUrl}/api/v1/videos`, 'POST', { title: 'Start-time bench clip', visibility: 'public' }, token);
  await tusUpload(clip, { endpoint: `${originUrl}/api/v1/uploads`, token, videoId: id });
  const video = await until(async () => {
    const v = await json(`${originUrl}/api/v1/videos/${id}`, 'GET', undefined, token);
    return (v.status === 'ready' || v.status === 'failed') && v;
  }, 'the clip to be transcoded', 3_600_000, 1000);
  if (video.status !== 'ready') throw new Error(`transcode failed: ${video.failureReason}`);
  return id as string;
}

/** nginx from `kinema edge-config --role edge` in the edge namespace, with an empty cache. */
class NsEdge {
  private child?: ChildProcess;
  private generation = 0;
  constructor(private net: Network, private dir: string) {}

  get url(): string {
    return `http://${this.net.ip.edgeFromClient}:${EDGE_PORT}`;
  }

  async start(): Promise<void> {
    const run = join(this.dir, 'run');
    const cache = join(this.dir, `cache-${this.generation++}`);
    await mkdir(run, { recursive: true });
    await mkdir(cache, { recursive: true });
    // nginx started as root runs its workers as nobody: let them write here.
    await Promise.all([this.dir, run, cache].map((d) => chmod(d, 0o777)));
    const conf = join(this.dir, 'nginx.conf');
    await writeFile(conf, renderEdgeConfig({
      role: 'edge', origins: [`${this.net.ip.originFromEdge}:${ORIGIN_PORT}`], listen: `${this.net.ip.edgeFromClient}:${EDGE_PORT}`,
      cacheDir: cache, runDir: run, maxCacheSize: '4g',
    }));
    const child = this.net.spawnIn(this.net.ns.edge, 'nginx', ['-p', this.dir, '-c', conf, '-g', 'daemon off;'], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr!.on('data', (d) => (stderr += d));
    this.child = child;
    // Up: the edge answers a client in the client namespace (any HTTP status).
    await until(async () => {
      if (child.exitCode !== null) throw new Error(`nginx exited: ${stderr}${await readFile(join(run, 'error.log'), 'utf8').catch(() => '')}`);
      const r = this.net.runIn(this.net.ns.client, 'curl', ['-s', '-o', '/dev/null', '-m', '5', '-w', '%{http_code}', `${this.url}/robots.txt`]);
      return r.stdout !== '000' || undefined;
    }, 'the edge to answer', 60_000, 100);
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGQUIT');
    await exited;
  }

  /** The tail of nginx's error and access logs (for a failure report). */
  async logs(): Promise<string> {
    const read = (f: string) => readFile(join(this.dir, 'run', f), 'utf8').then((t) => t.split('\n').slice(-15).join('\n'), () => '');
    return `error.log:\n${await read('error.log')}\naccess.log:\n${await read('access.log')}`;
  }

  /** A fresh nginx with an empty cache directory (the old one is left behind in the temp dir). */
  async restartCold(): Promise<void> {
    await this.stop();
    await this.start();
  }
}

async function launchIn(ns: string | undefined): Promise<Browser> {
  const chromiumPath = await ensureChromium();
  let executablePath = chromiumPath;
  if (ns) {
    // Playwright talks to Chromium over inherited pipes, which `ip netns exec` passes through.
    const dir = await tempDir('kinema-chromium-ns-');
    executablePath = join(dir, 'chromium');
    await writeFile(executablePath, `#!/bin/sh\nexec ip netns exec ${ns} ${chromiumPath} "$@"\n`, { mode: 0o755 });
  }
  return chromium.launch({ executablePath, args: CHROMIUM_ARGS, headless: true });
}

async function main(): Promise<void> {
  const rows = ROWS.filter((r) => !values['no-extras'] || r.seedSec !== undefined).filter((r) => {
    if (!external) return true;
    if (r.base === 'origin') return !!values['origin-url'];
    return !!values['edge-url'] && (r.edge !== 'cold' || !!values['cold-cmd']);
  });
  let net: Network | undefined;
  let origin: Awaited<ReturnType<typeof startOrigin>> | undefined;
  let edge: NsEdge | undefined;
  let browser: Browser | undefined;
  const onSignal = () => process.exit(130); // the 'exit' hook in netns.ts deletes the namespaces
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    let originUrl: string;
    let edgeUrl: string;
    let videoId: string;
    let coldReset: () => Promise<void>;
    const shape = { far: { rttMs: Number(values['far-rtt']), rateMbit: Number(values['far-rate']) }, edge: { rttMs: Number(values['edge-rtt']), rateMbit: Number(values['edge-rate']) } };
    if (external) {
      originUrl = (values['origin-url'] ?? '').replace(/\/+$/, '');
      edgeUrl = (values['edge-url'] ?? '').replace(/\/+$/, '');
      videoId = values.video!;
      coldReset = async () => {
        const r = spawnSync('sh', ['-c', values['cold-cmd']!], { stdio: 'inherit' });
        if (r.status !== 0) throw new Error(`--cold-cmd failed (${r.status})`);
      };
      browser = await launchIn(undefined);
    } else {
      console.log('building the web app…');
      await buildWebApp();
      net = await startNetwork({ edgeLink: shape.edge, farLink: shape.far, impairment: values.impairment as 'auto' });
      console.log(`namespaces ${Object.values(net.ns).join(', ')}; links shaped with ${net.impairment === 'netem' ? 'tc netem' : 'tbf + bench/cdn/delay-line.py (this kernel has no sch_netem)'}`);
      origin = await startOrigin(net);
      console.log(`transcoding a ${values.width}x${values.height} ${values.duration} s clip on the origin…`);
      const t0 = performance.now();
      videoId = await uploadClip(origin.url);
      console.log(`ready after ${((performance.now() - t0) / 1000).toFixed(0)} s`);
      const e = new NsEdge(net, await tempDir('kinema-start-edge-'));
      edge = e;
      await e.start();
      originUrl = `http://${net.ip.originFromClient}:${ORIGIN_PORT}`;
      edgeUrl = e.url;
      coldReset = () => e.restartCold();
      browser = await launchIn(net.ns.client);
    }
    const urlOf = (r: Row) => `${r.base === 'origin' ? originUrl : edgeUrl}/watch/${videoId}${r.player === 'hls-defaults' ? '?hlsDefaults=1' : ''}`;
    const load = (r: Row) => newPageLoad(browser!, urlOf(r), r.player);
    const loadBefore = loadavg()[0]!;
    // Not counted: the origin's first requests (JIT, file cache) and Chromium's own start-up.
    for (const r of rows.filter((x) => x.base === 'origin')) await load(r);
    const samples = new Map<string, Sample[]>(rows.map((r) => [r.key, []]));
    let warmedBytes = 0;
    for (let i = 0; i < runs; i++) {
      // Interleaved so drift in the machine's load hits every row alike.
      for (const r of rows.filter((x) => x.edge !== 'warm')) {
        if (r.edge === 'cold') await coldReset();
        samples.get(r.key)!.push(await load(r));
      }
      if (rows.some((x) => x.edge === 'warm')) {
        warmedBytes = (await warmEdge(browser, edgeUrl, videoId)).bytes;
        // Warm also means the web app's files are at the edge: one untimed load of each page.
        for (const r of rows.filter((x) => x.edge === 'warm')) await load(r);
        for (const r of rows.filter((x) => x.edge === 'warm')) samples.get(r.key)!.push(await load(r));
      }
      process.stdout.write(`run ${i + 1}/${runs}: ${rows.map((r) => `${r.key} ${Math.round(samples.get(r.key)!.at(-1)!.ttffMs)}`).join(', ')} ms\n`);
    }
    report(rows, samples, { loadBefore, shape, impairment: net?.impairment ?? 'external', warmedBytes });
  } catch (err) {
    if (edge) console.error(`edge logs:\n${await edge.logs()}`);
    if (origin) console.error(`origin output:\n${origin.logs().slice(-3000)}`);
    throw err;
  } finally {
    await browser?.close().catch(() => undefined);
    await edge?.stop().catch(() => undefined);
    if (origin && origin.child.exitCode === null) {
      const exited = new Promise((r) => origin!.child.once('exit', r));
      origin.child.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
    }
    net?.close();
  }
}

function report(rows: Row[], samples: Map<string, Sample[]>, ctx: { loadBefore: number; shape: { far: { rttMs: number; rateMbit: number }; edge: { rttMs: number; rateMbit: number } }; impairment: string; warmedBytes: number }): void {
  const table = rows.map((r) => {
    const s = samples.get(r.key)!;
    const med = (k: keyof Sample) => percentile(s.map((x) => x[k] as number).filter(Number.isFinite), 50);
    const median = med('ttffMs');
    const rungs = [...new Set(s.map((x) => x.rung).filter(Boolean))];
    return { ...r, median, p90: percentile(s.map((x) => x.ttffMs), 90), html: med('htmlMs'), manifest: med('manifestMs'), segment: med('firstSegmentMs'), rungs, better: r.seedSec === undefined ? undefined : median < r.seedSec * 1000 };
  });
  if (values.json) {
    console.log(JSON.stringify({ runs, ...ctx, rows: table, samples: Object.fromEntries(samples) }, null, 2));
    return;
  }
  const sec = (ms: number) => (Number.isFinite(ms) ? (ms / 1000).toFixed(2) : '–');
  const where = external ? `${values['origin-url'] ?? '-'} / ${values['edge-url'] ?? '-'}` : `client↔origin and edge↔origin ${ctx.shape.far.rttMs} ms RTT, ${ctx.shape.far.rateMbit} Mbit/s; client↔edge ${ctx.shape.edge.rttMs} ms RTT, ${ctx.shape.edge.rateMbit || '∞'} Mbit/s (${ctx.impairment})`;
  console.log(`\nStart-time table: TTFF on the watch page in headless Chromium, median of ${runs} cold-browser runs`);
  console.log(`${where}; ${values.width}x${values.height} ${values.duration} s clip${ctx.warmedBytes ? `, warm edge holds every rung (${(ctx.warmedBytes / 1e6).toFixed(1)} MB)` : ''}\n`);
  console.log('| row | seed | Kinema median | p90 | seed / Kinema | page HTML | master.m3u8 | 1st .m4s | video rungs fetched before 1st frame | better than seed |');
  console.log('|---|---|---|---|---|---|---|---|---|---|');
  for (const r of table) {
    console.log(`| ${r.label} | ${r.seedSec !== undefined ? `${r.seedSec} s` : '–'} | ${sec(r.median)} s | ${sec(r.p90)} s | ${r.seedSec !== undefined ? `${((r.seedSec * 1000) / r.median).toFixed(1)}x` : '–'} | ${sec(r.html)} s | ${sec(r.manifest)} s | ${sec(r.segment)} s | ${r.rungs.join('/')} | ${r.better === undefined ? '–' : r.better ? 'yes' : 'NO'} |`);
  }
  const loadAfter = loadavg()[0]!;
  console.log(`\nfast start: the web app as shipped, first visit (lowest rung first). Seed rows without it: the same app for a returning viewer with a high saved throughput, who starts on the top rung. hls.js defaults: ?hlsDefaults=1.`);
  console.log(`machine: ${cpus().length} CPUs, 1-min load average ${ctx.loadBefore.toFixed(1)} before / ${loadAfter.toFixed(1)} after` +
    (Math.max(ctx.loadBefore, loadAfter) > cpus().length ? ' — OVERLOADED: Chromium, nginx and Kinema compete for CPU with other work, figures are inflated' : ''));
  const seeded = table.filter((r) => r.better !== undefined);
  console.log(`target: every row better than the seed's → ${seeded.every((r) => r.better) ? 'met' : 'NOT met'}`);
}

await main();
