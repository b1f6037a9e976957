/**
 * /health latency while 16 wrong sign-ins run in parallel (issue 9: scrypt on libuv's thread pool
 * starved file I/O). Starts Kinema in-process on the embedded engine, samples /health idle, then
 * back to back while the sign-ins run, and prints median and max. Each sign-in comes from its own
 * forwarded address, so the per-address limit does not cut the load short.
 * Run: npx tsx bench/signin-health/run.ts
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config.js';
import { startKinema } from '../../src/app.js';
import { createLogger } from '../../src/platform/log.js';

const PARALLEL_SIGNINS = 16;

const dataDir = await mkdtemp(join(tmpdir(), 'kinema-bench-signin-'));
const config = loadConfig({ PORT: '0', HOST: '127.0.0.1', DATA_DIR: dataDir, LOG_LEVEL: 'silent', METRICS_LISTEN: '127.0.0.1:0', TRUST_PROXY: '127.0.0.1' });
const app = await startKinema(config, { api: true, worker: false }, { log: createLogger('silent') });
try {
  const url = app.url!;
  const health = async () => {
    const t = performance.now();
    await (await fetch(`${url}/health`)).text();
    return performance.now() - t;
  };
  const describe = (xs: number[]) => {
    const s = [...xs].sort((a, b) => a - b);
    return `median ${s[Math.floor(s.length / 2)]!.toFixed(1)} ms, max ${s.at(-1)!.toFixed(1)} ms (${s.length} requests)`;
  };
  const idle: number[] = [];
  for (let i = 0; i < 25; i++) idle.push(await health());
  console.log(`/health idle: ${describe(idle.slice(5))}`);

  let done = false;
  const signins = Promise.all(
    Array.from({ length: PARALLEL_SIGNINS }, (_, i) =>
      fetch(`${url}/api/v1/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-forwarded-for': `10.9.0.${i + 1}` },
        body: JSON.stringify({ username: `nobody${i}`, password: 'wrong password' }),
      }).then((r) => r.status),
    ),
  ).finally(() => (done = true));
  const busy: number[] = [];
  while (!done) busy.push(await health());
  console.log(`sign-in answers: ${(await signins).join(' ')}`);
  console.log(`/health during ${PARALLEL_SIGNINS} parallel wrong sign-ins: ${describe(busy)}`);
} finally {
  await app.close();
  await rm(dataDir, { recursive: true, force: true });
}
