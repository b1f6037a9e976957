import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { BUSY_TUNING, buildTranscodeArgs, DEFAULT_TUNING, MOVING_TUNING, rungCrf, scaleParents, STATIC_TUNING, tuningForContent, type EncoderTuning } from './ffmpeg-args.js';
import { planLadder } from './ladder.js';
import { planPoster, planStoryboard } from './thumbnails.js';
import type { ValidatedSource } from './types.js';

const source: ValidatedSource = {
  formatList: 'mov,mp4,m4a,3gp,3g2,mj2',
  formatName: 'mov',
  videoCodec: 'h264',
  videoStreamIndex: 0,
  width: 1920,
  height: 1080,
  sampleAspectRatio: 1,
  rotationDeg: 0,
  frameRate: { num: 30, den: 1, fps: 30 },
  durationSec: 20,
  hasAudio: true,
  pixelFormat: 'yuv420p',
  bitDepth: 8,
  isInterlaced: false,
  isHdr: false,
};

function args(over: Partial<ValidatedSource> = {}, tuning?: EncoderTuning): string[] {
  const s = { ...source, ...over };
  const plan = planLadder(s);
  const top = plan.rungs[0]!;
  return buildTranscodeArgs({
    inputPath: 'relative/in:put.mp4',
    source: s,
    plan,
    outDir: '/out',
    poster: planPoster(s.durationSec, top),
    storyboard: planStoryboard(s.durationSec, top.width, top.height),
    tuning,
  });
}
const after = (list: string[], flag: string) => list[list.indexOf(flag) + 1];

describe('buildTranscodeArgs', () => {
  test('forces the validated demuxer, the file protocol only and an absolute file: URL', () => {
    const a = args();
    assert.equal(after(a, '-f'), 'mov');
    assert.equal(after(a, '-protocol_whitelist'), 'file');
    assert.equal(after(a, '-enable_drefs'), '0');
    assert.match(after(a, '-i') ?? '', /^file:\/.*relative\/in:put\.mp4$/);
    assert.ok(a.indexOf('-protocol_whitelist') < a.indexOf('-i'), 'input options must precede -i');
  });

  test('one encoder per rung (the cellular one too) with the same fixed GOP and no scene-cut keyframes', () => {
    const a = args();
    const gops = a.flatMap((v, i) => (v === '-g' ? [a[i + 1]] : []));
    assert.deepEqual(gops, ['60', '60', '60', '60', '60']);
    assert.equal(a.filter((v) => v === '-sc_threshold').length, 5);
    assert.equal(a.filter((v) => v === 'libx264').length, 5);
    assert.equal(a.filter((v) => v === '-map_metadata').length, 9, 'every output drops metadata');
  });

  test('two audio renditions from the one decode: 128 kbit/s for the ladder, 48 kbit/s for the cellular variant', () => {
    const a = args();
    const rates = a.flatMap((v, i) => (v === '-b:a' ? [a[i + 1]] : []));
    assert.deepEqual(rates, ['128k', '48k']);
    assert.ok(a.includes('/out/audio/index.m3u8') && a.includes('/out/audio-cellular/index.m3u8'));
  });

  test('capped CRF on every rung: the ladder table ceiling as maxrate, 2x as bufsize (1x for cellular), more quality on small rungs', () => {
    const a = args();
    const values = (flag: string) => a.flatMap((v, i) => (v === flag ? [a[i + 1]] : []));
    const crf = DEFAULT_TUNING.crf;
    assert.deepEqual(values('-crf'), [crf, crf, crf - 1, crf - 2, crf - 2].map(String));
    assert.deepEqual(values('-maxrate'), ['6000k', '3000k', '1500k', '800k', '100k']);
    assert.deepEqual(values('-bufsize'), ['12000k', '6000k', '3000k', '1600k', '100k']);
    assert.equal(rungCrf({ width: 240, height: 426 }, { crf: 1, smallRungCrfSteps: [1, 2] }), 0, 'portrait counts its short side; never below 0');
    assert.equal(rungCrf({ width: 640, height: 360 }, { crf: 24 }), 24, 'no steps unless the tuning names them');
  });

  test('deinterlaces and tone-maps only when the source needs it', () => {
    const graph = (over: Partial<ValidatedSource>) => after(args(over), '-filter_complex') ?? '';
    assert.doesNotMatch(graph({}), /bwdif|tonemap/);
    assert.match(graph({ isInterlaced: true }), /^\[0:0\]bwdif=/);
    assert.match(graph({ isHdr: true, colorTransfer: 'arib-std-b67' }), /zscale=tin=arib-std-b67.*tonemap=tonemap=hable/);
  });

  test('smaller rungs are scaled from a bigger rung, not always from the source', () => {
    assert.deepEqual(scaleParents(planLadder(source)), [-1, 0, 1, 1, 3]);
    assert.deepEqual(scaleParents(planLadder({ ...source, width: 1280, height: 720 })), [-1, 0, 0, 2, 3]);
  });

  test('video and audio stop at the validated duration, so no late timestamp is filled up to', () => {
    const a = args({ durationSec: 12.5 });
    assert.match(after(a, '-filter_complex') ?? '', /^\[0:0\]fps=30\/1,trim=end=12\.5,split=/);
    const audio = a.indexOf('0:a:0');
    assert.equal(a[a.indexOf('-t', audio) + 1], '12.5');
  });

  test('no audio output for a silent source', () => {
    assert.equal(args({ hasAudio: false }).includes('0:a:0'), false);
    assert.equal(args().includes('0:a:0'), true);
  });
});

