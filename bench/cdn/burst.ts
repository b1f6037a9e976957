/**
 * Burst: N players start the same cold video at once through one edge (edge → shield → origin,
 * real nginx from `kinema edge-config`). For each way of coalescing it prints the fetches each
 * tier made per object and time-to-first-byte percentiles, beside a single cold request through
 * the same tiers (the baseline) as a ratio.
 *
 *   npx tsx bench/cdn/burst.ts [--players 1000] [--size-kb 1900] [--origin-delay-ms 20] [--whole] [--json]
 *
 * Players read the first 64 KB of the segment (a Range request); --whole reads whole bodies.
 *
 * Slow (~1 min): five tier pairs are started in turn, each with its own cache.
 */
import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { Agent, get as httpGet } from 'node:http';
import { startTier, type Edge, type TierOptions } from '../../test/support/nginx.js';
import { percentile, startSyntheticOrigin, type SyntheticOrigin } from './origin.js';

const { values } = parseArgs({
  options: {
    players: { type: 'string', default: '1000' },
    'size-kb': { type: 'string', default: '1900' },
    'origin-delay-ms': { type: 'string', default: '20' },
    json: { type: 'boolean', default: false },
    whole: { type: 'boolean', default: false },
  },
});
const players = Number(values.players);
const sizeBytes = Number(values['size-kb']) * 1024;
// One connection per player, as 1,000 browsers would open.
const agent = new Agent({ keepAlive: true, maxSockets: Infinity });

interface Mode {
  name: string;
  why: string;
  tier: Partial<TierOptions>;
  prewarm?: boolean;
}

const MODES: Mode[] = [
  { name: 'lock (shipped config)', why: 'proxy_cache_lock on, 10 s timeout', tier: {} },
  { name: 'lock, 50 ms timeout', why: 'waiters give up after 50 ms and fetch uncached from the next tier', tier: { lockTimeout: '50ms' } },
  { name: 'no lock', why: 'proxy_cache_lock off', tier: { cacheLock: false } },
  { name: 'slice 256k + lock', why: 'slice module: one lock per 256 KB slice', tier: { sliceSize: '256k' } },
  { name: 'pre-warmed', why: 'one request through the tiers before the burst', tier: {}, prewarm: true },
];

interface Answer {
  ttfbMs: number;
  totalMs: number;
  status: number;
  cache: string | null;
}

/** One GET: time to the response headers (first byte) and to the last byte. */
function get(url: string): Promise<Answer> {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    // Each player asks for the segment's first 64 KB (tiers still fetch and store whole objects):
    // with whole bodies, 1,000 x 1.9 MB through this one Node client measures the client.
    httpGet(url, { agent, headers: values.whole ? {} : { range: 'bytes=0-65535' } }, (res) => {
      const ttfbMs = performance.now() - t0;
      res.on('data', () => {});
      res.on('end', () => resolve({ ttfbMs, totalMs: performance.now() - t0, status: res.statusCode ?? 0, cache: (res.headers['x-cache-status'] as string) ?? null }));
      res.on('error', reject);
    }).on('error', reject);
  });
}

async function tiersFor(origin: SyntheticOrigin, mode: Partial<TierOptions>): Promise<{ shield: Edge; edge: Edge }> {
  const shield = await startTier({ role: 'shield', origins: [origin.host], maxCacheSize: '4g', ...mode });
  const edge = await startTier({ role: 'edge', origins: [shield.host], maxCacheSize: '4g', ...mode });
  return { shield, edge };
}

/** Requests the shield's access log recorded for `path` (written after each response). */
async function shieldRequests(shield: Edge, path: string): Promise<number> {
  await new Promise((r) => setTimeout(r, 1000));
  return (await shield.accessLog()).split('\n').filter((l) => l.includes(` ${path} `)).length;
}

const origin = await startSyntheticOrigin({ sizeOf: () => sizeBytes, delayMs: Number(values['origin-delay-ms']) });
const rows: Record<string, unknown>[] = [];
let n = 0;
// Baseline: one player, cold, through the shipped config.
{
  const { shield, edge } = await tiersFor(origin, {});
  const samples: number[] = [];
  for (let i = 0; i < 5; i++) samples.push((await get(`${edge.url}/media/base${i}/v1/seg_00001.m4s`)).ttfbMs);
  await Promise.all([edge.stop(), shield.stop()]);
  rows.push({ mode: 'baseline: 1 player, cold', originFetches: 1, shieldRequests: 1, p50: percentile(samples, 50), p90: NaN, p99: NaN, max: Math.max(...samples), hits: 0 });
}
const baseline = rows[0]!.p50 as number;
for (const mode of MODES) {
  const { shield, edge } = await tiersFor(origin, mode.tier);
  const path = `/media/burst${n++}/v1/seg_00001.m4s`;
  // The players are already connected (they loaded the page and the playlist): open the 1,000
  // keep-alive connections first, so the burst measures the cache, not 1,000 TCP handshakes.
  await get(`${edge.url}/media/connect${n}/v1/playlist.m3u8`);
  await Promise.all(Array.from({ length: players }, () => get(`${edge.url}/media/connect${n}/v1/playlist.m3u8`)));
  if (mode.prewarm) await get(`${edge.url}${path}`);
  const answers = await Promise.all(Array.from({ length: players }, () => get(`${edge.url}${path}`)));
  const ttfb = answers.map((a) => a.ttfbMs);
  rows.push({
    mode: mode.name,
    why: mode.why,
    originFetches: origin.fetches.get(path) ?? 0,
    shieldRequests: await shieldRequests(shield, path),
    failed: answers.filter((a) => a.status !== 200 && a.status !== 206).length,
    hits: answers.filter((a) => a.cache === 'HIT').length,
    p50: percentile(ttfb, 50),
    p90: percentile(ttfb, 90),
    p99: percentile(ttfb, 99),
    max: Math.max(...ttfb),
  });
  await Promise.all([edge.stop(), shield.stop()]);
}
await origin.close();
agent.destroy();

if (values.json) {
  process.stdout.write(`${JSON.stringify({ players, sizeBytes, baselineMs: baseline, rows }, null, 2)}\n`);
} else {
  const ms = (v: unknown) => (Number.isFinite(v) ? `${Math.round(v as number)}` : '–');
  const x = (v: unknown) => (Number.isFinite(v) ? `${((v as number) / baseline).toFixed(1)}x` : '–');
  console.log(`Burst: ${players} players, one cold ${(sizeBytes / 1e6).toFixed(1)} MB segment, one edge → shield → origin (${values['origin-delay-ms']} ms first byte)`);
  console.log(`players read ${values.whole ? 'whole segments' : 'the first 64 KB (Range)'}; machine: ${cpus().length} cores, load ${loadavg()[0]!.toFixed(1)}; TTFB in ms, ratio to the baseline's p50 (${ms(baseline)} ms)\n`);
  console.log('| mode | origin fetches | edge→shield requests | HITs at edge | TTFB p50 | p90 | p99 | max | p50 / baseline | p99 / baseline |');
  console.log('|---|---|---|---|---|---|---|---|---|---|');
  for (const r of rows) console.log(`| ${r.mode} | ${r.originFetches} | ${r.shieldRequests} | ${r.hits} | ${ms(r.p50)} | ${ms(r.p90)} | ${ms(r.p99)} | ${ms(r.max)} | ${x(r.p50)} | ${x(r.p99)} |`);
}
