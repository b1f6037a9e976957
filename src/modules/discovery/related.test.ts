import { test } from 'node:test';
import assert from 'node:assert/strict';
import { titleWords } from './related.js';
import { HALF_LIFE_HOURS, RECENT_HOURS, STEADY_HEAT_PER_HOURLY_UNIT } from './trending.js';

test('title words for content similarity: accents folded, case and punctuation dropped, short and common words out', () => {
  assert.deepEqual([...titleWords('Crème brûlée: the BEST way, part 2!')], ['creme', 'brulee', 'best', 'way']);
  assert.deepEqual([...titleWords('Kayak river rapids, first run')], ['kayak', 'river', 'rapids', 'first', 'run']);
});

test('a steady pace scores what its decay weights sum to: about a half-life and a half of hours', () => {
  // Sum of 0.5^((a + 0.5) / h) for a < RECENT_HOURS: close to h / ln 2 when the window is long.
  assert.ok(RECENT_HOURS / HALF_LIFE_HOURS >= 6);
  assert.ok(Math.abs(STEADY_HEAT_PER_HOURLY_UNIT - (HALF_LIFE_HOURS / Math.LN2) * (1 - 0.5 ** (RECENT_HOURS / HALF_LIFE_HOURS))) < 0.5);
});
