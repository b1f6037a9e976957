/**
 * Idle memory of `kinema start` (every role, embedded engines), as `npm start` runs it: the built
 * CLI (dist/), a fresh DATA_DIR, then a restart on the same one (the usual case). RSS after it has
 * sat idle for --idle seconds, beside the embedded database alone (bench/memory/pglite-alone.ts).
 *
 *   npx tsx bench/memory/idle.ts [--idle 15]
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { rssMb } from '../http/load.js';
import { freePort, waitFor } from '../../test/support/services.js';
import { packageRoot } from '../../src/platform/paths.js';

const { values } = parseArgs({ options: { idle: { type: 'string', default: '15' } } });
execFileSync(process.execPath, [join(packageRoot, 'scripts', 'build.mjs'), '--if-changed'], { stdio: 'inherit' });
const dataDir = await mkdtemp(join(tmpdir(), 'kinema-bench-idle-'));

async function idleRss(label: string): Promise<number> {
  const port = await freePort();
  const child = spawn(process.execPath, [join(packageRoot, 'bin', 'kinema'), 'start'], {
    env: { ...process.env, DATA_DIR: dataDir, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn', METRICS_LISTEN: 'off', KINEMA_FROM_SOURCE: '' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  try {
    const up = await waitFor(async () => (await fetch(`http://127.0.0.1:${port}/health`).catch(() => undefined))?.ok === true, 180_000, 250);
    if (!up) throw new Error(`${label}: kinema start did not become healthy`);
    await new Promise((r) => setTimeout(r, Number(values.idle) * 1000));
    const rss = rssMb(child.pid!);
    console.log(`${label}: ${Math.round(rss)} MB RSS after ${values.idle} s idle`);
    return rss;
  } finally {
    child.kill('SIGTERM');
    await exited;
  }
}

try {
  await idleRss('first start (fresh DATA_DIR)');
  await idleRss('restart (existing DATA_DIR)');
  const alone = JSON.parse(execFileSync(process.execPath, ['--expose-gc', '--import', 'tsx', join(packageRoot, 'bench', 'memory', 'pglite-alone.ts')], { encoding: 'utf8' }).trim().split('\n').at(-1)!);
  console.log('embedded database alone, step by step (through tsx):', JSON.stringify(alone));
} finally {
  await rm(dataDir, { recursive: true, force: true });
}
