import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { loadConfig } from '../../config.js';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { assertCodecEncodersAvailable, CODEC_CRF_OFFSET, CODEC_WORK_FACTOR, parseLadderCodecs, videoCodecString, withCodecRungs } from './codecs.js';
import { encodeWorkPixels } from './encode-limits.js';
import { buildTranscodeArgs, DEFAULT_TUNING, rungCrf, scaleParents } from './ffmpeg-args.js';
import { planLadder } from './ladder.js';
import { renderMasterPlaylist, type MasterVariant } from './master-playlist.js';
import { maxOutputBytes, streamMaxBytes } from './output-size.js';
import { planPoster, planStoryboard } from './thumbnails.js';
import type { ValidatedSource } from './types.js';

const source: ValidatedSource = {
  formatList: 'mov,mp4,m4a,3gp,3g2,mj2', formatName: 'mov', videoCodec: 'h264', videoStreamIndex: 0,
  width: 1280, height: 720, sampleAspectRatio: 1, rotationDeg: 0, frameRate: { num: 30, den: 1, fps: 30 },
  durationSec: 20, hasAudio: true, pixelFormat: 'yuv420p', bitDepth: 8, isInterlaced: false, isHdr: false,
};

function args(codecs: Parameters<typeof planLadder>[1]): string[] {
  const plan = planLadder(source, codecs);
  const top = plan.rungs[0]!;
  return buildTranscodeArgs({
    inputPath: '/in.mp4', source, plan, outDir: '/out',
    poster: planPoster(source.durationSec, top), storyboard: planStoryboard(source.durationSec, top.width, top.height),
  });
}
/** The flags of the output whose playlist is `/out/{label}/index.m3u8`, from its `-map`. */
function outputOf(a: string[], label: string): string[] {
  const end = a.indexOf(`/out/${label}/index.m3u8`);
  const start = a.lastIndexOf('-map', end);
  return a.slice(start, end + 1);
}
const after = (list: string[], flag: string) => list[list.indexOf(flag) + 1];

/** A box: 32-bit size, 4-byte type, payload. */
const box = (type: string, payload: number[]) => {
  const b = Buffer.alloc(8 + payload.length);
  b.writeUInt32BE(b.length, 0);
  b.write(type, 4, 'latin1');
  Buffer.from(payload).copy(b, 8);
  return b;
};
/** Some bytes before the box, as in a real init segment (ftyp, moov, trak, stsd…). */
const inInit = (b: Buffer) => Buffer.concat([Buffer.from('....ftypiso6....moov....stsd'), b]);

describe('LADDER_CODECS', () => {
  test('defaults to H.264 only and accepts hevc (or h265) and av1 beside it, in any case', () => {
    assert.deepEqual(parseLadderCodecs(undefined), ['h264']);
    assert.deepEqual(parseLadderCodecs(' '), ['h264']);
    assert.deepEqual(parseLadderCodecs('h264,hevc'), ['h264', 'hevc']);
    assert.deepEqual(parseLadderCodecs('H264, AV1 ,h265'), ['h264', 'av1', 'hevc']);
    assert.deepEqual(loadConfig({ LADDER_CODECS: 'h264,av1' }).ladderCodecs, ['h264', 'av1']);
    assert.deepEqual(loadConfig({}).ladderCodecs, ['h264']);
  });

  test('refuses unknown codecs, duplicates and a ladder without H.264, naming the setting', () => {
    assert.throws(() => loadConfig({ LADDER_CODECS: 'h264,vp9' }), /LADDER_CODECS="h264,vp9" is invalid: "vp9" is not a codec/);
    assert.throws(() => loadConfig({ LADDER_CODECS: 'hevc' }), /LADDER_CODECS="hevc" must include h264/);
    assert.throws(() => loadConfig({ LADDER_CODECS: 'h264,hevc,h265' }), /lists hevc twice/);
    assert.throws(() => loadConfig({ LADDER_CODECS: 'h264,' }), /"" is not a codec/);
  });
});

