import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { KyselyPlugin, PluginTransformQueryArgs, PluginTransformResultArgs, QueryResult, RootOperationNode, UnknownRow } from 'kysely';
import { startTestApp, signUp, type TestApp } from './support/app.js';
import { createServerDatabase, createTestDatabase } from './support/databases.js';
import { ensureRedis } from './support/services.js';
import { createCache, type Cache } from '../src/platform/cache/index.js';
import { createLogger } from '../src/platform/log.js';
import { createIdentityService } from '../src/modules/identity/index.js';

/**
 * A signed-out token is refused at once, on the process that signed it out and on every other
 * one, whatever cache sits in front of the sessions table (issue 9).
 */
const me = (app: TestApp, token: string) => app.api('GET', '/api/v1/me', { token }).then((r) => r.status);

async function assertRefusedEverywhereAfterLogout(signOutOn: TestApp, others: TestApp[]) {
  const u = await signUp(signOutOn, 'leaver');
  // Every process has the session in its cache (or Redis has it) before the logout.
  for (const app of [signOutOn, ...others]) assert.equal(await me(app, u.token), 200);
  assert.equal((await signOutOn.api('POST', '/api/v1/auth/logout', { token: u.token })).status, 204);
  for (const app of [signOutOn, ...others]) assert.equal(await me(app, u.token), 401, 'the signed-out token is refused at once');
}

describe('a signed-out session is refused at once', () => {
  test('on the embedded engine (one process, in-process cache)', async () => {
    const app = await startTestApp();
    try {
      await assertRefusedEverywhereAfterLogout(app, []);
    } finally {
      await app.close();
    }
  });

  test('on two api processes sharing PostgreSQL and Redis', async () => {
    await ensureRedis();
    const db = await createServerDatabase();
    const env = { DATABASE_URL: db.url, REDIS_URL: 'redis://127.0.0.1:6379', REDIS_KEY_PREFIX: `kinema-test-${randomBytes(4).toString('hex')}:` };
    const apps: TestApp[] = [];
    try {
      apps.push(await startTestApp({ env }), await startTestApp({ env }));
      await assertRefusedEverywhereAfterLogout(apps[0]!, [apps[1]!]);
    } finally {
      for (const app of apps) await app.close();
      await db.drop();
    }
  });

  test('on two api processes sharing PostgreSQL without Redis (each with its own in-process cache)', async () => {
    const db = await createServerDatabase();
    const apps: TestApp[] = [];
    try {
      apps.push(await startTestApp({ env: { DATABASE_URL: db.url } }), await startTestApp({ env: { DATABASE_URL: db.url } }));
      await assertRefusedEverywhereAfterLogout(apps[0]!, [apps[1]!]);
    } finally {
      for (const app of apps) await app.close();
      await db.drop();
    }
  });
});

/**
 * Holds the first session lookup's result (after the database answered) until released: the
 * moment in which a logout can commit between a request's database read and its cache fill.
 * The database is real; the plugin only delays handing the rows back.
 */
function sessionReadGate(): KyselyPlugin & { reached: Promise<void>; release(): void } {
  let reach!: () => void;
  let release!: () => void;
  const reached = new Promise<void>((r) => (reach = r));
  const released = new Promise<void>((r) => (release = r));
  let armed = true;
  return {
    reached,
    release,
    transformQuery: (args: PluginTransformQueryArgs): RootOperationNode => args.node,
    async transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
      const row = args.result.rows[0];
      if (armed && row && 'expiresAt' in row && 'username' in row) {
        armed = false;
        reach();
        await released;
      }
      return args.result;
    },
  };
}

for (const kind of ['memory', 'redis'] as const) {
  test(`a session read just before a logout is not cached after it (${kind} cache)`, async () => {
    if (kind === 'redis') await ensureRedis();
    // PostgreSQL, not PGlite: the gate holds its connection, and the logout needs another.
    const handle = await createTestDatabase('postgres');
    const cache: Cache = kind === 'memory'
      ? createCache({ kind: 'memory' })
      : createCache({ kind: 'redis', url: 'redis://127.0.0.1:6379', keyPrefix: `kinema-test-${randomBytes(4).toString('hex')}:`, log: createLogger('silent') });
    try {
      const policy = { signup: 'open' as const, signupsPerAddressPerHour: 0, loginAttemptsPerAddress: 100 };
      const identity = createIdentityService({ db: handle.db, cache, policy });
      const name = `racer_${randomBytes(3).toString('hex')}`;
      const { token } = await identity.signup({ username: name, email: `${name}@example.test`, password: 'correct horse battery staple' }, '127.0.0.1');
      const gate = sessionReadGate();
      const gated = createIdentityService({ db: handle.db.withPlugin(gate), cache, policy });
      // A request authenticates: the database says the session is valid, and then, before that
      // request fills the cache, the user signs out.
      const inFlight = gated.authenticate(token);
      await gate.reached;
      await identity.logout(token);
      gate.release();
      assert.ok(await inFlight, 'the request that started before the logout was still signed in');
      assert.equal(await identity.authenticate(token), undefined, 'after the logout the token is refused, not served from the cache');
    } finally {
      await cache.close();
      await handle.close();
    }
  });
}
