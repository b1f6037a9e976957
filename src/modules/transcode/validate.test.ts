import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isPermanentFailure } from './input-errors.js';
import { classifyHead } from './sniff.js';
import type { ProbeResult, ProbeStream } from './types.js';
import { assertFramesBacked, validateSource } from './validate.js';

const video = (over: Partial<ProbeStream> = {}): ProbeStream => ({
  index: 0,
  codec_type: 'video',
  codec_name: 'h264',
  width: 1920,
  height: 1080,
  pix_fmt: 'yuv420p',
  avg_frame_rate: '30/1',
  r_frame_rate: '30/1',
  field_order: 'progressive',
  ...over,
});
const audio: ProbeStream = { index: 1, codec_type: 'audio', codec_name: 'aac', sample_rate: '48000', channels: 2 };
const probe = (streams: ProbeStream[], format: Partial<ProbeResult['format']> = {}): ProbeResult => ({
  format: { format_name: 'mov,mp4,m4a,3gp,3g2,mj2', duration: '10.0', ...format },
  streams,
});
const rejects = (p: ProbeResult, code: string, limits = {}) =>
  assert.throws(() => validateSource(p, limits), (err: unknown) => {
    assert.ok(isPermanentFailure(err), `expected a permanent failure, got ${String(err)}`);
    assert.equal(err.code, code);
    assert.equal(err.status, 422);
    return true;
  });

describe('validateSource', () => {
  test('accepts an mp4 with H.264 and audio, forcing the mov demuxer', () => {
    const s = validateSource(probe([video(), audio]));
    assert.equal(s.formatName, 'mov');
    assert.equal(s.hasAudio, true);
    assert.deepEqual([s.width, s.height, s.frameRate.fps, s.durationSec], [1920, 1080, 30, 10]);
    assert.equal(s.isHdr, false);
    assert.equal(s.isInterlaced, false);
    assert.equal(s.bitDepth, 8);
  });

  test('swaps width and height for a 90° display matrix and a rotate tag', () => {
    const matrix = validateSource(probe([video({ side_data_list: [{ side_data_type: 'Display Matrix', rotation: -90 }] })]));
    assert.deepEqual([matrix.width, matrix.height, matrix.rotationDeg], [1080, 1920, 90]);
    const tag = validateSource(probe([video({ tags: { rotate: '270' } })]));
    assert.deepEqual([tag.width, tag.height, tag.rotationDeg], [1080, 1920, 270]);
    const upsideDown = validateSource(probe([video({ side_data_list: [{ rotation: 180 }] })]));
    assert.deepEqual([upsideDown.width, upsideDown.height], [1920, 1080]);
  });

  test('detects HDR, 10-bit, interlacing and anamorphic pixels', () => {
    const s = validateSource(probe([video({ pix_fmt: 'yuv420p10le', color_transfer: 'smpte2084', field_order: 'tt' })]));
    assert.deepEqual([s.isHdr, s.bitDepth, s.isInterlaced], [true, 10, true]);
    const dv = validateSource(probe([video({ width: 720, height: 480, sample_aspect_ratio: '32:27' })]));
    assert.equal(dv.width, 853);
  });

  test('falls back to r_frame_rate, then 30 fps', () => {
    assert.equal(validateSource(probe([video({ avg_frame_rate: '0/0', r_frame_rate: '25/1' })])).frameRate.fps, 25);
    assert.equal(validateSource(probe([video({ avg_frame_rate: '0/0', r_frame_rate: '90000/1' })])).frameRate.fps, 30);
  });

  test('ignores cover art when looking for the video', () => {
    const cover = video({ codec_name: 'png', disposition: { attached_pic: 1 } });
    rejects(probe([cover, audio]), 'INPUT_NOT_A_VIDEO');
    assert.equal(validateSource(probe([cover, { ...video(), index: 2 }])).videoStreamIndex, 2);
  });

  test('rejects containers outside the allowlist (playlists, images)', () => {
    rejects(probe([video()], { format_name: 'hls' }), 'INPUT_NOT_A_VIDEO');
    rejects(probe([video({ codec_name: 'png' })], { format_name: 'png_pipe' }), 'INPUT_NOT_A_VIDEO');
    rejects(probe([video()], { format_name: 'concat' }), 'INPUT_NOT_A_VIDEO');
  });

  test('rejects an audio-only file', () => rejects(probe([audio], { format_name: 'mp3' }), 'INPUT_NOT_A_VIDEO'));

  test('rejects unsupported codecs with the codec name in the message', () => {
    assert.throws(() => validateSource(probe([video({ codec_name: 'gif' })])), /unsupported codec: gif/);
    rejects(probe([video({ codec_name: 'mjpeg' })], { format_name: 'mpegts' }), 'INPUT_UNSUPPORTED_CODEC');
    assert.equal(validateSource(probe([video({ codec_name: 'mjpeg' })], { format_name: 'avi' })).videoCodec, 'mjpeg');
  });

  test('rejects a single still frame', () => rejects(probe([video({ nb_frames: '1' })]), 'INPUT_NOT_A_VIDEO'));

  test('rejects zero, missing or non-finite durations as corrupt', () => {
    rejects(probe([video()], { duration: '0' }), 'INPUT_CORRUPT');
    rejects(probe([video()], { duration: 'N/A' }), 'INPUT_CORRUPT');
  });

  test('rejects more than 8K and longer than the limit', () => {
    rejects(probe([video({ width: 8192, height: 4320 })]), 'INPUT_RESOLUTION_TOO_LARGE');
    rejects(probe([video()], { duration: String(13 * 3600) }), 'INPUT_TOO_LONG');
    rejects(probe([video()]), 'INPUT_TOO_LONG', { maxDurationSec: 5 });
    assert.doesNotThrow(() => validateSource(probe([video({ width: 4320, height: 7680 })])));
  });
});

