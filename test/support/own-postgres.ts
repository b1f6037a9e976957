/**
 * A PostgreSQL server of the test's own: initdb into a temp dir, its own port, stopped and
 * started by the test, for fault tests that take the database away mid-work. Runs the server as
 * the `postgres` user when the tests run as root (PostgreSQL refuses to run as root).
 */
import { execFile } from 'node:child_process';
import { chmod, chown, readdir } from 'node:fs/promises';
import { promisify } from 'node:util';
import { join } from 'node:path';
import { userInfo } from 'node:os';
import { freePort, tempDir } from './services.js';
import { until } from './poll.js';

const run = promisify(execFile);

async function binDir(): Promise<string> {
  const versions = (await readdir('/usr/lib/postgresql')).sort((a, b) => Number(b) - Number(a));
  if (!versions[0]) throw new Error('no PostgreSQL under /usr/lib/postgresql: apt-get install postgresql');
  return join('/usr/lib/postgresql', versions[0], 'bin');
}

export interface OwnPostgres {
  url: string;
  port: number;
  /** Fast shutdown: sessions are disconnected, as in a restart for a minor upgrade. */
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Stops for good (call in `finally`). */
  destroy(): Promise<void>;
}

export async function startOwnPostgres(): Promise<OwnPostgres> {
  const bin = await binDir();
  const dir = await tempDir('kinema-pg-');
  const data = join(dir, 'data');
  const asRoot = userInfo().uid === 0;
  // As root, the server runs as `postgres`, which must own the directory.
  const as = (cmd: string, args: string[]) =>
    asRoot ? run('runuser', ['-u', 'postgres', '--', join(bin, cmd), ...args]) : run(join(bin, cmd), args);
  if (asRoot) {
    const { stdout } = await run('id', ['-u', 'postgres']);
    const { stdout: gid } = await run('id', ['-g', 'postgres']);
    await chown(dir, Number(stdout), Number(gid));
    await chmod(dir, 0o700);
  }
  await as('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '--no-sync', '-E', 'UTF8']);
  const port = await freePort();
  const opts = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=60`;
  let running = false;
  const server: OwnPostgres = {
    port,
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    async start() {
      await as('pg_ctl', ['-D', data, '-l', join(dir, 'server.log'), '-o', opts, '-w', '-t', '60', 'start']);
      running = true;
      await until(async () => (await run(join(bin, 'pg_isready'), ['-h', '127.0.0.1', '-p', String(port), '-t', '2']).then(() => true, () => false)), 'own PostgreSQL ready', 60_000, 100);
    },
    async stop() {
      await as('pg_ctl', ['-D', data, '-m', 'fast', '-w', '-t', '60', 'stop']);
      running = false;
    },
    async destroy() {
      if (running) await as('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']).catch(() => {});
      running = false;
    },
  };
  await server.start();
  return server;
}
