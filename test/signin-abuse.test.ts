import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { startTestApp, signUp, type TestApp } from './support/app.js';
import { createTestDatabase } from './support/databases.js';
import { ConfigError, loadConfig } from '../src/config.js';
import { createIdentityService } from '../src/modules/identity/index.js';
import { createPasswordHasher, scryptKey, type DeriveKey } from '../src/modules/identity/password.js';
import { createMemoryCache } from '../src/platform/cache/index.js';

// Issue 9: the attacks on sign-in, sent the way an attacker sends them, over real HTTP.

const login = (app: TestApp, username: string, password: string, forwardedFor?: string) =>
  app.api('POST', '/api/v1/auth/login', { body: { username, password }, headers: forwardedFor ? { 'x-forwarded-for': forwardedFor } : {} });

const unique = (prefix: string) => `${prefix}_${randomBytes(4).toString('hex')}`;

describe('X-Forwarded-For and the per-address sign-in limit', () => {
  test('by default the header is ignored: a forged address per request still hits the per-address limit', async () => {
    const app = await startTestApp({ env: { LOGIN_ATTEMPTS_PER_ADDRESS: '10' } });
    try {
      const statuses: number[] = [];
      // Password spraying: a different account each time, and a new forged client address each time.
      for (let i = 0; i < 12; i++) statuses.push((await login(app, unique('victim'), 'Winter2026!', `203.0.113.${i + 1}`)).status);
      assert.deepEqual(statuses, [...Array(10).fill(401), 429, 429]);
    } finally {
      await app.close();
    }
  });

  test('with TRUST_PROXY naming the proxy, its header is believed: each forwarded client has its own budget', async () => {
    const app = await startTestApp({ env: { LOGIN_ATTEMPTS_PER_ADDRESS: '3', TRUST_PROXY: '127.0.0.1' } });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 12; i++) statuses.push((await login(app, unique('user'), 'wrong password', `198.51.100.${i + 1}`)).status);
      assert.deepEqual(statuses, Array(12).fill(401));
      // …and each forwarded client is still limited: 198.51.100.1 has made 1 attempt of its 3.
      const more: number[] = [];
      for (let i = 0; i < 3; i++) more.push((await login(app, unique('user'), 'wrong password', '198.51.100.1')).status);
      assert.deepEqual(more, [401, 401, 429]);
    } finally {
      await app.close();
    }
  });

  test('TRUST_PROXY must list addresses or CIDRs: anything else stops start-up with one line', () => {
    assert.deepEqual(loadConfig({ TRUST_PROXY: '127.0.0.1, 10.0.0.0/8,::1,fd00::/8,loopback' }).trustProxy, ['127.0.0.1', '10.0.0.0/8', '::1', 'fd00::/8', 'loopback']);
    assert.deepEqual(loadConfig({}).trustProxy, []);
    for (const bad of ['10.0.0.0/33', 'proxy.example.org', '10.0.0.1/8/2', '::1/129', 'true']) {
      assert.throws(() => loadConfig({ TRUST_PROXY: bad }), (err: Error) => err instanceof ConfigError && /^TRUST_PROXY/.test(err.message) && !err.message.includes('\n'), bad);
    }
  });
});

describe('the per-account sign-in budget', () => {
  let app: TestApp;
  before(async () => {
    app = await startTestApp({ env: { LOGIN_ATTEMPTS_PER_ADDRESS: '1000' } });
  });
  after(() => app.close());

  test('25 concurrent wrong guesses: at most 10 are checked, the rest are refused, then even the right password waits', async () => {
    const victim = await signUp(app, 'victim');
    const results = await Promise.all(Array.from({ length: 25 }, (_, i) => login(app, victim.username, `guess-${i}`)));
    const statuses = results.map((r) => r.status);
    assert.equal(statuses.filter((s) => s === 401).length, 10, `statuses: ${statuses}`);
    assert.equal(statuses.filter((s) => s === 429).length, 15, `statuses: ${statuses}`);
    const right = await login(app, victim.username, victim.password);
    assert.equal(right.status, 429);
    assert.equal(right.body.error.code, 'LOGIN_RATE_LIMITED');
    assert.match(right.body.error.message, /Try again in \d+ minutes?, at \d\d:\d\d UTC/);
    assert.ok(Number(right.headers.get('retry-after')) > 0);
  });

  test('guesses alternating username and email share one budget', async () => {
    const victim = await signUp(app, 'victim');
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++) statuses.push((await login(app, i % 2 ? `${victim.username}@example.test` : victim.username.toUpperCase(), `guess-${i}`)).status);
    assert.deepEqual(statuses, [...Array(10).fill(401), 429, 429]);
  });

  test('a successful sign-in clears the account budget', async () => {
    const user = await signUp(app, 'typo');
    for (let i = 0; i < 9; i++) assert.equal((await login(app, user.username, `typo-${i}`)).status, 401);
    assert.equal((await login(app, user.username, user.password)).status, 200);
    // The 11th attempt of the window: refused had the success not cleared the count.
    assert.equal((await login(app, user.username, 'typo-again')).status, 401);
  });
});

test('sign-ups per address are limited, and the refusal says when the limit resets', async () => {
  const app = await startTestApp({ env: { SIGNUPS_PER_ADDRESS_PER_HOUR: '3' } });
  try {
    const signup = () => {
      const username = unique('bot');
      return app.api('POST', '/api/v1/auth/signup', { body: { username, email: `${username}@example.test`, password: 'correct horse battery staple' } });
    };
    for (let i = 0; i < 3; i++) assert.equal((await signup()).status, 201);
    const refused = await signup();
    assert.equal(refused.status, 429);
    assert.equal(refused.body.error.code, 'SIGNUP_RATE_LIMITED');
    assert.match(refused.body.error.message, /at most 3 an hour\). Try again in \d+ minutes?, at \d\d:\d\d UTC\./);
    const retryAfter = Number(refused.headers.get('retry-after'));
    assert.ok(retryAfter > 0 && retryAfter <= 3600, `retry-after ${retryAfter}`);
  } finally {
    await app.close();
  }
});

test('16 parallel wrong sign-ins run at most 2 scrypt derivations at a time (the rest of the pool stays free for I/O)', async () => {
  const database = await createTestDatabase('pglite');
  const cache = createMemoryCache({ maxEntries: 1000 });
  // The real scrypt, counted while in flight.
  let inFlight = 0;
  let peak = 0;
  let total = 0;
  const counted: DeriveKey = async (...args) => {
    inFlight++;
    total++;
    peak = Math.max(peak, inFlight);
    try {
      return await scryptKey(...args);
    } finally {
      inFlight--;
    }
  };
  const identity = createIdentityService({
    db: database.db, cache, passwords: createPasswordHasher({ derive: counted }),
    policy: { signup: 'open', signupsPerAddressPerHour: 0, loginAttemptsPerAddress: 1000 },
  });
  try {
    const results = await Promise.allSettled(Array.from({ length: 16 }, (_, i) => identity.login({ username: unique('nobody'), password: 'wrong' }, `192.0.2.${i}`)));
    assert.deepEqual(results.map((r) => r.status === 'rejected' && (r.reason as { code?: string }).code), Array(16).fill('INVALID_CREDENTIALS'));
    assert.equal(total, 17, '16 verifications and the one dummy hash for unknown names');
    assert.ok(peak <= 2, `peak concurrent scrypt derivations: ${peak}`);
  } finally {
    await cache.close();
    await database.close();
  }
});
