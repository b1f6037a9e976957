/**
 * Real servers for tests: the local PostgreSQL and Redis (started when down, failing loudly when
 * they cannot be), an in-process S3 server, dedicated Redis processes a test may kill, and the
 * small utilities those need. Tests that need a server FAIL without it; they never skip.
 */
import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { mkdtemp, readdir, readFile, readlink, rm } from 'node:fs/promises';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createRequire } from 'node:module';
import { until } from './poll.js';

const run = promisify(execFile);

/** Resolves true when something accepts TCP connections on host:port. */
export function isListening(port: number, host = '127.0.0.1', timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ port, host });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/**
 * Polls `check` until it returns true or `timeoutMs` passes; returns whether it succeeded.
 * The test-suite answer to "wait for X" without fixed sleeps.
 */
export function waitFor(check: () => Promise<boolean> | boolean, timeoutMs = 15_000, intervalMs = 50): Promise<boolean> {
  return until(check, 'a condition', timeoutMs, intervalMs).then(() => true, () => false);
}

/** A TCP port that was free a moment ago on 127.0.0.1 (bind to port 0 instead where you can). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/**
 * Whether process `pid` itself holds a listening TCP socket on `port` (from /proc: the LISTEN
 * entries of /proc/net/tcp{,6} against the process's open file descriptors). Answers "is it up?"
 * for a server started on a port picked in advance, where a bare connect could reach another
 * process that took the port meanwhile.
 */
export async function ownsListeningPort(pid: number, port: number): Promise<boolean> {
  const inodes = new Set<string>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    const lines = await readFile(table, 'utf8').then((t) => t.split('\n').slice(1), () => [] as string[]);
    for (const line of lines) {
      const f = line.trim().split(/\s+/);
      // local_address is HEXIP:HEXPORT, st 0A is LISTEN, inode is the 10th column.
      if (f.length > 9 && f[3] === '0A' && Number.parseInt(f[1]!.split(':')[1]!, 16) === port) inodes.add(f[9]!);
    }
  }
  if (inodes.size === 0) return false;
  const fds = await readdir(`/proc/${pid}/fd`).catch(() => [] as string[]);
  for (const fd of fds) {
    const target = await readlink(`/proc/${pid}/fd/${fd}`).catch(() => '');
    const inode = /^socket:\[(\d+)\]$/.exec(target)?.[1];
    if (inode && inodes.has(inode)) return true;
  }
  return false;
}

const tempDirs = new Set<string>();
let exitHookInstalled = false;

/**
 * A fresh directory under the OS temp dir, removed when the test process exits (synchronously,
 * from an `exit` hook, so it also runs after a failing test). Remove it earlier yourself if big.
 */
export async function tempDir(prefix = 'kinema-test-'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  tempDirs.add(dir);
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once('exit', () => {
      for (const d of tempDirs) rmSync(d, { recursive: true, force: true });
    });
  }
  return dir;
}

/** Starts a server when its port is closed, then waits for it; throws a loud error if it stays down. */
async function ensureServer(name: string, port: number, start: () => Promise<unknown>, isReady: () => Promise<boolean>): Promise<void> {
  if (await isReady()) return;
  let startError: unknown;
  try {
    await start();
  } catch (err) {
    // Another test process may have started it concurrently (its start then fails on the port):
    // keep the error for the message but judge by whether the server answers.
    startError = err;
  }
  if (await waitFor(isReady, 30_000, 100)) return;
  const detail = startError instanceof Error ? `\nStart attempt failed: ${startError.message}` : '';
  throw new Error(
    `${name} is not reachable on 127.0.0.1:${port} and could not be started. ` +
      `Tests that need it FAIL rather than skip: start ${name} and rerun.${detail}`,
  );
}

let postgresReady: Promise<void> | undefined;

/** Makes sure the local PostgreSQL answers on 127.0.0.1:5432 (starting the cluster if needed). */
export function ensurePostgres(): Promise<void> {
  postgresReady ??= ensureServer(
    'PostgreSQL',
    5432,
    async () => {
      const [version] = (await readdir('/etc/postgresql')).sort().reverse();
      if (!version) throw new Error('no cluster under /etc/postgresql');
      await run('pg_ctlcluster', ['--skip-systemctl-redirect', version, 'main', 'start']);
    },
    // pg_isready, not a bare TCP connect: the port opens before the server accepts sessions.
    () => run('pg_isready', ['-h', '127.0.0.1', '-p', '5432', '-t', '2']).then(() => true, () => false),
  ).catch((err: unknown) => {
    postgresReady = undefined; // let a later call retry instead of caching the failure
    throw err;
  });
  return postgresReady;
}

