import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { createHashGate, type HashGateOptions } from './hash-gate.js';

// OWASP password storage cheat sheet: scrypt with N=2^17, r=8, p=1. maxmem must exceed 128*N*r.
const PARAMS = { N: 2 ** 17, r: 8, p: 1 };
const KEY_BYTES = 32;

export type ScryptParams = { N: number; r: number; p: number };
/** The key derivation itself; a parameter so a test can count the derivations in flight. */
export type DeriveKey = (password: string, salt: Buffer, p: ScryptParams) => Promise<Buffer>;

export const scryptKey: DeriveKey = (password, salt, p) => {
  const opts: ScryptOptions = { N: p.N, r: p.r, p: p.p, maxmem: 256 * p.N * p.r };
  return new Promise((resolve, reject) =>
    scrypt(password.normalize('NFKC'), salt, KEY_BYTES, opts, (err, key) => (err ? reject(err) : resolve(key))),
  );
};

/** Hashes a password as `scrypt$N$r$p$salt$key` (parameters stored so they can be raised later). */
export async function hashPassword(password: string, derive: DeriveKey = scryptKey): Promise<string> {
  const salt = randomBytes(16);
  const key = await derive(password, salt, PARAMS);
  return ['scrypt', PARAMS.N, PARAMS.r, PARAMS.p, salt.toString('base64url'), key.toString('base64url')].join('$');
}

/** Constant-time check of a password against a stored hash. Unknown formats never match. */
export async function verifyPassword(password: string, stored: string, derive: DeriveKey = scryptKey): Promise<boolean> {
  const [scheme, n, r, p, salt, key] = stored.split('$');
  if (scheme !== 'scrypt' || !salt || !key) return false;
  const expected = Buffer.from(key, 'base64url');
  const actual = await derive(password, Buffer.from(salt, 'base64url'), { N: Number(n), r: Number(r), p: Number(p) });
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

/**
 * Password hashing for one process, every derivation through one {@link createHashGate} bound.
 * Two at a time leaves two of libuv's four threads for file I/O, and 256 MiB of scrypt memory at
 * most; 32 waiting is ~6 s of work at 0.4 s a hash.
 */
export function createPasswordHasher(opts: Partial<HashGateOptions> & { derive?: DeriveKey } = {}) {
  const derive = opts.derive ?? scryptKey;
  const gate = createHashGate({ maxRunning: opts.maxRunning ?? 2, maxWaiting: opts.maxWaiting ?? 32, retryAfterSec: opts.retryAfterSec });
  let dummy: Promise<string> | undefined;
  return {
    hash: (password: string) => gate.run(() => hashPassword(password, derive)),
    verify: (password: string, stored: string) => gate.run(() => verifyPassword(password, stored, derive)),
    /** A hash to verify against when the user does not exist, so timing does not reveal usernames. */
    dummyHash: () =>
      (dummy ??= gate.run(() => hashPassword('kinema-dummy-password', derive)).catch((err: unknown) => {
        dummy = undefined; // refused (queue full): the next caller computes it
        throw err;
      })),
    gate,
  };
}

export type PasswordHasher = ReturnType<typeof createPasswordHasher>;
