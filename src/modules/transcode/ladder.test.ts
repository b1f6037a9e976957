import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { capFrameRate, CELLULAR_AUDIO_BITRATE_KBPS, CELLULAR_TOTAL_KBPS, chooseShortSides, planLadder, rungMaxrateKbps } from './ladder.js';
import type { FrameRate } from './types.js';

const fps30: FrameRate = { num: 30, den: 1, fps: 30 };
const plan = (width: number, height: number, frameRate: FrameRate = fps30) => planLadder({ width, height, frameRate });
/** The regular rungs (the cellular one has its own tests). */
const regular = (width: number, height: number, frameRate?: FrameRate) => plan(width, height, frameRate).rungs.filter((r) => !r.isCellular);
const sizes = (width: number, height: number, frameRate?: FrameRate) =>
  regular(width, height, frameRate).map((r) => `${r.label} ${r.width}x${r.height}`);

describe('planLadder', () => {
  test('a 1080p landscape source gets a 4-rung ladder, 1080p down to 360p', () => {
    assert.deepEqual(sizes(1920, 1080), ['1080p 1920x1080', '720p 1280x720', '480p 854x480', '360p 640x360']);
  });

  test('240p is the floor only below 1080p', () => {
    assert.deepEqual(sizes(1280, 720).map((s) => s.split(' ')[0]), ['720p', '480p', '360p', '240p']);
    assert.deepEqual(sizes(1920, 800).map((s) => s.split(' ')[0]), ['720p', '480p', '360p', '240p']);
    assert.deepEqual(sizes(1000, 1000).map((s) => s.split(' ')[0]), ['1000p', '720p', '480p', '360p']);
  });

  test('a portrait source is labelled by its shorter side and stays portrait', () => {
    assert.deepEqual(sizes(1080, 1920), ['1080p 1080x1920', '720p 720x1280', '480p 480x854', '360p 360x640']);
  });

  test('a rotated source is planned from its display size (validate swaps it)', () => {
    // 1920x1080 pixels with rotate=90 arrive here as width 1080, height 1920.
    const rungs = plan(1080, 1920).rungs;
    assert.ok(rungs.every((r) => r.height > r.width));
  });

  test('never upscales: a 720p source tops out at 720p', () => {
    assert.equal(plan(1280, 720).rungs[0]?.label, '720p');
    assert.ok(plan(1280, 720).rungs.every((r) => r.width <= 1280 && r.height <= 720));
  });

  test('odd dimensions become even', () => {
    for (const [w, h] of [[321, 181], [1001, 563], [853, 479], [1279, 719]] as const) {
      for (const r of plan(w, h).rungs) {
        assert.equal(r.width % 2, 0, `${w}x${h} → ${r.width}`);
        assert.equal(r.height % 2, 0, `${w}x${h} → ${r.height}`);
        assert.ok(r.width <= w && r.height <= h, `${w}x${h} upscaled to ${r.width}x${r.height}`);
      }
    }
  });

  test('a source smaller than 240p gets one rung at its own (even) size', () => {
    assert.deepEqual(sizes(321, 181), ['180p 320x180']);
    assert.deepEqual(sizes(180, 320), ['180p 180x320']);
    assert.deepEqual(sizes(160, 90), ['90p 160x90']);
  });

  test('a 4K source is capped at five rungs, keeping 360p as the floor', () => {
    assert.deepEqual(regular(3840, 2160).map((r) => r.label), ['2160p', '1080p', '720p', '480p', '360p']);
    assert.deepEqual(regular(2560, 1440).map((r) => r.label), ['1440p', '1080p', '720p', '480p', '360p']);
  });

  test('keeps the aspect ratio of wide and square sources', () => {
    assert.equal(sizes(1920, 800)[0], '720p 1728x720');
    assert.equal(sizes(1000, 1000)[0], '1000p 1000x1000'); // native top rung: well above 720
    assert.equal(sizes(1000, 1000)[1], '720p 720x720');
  });

  test('60 fps is kept, with a higher bitrate than 30 fps', () => {
    const p60 = plan(1920, 1080, { num: 60, den: 1, fps: 60 });
    const p30 = plan(1920, 1080);
    assert.equal(p60.rungs[0]?.frameRate.fps, 60);
    assert.equal(p60.gopFrames, 120);
    assert.ok((p60.rungs[0]?.maxrateKbps ?? 0) > (p30.rungs[0]?.maxrateKbps ?? 0));
  });

  test('above 60 fps the rate is divided evenly (120 → 60, 100 → 50)', () => {
    assert.equal(capFrameRate({ num: 120, den: 1, fps: 120 }).fps, 60);
    assert.equal(capFrameRate({ num: 100, den: 1, fps: 100 }).fps, 50);
    assert.equal(capFrameRate({ num: 120000, den: 1001, fps: 119.88 }).fps, 60000 / 1001);
    assert.deepEqual(capFrameRate(fps30), fps30);
  });

  test('GOP is 2 s for NTSC rates too, and bitrates fall with each rung', () => {
    const p = plan(1920, 1080, { num: 30000, den: 1001, fps: 29.97 });
    assert.equal(p.gopFrames, 60);
    assert.equal(p.segmentSec, 4);
    const rates = p.rungs.map((r) => r.maxrateKbps);
    assert.deepEqual([...rates].sort((a, b) => b - a), rates);
    assert.ok(p.rungs.filter((r) => !r.isCellular).every((r) => r.bufsizeKbps === 2 * r.maxrateKbps));
  });

  test('the 1080p30 and 720p30 ceilings are the Apple authoring spec values', () => {
    assert.equal(rungMaxrateKbps(1080, 1920 * 1080, 30), 6000);
    assert.equal(rungMaxrateKbps(720, 1280 * 720, 30), 3000);
  });

  test('a ladder with a 240p rung or bigger ends in a 144p cellular rung with its own low-rate audio', () => {
    for (const [w, h, size] of [[1920, 1080, '256x144'], [640, 360, '256x144'], [1080, 1920, '144x256'], [426, 240, '256x144']] as const) {
      const p = plan(w, h);
      const last = p.rungs.at(-1);
      assert.deepEqual([last?.label, `${last?.width}x${last?.height}`, last?.isCellular], ['144p', size, true], `${w}x${h}`);
      assert.equal(p.rungs.filter((r) => r.isCellular).length, 1);
      assert.equal(p.cellularAudioBitrateKbps, CELLULAR_AUDIO_BITRATE_KBPS);
    }
  });

  test('the cellular rung fits 192 kbit/s with its audio even at its VBV worst case over a 4 s segment', () => {
    const cellular = plan(1920, 1080).rungs.at(-1)!;
    const segmentSec = plan(1920, 1080).segmentSec;
    const worstVideoKbps = cellular.maxrateKbps + cellular.bufsizeKbps / segmentSec;
    assert.ok(worstVideoKbps + CELLULAR_AUDIO_BITRATE_KBPS <= CELLULAR_TOTAL_KBPS, `${worstVideoKbps} + ${CELLULAR_AUDIO_BITRATE_KBPS}`);
  });

  test('a source below 240p gets no cellular rung (nothing cheaper than its one rung)', () => {
    for (const [w, h] of [[320, 180], [180, 320], [160, 90]] as const) {
      assert.equal(plan(w, h).rungs.some((r) => r.isCellular), false);
      assert.equal(plan(w, h).cellularAudioBitrateKbps, undefined);
    }
  });

  test('chooseShortSides keeps only rungs at or below the source', () => {
    assert.deepEqual(chooseShortSides(480), [480, 360, 240]);
    assert.deepEqual(chooseShortSides(240), [240]);
  });
});
