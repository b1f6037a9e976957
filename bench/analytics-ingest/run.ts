/**
 * Watch-beacon ingest: beacons per second one api process accepts end to end (real HTTP on
 * loopback, autocannon), their p99 latency, and events per second landed in PostgreSQL, for the
 * batched append path beside a naive one-INSERT-per-beacon baseline, in the same run. Nothing may
 * be lost: every beacon answered 204 must be a row, counted at the end.
 *
 *   npx tsx bench/analytics-ingest/run.ts [--duration 20] [--connections 64] [--videos 200]
 *        [--sessions 50000] [--url postgres://postgres@127.0.0.1:5432/postgres]
 *
 * Each mode's server is a child process (server.ts); the load generator runs in this one.
 * The database is a fresh one on the server, dropped at the end.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createInterface } from 'node:readline';
import autocannon from 'autocannon';
import pg from 'pg';
import { openDatabase } from '../../src/platform/db/index.js';

const { values } = parseArgs({
  options: {
    duration: { type: 'string', default: '20' },
    connections: { type: 'string', default: '64' },
    videos: { type: 'string', default: '200' },
    sessions: { type: 'string', default: '50000' },
    url: { type: 'string', default: 'postgres://postgres@127.0.0.1:5432/postgres' },
    // Writes a V8 CPU profile of each server process into this directory (open it in Chrome DevTools).
    'cpu-prof': { type: 'string' },
    only: { type: 'string', description: 'batched or naive: run one mode' },
  },
});
const durationSec = Number(values.duration);
const connections = Number(values.connections);
const videoCount = Number(values.videos);
const sessionCount = Number(values.sessions);
const dbName = `kinema_bench_ingest_${randomBytes(4).toString('hex')}`;
const dbUrl = values.url.replace(/\/[^/]*$/, `/${dbName}`);
const UA = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';

async function admin<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: values.url });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

async function seed(): Promise<string[]> {
  const h = await openDatabase({ url: dbUrl });
  await h.migrate();
  await h.db.insertInto('users').values({ userId: 'bench-owner', username: 'bench', email: 'bench@example.test', passwordHash: 'x' }).execute();
  const ids = Array.from({ length: videoCount }, (_, i) => `bench${String(i).padStart(6, '0')}`);
  await h.db.insertInto('videos').values(ids.map((videoId) => ({
    videoId, userId: 'bench-owner', title: videoId, visibility: 'public' as const, status: 'ready' as const, failureReason: null, duration: 600,
    width: 1280, height: 720, originalFilename: null, originalSizeBytes: null, currentVersion: 'v1', processedAt: new Date(),
  }))).execute();
  await h.close();
  return ids;
}

/** Beacon rows in the bench database (one client kept open: the count runs every 100 ms). */
let counter: pg.Client | undefined;
async function beaconRows(): Promise<number> {
  if (!counter) {
    counter = new pg.Client({ connectionString: dbUrl });
    await counter.connect();
  }
  return Number((await counter.query("SELECT count(*)::int AS n FROM events WHERE type = 'beacon'")).rows[0].n);
}

async function startServer(mode: 'batched' | 'naive', dataDir: string): Promise<{ url: string; child: ChildProcess }> {
  const prof = values['cpu-prof'] ? ['--cpu-prof', '--cpu-prof-dir', values['cpu-prof']] : [];
  const child = spawn(process.execPath, [...prof, '--import', 'tsx', join(import.meta.dirname, 'server.ts'), mode, dbUrl, dataDir], { stdio: ['ignore', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout! });
  const url = await new Promise<string>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`${mode} server exited (${code})`)));
    lines.on('line', (line) => line.startsWith('READY ') && resolve(line.slice(6)));
  });
  return { url, child };
}

const stop = (child: ChildProcess) => new Promise<void>((resolve) => {
  child.once('exit', () => resolve());
  child.kill('SIGTERM');
});

/** A session's beacon `n` (every 10 s of playing), with the QoE totals the web player sends. */
function beaconBody(videos: string[]): { path: string; body: string } {
  const s = Math.floor(Math.random() * sessionCount);
  const n = 1 + Math.floor(Math.random() * 20);
  const at = n * 10;
  return {
    path: `/api/v1/videos/${videos[s % videos.length]}/progress`,
    body: JSON.stringify({
      sessionId: `benchsession${String(s).padStart(8, '0')}`, positionSec: at, played: [[0, at]], state: 'playing',
      qoe: { startupMs: 400 + (s % 900), watchMs: at * 1000 + 500, rebufferCount: s % 3 === 0 ? 1 : 0, rebufferMs: s % 3 === 0 ? 700 : 0,
        renditions: [{ height: 720, bitrateKbps: 2800, playedMs: at * 1000 }], playerWidth: 1280, playerHeight: 720 },
    }),
  };
}

interface ModeResult { mode: string; accepted: number; other: number; beaconsPerSec: number; p50: number; p99: number; landed: number; landedPerSec: number; landSec: number }