describe('encoder check at worker start', () => {
  test('names the missing encoder and the setting when ffmpeg was built without it', async () => {
    // An ffmpeg on PATH whose `-encoders` lists libx264 and libx265 only (as a build without SVT-AV1 would).
    const dir = await mkdtemp(join(tmpdir(), 'kinema-ffmpeg-'));
    await writeFile(join(dir, 'ffmpeg'), '#!/bin/sh\necho " V....D libx264              libx264 H.264"\necho " V....D libx265              libx265 H.265 / HEVC"\n', { mode: 0o755 });
    const path = process.env.PATH;
    process.env.PATH = `${dir}:${path}`;
    try {
      assert.doesNotThrow(() => assertCodecEncodersAvailable(['h264', 'hevc']));
      assert.throws(() => assertCodecEncodersAvailable(['h264', 'hevc', 'av1']), /LADDER_CODECS asks for av1, but this ffmpeg has no libsvtav1 encoder/);
    } finally {
      process.env.PATH = path;
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('codec rungs in the ladder', () => {
  test('each extra codec adds a twin of every regular rung, after the H.264 ones; the cellular rung stays H.264 only', () => {
    const plan = planLadder(source, ['h264', 'hevc', 'av1']);
    assert.deepEqual(plan.rungs.map((r) => r.label), [
      '720p', '480p', '360p', '240p', '144p',
      '720p-hevc', '480p-hevc', '360p-hevc', '240p-hevc',
      '720p-av1', '480p-av1', '360p-av1', '240p-av1',
    ]);
    const twin = plan.rungs.find((r) => r.label === '480p-hevc')!;
    const h264 = plan.rungs.find((r) => r.label === '480p')!;
    assert.deepEqual({ ...twin, label: h264.label, codec: undefined }, { ...h264, codec: undefined });
    assert.equal(twin.codec, 'hevc');
    assert.deepEqual(planLadder(source).rungs.map((r) => r.codec), [undefined, undefined, undefined, undefined, undefined]);
    assert.equal(withCodecRungs(planLadder(source), ['h264']).rungs.length, 5);
  });

  test('codec twins count in the output-size bound and in the encode work, at their codec\'s cost', () => {
    const h264 = planLadder(source);
    const both = planLadder(source, ['h264', 'hevc']);
    const twins = both.rungs.filter((r) => r.codec);
    const storyboard = planStoryboard(source.durationSec, 1280, 720);
    const bound = (plan: typeof h264) => maxOutputBytes({ durationSec: 20, hasAudio: true, plan, storyboard });
    const twinBytes = twins.reduce((sum, r) => sum + streamMaxBytes(r.maxrateKbps, r.bufsizeKbps, 20, both.segmentSec), 0);
    assert.equal(Math.round(bound(both) - bound(h264)), Math.round(twinBytes));
    const twinPixels = twins.reduce((sum, r) => sum + r.width * r.height * 30 * 20, 0);
    assert.equal(encodeWorkPixels(source, both) - encodeWorkPixels(source, h264), CODEC_WORK_FACTOR.hevc * twinPixels);
    assert.ok(CODEC_WORK_FACTOR.hevc > 1 && CODEC_WORK_FACTOR.av1 > 1);
    // SVT-AV1's cap is a target, not a VBV: its twins get room for running over it.
    const av1 = planLadder(source, ['h264', 'av1']);
    const av1Bytes = av1.rungs.filter((r) => r.codec).reduce((sum, r) => sum + streamMaxBytes(r.maxrateKbps * 3, r.bufsizeKbps, 20, av1.segmentSec), 0);
    assert.equal(Math.round(bound(av1) - bound(h264)), Math.round(av1Bytes));
  });

  test('a twin takes its H.264 rung\'s scaled frames: one more split output, no second scale', () => {
    const plan = planLadder(source, ['h264', 'hevc']);
    assert.deepEqual(scaleParents(plan), [-1, 0, 0, 2, 3, 0, 1, 2, 3]);
    const graph = after(args(['h264', 'hevc']), '-filter_complex') ?? '';
    assert.equal(graph.match(/scale=1280:720:flags=bicubic,setsar/g)?.length, 1, graph);
    assert.match(graph, /\[src0\]scale=1280:720:flags=bicubic,setsar=1,format=yuv420p,split=4\[v0\]\[r0to1\]\[r0to2\]\[v5\];/);
    assert.match(graph, /\[r3to4\]scale=256:144[^;]*\[v4\];/, 'the cellular rung has no twin');
  });

  test('HEVC: x265 tagged hvc1 (Apple), capped CRF at the H.264 ceiling, the same fixed closed GOP', () => {
    const a = outputOf(args(['h264', 'hevc']), '480p-hevc');
    assert.deepEqual(a.slice(0, 4), ['-map', '[v6]', '-c:v', 'libx265']);
    assert.equal(after(a, '-tag:v'), 'hvc1');
    assert.equal(after(a, '-crf'), String(rungCrf({ width: 854, height: 480 }, DEFAULT_TUNING) + CODEC_CRF_OFFSET.hevc));
    assert.equal(after(a, '-maxrate'), after(outputOf(args(['h264']), '480p'), '-maxrate'));
    assert.match(after(a, '-x265-params') ?? '', /^keyint=60:min-keyint=60:scenecut=0:open-gop=0:/);
    assert.equal(after(a, '-hls_segment_type'), 'fmp4');
  });

  test('AV1: SVT-AV1 with capped CRF (mbr), the same GOP, no scene-change keyframes, closed GOPs', () => {
    const a = outputOf(args(['h264', 'av1']), '720p-av1');
    assert.deepEqual(a.slice(0, 4), ['-map', '[v5]', '-c:v', 'libsvtav1']);
    assert.equal(after(a, '-g'), '60');
    assert.equal(after(a, '-svtav1-params'), 'mbr=3000:scd=0:irefresh-type=2');
    assert.equal(after(a, '-crf'), String(DEFAULT_TUNING.crf + CODEC_CRF_OFFSET.av1));
  });
});

describe('codec strings from init segments', () => {
  test('H.264 from avcC: avc1 + profile, constraints, level in hex', () => {
    assert.equal(videoCodecString(inInit(box('avcC', [1, 0x64, 0x00, 0x1f, 0xff]))), 'avc1.64001f');
  });

  test('HEVC from hvcC: profile, reversed compatibility flags, tier and level, constraint bytes without trailing zeros', () => {
    // x265 Main, level 3.1 (93): general_profile_compatibility_flags 0x60000000, progressive + frame-only constraints 0x90.
    const main = [1, 0x01, 0x60, 0, 0, 0, 0x90, 0, 0, 0, 0, 0, 93, 0xf0, 0];
    assert.equal(videoCodecString(inInit(box('hvcC', main))), 'hvc1.1.6.L93.90');
    // Main 10, high tier, level 5.1 (153): compatibility 0x20000000 → reversed 4, Apple's example form.
    const main10High = [1, 0x22, 0x20, 0, 0, 0, 0xb0, 0, 0, 0, 0, 0, 153, 0xf0, 0];
    assert.equal(videoCodecString(inInit(box('hvcC', main10High))), 'hvc1.2.4.H153.B0');
  });

  test('AV1 from av1C: profile, level with tier, bit depth', () => {
    // Main profile, seq_level_idx 8 (level 4.0), main tier, 8-bit 4:2:0.
    assert.equal(videoCodecString(inInit(box('av1C', [0x81, 0x08, 0x0c, 0]))), 'av01.0.08M.08');
    // Profile 0, level 13 (5.1), high tier, 10-bit.
    assert.equal(videoCodecString(inInit(box('av1C', [0x81, 13, 0xcc, 0]))), 'av01.0.13H.10');
  });

  test('undefined when the segment has no video configuration box', () => {
    assert.equal(videoCodecString(inInit(box('mp4a', [0, 0, 0]))), undefined);
  });
});

describe('master playlist with codec variants', () => {
  const variant = (playlist: string, codecs: string, bandwidthBps: number, height: number): MasterVariant => ({
    playlist, codecs, bandwidthBps, averageBandwidthBps: Math.round(bandwidthBps * 0.8), width: (height * 16) / 9, height, frameRate: 30, audioGroup: 'audio',
  });
  const variants = [
    variant('720p/index.m3u8', 'avc1.64001f,mp4a.40.2', 2_500_000, 720),
    variant('360p/index.m3u8', 'avc1.64001e,mp4a.40.2', 900_000, 360),
    variant('720p-hevc/index.m3u8', 'hvc1.1.6.L93.90,mp4a.40.2', 1_400_000, 720),
    variant('360p-hevc/index.m3u8', 'hvc1.1.6.L63.90,mp4a.40.2', 500_000, 360),
    variant('720p-av1/index.m3u8', 'av01.0.05M.08,mp4a.40.2', 1_600_000, 720),
  ];

  test('lists every variant with its own CODECS, measured bandwidths and resolution', () => {
    const text = renderMasterPlaylist(variants, [{ groupId: 'audio', playlist: 'audio/index.m3u8' }]);
    for (const v of variants) {
      const line = text.split('\n')[text.split('\n').indexOf(v.playlist) - 1] ?? '';
      assert.match(line, new RegExp(`^#EXT-X-STREAM-INF:BANDWIDTH=${v.bandwidthBps},AVERAGE-BANDWIDTH=${v.averageBandwidthBps},CODECS="${v.codecs.replaceAll('.', '\\.')}",RESOLUTION=${v.width}x${v.height},`));
    }
  });

  test('starts on an H.264 variant even when another codec\'s fits the start rule better', () => {
    const text = renderMasterPlaylist([variants[2]!, variants[4]!, ...variants.slice(0, 2)]);
    const first = text.split('\n').find((l) => l.startsWith('#EXT-X-STREAM-INF'));
    assert.match(first ?? '', /CODECS="avc1\.64001f/);
  });
});
