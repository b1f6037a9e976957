import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { readSegments } from '../../../test/fixtures/hls-checks.js';
import { ffmpeg, ffprobeJson, makeClip, makeSparseMatroska, setMatroskaDuration, tempDir } from '../../../test/fixtures/media.js';
import { isPermanentFailure } from './input-errors.js';
import { planLadder } from './ladder.js';
import { maxOutputBytes, streamMaxBytes } from './output-size.js';
import { probeMedia } from './probe.js';
import { planStoryboard } from './thumbnails.js';
import { transcodeFile } from './transcode-file.js';
import { validateSource } from './validate.js';

/**
 * Uploads built to cost compute or disk rather than to read files (issue 9). Each test makes the
 * hostile file with real ffmpeg and runs the worker's own pipeline (`transcodeFile`) on it.
 */
describe('hostile media (real ffmpeg)', () => {
  let dir = '';
  let cleanup = async () => {};
  before(async () => ({ dir, cleanup } = await tempDir('kinema-hostile-')));
  after(() => cleanup());

  const refusedWith = (code: string, permanent = true) => (err: unknown) => {
    assert.equal((err as { code?: string }).code, code, String(err));
    assert.equal(isPermanentFailure(err), permanent, `${code} should ${permanent ? '' : 'not '}be permanent`);
    return true;
  };

  test('a few-kB Matroska whose 3 frames lie an hour apart (2 h at 30 fps) is refused before any encoding', async () => {
    const path = await makeSparseMatroska(dir, { size: '320x180' });
    const declared = await ffprobeJson(['-show_entries', 'format=duration:stream=avg_frame_rate', path]);
    assert.ok((await stat(path)).size < 8 * 1024);
    assert.ok(Number(declared.format.duration) >= 7200, `declares ${declared.format.duration} s`);
    assert.equal(declared.streams[0].avg_frame_rate, '30/1');

    const out = join(dir, 'sparse-out');
    // The time limit only stops a run that should never start (it is reached only without the check).
    await assert.rejects(transcodeFile(path, out, { timeLimitSec: 60 }), (err: unknown) => {
      refusedWith('INPUT_SPARSE_FRAMES')(err);
      assert.match((err as Error).message, /says it lasts 2 h 0 min but holds only 3 frames/);
      return true;
    });
    // Refused before ffmpeg started: not one rung directory was made.
    assert.equal(existsSync(out), false);
  });

  test('one frame stamped an hour after a Duration edited to 2 s is not filled: the encode stops at 2 s', async () => {
    const path = join(dir, 'late-frame.mkv');
    // 60 frames over 2 s, then one frame at 3600 s; then the header is made to say 2 s.
    await ffmpeg([
      '-f', 'lavfi', '-i', 'color=c=gray:size=320x180:rate=30', '-frames:v', '61',
      '-vf', "setpts='if(lt(N,60),N,3600*30)'", '-fps_mode', 'passthrough', '-c:v', 'libx264', '-preset', 'ultrafast', '-bf', '0', path,
    ]);
    await setMatroskaDuration(path, 2);
    const packets = await ffprobeJson(['-select_streams', 'v', '-show_entries', 'packet=pts_time', path]);
    assert.equal(Number(packets.packets.at(-1).pts_time), 3600, 'the last frame is an hour late');

    const out = join(dir, 'late-frame-out');
    const result = await transcodeFile(path, out);
    const segments = await readSegments(join(out, result.renditions[0]!.playlist));
    const encodedSec = segments.reduce((sum, s) => sum + s.durationSec, 0);
    assert.ok(encodedSec <= 2.1, `encoded ${encodedSec} s of a file that says 2 s`);
    const frames = await ffprobeJson(['-count_frames', '-select_streams', 'v:0', '-show_entries', 'stream=nb_read_frames', join(out, result.renditions[0]!.playlist)]);
    assert.ok(Number(frames.streams[0].nb_read_frames) <= 61, `${frames.streams[0].nb_read_frames} frames`);
  });

  test('pixels 4x wider than tall: a 2048x256 source that displays at 8192x256 is refused, as an 8K-plus source is', async () => {
    const path = await makeClip(dir, {
      width: 2048, height: 256, durationSec: 1, hasAudio: false, name: 'stretched.mp4',
      videoArgs: ['-vf', 'setsar=4/1', '-c:v', 'libx264', '-preset', 'ultrafast'],
    });
    const probe = await probeMedia(path);
    assert.equal(probe.streams[0]?.sample_aspect_ratio, '4:1');
    await assert.rejects(transcodeFile(path, join(dir, 'stretched-out')), (err: unknown) => {
      refusedWith('INPUT_RESOLUTION_TOO_LARGE')(err);
      assert.match((err as Error).message, /2048x256 with pixels 4 times as wide as tall, so it plays at 8192x256/);
      return true;
    });
    // The same coded size with square pixels is fine.
    const square = await makeClip(dir, { width: 2048, height: 256, durationSec: 1, hasAudio: false, name: 'square.mp4' });
    assert.equal(validateSource(await probeMedia(square)).width, 2048);
  });

  test('an encode writing more than its bound is stopped and fails for good, with the reason', async () => {
    const clip = await makeClip(dir, { width: 320, height: 180, durationSec: 4, name: 'bound.mp4' });
    const out = join(dir, 'bound-out');
    await assert.rejects(transcodeFile(clip, out, { maxOutputBytes: 20_000 }), (err: unknown) => {
      refusedWith('TRANSCODE_OUTPUT_TOO_LARGE')(err);
      assert.match((err as Error).message, /more than the 20 kB a 4 s video can take, and was stopped/);
      return true;
    });
    assert.equal(existsSync(join(out, 'master.m3u8')), false, 'no ladder may be published');
  });

  test('the default bound holds the worst content: noise that keeps every rung at its ceiling', async () => {
    const path = join(dir, 'noise.mp4');
    await ffmpeg([
      '-f', 'lavfi', '-i', 'nullsrc=size=640x360:rate=30:duration=4', '-f', 'lavfi', '-i', 'anoisesrc=duration=4:sample_rate=48000',
      '-vf', 'geq=random(1)*255:128:128', '-c:v', 'libx264', '-preset', 'ultrafast', '-qp', '0', '-c:a', 'aac', '-b:a', '320k', path,
    ]);
    const out = join(dir, 'noise-out');
    await transcodeFile(path, out);
    const source = validateSource(await probeMedia(path));
    const plan = planLadder(source);
    const streams = [
      ...plan.rungs.map((r) => ({ dir: r.label, bound: streamMaxBytes(r.maxrateKbps, r.bufsizeKbps, source.durationSec, plan.segmentSec) })),
      { dir: 'audio', bound: streamMaxBytes(plan.audioBitrateKbps, 0, source.durationSec, plan.segmentSec) },
    ];
    for (const s of streams) {
      const written = await sizeOf(join(out, s.dir));
      console.log(`noise ${s.dir}: ${written} bytes, ${(written / s.bound).toFixed(2)} of its bound`);
      assert.ok(written < s.bound, `${s.dir}: ${written} bytes written, bound ${s.bound}`);
    }
    const bound = maxOutputBytes({
      durationSec: source.durationSec, hasAudio: true, plan,
      storyboard: planStoryboard(source.durationSec, plan.rungs[0]!.width, plan.rungs[0]!.height),
    });
    assert.ok((await sizeOf(out)) < bound);
  });

  test('no encode starts when the scratch disk cannot hold its ladder; retryable, with what to do', async () => {
    const clip = await makeClip(dir, { durationSec: 1, hasAudio: false, name: 'disk.mp4' });
    const out = join(dir, 'disk-out');
    // A bound larger than any disk: the real free space of this disk, read with statfs, is short.
    await assert.rejects(transcodeFile(clip, out, { maxOutputBytes: 2 ** 62 }), (err: unknown) => {
      refusedWith('TRANSCODE_SCRATCH_FULL', false)(err);
      assert.match((err as Error).message, /scratch disk has .* free, and this video's ladder may need up to .*free space in DATA_DIR\/work/);
      return true;
    });
    assert.deepEqual(await readdir(join(out, '180p')), [], 'ffmpeg must not have started');
  });

  test('an upload over the compute budget is refused before decoding, saying what the budget allows', async () => {
    const clip = await makeClip(dir, { width: 640, height: 360, durationSec: 2, hasAudio: false, name: 'budget.mp4' });
    const out = join(dir, 'budget-out');
    // 2 s of 360p30: 0.014 gigapixels decoded, 0.022 encoded (360p + 240p + the 144p cellular rung).
    await assert.rejects(transcodeFile(clip, out, { maxEncodeGigapixels: 0.01 }), (err: unknown) => {
      refusedWith('INPUT_OVER_BUDGET')(err);
      assert.match((err as Error).message, /640x360 at 30 fps for 2 s\) needs 0.036 gigapixels of encoding; this site allows 0.01 per upload/);
      return true;
    });
    assert.equal(existsSync(out), false);
    await transcodeFile(clip, out, { maxEncodeGigapixels: 0.1 });
    assert.match(await readFile(join(out, 'master.m3u8'), 'utf8'), /^#EXTM3U/);
  });
});

async function sizeOf(dir: string): Promise<number> {
  let total = 0;
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) total += (await stat(join(entry.parentPath ?? entry.path, entry.name))).size;
  }
  return total;
}
