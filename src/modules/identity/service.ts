import { createLastKnown, LAST_KNOWN_MAX_AGE_MS } from '../../platform/cache/last-known.js';
import { createHash, randomBytes } from 'node:crypto';
import { AppError, conflict } from '../../platform/errors.js';
import { newId } from '../../platform/ids.js';
import type { Cache } from '../../platform/cache/port.js';
import type { Db } from '../../platform/db/index.js';
import { createAttemptCounter, describeReset } from './attempt-counter.js';
import { createPasswordHasher, type PasswordHasher } from './password.js';
import { identityQueries, type UserRecord } from './queries.js';

export type { UserRecord } from './queries.js';

/** Who is making a request, once their token checked out. */
export interface Principal {
  userId: string;
  username: string;
  role: 'user' | 'admin';
}

/** What the operator configured (SIGNUP, SIGNUPS_PER_ADDRESS_PER_HOUR, LOGIN_ATTEMPTS_PER_ADDRESS). */
export interface AccountPolicy {
  signup: 'open' | 'closed';
  /** 0: no limit. */
  signupsPerAddressPerHour: number;
  loginAttemptsPerAddress: number;
}

export const SESSION_TTL_SEC = 30 * 24 * 3600;
// Sign-in attempts are counted per account (guessing one password) and per client address
// (spraying many accounts), on the shared cache so every api process sees the same count. Every
// attempt counts, right or wrong: it is counted before the password is checked, so concurrent
// guesses cannot slip through between a check and an increment. A successful sign-in clears the
// account's count, as Devise's lockable (GitLab's: 10 attempts, then a 10-minute lock) does; the
// address count is not cleared, or an attacker could reset it by signing in to an account of
// their own. PeerTube likewise counts every login request per address (15 per 5 minutes).
const LOGIN_WINDOW_SEC = 15 * 60;
const MAX_ATTEMPTS_PER_ACCOUNT = 10;
const SIGNUP_WINDOW_SEC = 3600;
// Authenticated requests are frequent; a short cache keeps them off the database. Logout deletes
// the entry, so revocation is immediate on this process and on every process sharing Redis. The
// fill goes through a lease (Cache.getOrLease): a request that read the session just before a
// logout committed cannot put it back into the cache after the logout's delete.
const SESSION_CACHE_TTL_SEC = 60;
const SESSION_LEASE_TTL_SEC = 10;

export const hashToken = (token: string) => createHash('sha256').update(token).digest('base64url');

type NewAccount = { username: string; email: string; password: string };

/**
 * Accounts and sessions. Passwords hashed with scrypt, a bounded number at a time per process
 * (see hash-gate.ts); tokens are 256 random bits handed to the client once and stored only as a
 * SHA-256 hash.
 */
