import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { renderEdgeConfig } from '../../src/modules/delivery/index.js';
import { freePort, tempDir, waitFor, isListening } from './services.js';

export interface Edge {
  url: string;
  stop(): Promise<void>;
}

/**
 * Runs a real nginx with the config `kinema edge-config` generates, in a private prefix on a free
 * loopback port, in front of `origin` (host:port). Fails loudly when nginx is not installed.
 */
export async function startEdge(origin: string, opts: { tokenScript?: string; signingSecret?: string } = {}): Promise<Edge> {
  if (spawnSync('nginx', ['-v']).status !== 0) throw new Error('nginx is not installed (apt-get install nginx); npm test installs it.');
  const dir = await tempDir('kinema-edge-');
  const run = join(dir, 'run');
  const cache = join(dir, 'cache');
  await mkdir(run, { recursive: true });
  await mkdir(cache, { recursive: true });
  // nginx workers drop to an unprivileged user when started as root: let them write here.
  await Promise.all([dir, run, cache].map((d) => chmod(d, 0o777)));
  const port = await freePort();
  const conf = join(dir, 'nginx.conf');
  await writeFile(conf, renderEdgeConfig({ origins: [origin], listenPort: port, cacheDir: cache, maxCacheSize: '1g', runDir: run, tokenScript: opts.tokenScript }));
  const env = { ...process.env, ...(opts.signingSecret ? { MEDIA_SIGNING_SECRET: opts.signingSecret } : {}) };
  const child: ChildProcess = spawn('nginx', ['-p', dir, '-c', conf, '-g', 'daemon off;'], { stdio: ['ignore', 'ignore', 'pipe'], env });
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  if (!(await waitFor(() => isListening(port), 15_000))) {
    child.kill('SIGKILL');
    throw new Error(`nginx did not start: ${stderr}`);
  }
  return {
    url: `http://127.0.0.1:${port}`,
    async stop() {
      child.kill('SIGQUIT');
      await exited;
    },
  };
}
