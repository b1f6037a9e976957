/**
 * Soak: mixed traffic against one `kinema start` process for a long time, sampling what would
 * grow if something leaked: resident memory, V8 heap, open file descriptors, event-loop delay and
 * database connections. The baseline is the first sample after a minute of warm-up, in the same
 * run; every later sample is printed beside it as a ratio, and the verdict compares the last
 * third of the run with the first third (a leak keeps climbing; a warm cache levels off).
 *
 * Traffic, all at once: a steady stream of listings, video pages, play answers (anonymous and
 * signed in), watch pages, playlists and segments, health checks, and the watch beacon when the
 * platform has one; an upload every 30 s that the worker transcodes, and the oldest video
 * deleted once ten exist, so the data stays the same size and the process is what is measured.
 *
 *   npx tsx bench/soak/run.ts [--minutes 60] [--sample-sec 60] [--engine embedded|postgres] [--rps 100]
 */
import { readdirSync, readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { makeClip } from '../../test/fixtures/media.js';
import { createServerDatabase } from '../../test/support/databases.js';
import { spawnKinemaOnFreePort } from '../../test/support/process.js';
import { ensureRedis, freePort, tempDir } from '../../test/support/services.js';
import { tusUpload } from '../../test/support/tus.js';

const { values } = parseArgs({
  options: {
    minutes: { type: 'string', default: '60' },
    'sample-sec': { type: 'string', default: '60' },
    engine: { type: 'string', default: 'embedded' },
    rps: { type: 'string', default: '100' },
  },
});
const minutes = Number(values.minutes);
const sampleMs = Number(values['sample-sec']) * 1000;
const targetRps = Number(values.rps);
const onPostgres = values.engine === 'postgres';

const dir = await tempDir('kinema-soak-');
const db = onPostgres ? await createServerDatabase() : undefined;
if (onPostgres) await ensureRedis();
const metricsPort = await freePort();
const env: Record<string, string> = {
  DATA_DIR: join(dir, 'data'), METRICS_LISTEN: `127.0.0.1:${metricsPort}`, LOG_LEVEL: 'warn', WORKER_CONCURRENCY: '1',
  // The soak uploads all day long from one account: quotas would stop it, not a leak.
  QUOTA_VIDEOS_PER_DAY: '0', QUOTA_UPLOAD_BYTES_PER_DAY: '0', QUOTA_STORAGE_BYTES: '0', QUOTA_UNFINISHED_UPLOADS: '0', QUOTA_ACTIVE_JOBS: '0',
  SIGNUPS_PER_ADDRESS_PER_HOUR: '0',
  ...(db ? { DATABASE_URL: db.url, REDIS_URL: 'redis://127.0.0.1:6379', REDIS_KEY_PREFIX: `soak-${process.pid}:` } : {}),
};
const app = await spawnKinemaOnFreePort('start', env);
const pid = app.child.pid!;
const url = app.url;

const stats = { ok: 0, errors: 0, byStatus: new Map<number, number>() };
async function get(path: string, token?: string, init: RequestInit = {}): Promise<Response | undefined> {
  try {
    const r = await fetch(`${url}${path}`, { ...init, headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(init.headers ?? {}) } });
    await r.arrayBuffer();
    stats.byStatus.set(r.status, (stats.byStatus.get(r.status) ?? 0) + 1);
    if (r.status >= 500) stats.errors++;
    else stats.ok++;
    return r;
  } catch {
    stats.errors++;
    return undefined;
  }
}
const json = async (method: string, path: string, body?: unknown, token?: string) => {
  const r = await fetch(`${url}${path}`, { method, headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) }, body: body ? JSON.stringify(body) : undefined });
  return (await r.json().catch(() => null)) as any;
};

const clip = await makeClip(dir, { width: 640, height: 360, durationSec: 4 });
const { token } = await json('POST', '/api/v1/auth/signup', { username: 'soak', email: 'soak@example.test', password: 'long enough password' });
const videos: string[] = [];
/** Ready videos with a playable segment, for the media part of the mix. */
const media = new Map<string, { master: string; segment?: string }>();

async function uploadOne(): Promise<void> {
  const { id } = await json('POST', '/api/v1/videos', { title: `soak ${videos.length}`, visibility: 'public', tags: ['soak'] }, token);
  await tusUpload(clip, { endpoint: `${url}/api/v1/uploads`, token, videoId: id });
  videos.push(id);
  while (videos.length > 10) {
    const old = videos.shift()!;
    media.delete(old);
    await fetch(`${url}/api/v1/videos/${old}`, { method: 'DELETE', headers: { authorization: `Bearer ${token}` } });
  }
}

async function learnMedia(id: string): Promise<void> {
  if (media.has(id)) return;
  const play = await json('GET', `/api/v1/videos/${id}/play`);
  if (!play?.hlsManifest) return;
  const rung = play.renditions?.[0]?.url as string | undefined;
  let segment: string | undefined;
  if (rung) {
    const text = await (await fetch(new URL(rung, url))).text();
    const file = text.split('\n').find((l) => l.endsWith('.m4s'));
    if (file) segment = new URL(file, new URL(rung, url)).pathname;
  }
  media.set(id, { master: new URL(play.hlsManifest, url).pathname, segment });
}

