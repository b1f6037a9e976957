import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { createTestDatabase, ENGINES } from './support/databases.js';
import { startTestApp, type TestApp } from './support/app.js';
import { tempDir } from './support/services.js';
import { packageRoot } from '../src/platform/paths.js';
import { createIdentityService } from '../src/modules/identity/index.js';
import { createPasswordHasher, type DeriveKey } from '../src/modules/identity/password.js';
import { createMemoryCache } from '../src/platform/cache/index.js';

// Issue 9: who becomes admin, closed sign-up, and accounts made by the operator.

const bin = join(packageRoot, 'bin', 'kinema');
const kinema = (args: string[], opts: { input?: string; env?: Record<string, string> } = {}) =>
  spawnSync(process.execPath, [bin, ...args], {
    encoding: 'utf8', input: opts.input ?? '', timeout: 120_000,
    env: { ...process.env, KINEMA_FROM_SOURCE: '1', LOG_LEVEL: 'silent', METRICS_LISTEN: '127.0.0.1:0', ...opts.env },
  });
const lines = (text: string) => text.trimEnd().split('\n');

const signup = (app: TestApp, username = `user_${randomBytes(4).toString('hex')}`) =>
  app.api('POST', '/api/v1/auth/signup', { body: { username, email: `${username}@example.test`, password: 'correct horse battery staple' } });

// A stand-in for scrypt, so the ten sign-ups reach the database together as ten people clicking
// at once would; what is under test is the insert, not the hash.
const instantDerive: DeriveKey = async (password, salt) => createHash('sha256').update(salt).update(password).digest();

for (const engine of ENGINES) {
  test(`10 simultaneous first sign-ups on ${engine}: exactly one becomes admin`, async () => {
    const database = await createTestDatabase(engine);
    const cache = createMemoryCache({ maxEntries: 100 });
    const identity = createIdentityService({
      db: database.db, cache, passwords: createPasswordHasher({ derive: instantDerive }),
      policy: { signup: 'open', signupsPerAddressPerHour: 0, loginAttemptsPerAddress: 1000 },
    });
    try {
      const names = Array.from({ length: 10 }, (_, i) => `first_${i}_${randomBytes(3).toString('hex')}`);
      const results = await Promise.all(names.map((username) => identity.signup({ username, email: `${username}@example.test`, password: 'correct horse battery staple' }, '192.0.2.1')));
      const roles = results.map((r) => r.user.role);
      assert.equal(roles.filter((r) => r === 'admin').length, 1, `roles: ${roles}`);
      const later = await identity.signup({ username: 'latecomer', email: 'late@example.test', password: 'correct horse battery staple' }, '192.0.2.1');
      assert.equal(later.user.role, 'user');
    } finally {
      await cache.close();
      await database.close();
    }
  });
}

describe('SIGNUP=closed and kinema users create', () => {
  test('closed sign-up refuses everyone with 403, even on an empty instance; the operator creates the admin with the CLI', async () => {
    const dataDir = await tempDir('kinema-accounts-');
    const closed = await startTestApp({ env: { DATA_DIR: dataDir, SIGNUP: 'closed' } });
    try {
      const refused = await signup(closed);
      assert.equal(refused.status, 403);
      assert.equal(refused.body.error.code, 'SIGNUP_CLOSED');
      assert.match(refused.body.error.message, /does not accept new accounts\. Ask its operator/);
    } finally {
      await closed.close(); // the embedded database's directory is locked while it runs
    }

    const created = kinema(['users', 'create', '--username', 'root', '--email', 'root@example.test', '--password-stdin', '--admin', '--data-dir', dataDir], { input: 's3cret-passphrase\n' });
    assert.equal(created.status, 0, created.stderr);
    assert.match(created.stdout, /^Created administrator "root" \(id [A-Za-z0-9_-]+\)\.\n$/);
    const plain = kinema(['users', 'create', '--username', 'carol', '--email', 'carol@example.test', '--password-stdin', '--data-dir', dataDir], { input: 'another passphrase' });
    assert.equal(plain.status, 0, plain.stderr);
    const taken = kinema(['users', 'create', '--username', 'ROOT', '--email', 'x@example.test', '--password-stdin', '--data-dir', dataDir], { input: 'whatever passphrase' });
    assert.equal(taken.status, 1);
    assert.deepEqual(lines(taken.stderr), ['kinema: That username is already registered. Sign in, or choose another username.']);

    const app = await startTestApp({ env: { DATA_DIR: dataDir, SIGNUP: 'closed' } });
    try {
      const root = await app.api('POST', '/api/v1/auth/login', { body: { username: 'root', password: 's3cret-passphrase' } });
      assert.equal(root.status, 200, JSON.stringify(root.body));
      assert.equal(root.body.user.role, 'admin');
      const carol = await app.api('POST', '/api/v1/auth/login', { body: { username: 'carol@example.test', password: 'another passphrase' } });
      assert.equal(carol.body.user.role, 'user');
      assert.equal((await signup(app)).status, 403);
    } finally {
      await app.close();
    }
  });

  test('kinema users: --help, and bad usage exits 2 with one line', async () => {
    const help = kinema(['users', 'create', '--help']);
    assert.equal(help.status, 0, help.stderr);
    assert.match(help.stdout, /^Usage: kinema users create --username NAME --email EMAIL --password-stdin \[--admin\]/);
    assert.match(kinema(['help', 'users']).stdout, /^Usage: kinema users /);
    assert.match(kinema(['--help']).stdout, /\n  users create\b/);

    const dataDir = await tempDir('kinema-accounts-');
    const ok = ['--username', 'dana', '--email', 'dana@example.test', '--data-dir', dataDir];
    const cases: [string[], string, string?][] = [
      [['users'], 'kinema users: say what to do: kinema users create .... Run "kinema users --help" for usage.'],
      [['users', 'delete'], 'kinema users: unknown subcommand "delete" (there is: create). Run "kinema users --help" for usage.'],
      [['users', 'create', ...ok, '--password', 'hunter22'], 'kinema users: unknown flag --password. Run "kinema users --help" for usage.'],
      [['users', 'create', ...ok], 'kinema users: give the password on standard input with --password-stdin. Run "kinema users --help" for usage.'],
      [['users', 'create', '--email', 'dana@example.test', '--password-stdin'], 'kinema users: give --username and --email. Run "kinema users --help" for usage.'],
      [['users', 'create', ...ok, '--password-stdin'], 'kinema users: the password must be 8 to 200 characters. Run "kinema users --help" for usage.', 'short\n'],
      [['users', 'create', '--username', 'no spaces', '--email', 'a@b.test', '--password-stdin'], 'kinema users: username "no spaces" is not allowed: 3–32 letters, digits, _ . -. Run "kinema users --help" for usage.', 'long enough password'],
      [['users', 'create', '--username', 'dana', '--email', 'dana.example.test', '--password-stdin'], 'kinema users: email "dana.example.test" is not an email address. Run "kinema users --help" for usage.', 'long enough password'],
    ];
    for (const [args, line, input] of cases) {
      const r = kinema(args, { input });
      assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.deepEqual(lines(r.stderr), [line]);
      assert.equal(r.stdout, '');
    }
  });

  test('SIGNUP takes open or closed; anything else stops start-up with one line', () => {
    const r = kinema(['start'], { env: { SIGNUP: 'invite-only', DATA_DIR: '/nonexistent-kinema' } });
    assert.equal(r.status, 1);
    assert.deepEqual(lines(r.stderr), ['kinema: SIGNUP="invite-only" is invalid: use open or closed.']);
  });
});
