import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { signMediaToken, tokenExpiry, verifyMediaToken } from './signed-url.js';

const SECRET = 'k'.repeat(64);
const PREFIX = 'media/AbCdEfGhIjK/v1/';

describe('signed media tokens', () => {
  test('a token verifies for its prefix until it expires', () => {
    const token = signMediaToken(SECRET, PREFIX, 2000);
    assert.deepEqual(verifyMediaToken(SECRET, PREFIX, token, 1999), { ok: true, expiresAtSec: 2000 });
    assert.deepEqual(verifyMediaToken(SECRET, PREFIX, token, 2000), { ok: false, reason: 'expired' });
  });

  test('is the documented HMAC, so an edge can recompute it', () => {
    const sig = createHmac('sha256', SECRET).update(`2000:${PREFIX}`).digest('base64url');
    assert.equal(signMediaToken(SECRET, PREFIX, 2000), `2000.${sig}`);
  });

  test('refuses another prefix, another secret, a moved expiry, an edited signature and junk', () => {
    const token = signMediaToken(SECRET, PREFIX, 2000);
    const [, sig] = token.split('.') as [string, string];
    assert.equal(verifyMediaToken(SECRET, 'media/AbCdEfGhIjK/v2/', token, 1000).ok, false);
    assert.equal(verifyMediaToken('x'.repeat(64), PREFIX, token, 1000).ok, false);
    assert.deepEqual(verifyMediaToken(SECRET, PREFIX, `3000.${sig}`, 1000), { ok: false, reason: 'forged' });
    const flipped = sig.slice(0, -1) + (sig.endsWith('A') ? 'B' : 'A');
    assert.deepEqual(verifyMediaToken(SECRET, PREFIX, `2000.${flipped}`, 1000), { ok: false, reason: 'forged' });
    for (const junk of ['', '2000', `2000.${sig}x`, `-1.${sig}`, `2000.${sig.slice(1)}`]) {
      assert.deepEqual(verifyMediaToken(SECRET, PREFIX, junk, 1000), { ok: false, reason: 'malformed' }, junk);
    }
  });

  test('expiry is at least the TTL ahead, on a 5-minute step', () => {
    assert.equal(tokenExpiry(1000, 3600), 4800);
    assert.equal(tokenExpiry(1200, 3600), 4800);
    assert.equal(tokenExpiry(1201, 3600), 5100);
  });
});
