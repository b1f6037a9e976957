/**
 * Cache hit table: a Zipf(0.9) request stream over a generated catalogue, through 3 edges and a
 * shield (real nginx from `kinema edge-config`) in front of a synthetic origin. For caches that
 * hold 1 %, 5 % and 20 % of the catalogue (each tier the same size) it prints the hit ratio per
 * tier, the origin's requests and bytes, with `proxy_cache_min_uses 2` and with pre-warming, the
 * cost table rebuilt from the measured origin byte ratio, and what LRU, SIEVE and S3-FIFO
 * simulated on the same stream would give (the baseline is nginx's measured edge hit ratio).
 *
 *   npx tsx bench/cdn/zipf.ts [--objects 3000] [--avg-kb 48] [--requests 24000] [--alpha 0.9]
 *                             [--concurrency 16] [--sizes 1,5,20] [--price-per-gb 0.09] [--json]
 *
 * Slow: ~1-2 min per configuration on an idle 2-core machine (9 configurations).
 */
import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { Agent, get as httpGet } from 'node:http';
import { startTier, type Edge, type TierOptions } from '../../test/support/nginx.js';
import { seededRandom } from '../support/seeded-random.js';
import { startSyntheticOrigin } from './origin.js';
import { lru, lruMinUses2, s3fifo, sieve, type SimCache } from './policies.js';

const { values } = parseArgs({
  options: {
    objects: { type: 'string', default: '3000' },
    'avg-kb': { type: 'string', default: '48' },
    requests: { type: 'string', default: '24000' },
    alpha: { type: 'string', default: '0.9' },
    concurrency: { type: 'string', default: '16' },
    sizes: { type: 'string', default: '1,5,20' },
    'price-per-gb': { type: 'string', default: '0.09' },
    seed: { type: 'string', default: '42' },
    json: { type: 'boolean', default: false },
  },
});
const objects = Number(values.objects);
const requests = Number(values.requests);
const alpha = Number(values.alpha);
const EDGES = 3;

const rand = seededRandom(Number(values.seed));
// Object sizes: uniform around the average (half to one and a half times it), 4 KB granularity.
const avg = Number(values['avg-kb']) * 1024;
const sizes = Array.from({ length: objects }, () => Math.max(4096, Math.round((avg * (0.5 + rand())) / 4096) * 4096));
const catalogueBytes = sizes.reduce((a, b) => a + b, 0);
// Popularity rank r (1 = most popular) is object perm[r-1]: popular objects are not neighbours.
const perm = Array.from({ length: objects }, (_, i) => i).sort(() => rand() - 0.5);
const cdf: number[] = [];
{
  let sum = 0;
  for (let r = 1; r <= objects; r++) cdf.push((sum += 1 / r ** alpha));
  for (let i = 0; i < cdf.length; i++) cdf[i]! /= sum;
}
const pick = () => {
  const u = rand();
  let lo = 0, hi = cdf.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (cdf[mid]! < u) lo = mid + 1; else hi = mid;
  }
  return perm[lo]!;
};
const stream = Array.from({ length: requests }, () => ({ object: pick(), edge: Math.floor(rand() * EDGES) }));
const pathOf = (o: number) => `/media/obj${String(o).padStart(6, '0')}/v1/seg.m4s`;
const sizeByPath = new Map(sizes.map((s, o) => [pathOf(o), s]));
// The first quarter fills the caches; ratios are over the rest (steady state) and over the first
// tenth (cold start, where pre-warming matters).
const warm = Math.floor(requests / 4);
const cold = Math.floor(requests / 10);

const agent = new Agent({ keepAlive: true, maxSockets: Number(values.concurrency) });
function get(url: string): Promise<string | null> {
  return new Promise((resolve, reject) => {
    httpGet(url, { agent }, (res) => {
      res.on('data', () => {});
      res.on('end', () => resolve((res.headers['x-cache-status'] as string) ?? null));
      res.on('error', reject);
    }).on('error', reject);
  });
}

interface Run {
  label: string;
  cachePct: number;
  edgeHit: number;
  edgeHitCold: number;
  shieldHit: number;
  originRequestRatio: number;
  originByteRatio: number;
  originRps: number;
  originMBps: number;
  seconds: number;
  /** An edge's cache on disk at the end, over its max_size (nginx evicts in the background). */
  diskOverMax: number;
}

const origin = await startSyntheticOrigin({ sizeOf: (p) => sizeByPath.get(p) ?? 4096 });

