import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Signed media tokens for private videos. A token grants read access to ONE version prefix
 * (`media/{videoId}/{version}/`) until an expiry, and sits in the URL path
 * (`/media/s/{exp}.{sig}/{videoId}/{version}/master.m3u8`) so that every relative URL inside the
 * playlists (rung playlists, init and media segments, the storyboard sprite) carries it too.
 *
 * token   = `${exp}.${sig}`
 * exp     = expiry, Unix time in whole seconds, decimal
 * sig     = base64url, unpadded, of HMAC-SHA256(key = the signing secret's UTF-8 bytes,
 *                                              message = `${exp}:${prefix}`)
 * prefix  = `media/${videoId}/${version}/`
 *
 * Verifying needs only the secret and the URL, so an nginx (njs) or CDN edge can check it without
 * a database (docs/DELIVERY.md has the recipe).
 */

const TOKEN_PATTERN = /^(\d{1,12})\.([A-Za-z0-9_-]{43})$/;

export type TokenCheck = { ok: true; expiresAtSec: number } | { ok: false; reason: 'malformed' | 'forged' | 'expired' };

function signature(secret: string, prefix: string, expSec: number): string {
  return createHmac('sha256', secret).update(`${expSec}:${prefix}`).digest('base64url');
}

/**
 * The token for `prefix`, valid until `expSec` (Unix seconds).
 * @example signMediaToken(secret, 'media/AbCdEfGhIjK/v1/', 1767225600) // '1767225600.Xy…'
 */
export function signMediaToken(secret: string, prefix: string, expSec: number): string {
  return `${expSec}.${signature(secret, prefix, expSec)}`;
}

/** Checks a token against the prefix it must grant, at `nowSec`. Constant-time on the signature. */
export function verifyMediaToken(secret: string, prefix: string, token: string, nowSec: number): TokenCheck {
  const match = TOKEN_PATTERN.exec(token);
  if (!match) return { ok: false, reason: 'malformed' };
  const expSec = Number(match[1]);
  // Compare the text, not decoded bytes: base64url's last character has spare bits, and two
  // spellings of one signature would otherwise both pass (harmless, but surprising to an edge).
  const given = Buffer.from(match[2]!, 'latin1');
  const expected = Buffer.from(signature(secret, prefix, expSec), 'latin1');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, reason: 'forged' };
  // Checked after the signature, so a forger learns nothing from the error about the clock.
  if (expSec <= nowSec) return { ok: false, reason: 'expired' };
  return { ok: true, expiresAtSec: expSec };
}

/**
 * The expiry for a token issued at `nowSec`: at least `ttlSec` ahead, rounded up to `stepSec`, so
 * that repeated /play calls within one step hand out the same URLs and the browser's cache of
 * already-fetched segments keeps hitting.
 */
export function tokenExpiry(nowSec: number, ttlSec: number, stepSec = 300): number {
  return Math.ceil((nowSec + ttlSec) / stepSec) * stepSec;
}
