import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { renderEdgeConfig, type EdgeConfigOptions, type EdgeTimeouts } from '../../src/modules/delivery/index.js';
import { freePort, ownsListeningPort, tempDir, waitFor } from './services.js';

export interface Edge {
  url: string;
  /** host:port, for the next tier's --origin. */
  host: string;
  /** The generated nginx.conf. */
  confPath: string;
  /** What nginx has written to its access log so far. */
  accessLog(): Promise<string>;
  errorLog(): Promise<string>;
  stop(): Promise<void>;
}

export function assertNginxInstalled(): void {
  if (spawnSync('nginx', ['-v']).status !== 0) throw new Error('nginx is not installed (apt-get install nginx); npm test installs it.');
}

/** `nginx -t` on a config: its exit status and what it said. */
export function nginxTest(confPath: string, prefix: string): { ok: boolean; output: string } {
  const r = spawnSync('nginx', ['-t', '-p', prefix, '-c', confPath], { encoding: 'utf8' });
  return { ok: r.status === 0, output: `${r.stdout}${r.stderr}` };
}

export type TierOptions = Omit<EdgeConfigOptions, 'listen' | 'cacheDir' | 'maxCacheSize' | 'runDir'> & { maxCacheSize?: string; signingSecret?: string };

/**
 * Runs a real nginx with a config `kinema edge-config` generates (edge or shield), in a private
 * prefix on a free loopback port. Fails loudly when nginx is not installed.
 */
export async function startTier(opts: TierOptions): Promise<Edge> {
  assertNginxInstalled();
  const dir = await tempDir(`kinema-${opts.role ?? 'edge'}-`);
  const run = join(dir, 'run');
  const cache = join(dir, 'cache');
  await mkdir(run, { recursive: true });
  await mkdir(cache, { recursive: true });
  // nginx workers drop to an unprivileged user when started as root: let them write here.
  await Promise.all([dir, run, cache].map((d) => chmod(d, 0o777)));
  const { signingSecret, ...config } = opts;
  const env = { ...process.env, ...(signingSecret ? { MEDIA_SIGNING_SECRET: signingSecret } : {}) };
  // The port is picked before nginx binds it, and another test process may bind it meanwhile:
  // nginx then gives up with "Address already in use" and another port is tried.
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const conf = join(dir, 'nginx.conf');
    await writeFile(conf, renderEdgeConfig({ maxCacheSize: '1g', ...config, listen: `127.0.0.1:${port}`, cacheDir: cache, runDir: run }));
    const child: ChildProcess = spawn('nginx', ['-p', dir, '-c', conf, '-g', 'daemon off;'], { stdio: ['ignore', 'ignore', 'pipe'], env });
    let stderr = '';
    child.stderr!.on('data', (d) => (stderr += d));
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    const up = () => child.exitCode === null && child.signalCode === null;
    // Up means the nginx master holds the port, not that something answers on it.
    const ready = await waitFor(async () => !up() || (await ownsListeningPort(child.pid!, port)), 60_000);
    if (ready && up()) return edgeOf(port, child, exited, run, conf);
    child.kill('SIGTERM'); // not SIGKILL: that would leave its workers behind
    await exited;
    const errors = stderr + (await readFile(join(run, 'error.log'), 'utf8').catch(() => ''));
    if (attempt >= 5 || !/Address already in use/.test(errors)) throw new Error(`nginx did not start: ${errors}`);
  }
}

/** One edge directly in front of `origin` (host:port), as the tests before the shield tier had it. */
export function startEdge(origin: string, opts: { tokenScript?: string; signingSecret?: string; timeouts?: EdgeTimeouts } = {}): Promise<Edge> {
  return startTier({ role: 'edge', origins: [origin], ...opts });
}

function edgeOf(port: number, child: ChildProcess, exited: Promise<void>, run: string, confPath: string): Edge {
  return {
    url: `http://127.0.0.1:${port}`,
    host: `127.0.0.1:${port}`,
    confPath,
    accessLog: () => readFile(join(run, 'access.log'), 'utf8').catch(() => ''),
    errorLog: () => readFile(join(run, 'error.log'), 'utf8').catch(() => ''),
    async stop() {
      child.kill('SIGQUIT');
      await exited;
    },
  };
}