let beaconSupported = true;
async function oneRequest(i: number): Promise<void> {
  const id = videos[i % Math.max(1, videos.length)];
  const m = id ? media.get(id) : undefined;
  switch (i % 10) {
    case 0: return void (await get('/api/v1/videos?limit=20'));
    case 1: return void (id && (await get(`/api/v1/videos/${id}`)));
    case 2: return void (id && (await get(`/api/v1/videos/${id}/play`)));
    case 3: return void (id && (await get(`/api/v1/videos/${id}/play`, token)));
    case 4: return void (id && (await get(`/watch/${id}`)));
    case 5: return void (m && (await get(m.master)));
    case 6: return void (m?.segment && (await get(m.segment)));
    case 7: return void (m?.segment && (await get(m.segment, undefined, { headers: { range: 'bytes=0-65535' } })));
    case 8: {
      if (!id || !beaconSupported) return void (await get('/health'));
      const r = await get(`/api/v1/videos/${id}/progress`, undefined, {
        method: 'POST', headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ sessionId: `soak-${i % 50}`, positionSec: 2, played: [[0, 2]] }),
      });
      if (r?.status === 404 && (await fetch(`${url}/api/v1/openapi.json`).then((x) => x.text())).indexOf('/progress') < 0) beaconSupported = false;
      return;
    }
    default: return void (await get('/health'));
  }
}

interface Sample { min: number; rssMb: number; heapMb: number; fds: number; lagP99Ms: number; dbConns: number | null; rps: number; errors: number }
async function sample(startedAt: number, requestsBefore: number, sinceMs: number): Promise<Sample> {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const rssMb = Number(/VmRSS:\s+(\d+)/.exec(status)![1]) / 1024;
  const fds = readdirSync(`/proc/${pid}/fd`).length;
  const metrics = await fetch(`http://127.0.0.1:${metricsPort}/metrics`).then((r) => r.text()).catch(() => '');
  const metric = (name: string) => Number(new RegExp(`^${name} ([0-9.e+-]+)$`, 'm').exec(metrics)?.[1] ?? NaN);
  let dbConns: number | null = null;
  if (db) {
    const c = new pg.Client({ connectionString: db.url });
    await c.connect();
    dbConns = (await c.query<{ n: number }>('SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()')).rows[0]!.n;
    await c.end();
  }
  return {
    min: Math.round((Date.now() - startedAt) / 6000) / 10, rssMb, heapMb: metric('nodejs_heap_size_used_bytes') / 2 ** 20, fds,
    lagP99Ms: metric('nodejs_eventloop_lag_p99_seconds') * 1000, dbConns,
    rps: (stats.ok + stats.errors - requestsBefore) / (sinceMs / 1000), errors: stats.errors,
  };
}

console.log(`soak: ${minutes} min, ${values.engine} engine, target ${targetRps} req/s, ${cpus().length} cores, load ${loadavg()[0]!.toFixed(1)}`);
await uploadOne();
const startedAt = Date.now();
const endAt = startedAt + minutes * 60_000;
let stop = false;

// The upload loop: one every 30 s, the worker transcoding beside the traffic.
const uploads = (async () => {
  while (!stop) {
    await uploadOne().catch((err: unknown) => console.error('upload failed:', (err as Error).message));
    for (const id of videos) await learnMedia(id).catch(() => undefined);
    await new Promise((r) => setTimeout(r, 30_000));
  }
})();
// The traffic loop: 8 clients pacing themselves to the target rate.
let n = 0;
const clients = Array.from({ length: 8 }, async () => {
  const gapMs = (8 * 1000) / targetRps;
  while (!stop) {
    const t = performance.now();
    await oneRequest(n++);
    const left = gapMs - (performance.now() - t);
    if (left > 0) await new Promise((r) => setTimeout(r, left));
  }
});

const samples: Sample[] = [];
const header = 'min    rss MB (×base)   heap MB (×base)  fds (×base)  loop p99 ms  db conns  req/s  5xx';
console.log(header);
let last = { at: Date.now(), requests: 0 };
while (Date.now() < endAt) {
  await new Promise((r) => setTimeout(r, Math.min(sampleMs, endAt - Date.now())));
  const s = await sample(startedAt, last.requests, Date.now() - last.at);
  last = { at: Date.now(), requests: stats.ok + stats.errors };
  samples.push(s);
  const base = samples[0]!;
  const x = (v: number, b: number) => `${v.toFixed(0).padStart(6)} (${(v / b).toFixed(2)})`;
  console.log(`${s.min.toFixed(1).padStart(5)}  ${x(s.rssMb, base.rssMb)}      ${x(s.heapMb, base.heapMb)}     ${x(s.fds, base.fds)}  ${s.lagP99Ms.toFixed(1).padStart(10)}  ${String(s.dbConns ?? '-').padStart(8)}  ${s.rps.toFixed(0).padStart(5)}  ${s.errors}`);
}
stop = true;
await Promise.all([uploads, ...clients]);

const third = Math.max(1, Math.floor(samples.length / 3));
const mean = (xs: Sample[], k: 'rssMb' | 'heapMb' | 'fds') => xs.reduce((a, s) => a + s[k], 0) / xs.length;
console.log(`\nrequests: ${stats.ok + stats.errors} (${[...stats.byStatus].sort().map(([k, v]) => `${k}: ${v}`).join(', ')}), network errors and 5xx: ${stats.errors}; beacon ${beaconSupported ? 'sent' : 'not available yet'}`);
for (const k of ['rssMb', 'heapMb', 'fds'] as const) {
  const first = mean(samples.slice(0, third), k);
  const lastThird = mean(samples.slice(-third), k);
  console.log(`${k.padEnd(7)} first third ${first.toFixed(1)}, last third ${lastThird.toFixed(1)}: ×${(lastThird / first).toFixed(2)}`);
}
const videosLeft = (await json('GET', '/api/v1/videos?limit=100')).items?.length;
console.log(`videos listed at the end: ${videosLeft} (10 kept, older ones deleted)`);
await app.stop();
await db?.drop();