export function createIdentityService(deps: {
  db: Db;
  cache: Cache;
  policy: AccountPolicy;
  passwords?: PasswordHasher;
  /**
   * Whether sessions may be cached: only when every process that can sign a session out shares
   * this cache (Redis, or the one embedded process). Processes sharing PostgreSQL with a cache
   * each of their own would go on accepting a signed-out token from their copies.
   */
  cacheSessions?: boolean;
}) {
  const q = identityQueries(deps.db);
  const lastKnown = createLastKnown<NonNullable<Awaited<ReturnType<typeof q.findSessionUser>>>>({ max: 10_000, maxAgeMs: LAST_KNOWN_MAX_AGE_MS });
  const passwords = deps.passwords ?? createPasswordHasher();
  const attempts = createAttemptCounter(deps.cache);
  const sessionKey = (tokenHash: string) => `session:${tokenHash}`;

  async function issueSession(userId: string) {
    const token = randomBytes(32).toString('base64url');
    const expiresAt = new Date(Date.now() + SESSION_TTL_SEC * 1000);
    await q.insertSession({ tokenHash: hashToken(token), userId, expiresAt });
    return { token, expiresAt };
  }

  /** Inserts the account, turning a taken username or email into an error the person can act on. */
  async function insertAccount(input: NewAccount, role: 'user' | 'admin' | 'admin-if-first'): Promise<UserRecord> {
    const row = { userId: newId(), username: input.username, email: input.email, passwordHash: await passwords.hash(input.password) };
    try {
      return role === 'admin-if-first' ? await q.insertUserFirstIsAdmin(row) : await q.insertUser({ ...row, role });
    } catch (err) {
      const e = err as { code?: string; constraint?: string; message?: string };
      if (e.code === '23505') {
        const field = `${e.constraint ?? ''}${e.message ?? ''}`.includes('email') ? 'email' : 'username';
        throw conflict(field === 'email' ? 'EMAIL_TAKEN' : 'USERNAME_TAKEN', `That ${field} is already registered. Sign in, or choose another ${field}.`);
      }
      throw err;
    }
  }

  async function assertSignupAllowed(ip: string) {
    // GitLab ("Sign-up enabled") and PeerTube (signup.enabled) both let the operator close sign-up.
    if (deps.policy.signup === 'closed') {
      throw new AppError('SIGNUP_CLOSED', 403, 'This instance does not accept new accounts. Ask its operator to create one for you.');
    }
    const limit = deps.policy.signupsPerAddressPerHour;
    if (limit === 0) return;
    const key = `signup:address:${ip}`;
    if ((await attempts.hit(key, SIGNUP_WINDOW_SEC)) <= limit) return;
    const reset = describeReset(await attempts.resetsAt(key, SIGNUP_WINDOW_SEC));
    throw new AppError('SIGNUP_RATE_LIMITED', 429, `Too many accounts created from your address (at most ${limit} an hour). Try again ${reset.words}.`, {
      retryAfterSec: reset.retryAfterSec,
    });
  }

  return {
    /** Self-service sign-up from `ip`; the first account on an empty instance administers it. */
    async signup(input: NewAccount, ip: string) {
      await assertSignupAllowed(ip);
      // Self-hosted convention (Gitea, PeerTube's root): the first account administers the instance.
      const user = await insertAccount(input, 'admin-if-first');
      return { user, ...(await issueSession(user.userId)) };
    },

    /** An account made by the operator (`kinema users create`): no sign-up policy, the role as asked. */
    createAccount: (input: NewAccount, role: 'user' | 'admin') => insertAccount(input, role),

    async login(input: { username: string; password: string }, ip: string) {
      const found = await q.findByLogin(input.username);
      // Keyed by the account, so its username and its email share one budget. A name with no
      // account still counts (under its own key) and still costs a hash, so neither the answer
      // nor its timing tells whether the account exists.
      const accountKey = found ? `login:account:${found.userId}` : `login:no-account:${input.username.toLowerCase()}`;
      const addressKey = `login:address:${ip}`;
      const [accountCount, addressCount] = await Promise.all([attempts.hit(accountKey, LOGIN_WINDOW_SEC), attempts.hit(addressKey, LOGIN_WINDOW_SEC)]);
      const limited = accountCount > MAX_ATTEMPTS_PER_ACCOUNT ? accountKey : addressCount > deps.policy.loginAttemptsPerAddress ? addressKey : undefined;
      if (limited) {
        const reset = describeReset(await attempts.resetsAt(limited, LOGIN_WINDOW_SEC));
        throw new AppError('LOGIN_RATE_LIMITED', 429, `Too many sign-in attempts. Try again ${reset.words}.`, {
          retryAfterSec: reset.retryAfterSec,
        });
      }
      const ok = await passwords.verify(input.password, found?.passwordHash ?? (await passwords.dummyHash()));
      if (!found || !ok) throw new AppError('INVALID_CREDENTIALS', 401, 'Wrong username or password.');
      await deps.cache.del(accountKey, `${accountKey}:since`);
      const { passwordHash: _omit, ...user } = found;
      return { user: user as UserRecord, ...(await issueSession(found.userId)) };
    },

    async logout(token: string) {
      const tokenHash = hashToken(token);
      lastKnown.forget(tokenHash);
      await q.revokeSession(tokenHash);
      await deps.cache.del(sessionKey(tokenHash));
    },

    /** The principal behind a token, or undefined when it is unknown, revoked or expired. */
    async authenticate(token: string): Promise<Principal | undefined> {
      const tokenHash = hashToken(token);
      const key = sessionKey(tokenHash);
      const cacheSessions = deps.cacheSessions ?? true;
      type CachedSession = Principal & { expiresAt: number };
      // A hit is a plain read (on Redis a GET, not the lease script); only a miss takes a lease.
      const cached = cacheSessions ? await deps.cache.get<CachedSession>(key) : undefined;
      if (cached && cached.expiresAt > Date.now()) return { userId: cached.userId, username: cached.username, role: cached.role };
      // Taken before the database read, so a logout committed after that read revokes the lease.
      const read = cacheSessions && !cached ? await deps.cache.getOrLease<CachedSession>(key, SESSION_LEASE_TTL_SEC) : undefined;
      if (read?.hit && read.value.expiresAt > Date.now()) return { userId: read.value.userId, username: read.value.username, role: read.value.role };
      // Through a database outage, a session this process verified in the last few minutes still
      // signs its user in (uploads keep going; anything that writes answers 503 anyway). A value
      // remembered that way is never written to the shared cache.
      const { value: row, stale } = await lastKnown.read(tokenHash, async () => (await q.findSessionUser(tokenHash)) ?? undefined);
      if (!row || row.expiresAt.getTime() <= Date.now()) return undefined;
      const principal: Principal = { userId: row.userId, username: row.username, role: row.role };
      if (!stale && read && !read.hit && read.lease) await deps.cache.setLeased(key, read.lease, { ...principal, expiresAt: row.expiresAt.getTime() }, SESSION_CACHE_TTL_SEC);
      return principal;
    },

    findUser: (userId: string) => q.findUser(userId),
  };
}

export type IdentityService = ReturnType<typeof createIdentityService>;
