/**
 * The media origin (`GET /media/*` of one api process, local object store) beside nginx serving
 * the very same files with `sendfile`, in the same run: whole segments, Range requests for the
 * middle of a segment (what an edge or a seeking player sends), and the 1-byte probe. Baseline and
 * origin alternate in slices so both see the same load on a shared machine.
 *
 *   npx tsx bench/origin/run.ts [--connections 50] [--duration 6] [--runs 2] [--segment-kb 300]
 *
 * The segment is a file of --segment-kb random bytes stored as seg_00001.m4s of a published public
 * video (the origin checks the video and version on every request, as in production).
 */
import { execFileSync, spawn } from 'node:child_process';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { combine, fmt, load, range, spawnJsonChild, table, type LoadResult } from '../http/load.js';
import { freePort, ownsListeningPort, tempDir, waitFor } from '../../test/support/services.js';

const { values } = parseArgs({
  options: {
    connections: { type: 'string', default: '50' },
    duration: { type: 'string', default: '6' },
    runs: { type: 'string', default: '2' },
    'segment-kb': { type: 'string', default: '300' },
  },
});
const connections = Number(values.connections);
const durationSec = Number(values.duration);
const runs = Number(values.runs);
const SLICES = 3;

interface OriginInfo { url: string; pid: number; objectsDir: string; segmentPath: string; sizeBytes: number }
const origin = await spawnJsonChild<OriginInfo>(fileURLToPath(new URL('./origin-server.ts', import.meta.url)), ['--segment-kb', values['segment-kb']]);

// nginx over the same object directory: sendfile, the origin's headers' equivalent (no access log).
// As root its workers run as root too: DATA_DIR is private to its owner (0700).
const dir = await tempDir('kinema-bench-nginx-');
await mkdir(join(dir, 'logs'), { recursive: true });
await chmod(dir, 0o777);
const port = await freePort();
const conf = join(dir, 'nginx.conf');
await writeFile(conf, `${process.getuid?.() === 0 ? 'user root root;\n' : ''}worker_processes 1;
error_log ${dir}/logs/error.log;
pid ${dir}/nginx.pid;
events { worker_connections 1024; }
http {
  access_log off;
  sendfile on;
  tcp_nopush on;
  keepalive_requests 100000;
  types { video/iso.segment m4s; }
  server {
    listen 127.0.0.1:${port};
    root ${origin.info.objectsDir};
    location /media/ {
      add_header Cache-Control "public, max-age=31536000, immutable";
      add_header Access-Control-Allow-Origin "*";
    }
  }
}
`);
const nginx = spawn('nginx', ['-p', dir, '-c', conf, '-g', 'daemon off;'], { stdio: ['ignore', 'ignore', 'inherit'] });
const nginxExited = new Promise<void>((r) => nginx.once('exit', () => r()));
if (!(await waitFor(() => ownsListeningPort(nginx.pid!, port), 30_000))) throw new Error(`nginx did not start: ${await readFile(join(dir, 'logs/error.log'), 'utf8').catch(() => '')}`);
const nginxUrl = `http://127.0.0.1:${port}`;

const size = origin.info.sizeBytes;
const mid = Math.floor(size / 4);
const targets = [
  { name: 'whole segment', headers: {} as Record<string, string> },
  { name: 'Range: middle half', headers: { range: `bytes=${mid}-${mid * 3 - 1}` } },
  { name: 'Range: first byte', headers: { range: 'bytes=0-0' } },
];
const results = new Map<string, { nginx: LoadResult; origin: LoadResult }[]>();

/**
 * The load generator (autocannon parses every body in JavaScript) saturates before either server
 * on large bodies, so req/s alone would compare the client with itself: each server's CPU time per
 * answered request is the figure that says what a request costs it.
 */
const nginxPids = () => [nginx.pid!, ...execFileSync('pgrep', ['-P', String(nginx.pid)], { encoding: 'utf8' }).split('\n').filter(Boolean).map(Number)];
try {
  // Both must answer the same way before they are compared.
  for (const t of targets) {
    const [a, b] = await Promise.all([fetch(`${nginxUrl}${origin.info.segmentPath}`, { headers: t.headers }), fetch(`${origin.info.url}${origin.info.segmentPath}`, { headers: t.headers })]);
    const [ab, bb] = [Buffer.from(await a.arrayBuffer()), Buffer.from(await b.arrayBuffer())];
    if (a.status !== b.status || !ab.equals(bb)) throw new Error(`${t.name}: nginx ${a.status} (${ab.length} B) and the origin ${b.status} (${bb.length} B) differ`);
  }
  console.log(`segment ${fmt(size / 1024)} KB; ${connections} connections, ${durationSec} s per figure, ${runs} run(s)`);
  for (let run = 1; run <= runs; run++) {
    for (const t of targets) {
      await load({ url: `${origin.info.url}${origin.info.segmentPath}`, connections: 10, durationSec: 1, headers: t.headers });
      const ns: LoadResult[] = [];
      const os: LoadResult[] = [];
      for (let i = 0; i < SLICES; i++) {
        ns.push(await load({ url: `${nginxUrl}${origin.info.segmentPath}`, connections, durationSec: durationSec / SLICES, headers: t.headers, pid: nginx.pid, cpuPids: nginxPids }));
        os.push(await load({ url: `${origin.info.url}${origin.info.segmentPath}`, connections, durationSec: durationSec / SLICES, headers: t.headers, pid: origin.info.pid }));
      }
      const n = combine(ns);
      const o = combine(os);
      if (o.non2xx || o.errors) console.warn(`  ${t.name}: ${o.non2xx} non-2xx answers, ${o.errors} errors`);
      results.set(t.name, [...(results.get(t.name) ?? []), { nginx: n, origin: o }]);
      console.log(`run ${run} ${t.name}: origin ${fmt(o.rps)} req/s ${fmt(o.mbPerSec)} MB/s ${fmt(o.cpuUsPerReq)} µs CPU/req, nginx ${fmt(n.rps)} req/s ${fmt(n.mbPerSec)} MB/s ${fmt(n.cpuUsPerReq)} µs CPU/req = ${(o.rps / n.rps).toFixed(2)}×, p99 ${o.p99Ms} ms (nginx ${n.p99Ms})`);
    }
  }
} finally {
  await origin.stop();
  nginx.kill('SIGQUIT');
  await nginxExited;
}

const rows = targets.map((t) => {
  const rs = results.get(t.name) ?? [];
  return [
    t.name,
    range(rs.map((r) => r.origin.rps)),
    range(rs.map((r) => r.origin.mbPerSec)),
    range(rs.map((r) => r.nginx.rps)),
    `${range(rs.map((r) => r.origin.rps / r.nginx.rps), 2)}×`,
    range(rs.map((r) => r.origin.cpuUsPerReq)),
    range(rs.map((r) => r.nginx.cpuUsPerReq)),
    `${range(rs.map((r) => r.nginx.cpuUsPerReq / r.origin.cpuUsPerReq), 2)}×`,
    range(rs.map((r) => r.origin.p50Ms)),
    range(rs.map((r) => r.origin.p99Ms)),
    range(rs.map((r) => r.origin.peakRssMb)),
  ];
});
console.log(`\nsegment ${fmt(size / 1024)} KB, ${connections} connections, ${runs} run(s) of ${durationSec} s (ranges over runs)\n`);
console.log(table(['request', 'origin req/s', 'origin MB/s', 'nginx sendfile req/s', 'req/s ratio', 'origin CPU µs/req', 'nginx CPU µs/req', 'throughput per CPU vs nginx', 'p50 ms', 'p99 ms', 'RSS MB'], rows));
