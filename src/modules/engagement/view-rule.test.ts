import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isCompleted, reachesView, resumePoint, viewThresholdSec } from './view-rule.js';
import { coveredPoints, mergeRanges, playedSeconds } from '../analytics/index.js';

test('the view threshold is 30 s, or half of a video shorter than 60 s', () => {
  assert.equal(viewThresholdSec(600), 30);
  assert.equal(viewThresholdSec(60), 30);
  assert.equal(viewThresholdSec(59), 29.5);
  assert.equal(viewThresholdSec(10), 5);
  assert.equal(reachesView(29.99, 600), false);
  assert.equal(reachesView(30, 600), true);
  assert.equal(reachesView(5, 10), true);
  assert.equal(reachesView(10, 0), false, 'no duration known: no view');
});

test('played ranges are merged, clipped to the video and never negative', () => {
  assert.deepEqual(mergeRanges([[10, 20], [0, 12], [30, 31], [31, 35]]), [[0, 20], [30, 35]]);
  assert.deepEqual(mergeRanges([[-5, 3], [50, 500]], 100), [[0, 3], [50, 100]]);
  assert.equal(playedSeconds([[0, 20], [10, 25], [25, 25]]), 25);
  assert.equal(playedSeconds([[200, 300]], 100), 0, 'a range past the end adds nothing');
});

test('resume between 5 % and 90 % (Jellyfin); past 90 % is watched', () => {
  assert.equal(resumePoint(4.99, 100), null);
  assert.equal(resumePoint(5, 100), 5);
  assert.equal(resumePoint(90, 100), 90);
  assert.equal(resumePoint(90.01, 100), null);
  assert.equal(resumePoint(30, null), null);
  assert.equal(isCompleted(90, 100), false);
  assert.equal(isCompleted(90.01, 100), true);
});

test('retention points covered by merged ranges, with half a second of slack at the edges', () => {
  const points = coveredPoints([[0.04, 49.8], [75, 99.7]], 100);
  const at = (p: number) => points[p / 5];
  assert.deepEqual([at(0), at(45), at(50), at(55), at(70), at(75), at(100)], [true, true, true, false, false, true, true]);
});
