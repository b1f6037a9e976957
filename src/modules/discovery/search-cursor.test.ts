import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeSearchCursor, encodeSearchCursor, queryFingerprint } from './search-cursor.js';

const fp = queryFingerprint(['harbour', 'relevance', null, null]);

test('a cursor carries its position, reference time and mode exactly (float scores included)', () => {
  const c = { fuzzy: true, refMs: 1764640000123, key: 0.30000000000000004, videoId: 'Bx6XsL7OEM4' };
  assert.deepEqual(decodeSearchCursor(encodeSearchCursor(c, fp), fp), c);
});

test('a cursor from another query or filter is refused, saying so', () => {
  const cursor = encodeSearchCursor({ fuzzy: false, refMs: 1, key: 2, videoId: 'x' }, fp);
  const other = queryFingerprint(['harbour', 'date', null, null]);
  assert.throws(() => decodeSearchCursor(cursor, other), (err: any) => err.code === 'INVALID_CURSOR' && err.status === 400 && /another search/.test(err.message));
});

test('anything else is refused as not ours', () => {
  for (const junk of ['', 'bm9wZQ', Buffer.from('[1,2]').toString('base64url'), Buffer.from('[2,1,1,"x","y"]').toString('base64url'), '!!!']) {
    assert.throws(() => decodeSearchCursor(junk, fp), (err: any) => err.code === 'INVALID_CURSOR' && /not one we issued/.test(err.message), junk);
  }
});