/** Sends PING over a raw socket; true on `+PONG` (a bare TCP connect can hit a loading server). */
export function pingRedis(port: number, host = '127.0.0.1', timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ port, host });
    let reply = '';
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk) => {
      reply += chunk.toString();
      if (reply.includes('\r\n')) done(reply.startsWith('+PONG'));
    });
    socket.once('error', () => done(false));
  });
}

let redisReady: Promise<void> | undefined;

/** Makes sure the local Redis answers on 127.0.0.1:6379 (starting a daemon if needed). */
export function ensureRedis(): Promise<void> {
  redisReady ??= ensureServer(
    'Redis',
    6379,
    () =>
      run('redis-server', [
        '--daemonize', 'yes', '--bind', '127.0.0.1', '-::1', '--port', '6379', '--save', '',
        '--appendonly', 'no', '--dir', '/var/lib/redis', '--logfile', '/var/log/redis/ci.log',
      ]),
    () => pingRedis(6379),
  ).catch((err: unknown) => {
    redisReady = undefined;
    throw err;
  });
  return redisReady;
}

/** A Redis server owned by one test, which it may kill and start again on the same port. */
export interface RedisProcess {
  port: number;
  url: string;
  /** The server's working directory (holds the AOF when `appendOnly` is on). */
  dir: string;
  /** SIGKILLs the server (an outage, not a clean shutdown) and waits for the process to exit. */
  kill(): Promise<void>;
}

export interface RedisServerOptions {
  /** Default: a free one. A given port is retried until free (a restart after an outage). */
  port?: number;
  dir?: string;
  appendOnly?: boolean;
  /** Start in cluster mode (a node for `startRedisCluster`). */
  cluster?: boolean;
}

/**
 * Spawns `redis-server` on `port` (a free one by default) and waits until it answers PING.
 * No snapshots; with `appendOnly` every write is fsynced to an AOF in `dir`, so a restart on the
 * same `dir` comes back with the data (a restart that keeps stale entries). Killed when the test
 * process exits.
 */
export async function spawnRedisServer(opts: RedisServerOptions = {}): Promise<RedisProcess> {
  const dir = opts.dir ?? (await tempDir('kinema-redis-'));
  // A port picked here may be bound by another test process before redis-server binds it: then
  // the server exits at once and another port is tried. A restart on a given port (an outage
  // test) retries that port until it is free again.
  const deadline = Date.now() + 60_000;
  for (let attempt = 1; ; attempt++) {
    const port = opts.port ?? (await freePort());
    const started = await startRedisOn(port, dir, opts);
    if ('server' in started) return started.server;
    const portTaken = /Address already in use/i.test(started.output);
    if (!portTaken || (opts.port === undefined ? attempt >= 5 : Date.now() > deadline)) {
      throw new Error(`redis-server did not start on port ${port}: ${started.output}`);
    }
    if (opts.port !== undefined) await new Promise((r) => setTimeout(r, 500));
  }
}

async function startRedisOn(port: number, dir: string, opts: RedisServerOptions): Promise<{ server: RedisProcess } | { output: string }> {
  const persistence = opts.appendOnly ? ['--appendonly', 'yes', '--appendfsync', 'always'] : ['--appendonly', 'no'];
  // The cluster bus port defaults to port + 10000: past 65535 (redis-server then refuses to
  // start) for ports above 55535, a fifth of Linux's ephemeral range, and it may be taken too.
  // So it is picked like the client port.
  const cluster = opts.cluster ? ['--cluster-enabled', 'yes', '--cluster-config-file', `nodes-${port}.conf`, '--cluster-port', String(await freePort())] : [];
  const child: ChildProcess = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', ...persistence, ...cluster, '--dir', dir],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  // Up means this process holds the port and answers PING, not that something on the port does.
  const up = () => child.exitCode === null && child.signalCode === null;
  const ready = await waitFor(async () => !up() || ((await ownsListeningPort(child.pid!, port)) && (await pingRedis(port))), 60_000);
  if (!ready || !up()) {
    process.removeListener('exit', killOnExit);
    child.kill('SIGKILL');
    await exited;
    return { output: output || `exit code ${child.exitCode}` };
  }
  // Only the start-up lines were of interest; keep draining the pipes so they never fill up.
  child.stdout!.removeAllListeners('data').resume();
  child.stderr!.removeAllListeners('data').resume();
  return {
    server: {
      port,
      url: `redis://127.0.0.1:${port}`,
      dir,
      async kill() {
        process.removeListener('exit', killOnExit);
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
        await exited;
      },
    },
  };
}