async function run(label: string, cachePct: number, tier: Partial<TierOptions>, prewarm: boolean): Promise<Run> {
  const maxCacheSize = `${Math.max(1, Math.floor((catalogueBytes * cachePct) / 100 / 1024))}k`;
  const shield = await startTier({ role: 'shield', origins: [origin.host], maxCacheSize, keysZoneSize: '8m', ...tier });
  const edges: Edge[] = [];
  for (let i = 0; i < EDGES; i++) edges.push(await startTier({ role: 'edge', origins: [shield.host], maxCacheSize, keysZoneSize: '8m', apiRatePerSec: 0, ...tier }));
  origin.reset();
  if (prewarm) {
    // The pre-warming job: the most popular objects, through each edge, up to half the cache.
    let budget = (catalogueBytes * cachePct) / 100 / 2;
    for (let r = 0; r < objects && budget > 0; r++) {
      const o = perm[r]!;
      budget -= sizes[o]!;
      for (const e of edges) await get(`${e.url}${pathOf(o)}`);
    }
    origin.reset();
  }
  const statuses: (string | null)[] = new Array(requests);
  let next = 0;
  let originAtWarm = { requests: 0, bytes: 0 };
  const t0 = performance.now();
  let tWarm = t0;
  const worker = async () => {
    while (next < requests) {
      const i = next++;
      if (i === warm) {
        originAtWarm = { requests: [...origin.fetches.values()].reduce((a, b) => a + b, 0), bytes: origin.bytes() };
        tWarm = performance.now();
      }
      const { object, edge } = stream[i]!;
      statuses[i] = await get(`${edges[edge]!.url}${pathOf(object)}`);
    }
  };
  await Promise.all(Array.from({ length: Number(values.concurrency) }, worker));
  const seconds = (performance.now() - tWarm) / 1000;
  const originRequests = [...origin.fetches.values()].reduce((a, b) => a + b, 0) - originAtWarm.requests;
  const originBytes = origin.bytes() - originAtWarm.bytes;
  await new Promise((r) => setTimeout(r, 1000)); // the shield writes its log line after each answer
  const shieldLines = (await shield.accessLog()).trim().split('\n').filter((l) => l.includes('/media/obj'));
  const diskKb = Number(spawnSync('du', ['-sk', join(dirname(edges[0]!.confPath), 'cache')], { encoding: 'utf8' }).stdout.split('\t')[0]);
  await Promise.all([...edges, shield].map((t) => t.stop()));
  const measured = statuses.slice(warm);
  const edgeMisses = measured.filter((s) => s !== 'HIT').length;
  const viewerBytes = stream.slice(warm).reduce((a, s) => a + sizes[s.object]!, 0);
  // Shield lines in the measured window: the last ones, one per edge miss.
  const shieldWindow = shieldLines.slice(-edgeMisses);
  return {
    label,
    cachePct,
    edgeHit: 1 - edgeMisses / measured.length,
    edgeHitCold: statuses.slice(0, cold).filter((s) => s === 'HIT').length / cold,
    shieldHit: shieldWindow.filter((l) => / HIT$/.test(l)).length / Math.max(1, shieldWindow.length),
    originRequestRatio: originRequests / measured.length,
    originByteRatio: originBytes / viewerBytes,
    originRps: originRequests / seconds,
    originMBps: originBytes / seconds / 1e6,
    seconds,
    diskOverMax: (diskKb * 1024) / ((catalogueBytes * cachePct) / 100),
  };
}

/**
 * The same stream through simulated caches held exactly to their size: 3 edges and a shield, each
 * with the policy. Returns the edge hit ratio and the origin's share of the viewer bytes.
 */
function simulate(cachePct: number) {
  const capacity = (catalogueBytes * cachePct) / 100;
  const policies: Record<string, (c: number) => SimCache> = { LRU: lru, 'LRU, admit at 2nd use': lruMinUses2, SIEVE: sieve, 'S3-FIFO': s3fifo };
  const out: Record<string, { edgeHit: number; originByteRatio: number }> = {};
  for (const [name, make] of Object.entries(policies)) {
    const caches = Array.from({ length: EDGES }, () => make(capacity));
    const shield = make(capacity);
    let hits = 0;
    let originBytes = 0;
    let viewerBytes = 0;
    stream.forEach((s, i) => {
      const size = sizes[s.object]!;
      const hit = caches[s.edge]!.access(s.object, size);
      const shieldHit = hit || shield.access(s.object, size);
      if (i < warm) return;
      viewerBytes += size;
      if (hit) hits++;
      if (!shieldHit) originBytes += size;
    });
    out[name] = { edgeHit: hits / (requests - warm), originByteRatio: originBytes / viewerBytes };
  }
  return out;
}

