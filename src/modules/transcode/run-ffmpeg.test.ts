import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createProgressParser } from './run-ffmpeg.js';

/** One `-progress` block as ffmpeg writes it (abridged to the keys the parser reads). */
const block = (outTimeUs: number | 'N/A', state = 'continue') => [`frame=1`, `out_time_us=${outTimeUs}`, `speed=1x`, `progress=${state}`];

describe('createProgressParser', () => {
  test('reports each block that moved, as an unrounded percent: a 12 h video moves every block', () => {
    const seen: number[] = [];
    const parser = createProgressParser(12 * 3600, (p) => seen.push(p));
    // Half a second of media per block: 0.0012% of 12 h, far below a whole percent.
    for (let i = 1; i <= 5; i++) block(i * 500_000).forEach(parser.onLine);
    assert.equal(seen.length, 5);
    assert.ok(seen.every((p, i) => p > 0 && (i === 0 || p > seen[i - 1]!)), seen.join(' '));
    assert.ok(Math.abs(seen[4]! - (2.5 / 43200) * 100) < 1e-9);
  });

  test('ignores blocks before the first packet and blocks that did not move', () => {
    const seen: number[] = [];
    const parser = createProgressParser(10, (p) => seen.push(p));
    [...block('N/A'), ...block(1_000_000), ...block(1_000_000), ...block(2_000_000)].forEach(parser.onLine);
    assert.deepEqual(seen, [10, 20]);
  });

  test('holds at 99 until finish(), then reports 100 once', () => {
    const seen: number[] = [];
    const parser = createProgressParser(10, (p) => seen.push(p));
    [...block(9_999_000), ...block(10_050_000, 'end')].forEach(parser.onLine);
    parser.finish();
    assert.deepEqual(seen, [99, 100]);
    assert.equal(parser.outTimeSec(), 10.05);
  });
});