describe('per-title tuning', () => {
  const values = (a: string[], flag: string) => a.flatMap((v, i) => (v === flag ? [a[i + 1]] : []));

  test('each content class has its own tuning', () => {
    assert.equal(tuningForContent('static'), STATIC_TUNING);
    assert.equal(tuningForContent('moving'), MOVING_TUNING);
    assert.equal(tuningForContent('busy'), BUSY_TUNING);
    assert.ok(BUSY_TUNING.crf > MOVING_TUNING.crf, 'busy titles take a higher CRF on top');
  });

  test('a still title gets one keyframe per 4 s segment on every rung, still aligned; moving titles keep 2 s GOPs', () => {
    const still = args({}, STATIC_TUNING);
    assert.deepEqual(values(still, '-g'), ['120', '120', '120', '120', '120']);
    assert.deepEqual(values(still, '-keyint_min'), ['120', '120', '120', '120', '120']);
    assert.equal(values(still, '-sc_threshold').every((v) => v === '0'), true);
    assert.deepEqual(values(args({}, MOVING_TUNING), '-g'), ['60', '60', '60', '60', '60']);
    // 29.97 fps: 4 s is two of the plan's 60-frame GOPs, so segments start where they did.
    const ntsc = args({ frameRate: { num: 30000, den: 1001, fps: 30000 / 1001 } }, STATIC_TUNING);
    assert.deepEqual(values(ntsc, '-g'), ['120', '120', '120', '120', '120']);
  });

  test('CRF steps by rung size, fractional, the first row the rung reaches', () => {
    const tuning = { crf: 26.5, crfStepsBySide: [[720, 0], [480, 2], [360, 2], [240, 2.5], [0, 3.5]] as const };
    assert.equal(rungCrf({ width: 1920, height: 1080 }, tuning), 26.5);
    assert.equal(rungCrf({ width: 854, height: 480 }, tuning), 24.5);
    assert.equal(rungCrf({ width: 426, height: 240 }, tuning), 24);
    assert.equal(rungCrf({ width: 144, height: 256 }, tuning), 23, 'portrait counts its short side');
    assert.deepEqual(values(args({}, MOVING_TUNING), '-crf'), ['26.5', '26.5', '24.5', '24.5', '23']);
    assert.deepEqual(values(args({}, MOVING_TUNING), '-preset'), ['faster', 'faster', 'faster', 'faster', 'faster']);
  });

  test('moving titles switch off psy-rd (SSIM is the measure) and keep x264 noise reduction and variance AQ', () => {
    assert.deepEqual(values(args({}, MOVING_TUNING), '-x264-params').at(0)?.split(':').sort(), ['aq-mode=2', 'nr=400', 'psy=0']);
  });
});