const pcts = values.sizes.split(',').map(Number);
const runs: Run[] = [];
for (const pct of pcts) {
  runs.push(await run('LRU (shipped)', pct, {}, false));
  runs.push(await run('min_uses 2', pct, { minUses: 2 }, false));
  runs.push(await run('LRU + pre-warm', pct, {}, true));
}
await origin.close();
agent.destroy();
const sims = Object.fromEntries(pcts.map((p) => [p, simulate(p)]));

const price = Number(values['price-per-gb']);
if (values.json) {
  process.stdout.write(`${JSON.stringify({ objects, catalogueBytes, requests, alpha, runs, sims }, null, 2)}\n`);
} else {
  const pc = (v: number) => `${(v * 100).toFixed(1)} %`;
  console.log(`Zipf(${alpha}) over ${objects} objects (${(catalogueBytes / 1e6).toFixed(0)} MB), ${requests} requests spread over ${EDGES} edges → 1 shield → origin`);
  console.log(`ratios over the last ${requests - warm} requests (the first ${warm} fill the caches); cold = the first ${cold}; machine: ${cpus().length} cores, load ${loadavg()[0]!.toFixed(1)}\n`);
  console.log('| cache holds | policy | edge hit | edge hit, cold start | shield hit | origin requests / viewer request | origin bytes / viewer bytes | origin req/s | origin MB/s | edge disk / max_size |');
  console.log('|---|---|---|---|---|---|---|---|---|---|');
  for (const r of runs) console.log(`| ${r.cachePct} % | ${r.label} | ${pc(r.edgeHit)} | ${pc(r.edgeHitCold)} | ${pc(r.shieldHit)} | ${pc(r.originRequestRatio)} | ${pc(r.originByteRatio)} | ${r.originRps.toFixed(0)} | ${r.originMBps.toFixed(1)} | ${r.diskOverMax.toFixed(2)} |`);
  console.log('\nSimulated on the same stream, caches held exactly to their size (3 edges + shield, same policy at both), beside nginx\'s measured edge hit ratio:\n');
  console.log('| cache holds | nginx edge hit (measured) | LRU edge hit | LRU, admit at 2nd use | SIEVE | S3-FIFO | best / LRU | origin bytes / viewer bytes: LRU | SIEVE | S3-FIFO |');
  console.log('|---|---|---|---|---|---|---|---|---|---|');
  for (const p of pcts) {
    const s = sims[p]!;
    const measured = runs.find((r) => r.cachePct === p && r.label === 'LRU (shipped)')!.edgeHit;
    const best = Math.max(...Object.values(s).map((v) => v.edgeHit));
    console.log(`| ${p} % | ${pc(measured)} | ${pc(s.LRU!.edgeHit)} | ${pc(s['LRU, admit at 2nd use']!.edgeHit)} | ${pc(s.SIEVE!.edgeHit)} | ${pc(s['S3-FIFO']!.edgeHit)} | ${(best / s.LRU!.edgeHit).toFixed(2)}x | ${pc(s.LRU!.originByteRatio)} | ${pc(s.SIEVE!.originByteRatio)} | ${pc(s['S3-FIFO']!.originByteRatio)} |`);
  }
  // Cost: viewer egress of 1 Gbit/s on average (~324 TB a month) served through these tiers.
  const monthTB = (1e9 / 8) * 86400 * 30 / 1e12;
  console.log(`\nCost of the origin's egress for 1 Gbit/s of viewing on average (${monthTB.toFixed(0)} TB a month), at $${price}/GB (set --price-per-gb); the baseline is no CDN:\n`);
  console.log('| cache holds | no CDN: origin TB/month | $ / month | nginx tiers as measured: TB/month | $ / month | LRU held to size (simulated): TB/month | $ / month | saved vs no CDN (simulated) |');
  console.log('|---|---|---|---|---|---|---|---|');
  for (const p of pcts) {
    const r = runs.find((x) => x.cachePct === p && x.label === 'LRU (shipped)')!;
    const tb = monthTB * r.originByteRatio;
    const sim = monthTB * sims[p]!.LRU!.originByteRatio;
    const usd = (t: number) => Math.round(t * 1000 * price).toLocaleString('en');
    console.log(`| ${p} % | ${monthTB.toFixed(0)} | ${usd(monthTB)} | ${tb.toFixed(1)} | ${usd(tb)} | ${sim.toFixed(1)} | ${usd(sim)} | ${pc(1 - sims[p]!.LRU!.originByteRatio)} |`);
  }
}
