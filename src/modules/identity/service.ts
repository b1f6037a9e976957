import { createHash, randomBytes } from 'node:crypto';
import { AppError, conflict } from '../../platform/errors.js';
import { newId } from '../../platform/ids.js';
import type { Cache } from '../../platform/cache/port.js';
import type { Db } from '../../platform/db/index.js';
import { DUMMY_HASH_PROMISE, hashPassword, verifyPassword } from './password.js';
import { identityQueries, type UserRecord } from './queries.js';

export type { UserRecord } from './queries.js';

/** Who is making a request, once their token checked out. */
export interface Principal {
  userId: string;
  username: string;
  role: 'user' | 'admin';
}

export const SESSION_TTL_SEC = 30 * 24 * 3600;
// Failed logins allowed per window: per account (guessing one password) and per client address
// (spraying many accounts). Counted on the shared cache, so every api process sees the same count.
const LOGIN_WINDOW_SEC = 15 * 60;
const MAX_FAILS_PER_ACCOUNT = 10;
const MAX_FAILS_PER_IP = 50;
// Authenticated requests are frequent; a short cache keeps them off the database. Logout deletes
// the entry, so revocation is immediate on this process and on every process sharing Redis.
const SESSION_CACHE_TTL_SEC = 60;

export const hashToken = (token: string) => createHash('sha256').update(token).digest('base64url');

/**
 * Accounts and sessions. Passwords hashed with scrypt; tokens are 256 random bits handed to the
 * client once and stored only as a SHA-256 hash.
 */
export function createIdentityService(deps: { db: Db; cache: Cache }) {
  const q = identityQueries(deps.db);
  const sessionKey = (tokenHash: string) => `session:${tokenHash}`;

  async function issueSession(userId: string) {
    const token = randomBytes(32).toString('base64url');
    const expiresAt = new Date(Date.now() + SESSION_TTL_SEC * 1000);
    await q.insertSession({ tokenHash: hashToken(token), userId, expiresAt });
    return { token, expiresAt };
  }

  async function assertNotThrottled(keys: string[], limits: number[]) {
    for (const [i, key] of keys.entries()) {
      const fails = (await deps.cache.get<number>(key)) ?? 0;
      if (fails >= limits[i]!) {
        throw new AppError('LOGIN_RATE_LIMITED', 429, 'Too many failed sign-in attempts. Wait 15 minutes and try again, or reset your password.', {
          retryAfterSec: LOGIN_WINDOW_SEC,
        });
      }
    }
  }

  return {
    async signup(input: { username: string; email: string; password: string }) {
      const passwordHash = await hashPassword(input.password);
      // Self-hosted convention (Gitea, PeerTube's root): the first account administers the instance.
      const role = (await q.isEmpty()) ? 'admin' : 'user';
      let user: UserRecord;
      try {
        user = await q.insertUser({ userId: newId(), username: input.username, email: input.email, passwordHash, role });
      } catch (err) {
        const e = err as { code?: string; constraint?: string; message?: string };
        if (e.code === '23505') {
          const field = `${e.constraint ?? ''}${e.message ?? ''}`.includes('email') ? 'email' : 'username';
          throw conflict(field === 'email' ? 'EMAIL_TAKEN' : 'USERNAME_TAKEN', `That ${field} is already registered. Sign in, or choose another ${field}.`);
        }
        throw err;
      }
      const session = await issueSession(user.userId);
      return { user, ...session };
    },

    async login(input: { username: string; password: string }, ip: string) {
      const accountKey = `login-fail:account:${input.username.toLowerCase()}`;
      const ipKey = `login-fail:ip:${ip}`;
      await assertNotThrottled([accountKey, ipKey], [MAX_FAILS_PER_ACCOUNT, MAX_FAILS_PER_IP]);
      const found = await q.findByLogin(input.username);
      const ok = await verifyPassword(input.password, found?.passwordHash ?? (await DUMMY_HASH_PROMISE));
      if (!found || !ok) {
        await Promise.all([deps.cache.incr(accountKey, LOGIN_WINDOW_SEC), deps.cache.incr(ipKey, LOGIN_WINDOW_SEC)]);
        throw new AppError('INVALID_CREDENTIALS', 401, 'Wrong username or password.');
      }
      const { passwordHash: _omit, ...user } = found;
      return { user: user as UserRecord, ...(await issueSession(found.userId)) };
    },

    async logout(token: string) {
      const tokenHash = hashToken(token);
      await q.revokeSession(tokenHash);
      await deps.cache.del(sessionKey(tokenHash));
    },

    /** The principal behind a token, or undefined when it is unknown, revoked or expired. */
    async authenticate(token: string): Promise<Principal | undefined> {
      const tokenHash = hashToken(token);
      const cached = await deps.cache.get<Principal & { expiresAt: number }>(sessionKey(tokenHash));
      if (cached && cached.expiresAt > Date.now()) return { userId: cached.userId, username: cached.username, role: cached.role };
      const row = await q.findSessionUser(tokenHash);
      if (!row) return undefined;
      const principal: Principal = { userId: row.userId, username: row.username, role: row.role };
      await deps.cache.set(sessionKey(tokenHash), { ...principal, expiresAt: row.expiresAt.getTime() }, SESSION_CACHE_TTL_SEC);
      return principal;
    },

    findUser: (userId: string) => q.findUser(userId),
  };
}

export type IdentityService = ReturnType<typeof createIdentityService>;
