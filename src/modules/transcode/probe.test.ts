import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFile, rename, stat, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ffmpeg, makeClip, tempDir } from '../../../test/fixtures/media.js';
import { isPermanentFailure } from './input-errors.js';
import { probeMedia } from './probe.js';
import { validateSource } from './validate.js';

/** Probe + validate, as the pipeline does before any transcoding. */
async function check(path: string, limits = {}) {
  return validateSource(await probeMedia(path, { timeoutMs: 20_000 }), limits);
}

async function assertRejected(path: string, code: string, message?: RegExp, limits = {}) {
  await assert.rejects(check(path, limits), (err: unknown) => {
    assert.ok(isPermanentFailure(err), `expected a permanent 422, got ${String(err)}`);
    assert.equal(err.code, code, err.message);
    if (message) assert.match(err.message, message);
    return true;
  });
}

describe('probeMedia + validateSource on real files', () => {
  let dir = '';
  let cleanup = async () => {};
  let clip = '';
  before(async () => {
    ({ dir, cleanup } = await tempDir());
    clip = await makeClip(dir, { durationSec: 2 });
  });
  after(() => cleanup());

  test('accepts a normal mp4 with audio', async () => {
    const s = await check(clip);
    assert.equal(s.formatName, 'mov');
    assert.equal(s.videoCodec, 'h264');
    assert.deepEqual([s.width, s.height, s.hasAudio], [320, 180, true]);
    assert.ok(Math.abs(s.durationSec - 2) < 0.1);
  });

  test('accepts mkv, webm-style and mpegts containers', async () => {
    for (const name of ['c.mkv', 'c.ts', 'c.avi']) {
      await ffmpeg(['-i', clip, '-c', 'copy', join(dir, name)]);
      const s = await check(join(dir, name));
      assert.equal(s.width, 320, name);
    }
  });

  test('rejects an HLS playlist disguised as mp4', async () => {
    const hls = join(dir, 'hls');
    await ffmpeg(['-i', clip, '-c', 'copy', '-f', 'hls', '-hls_segment_filename', join(dir, 'hls_%d.ts'), `${hls}.m3u8`]);
    await rename(`${hls}.m3u8`, `${hls}.mp4`);
    await assertRejected(`${hls}.mp4`, 'INPUT_NOT_A_VIDEO', /detected: hls playlist/);
  });

  test('rejects an ffconcat list', async () => {
    const list = join(dir, 'list.mp4');
    await writeFile(list, `ffconcat version 1.0\nfile '${clip}'\nfile '/etc/passwd'\n`);
    await assertRejected(list, 'INPUT_NOT_A_VIDEO', /ffconcat/);
  });

  test('rejects a PNG and a JPEG image, naming what was detected', async () => {
    await ffmpeg(['-i', clip, '-frames:v', '1', join(dir, 'frame.png')]);
    await ffmpeg(['-i', clip, '-frames:v', '1', join(dir, 'frame.jpg')]);
    await rename(join(dir, 'frame.png'), join(dir, 'png.mp4'));
    await assertRejected(join(dir, 'png.mp4'), 'INPUT_NOT_A_VIDEO', /detected: png_pipe\)\. Upload an MP4/);
    await assertRejected(join(dir, 'frame.jpg'), 'INPUT_NOT_A_VIDEO', /jpeg_pipe/);
  });

  test('rejects a text file and random bytes', async () => {
    await writeFile(join(dir, 'notes.mp4'), 'just some notes\nnot a video\n');
    await assertRejected(join(dir, 'notes.mp4'), 'INPUT_NOT_A_VIDEO', /detected: text/);
    await writeFile(join(dir, 'noise.mp4'), randomBytes(64 * 1024));
    await assertRejected(join(dir, 'noise.mp4'), 'INPUT_NOT_A_VIDEO');
  });

  test('rejects an empty file', async () => {
    await writeFile(join(dir, 'empty.mp4'), '');
    await assertRejected(join(dir, 'empty.mp4'), 'INPUT_EMPTY');
  });

  test('rejects an mp4 cut in half (index at the end is missing) as corrupt', async () => {
    const cut = join(dir, 'cut.mp4');
    await writeFile(cut, await readFile(clip));
    await truncate(cut, Math.floor((await stat(cut)).size / 2));
    await assertRejected(cut, 'INPUT_CORRUPT', /truncated or corrupt/);
  });

  test('rejects a video longer than the limit', async () => {
    await assertRejected(clip, 'INPUT_TOO_LONG', /limit is 1 s/, { maxDurationSec: 1 });
  });

  test('rejects audio only', async () => {
    const mp3 = join(dir, 'tone.mp3');
    await ffmpeg(['-f', 'lavfi', '-i', 'sine=duration=1', mp3]);
    await assertRejected(mp3, 'INPUT_NOT_A_VIDEO', /mp3/);
  });
});
