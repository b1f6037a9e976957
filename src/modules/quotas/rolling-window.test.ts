import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeWhen, formatBytes, nextRoom } from './rolling-window.js';

const DAY_MS = 24 * 3600 * 1000;
const t = (h: number) => new Date(Date.UTC(2026, 0, 1, h));

test('a window with room answers null; a full one, when its oldest entries age out', () => {
  const entries = [{ at: t(5), amount: 1 }, { at: t(1), amount: 1 }, { at: t(3), amount: 1 }];
  assert.equal(nextRoom(entries, DAY_MS, 4, 1), null);
  assert.deepEqual(nextRoom(entries, DAY_MS, 3, 1), new Date(t(1).getTime() + DAY_MS));
  // Room for 2 needs the two oldest gone.
  assert.deepEqual(nextRoom(entries, DAY_MS, 3, 2), new Date(t(3).getTime() + DAY_MS));
});

test('bytes: the reset is when enough bytes have aged out for the new file; never when it alone is too big', () => {
  const entries = [{ at: t(1), amount: 600 }, { at: t(2), amount: 300 }];
  assert.deepEqual(nextRoom(entries, DAY_MS, 1000, 200), new Date(t(1).getTime() + DAY_MS));
  assert.deepEqual(nextRoom(entries, DAY_MS, 1000, 800), new Date(t(2).getTime() + DAY_MS));
  assert.equal(nextRoom(entries, DAY_MS, 1000, 1001), null);
});

test('resets and sizes read as words', () => {
  assert.equal(describeWhen(new Date(t(2).getTime() + 30 * 60_000), t(2)), 'in 30 minutes, at 02:30 UTC');
  assert.equal(describeWhen(t(7), t(2)), 'in 5 hours, at 07:00 UTC');
  assert.equal(formatBytes(512), '512 bytes');
  assert.equal(formatBytes(1536), '1.5 KiB');
  assert.equal(formatBytes(100 * 1024 ** 3), '100 GiB');
});
