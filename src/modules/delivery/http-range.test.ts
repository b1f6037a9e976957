import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { etagMatches, ifRangeAllows, isNotModified, resolveRange } from './http-range.js';

describe('resolveRange', () => {
  test('bytes=a-b, a- and -n, clamped to the object', () => {
    assert.deepEqual(resolveRange('bytes=0-99', 1000), { kind: 'partial', start: 0, end: 99 });
    assert.deepEqual(resolveRange('bytes=900-', 1000), { kind: 'partial', start: 900, end: 999 });
    assert.deepEqual(resolveRange('bytes=-100', 1000), { kind: 'partial', start: 900, end: 999 });
    assert.deepEqual(resolveRange('bytes=-5000', 1000), { kind: 'partial', start: 0, end: 999 });
    assert.deepEqual(resolveRange('bytes=500-5000', 1000), { kind: 'partial', start: 500, end: 999 });
  });

  test('a range starting past the end, or an empty suffix, is unsatisfiable', () => {
    assert.deepEqual(resolveRange('bytes=1000-', 1000), { kind: 'unsatisfiable' });
    assert.deepEqual(resolveRange('bytes=-0', 1000), { kind: 'unsatisfiable' });
    assert.deepEqual(resolveRange('bytes=0-', 0), { kind: 'unsatisfiable' });
  });

  test('absent, malformed, other units and multi-range get the whole body', () => {
    for (const h of [undefined, '', 'bytes=', 'bytes=-', 'bytes=5-1', 'items=0-1', 'bytes=0-1,5-6', 'bytes=a-b']) {
      assert.deepEqual(resolveRange(h, 1000), { kind: 'full' }, String(h));
    }
  });
});

describe('conditional requests', () => {
  const etag = '"abc-123"';
  const modified = new Date('2025-01-02T03:04:05.678Z');

  test('If-None-Match matches exact, weak, listed and * tags', () => {
    assert.ok(etagMatches('"abc-123"', etag));
    assert.ok(etagMatches('W/"abc-123"', etag));
    assert.ok(etagMatches('"x", "abc-123"', etag));
    assert.ok(etagMatches('*', etag));
    assert.ok(!etagMatches('"abc-124"', etag));
  });

  test('If-Modified-Since compares at second resolution; If-None-Match wins when both are sent', () => {
    assert.ok(isNotModified({ 'if-modified-since': modified.toUTCString() }, etag, modified));
    assert.ok(!isNotModified({ 'if-modified-since': new Date('2025-01-02T03:04:04Z').toUTCString() }, etag, modified));
    assert.ok(!isNotModified({ 'if-modified-since': 'not a date' }, etag, modified));
    assert.ok(!isNotModified({ 'if-none-match': '"other"', 'if-modified-since': modified.toUTCString() }, etag, modified));
  });

  test('If-Range allows the range only for the same strong ETag or exact date', () => {
    assert.ok(ifRangeAllows(undefined, etag, modified));
    assert.ok(ifRangeAllows(etag, etag, modified));
    assert.ok(!ifRangeAllows('"old"', etag, modified));
    assert.ok(!ifRangeAllows('W/"abc-123"', etag, modified));
    assert.ok(ifRangeAllows(modified.toUTCString(), etag, modified));
    assert.ok(!ifRangeAllows('Thu, 01 Jan 2015 00:00:00 GMT', etag, modified));
  });
});
