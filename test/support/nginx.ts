import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { renderEdgeConfig, type EdgeTimeouts } from '../../src/modules/delivery/index.js';
import { freePort, ownsListeningPort, tempDir, waitFor } from './services.js';

export interface Edge {
  url: string;
  /** What nginx has written to its access log so far. */
  accessLog(): Promise<string>;
  stop(): Promise<void>;
}

/**
 * Runs a real nginx with the config `kinema edge-config` generates, in a private prefix on a free
 * loopback port, in front of `origin` (host:port). Fails loudly when nginx is not installed.
 */
export async function startEdge(origin: string, opts: { tokenScript?: string; signingSecret?: string; timeouts?: EdgeTimeouts } = {}): Promise<Edge> {
  if (spawnSync('nginx', ['-v']).status !== 0) throw new Error('nginx is not installed (apt-get install nginx); npm test installs it.');
  const dir = await tempDir('kinema-edge-');
  const run = join(dir, 'run');
  const cache = join(dir, 'cache');
  await mkdir(run, { recursive: true });
  await mkdir(cache, { recursive: true });
  // nginx workers drop to an unprivileged user when started as root: let them write here.
  await Promise.all([dir, run, cache].map((d) => chmod(d, 0o777)));
  const env = { ...process.env, ...(opts.signingSecret ? { MEDIA_SIGNING_SECRET: opts.signingSecret } : {}) };
  // The port is picked before nginx binds it, and another test process may bind it meanwhile:
  // nginx then gives up with "Address already in use" and another port is tried.
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const conf = join(dir, 'nginx.conf');
    await writeFile(conf, renderEdgeConfig({ origins: [origin], listenPort: port, cacheDir: cache, maxCacheSize: '1g', runDir: run, tokenScript: opts.tokenScript, timeouts: opts.timeouts }));
    const child: ChildProcess = spawn('nginx', ['-p', dir, '-c', conf, '-g', 'daemon off;'], { stdio: ['ignore', 'ignore', 'pipe'], env });
    let stderr = '';
    child.stderr!.on('data', (d) => (stderr += d));
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    const up = () => child.exitCode === null && child.signalCode === null;
    // Up means the nginx master holds the port, not that something answers on it.
    const ready = await waitFor(async () => !up() || (await ownsListeningPort(child.pid!, port)), 60_000);
    if (ready && up()) return edgeOf(port, child, exited, join(run, 'access.log'));
    child.kill('SIGTERM'); // not SIGKILL: that would leave its workers behind
    await exited;
    const errors = stderr + (await readFile(join(run, 'error.log'), 'utf8').catch(() => ''));
    if (attempt >= 5 || !/Address already in use/.test(errors)) throw new Error(`nginx did not start: ${errors}`);
  }
}

function edgeOf(port: number, child: ChildProcess, exited: Promise<void>, accessLogPath: string): Edge {
  return {
    url: `http://127.0.0.1:${port}`,
    accessLog: () => readFile(accessLogPath, 'utf8').catch(() => ''),
    async stop() {
      child.kill('SIGQUIT');
      await exited;
    },
  };
}
