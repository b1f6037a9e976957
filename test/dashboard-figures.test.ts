import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dayToUnixSec, formatKbps, formatMs, formatPercent, formatWatchTime, hasFigures, renditionBars, retentionSeries, timelineSeries, verdictOf } from '../web/src/analytics/figures.js';
import type { Qoe } from '../web/src/types.js';

const QOE: Qoe = {
  sessions: 0, startupMsMedian: null, startupMsP95: null, exitsBeforeStartPercent: null, playbackFailurePercent: null,
  rebufferPercent: null, rebufferCountPerSession: null, avgBitrateKbps: null, upscalePercent: null, renditionShare: [],
};

test('watch time reads in the unit a creator thinks in', () => {
  assert.equal(formatWatchTime(42), '42 s');
  assert.equal(formatWatchTime(18 * 60), '18 min');
  assert.equal(formatWatchTime(3.24 * 3600), '3.2 h');
  assert.equal(formatWatchTime(1_400 * 3600), '1.4K h');
});

test('QoE figures: milliseconds, percentages and bitrates, with a dash for "no data"', () => {
  assert.equal(formatMs(640), '640 ms');
  assert.equal(formatMs(2150), '2.15 s');
  assert.equal(formatMs(null), '–');
  assert.equal(formatPercent(0.83), '0.8 %');
  assert.equal(formatPercent(12.4), '12 %');
  assert.equal(formatPercent(null), '–');
  assert.equal(formatKbps(800), '800 kbit/s');
  assert.equal(formatKbps(2400), '2.4 Mbit/s');
});

test('verdicts: good, fair and poor at the published thresholds, none without data', () => {
  assert.equal(verdictOf('startup', 900), 'good');
  assert.equal(verdictOf('startup', 2000), 'fair');
  assert.equal(verdictOf('startup', 3500), 'poor');
  assert.equal(verdictOf('rebuffer', 0.4), 'good');
  assert.equal(verdictOf('rebuffer', 2.5), 'poor');
  assert.equal(verdictOf('failures', null), 'none');
});

test('the timeline becomes UTC-midnight timestamps, views and watch hours, in order', () => {
  const [xs, views, hours] = timelineSeries([{ date: '2026-11-24', views: 3, watchTimeSec: 5400 }, { date: '2026-11-25', views: 0, watchTimeSec: 0 }]);
  assert.deepEqual(xs, [dayToUnixSec('2026-11-24'), dayToUnixSec('2026-11-24') + 86_400]);
  assert.equal(new Date(xs[0]! * 1000).toISOString(), '2026-11-24T00:00:00.000Z');
  assert.deepEqual(views, [3, 0]);
  assert.deepEqual(hours, [1.5, 0]);
});

test('the retention curve is sorted by position in the video', () => {
  assert.deepEqual(retentionSeries([{ atPercent: 5, audiencePercent: 90 }, { atPercent: 0, audiencePercent: 100 }]), [[0, 5], [100, 90]]);
});

test('an answer with no view, no watch time and no session is the empty state', () => {
  assert.equal(hasFigures({ views: 0, watchTimeSec: 0, qoe: QOE }), false);
  assert.equal(hasFigures({ views: 0, watchTimeSec: 12, qoe: QOE }), true, 'watched, not yet a view');
  assert.equal(hasFigures({ views: 0, watchTimeSec: 0, qoe: { ...QOE, sessions: 1 } }), true, 'a session that never started still shows its QoE');
});

test('rendition shares are tallest first, the rest folded into "other"', () => {
  const shares = [240, 360, 480, 720, 1080, 1440, 2160].map((height) => ({ height, percent: 100 / 7 }));
  const bars = renditionBars({ ...QOE, renditionShare: shares }, 5);
  assert.deepEqual(bars.map((b) => b.label), ['2160p', '1440p', '1080p', '720p', '480p', 'other']);
  assert.ok(Math.abs(bars[5]!.percent - 200 / 7) < 1e-9);
});