describe('validateSource: the size that is encoded', () => {
  test('the 8K limit applies to the display size after the sample aspect ratio', () => {
    // 7680x4320 with 4:1 pixels would plan a 30720-wide rung.
    rejects(probe([video({ width: 7680, height: 4320, sample_aspect_ratio: '4:1' })]), 'INPUT_RESOLUTION_TOO_LARGE');
    rejects(probe([video({ width: 2048, height: 256, sample_aspect_ratio: '4:1' })]), 'INPUT_RESOLUTION_TOO_LARGE');
    assert.throws(() => validateSource(probe([video({ width: 2048, height: 256, sample_aspect_ratio: '4:1' })])), /plays at 8192x256/);
    // Rotated: the same stretched frame turned upright is just as large.
    rejects(probe([video({ width: 2048, height: 4320, sample_aspect_ratio: '4:1', tags: { rotate: '90' } })]), 'INPUT_RESOLUTION_TOO_LARGE');
    // Narrow pixels make a frame smaller, and real anamorphic video stays well inside.
    assert.deepEqual(
      [validateSource(probe([video({ width: 7680, height: 4320, sample_aspect_ratio: '1:4' })])).width, validateSource(probe([video({ width: 1920, height: 1080, sample_aspect_ratio: '4:3' })])).width],
      [1920, 2560],
    );
    assert.equal(validateSource(probe([video({ width: 1920, height: 1080, sample_aspect_ratio: '4:1' })])).width, 7680);
  });
});

describe('assertFramesBacked', () => {
  const at = (fps: number, durationSec: number) => ({ durationSec, frameRate: { num: fps, den: 1, fps } });
  const sparse = (source: ReturnType<typeof at>, frames: number) =>
    assert.throws(() => assertFramesBacked(source, frames), (err: unknown) => {
      assert.ok(isPermanentFailure(err));
      assert.equal(err.code, 'INPUT_SPARSE_FRAMES');
      return true;
    });

  test('refuses a declared duration its frames do not back', () => {
    sparse(at(30, 7200), 3);
    // A quarter of the declared time is the least the real frames must cover.
    sparse(at(30, 600), 4000);
    assert.doesNotThrow(() => assertFramesBacked(at(30, 600), 4600));
  });

  test('accepts full and VFR sources, short clips, and high-rate sources planned at 60 fps', () => {
    assert.doesNotThrow(() => assertFramesBacked(at(30, 600), 18_000));
    assert.doesNotThrow(() => assertFramesBacked(at(20, 2), 45));
    // A 5 s clip with a few frames: 10 s of filling is allowed whatever the ratio.
    assert.doesNotThrow(() => assertFramesBacked(at(30, 5), 2));
    assert.doesNotThrow(() => assertFramesBacked(at(240, 60), 240 * 60));
  });

  test('says what the file claims and what it holds', () => {
    assert.throws(() => assertFramesBacked(at(30, 7200), 3), /says it lasts 2 h 0 min but holds only 3 frames \(0\.1 s at 30 fps\)/);
  });
});

describe('classifyHead', () => {
  test('names playlists, concat lists and text', () => {
    assert.equal(classifyHead(Buffer.from('#EXTM3U\n#EXT-X-VERSION:3\n')), 'hls playlist');
    assert.equal(classifyHead(Buffer.from('\uFEFF#EXTM3U\n')), 'hls playlist');
    assert.equal(classifyHead(Buffer.from("ffconcat version 1.0\nfile 'a.mp4'\n")), 'ffconcat list');
    assert.equal(classifyHead(Buffer.from('hello world\n')), 'text');
    assert.equal(classifyHead(Buffer.from([0, 0, 0, 0x20, 0x66, 0x74, 0x79, 0x70])), undefined);
  });
});