async function runMode(mode: 'batched' | 'naive', videos: string[]): Promise<ModeResult> {
  const dataDir = await mkdtemp(join(tmpdir(), 'kinema-bench-ingest-'));
  const before = await beaconRows();
  const { url, child } = await startServer(mode, dataDir);
  try {
    // Warm-up: JIT, pools, the catalog cache.
    const warm = await autocannon({ url, connections, duration: 5, method: 'POST', headers: { 'content-type': 'application/json', 'user-agent': UA },
      requests: [{ setupRequest: (req) => ({ ...req, ...beaconBody(videos) }) }] });
    const warmed = await beaconRowsSettled(before);
    // A fixed number of requests (sized from the warm-up's rate to last about --duration), so that
    // every request sent is answered and counted: with a fixed duration, requests in flight at
    // the cut-off would land as rows without being counted as accepted.
    const amount = Math.round(Math.max(2000, warm.requests.average * 1.5) * durationSec);
    const start = performance.now();
    const r = await autocannon({
      url, connections, amount, method: 'POST', headers: { 'content-type': 'application/json', 'user-agent': UA },
      requests: [{ setupRequest: (req) => ({ ...req, ...beaconBody(videos) }) }],
    });
    const elapsedSec = (performance.now() - start) / 1000;
    const accepted = r['2xx'];
    // Zero loss: every 204 must become a row. Batches land within a second or two.
    const deadline = Date.now() + 120_000;
    let rows = 0;
    while ((rows = (await beaconRows()) - warmed) < accepted && Date.now() < deadline) await new Promise((res) => setTimeout(res, 100));
    const landSec = (performance.now() - start) / 1000;
    return {
      mode, accepted, other: r.non2xx + r.errors + r.timeouts, beaconsPerSec: accepted / elapsedSec,
      p50: r.latency.p50, p99: r.latency.p99, landed: rows, landedPerSec: rows / landSec, landSec,
    };
  } finally {
    await stop(child);
    await rm(dataDir, { recursive: true, force: true });
  }

  /** Rows after the warm-up, once they stop growing (the warm-up's last batch has landed). */
  async function beaconRowsSettled(from: number): Promise<number> {
    let last = -1;
    let now = await beaconRows();
    while (now !== last) {
      last = now;
      await new Promise((res) => setTimeout(res, 1500));
      now = await beaconRows();
    }
    return now > from ? now : from;
  }
}

await admin((c) => c.query(`CREATE DATABASE ${dbName}`));
const cleanup = () => admin((c) => c.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`));
process.once('SIGINT', () => void cleanup().finally(() => process.exit(130)));
try {
  const videos = await seed();
  console.log(`analytics ingest: ${durationSec} s per mode, ${connections} connections, ${videoCount} videos, ${sessionCount} sessions; ${availableParallelism()} cores shared by the api process, the load generator and PostgreSQL`);
  const modes = values.only ? [values.only as 'batched' | 'naive'] : (['naive', 'batched'] as const);
  const results: ModeResult[] = [];
  for (const mode of modes) results.push(await runMode(mode, videos));
  console.log('\n| mode | beacons/s accepted | p50 ms | p99 ms | non-2xx/errors | rows landed / accepted | events/s landed |');
  console.log('|---|---|---|---|---|---|---|');
  for (const r of results) {
    console.log(`| ${r.mode} | ${Math.round(r.beaconsPerSec).toLocaleString('en')} | ${r.p50} | ${r.p99} | ${r.other} | ${r.landed.toLocaleString('en')} / ${r.accepted.toLocaleString('en')}${r.landed === r.accepted ? ' (no loss)' : r.landed > r.accepted ? ' (MORE rows than 204s)' : ' LOSS'} | ${Math.round(r.landedPerSec).toLocaleString('en')} |`);
  }
  // Disk per beacon row (heap + TOAST + indexes, over every partition), for DEPLOY.md's sizing.
  const size = await counter!.query(`SELECT sum(pg_total_relation_size(i.inhrelid))::bigint AS bytes, (SELECT count(*) FROM events)::bigint AS n
                                       FROM pg_inherits i WHERE i.inhparent = 'events'::regclass`);
  const { bytes, n } = size.rows[0] as { bytes: string; n: string };
  console.log(`\ndisk: ${Number(n).toLocaleString('en')} event rows take ${(Number(bytes) / 2 ** 20).toFixed(1)} MiB with their indexes: ${Math.round(Number(bytes) / Number(n))} bytes a row`);
  const [naive, batched] = results as [ModeResult, ModeResult];
  if (batched) console.log(`\nbatched / naive: ${(batched.beaconsPerSec / naive.beaconsPerSec).toFixed(1)}× the beacons/s, p99 ${batched.p99} ms vs ${naive.p99} ms`);
} finally {
  await counter?.end();
  await cleanup();
}
