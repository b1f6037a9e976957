import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  assertWithinComputeBudget,
  DEFAULT_MAX_ENCODE_GIGAPIXELS,
  encodeTimedOut,
  encodeWorkPixels,
  encodeTimeLimitSec,
  formatSpan,
  HEAVIEST_LEGAL_SOURCE,
  longestEncodeTimeLimitSec,
  MIN_ENCODE_TIME_LIMIT_SEC,
  type EncodeWorkSource,
} from './encode-limits.js';
import { isPermanentFailure } from './input-errors.js';
import { planLadder } from './ladder.js';

const source = (over: Partial<EncodeWorkSource> & { fps?: number } = {}): EncodeWorkSource => {
  const fps = over.fps ?? 30;
  return { width: 1920, height: 1080, durationSec: 600, isHdr: false, frameRate: { num: fps, den: 1, fps }, ...over };
};
const limit = (s: EncodeWorkSource) => encodeTimeLimitSec(s, planLadder(s));

describe('encodeTimeLimitSec', () => {
  test('grows with the duration', () => {
    const limits = [1, 60, 600, 3600, 12 * 3600].map((durationSec) => limit(source({ durationSec })));
    assert.deepEqual(limits, [...limits].sort((a, b) => a - b));
    assert.equal(new Set(limits).size, limits.length, `not strictly rising: ${limits.join(' ')}`);
  });

  test('grows with the pixels to decode and encode: size, frame rate, ladder', () => {
    const bySize = [[640, 360], [1280, 720], [1920, 1080], [3840, 2160], [7680, 4320]].map(([width, height]) => limit(source({ width, height })));
    assert.equal(new Set(bySize).size, bySize.length);
    assert.deepEqual(bySize, [...bySize].sort((a, b) => a - b));
    assert.ok(limit(source({ fps: 60 })) > limit(source({ fps: 30 })));
    const s = source();
    const oneRung = { ...planLadder(s), rungs: planLadder(s).rungs.slice(0, 1) };
    assert.ok(encodeTimeLimitSec(s, oneRung) < encodeTimeLimitSec(s, planLadder(s)));
  });

  test('HDR sources (tone mapping) get more time', () => {
    assert.ok(limit(source({ isHdr: true })) > limit(source()));
  });

  test('never below the fixed minimum, even for a one-frame clip', () => {
    const tiny = source({ width: 16, height: 16, durationSec: 0.04 });
    assert.ok(limit(tiny) >= MIN_ENCODE_TIME_LIMIT_SEC);
    assert.ok(limit(source({ durationSec: 1 })) > MIN_ENCODE_TIME_LIMIT_SEC);
    assert.ok(Number.isInteger(limit(source())));
  });

  test('the longest legal job outlasts every job validation accepts', () => {
    const longest = longestEncodeTimeLimitSec(12 * 3600);
    assert.equal(longest, limit({ ...HEAVIEST_LEGAL_SOURCE, durationSec: 12 * 3600 }));
    for (const [width, height, fps] of [[1920, 1080, 30], [3840, 2160, 60], [7680, 4320, 120]] as const) {
      assert.ok(limit(source({ width, height, fps, isHdr: true, durationSec: 12 * 3600 })) <= longest);
    }
    const fourK60 = { width: 3840, height: 2160, frameRate: { num: 60, den: 1, fps: 60 }, isHdr: false };
    assert.ok(longestEncodeTimeLimitSec(12 * 3600, fourK60) > 24 * 3600, 'a 12 h 4K60 encode may take more than a day');
    assert.ok(longestEncodeTimeLimitSec(3600, fourK60) < longestEncodeTimeLimitSec(12 * 3600, fourK60));
  });
});

describe('compute budget', () => {
  const within = (s: EncodeWorkSource, max?: number) => assertWithinComputeBudget(s, planLadder(s), max);

  test('the default holds a 2-hour 4K60 film and a 12-hour 1080p60 stream, not 12 hours of 4K60', () => {
    const fourK60 = source({ width: 3840, height: 2160, fps: 60, durationSec: 2 * 3600 });
    assert.equal(Math.round(encodeWorkPixels(fourK60, planLadder(fourK60)) / 1e9), 8753);
    assert.doesNotThrow(() => within(fourK60));
    assert.doesNotThrow(() => within(source({ fps: 60, durationSec: 12 * 3600 })));
    assert.throws(() => within(source({ width: 3840, height: 2160, fps: 60, durationSec: 12 * 3600 })), (err: unknown) => {
      assert.ok(isPermanentFailure(err));
      assert.equal(err.code, 'INPUT_OVER_BUDGET');
      assert.match(err.message, /3840x2160 at 60 fps for 12 h\) needs 52517 gigapixels of encoding; this site allows 15000 per upload \(about 24 h 10 min of 1080p at 30 fps\)/);
      return true;
    });
  });

  test('the setting moves the line, and the largest job it admits still has a time limit that lets it finish', () => {
    assert.throws(() => within(source({ durationSec: 3600 }), 500), /allows 500 per upload/);
    assert.doesNotThrow(() => within(source({ durationSec: 3600 }), 1000));
    const largest = source({ width: 3840, height: 2160, fps: 60, durationSec: 3.4 * 3600 });
    assert.doesNotThrow(() => within(largest, DEFAULT_MAX_ENCODE_GIGAPIXELS));
    assert.ok(limit(largest) > encodeWorkPixels(largest, planLadder(largest)) / 1e8, 'at 100 Mpx/s, well above the floor, it finishes in time');
  });
});

describe('encodeTimedOut', () => {
  test('says the limit and the video length, and is retryable', () => {
    const err = encodeTimedOut(25 * 60, 3 * 60);
    assert.equal(err.code, 'TRANSCODE_TIMEOUT');
    assert.match(err.message, /ran past its limit of 25 min for a video of 3 min/);
    assert.equal(isPermanentFailure(err), false);
  });

  test('spans read as seconds, minutes or hours', () => {
    assert.deepEqual([formatSpan(1), formatSpan(89), formatSpan(90), formatSpan(3600), formatSpan(3 * 3600 + 20 * 60)], ['1 s', '89 s', '2 min', '1 h', '3 h 20 min']);
  });
});
