/**
 * The hot HTTP paths beside a bare Fastify hello-world, in the same run: `/play` (anonymous and
 * signed in, on a cache hit), the public listing, a channel listing, search, the watch page's
 * HTML and `/health`. Each target is loaded right after the baseline (autocannon, loopback, one
 * api process), in alternating slices, so the ratio holds when other work on the machine moves
 * the absolute figures.
 *
 *   npx tsx bench/http/run.ts [--connections 50] [--duration 5] [--runs 2]
 *       [--engine pglite|postgres] [--redis redis://127.0.0.1:6379] [--profile DIR] [--only NAME]
 *
 * --engine postgres uses a fresh database on the local PostgreSQL; --redis the shared cache (a key
 * prefix of its own). --profile writes the api process's V8 CPU profile of the load (not the seeding) into DIR;
 * summarise it with bench/http/profile-summary.ts.
 * Slow on purpose: (2 × duration + 1 s) per target per run, plus ~30 s to seed 30 videos.
 */
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { combine, fmt, load, range, spawnJsonChild, table, type LoadResult } from './load.js';

const { values } = parseArgs({
  options: {
    connections: { type: 'string', default: '50' },
    duration: { type: 'string', default: '5' },
    runs: { type: 'string', default: '2' },
    engine: { type: 'string', default: 'pglite' },
    redis: { type: 'string' },
    profile: { type: 'string' },
    only: { type: 'string' },
  },
});
const connections = Number(values.connections);
const durationSec = Number(values.duration);
const runs = Number(values.runs);

interface Target { name: string; path: string; headers?: Record<string, string> }
interface KinemaInfo { url: string; pid: number; engine: string; cache: string; beaconStatus: number; targets: Target[] }

/**
 * The machine is shared: its load moves within seconds. Baseline and target alternate in slices
 * (bare, kinema, bare, kinema, …) so both see the same weather, and the ratio compares like with like.
 */
const SLICES = 3;
async function alternate(bareRun: () => Promise<LoadResult>, kinemaRun: () => Promise<LoadResult>) {
  const bares: LoadResult[] = [];
  const kinemas: LoadResult[] = [];
  for (let i = 0; i < SLICES; i++) {
    bares.push(await bareRun());
    kinemas.push(await kinemaRun());
  }
  return { bare: combine(bares), kinema: combine(kinemas) };
}

const here = (f: string) => fileURLToPath(new URL(f, import.meta.url));
const bare = await spawnJsonChild<{ url: string; pid: number }>(here('./bare-server.ts'));
const kinema = await spawnJsonChild<KinemaInfo>(
  here('./kinema-server.ts'),
  ['--engine', values.engine, ...(values.redis ? ['--redis', values.redis] : [])],
  values.profile ? { BENCH_PROFILE_DIR: values.profile } : {},
);
const targets = kinema.info.targets.filter((t) => !values.only || t.name.includes(values.only));
const results = new Map<string, { bare: LoadResult; kinema: LoadResult }[]>();

try {
  console.log(`engine ${kinema.info.engine}, cache ${kinema.info.cache}; ${connections} connections, ${durationSec} s per figure, ${runs} run(s)`);
  for (let run = 1; run <= runs; run++) {
    for (const t of targets) {
      const url = `${kinema.info.url}${t.path}`;
      // Warm-up: fills the caches (the figures are for cache hits) and the JIT.
      await load({ url, connections: 10, durationSec: 1, headers: t.headers });
      if (values.profile && run === 1 && t === targets[0]) kinema.process.kill('SIGUSR2');
      const { bare: b, kinema: k } = await alternate(
        () => load({ url: `${bare.info.url}/`, connections, durationSec: durationSec / SLICES, pid: bare.info.pid }),
        () => load({ url, connections, durationSec: durationSec / SLICES, headers: t.headers, pid: kinema.info.pid }),
      );
      if (k.non2xx || k.errors) console.warn(`  ${t.name}: ${k.non2xx} non-2xx answers, ${k.errors} errors`);
      results.set(t.name, [...(results.get(t.name) ?? []), { bare: b, kinema: k }]);
      console.log(`run ${run} ${t.name}: ${fmt(k.rps)} req/s (bare ${fmt(b.rps)}) = ${(k.rps / b.rps).toFixed(2)}×, CPU ${fmt(k.cpuUsPerReq)} µs/req (bare ${fmt(b.cpuUsPerReq)}), p50 ${k.p50Ms} ms, p99 ${k.p99Ms} ms, RSS ${fmt(k.peakRssMb)} MB`);
    }
  }
} finally {
  await kinema.stop();
  await bare.stop();
}

const rows = targets.map((t) => {
  const rs = results.get(t.name) ?? [];
  return [
    t.name,
    range(rs.map((r) => r.kinema.rps)),
    range(rs.map((r) => r.bare.rps)),
    `${range(rs.map((r) => r.kinema.rps / r.bare.rps), 2)}×`,
    range(rs.map((r) => r.kinema.cpuUsPerReq)),
    range(rs.map((r) => r.bare.cpuUsPerReq)),
    `${range(rs.map((r) => r.bare.cpuUsPerReq / r.kinema.cpuUsPerReq), 2)}×`,
    range(rs.map((r) => r.kinema.p50Ms)),
    range(rs.map((r) => r.kinema.p99Ms)),
    range(rs.map((r) => r.kinema.peakRssMb)),
  ];
});
console.log(`\n${kinema.info.engine} + ${kinema.info.cache} cache, ${connections} connections, ${runs} run(s) of ${durationSec} s (ranges over runs)\n`);
console.log(table(['target', 'req/s', 'bare Fastify req/s', 'ratio', 'CPU µs/req', 'bare CPU µs/req', 'per-CPU ratio', 'p50 ms', 'p99 ms', 'RSS MB'], rows));
