import { randomBytes } from 'node:crypto';
import { loadConfig } from '../../src/config.js';
import { startKinema, type Roles, type RunningApp } from '../../src/app.js';
import { createLogger, type Logger } from '../../src/platform/log.js';
import { createServerDatabase, type Engine } from './databases.js';
import { tempDir } from './services.js';

export interface TestApp extends RunningApp {
  url: string;
  dataDir: string;
  /** fetch against the app, JSON in and out. */
  api<T = any>(method: string, path: string, opts?: { token?: string; body?: unknown; headers?: Record<string, string> }): Promise<{ status: number; body: T; headers: Headers }>;
}

/**
 * Starts a real Kinema on a free loopback port with its own DATA_DIR, on `engine`
 * (PGlite in DATA_DIR, or a fresh database on the local PostgreSQL server).
 */
export async function startTestApp(opts: { engine?: Engine; roles?: Roles; env?: Record<string, string>; log?: Logger } = {}): Promise<TestApp> {
  const dataDir = opts.env?.DATA_DIR ?? (await tempDir('kinema-app-'));
  const server = opts.engine === 'postgres' ? await createServerDatabase() : undefined;
  const config = loadConfig({
    PORT: '0',
    HOST: '127.0.0.1',
    DATA_DIR: dataDir,
    WORKER_CONCURRENCY: '1',
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'silent',
    // Many apps run at once: each gets a free port for its metrics listener.
    METRICS_LISTEN: '127.0.0.1:0',
    ...(server ? { DATABASE_URL: server.url } : {}),
    // Tests sign many accounts up from loopback; test/signin-abuse.test.ts sets its own limit.
    SIGNUPS_PER_ADDRESS_PER_HOUR: '0',
    ...opts.env,
  });
  const app = await startKinema(config, opts.roles ?? { api: true, worker: false }, {
    log: opts.log ?? createLogger(config.logLevel),
  });
  const url = app.url!;
  return {
    ...app,
    url,
    dataDir,
    async api(method, path, o = {}) {
      const headers: Record<string, string> = { ...o.headers };
      if (o.token) headers.authorization = `Bearer ${o.token}`;
      if (o.body !== undefined) headers['content-type'] = 'application/json';
      const res = await fetch(`${url}${path}`, { method, headers, body: o.body === undefined ? undefined : typeof o.body === 'string' ? o.body : JSON.stringify(o.body) });
      const text = await res.text();
      let body: any = text;
      try {
        body = text ? JSON.parse(text) : undefined;
      } catch {
        // Not JSON (e.g. a playlist): hand back the text.
      }
      return { status: res.status, body, headers: res.headers };
    },
    async close() {
      await app.close();
      await server?.drop();
    },
  };
}

/** Signs up a fresh user with a unique name; returns its token and id. */
export async function signUp(app: TestApp, prefix = 'user'): Promise<{ token: string; userId: string; username: string; password: string }> {
  const username = `${prefix}_${randomBytes(4).toString('hex')}`;
  const password = 'correct horse battery staple';
  const r = await app.api('POST', '/api/v1/auth/signup', { body: { username, email: `${username}@example.test`, password } });
  if (r.status !== 201) throw new Error(`signup failed: ${r.status} ${JSON.stringify(r.body)}`);
  return { token: r.body.token, userId: r.body.user.id, username, password };
}