export interface RedisCluster {
  /** `host:port` seeds, as REDIS_CLUSTER_NODES takes them. */
  nodes: string[];
  stop(): Promise<void>;
}

/**
 * A real Redis Cluster on loopback: `masters` redis-server processes in cluster mode, joined and
 * given all 16384 hash slots by `redis-cli --cluster create`. Fails loudly when it cannot form.
 */
export async function startRedisCluster(masters = 3): Promise<RedisCluster> {
  const servers: RedisProcess[] = [];
  try {
    for (let i = 0; i < masters; i++) servers.push(await spawnRedisServer({ cluster: true }));
    const ports = servers.map((s) => s.port);
    const nodes = ports.map((p) => `127.0.0.1:${p}`);
    const created = spawnSync('redis-cli', ['--cluster', 'create', ...nodes, '--cluster-replicas', '0', '--cluster-yes'], { encoding: 'utf8', timeout: 120_000 });
    if (created.status !== 0) throw new Error(`redis-cli --cluster create failed: ${created.stdout}${created.stderr}`);
    const formed = await waitFor(() => {
      const info = spawnSync('redis-cli', ['-p', String(ports[0]), 'cluster', 'info'], { encoding: 'utf8' });
      return /cluster_state:ok/.test(info.stdout);
    }, 120_000, 200);
    if (!formed) throw new Error('the Redis Cluster did not reach cluster_state:ok');
    return { nodes, stop: async () => void (await Promise.all(servers.map((s) => s.kill()))) };
  } catch (err) {
    await Promise.all(servers.map((s) => s.kill()));
    throw err;
  }
}

/** Connection settings of a test S3 server, in the shape `createS3Store` takes. */
export interface S3Server {
  endpoint: string;
  bucket: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** Stops the server; `keepData` leaves its directory for `restart` (an outage, not the end). */
  stop(opts?: { keepData?: boolean }): Promise<void>;
  /** Starts it again on the same port with the same data, after `stop({ keepData: true })`. */
  restart(): Promise<void>;
}

/**
 * Starts s3rver on a free loopback port, storing into a temp directory, with `bucket` created.
 * Credentials are s3rver's fixed pair (S3RVER/S3RVER). Clients need `forcePathStyle: true`.
 *
 * It runs as a child process rather than in this one because s3rver 3.7 encrypts ListObjectsV2
 * continuation tokens with DES, which OpenSSL 3 (Node >= 17) only offers through the legacy
 * provider: in-process, every truncated listing (> 1000 keys) fails with InternalError. The
 * child gets `--openssl-legacy-provider`; the test process keeps the default crypto.
 */
export async function startS3Server(opts: { bucket?: string } = {}): Promise<S3Server> {
  const bucket = opts.bucket ?? 'kinema-test';
  const directory = await tempDir('kinema-s3rver-');
  const bin = createRequire(import.meta.url).resolve('s3rver/bin/s3rver.js');
  let child: ChildProcess;
  let exited: Promise<void>;
  const killOnExit = () => child.kill('SIGKILL');
  process.on('exit', killOnExit);
  const launch = async (port: number) => {
    child = spawn(
      process.execPath,
      ['--openssl-legacy-provider', bin, '--directory', directory, '--address', '127.0.0.1', '--port', String(port), '--silent', '--configure-bucket', bucket],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const c = child;
    exited = new Promise<void>((resolve) => c.once('exit', () => resolve()));
    let output = '';
    return new Promise<number>((resolve, reject) => {
      const onData = (chunk: Buffer) => {
        output += chunk.toString();
        const match = /listening on [^:\s]+:(\d+)/.exec(output);
        if (match) resolve(Number(match[1]));
      };
      c.stdout!.on('data', onData);
      c.stderr!.on('data', onData);
      c.once('exit', (code) => reject(new Error(`s3rver exited with code ${code} before listening:\n${output}`)));
    });
  };
  // Port 0: the OS picks a free port at bind time (no race with other test files); s3rver prints it.
  const port = await launch(0);
  const stopChild = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
  };
  return {
    endpoint: `http://127.0.0.1:${port}`,
    bucket,
    region: 'us-east-1',
    accessKeyId: 'S3RVER',
    secretAccessKey: 'S3RVER',
    async stop(o = {}) {
      await stopChild();
      if (o.keepData) return;
      process.removeListener('exit', killOnExit);
      await rm(directory, { recursive: true, force: true });
    },
    async restart() {
      await launch(port);
    },
  };
}
