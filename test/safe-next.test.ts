import { test } from 'node:test';
import assert from 'node:assert/strict';
import { safeNext } from '../web/src/navigation.js';

const ORIGIN = 'https://video.example.com';
const next = (value: string) => safeNext(new URLSearchParams({ next: value }), '/', ORIGIN);

test('sign-in redirects stay on this site: links a browser would resolve to another host are refused', () => {
  for (const attack of ['/\\evil.com', '/\\/evil.com', '//evil.com', '/\t/evil.com', '/%5Cevil.com/..', 'https://evil.com', 'javascript:alert(1)', '\\\\evil.com']) {
    const target = new URL(next(attack), ORIGIN);
    assert.equal(target.origin, ORIGIN, `${JSON.stringify(attack)} → ${next(attack)}`);
  }
  assert.equal(next('/\\evil.com'), '/');
  assert.equal(next('//evil.com'), '/');
});

test('paths of this site come back as they were asked for', () => {
  assert.equal(next('/upload'), '/upload');
  assert.equal(next('/watch/AbCdEfGhIjK?t=30#comments'), '/watch/AbCdEfGhIjK?t=30#comments');
  assert.equal(safeNext(new URLSearchParams(), '/me/videos', ORIGIN), '/me/videos');
});
