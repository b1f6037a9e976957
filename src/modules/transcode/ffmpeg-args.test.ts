import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { buildTranscodeArgs, DEFAULT_TUNING, rungCrf, scaleParents } from './ffmpeg-args.js';
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

function args(over: Partial<ValidatedSource> = {}): string[] {
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
