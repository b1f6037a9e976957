import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { makeClip, tempDir } from '../../../test/fixtures/media.js';
import { runTranscodeCommand } from './cli-command.js';
import { formatProgress } from './progress-bar.js';

/** A non-TTY stream that remembers what was written. */
function capture(): { stream: NodeJS.WriteStream; text: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      chunks.push(String(chunk));
      done();
    },
  });
  return { stream: stream as unknown as NodeJS.WriteStream, text: () => chunks.join('') };
}

describe('kinema transcode', () => {
  let dir = '';
  let cleanup = async () => {};
  before(async () => ({ dir, cleanup } = await tempDir()));
  after(() => cleanup());

  test('returns 0 and writes master.m3u8 at the top of --out', async () => {
    const clip = await makeClip(dir, { durationSec: 2 });
    const out = join(dir, 'hls');
    const stdout = capture();
    const stderr = capture();
    const code = await runTranscodeCommand([clip, '--out', out], { stdout: stdout.stream, stderr: stderr.stream });
    assert.equal(code, 0, stderr.text());
    assert.ok(existsSync(join(out, 'master.m3u8')));
    assert.match(stdout.text(), /master\.m3u8\n\s+180p\s+320x180/);
    assert.match(stderr.text(), /320x180 30\.00 fps, 2\.0 s → 180p\n(transcode .*\n)*transcode 100\.0% \d+\.\dx ETA 0:00\n$/);
    assert.match(await readFile(join(out, 'master.m3u8'), 'utf8'), /180p\/index\.m3u8/);
  });

  test('returns 3 with the reason on one line for a rejected file, and writes nothing', async () => {
    const fake = join(dir, 'fake.mp4');
    await writeFile(fake, '#EXTM3U\n#EXTINF:1,\nhttp://example.com/a.ts\n');
    const stderr = capture();
    const code = await runTranscodeCommand([fake, '--out', join(dir, 'nope')], { stdout: capture().stream, stderr: stderr.stream });
    assert.equal(code, 3);
    assert.match(stderr.text(), /^rejected: This file is not a video we can read \(detected: hls playlist\)\. .* \[INPUT_NOT_A_VIDEO\]\n$/);
    assert.equal(existsSync(join(dir, 'nope')), false, 'the output directory this run created is gone again');
  });

  test('returns 3 when the video is longer than --max-duration', async () => {
    const clip = await makeClip(dir, { durationSec: 2, name: 'two-seconds.mp4' });
    const stderr = capture();
    const code = await runTranscodeCommand([clip, '--out', join(dir, 'long'), '--max-duration', '1'], {
      stdout: capture().stream,
      stderr: stderr.stream,
    });
    assert.equal(code, 3);
    assert.match(stderr.text(), /\[INPUT_TOO_LONG\]/);
  });

  test('returns 3 when the ladder needs more than --max-encode-gigapixels', async () => {
    const clip = await makeClip(dir, { durationSec: 2, name: 'budget.mp4' });
    const stderr = capture();
    const code = await runTranscodeCommand([clip, '--out', join(dir, 'budget'), '--max-encode-gigapixels', '0.001'], {
      stdout: capture().stream,
      stderr: stderr.stream,
    });
    assert.equal(code, 3);
    assert.match(stderr.text(), /this site allows 0\.001 per upload .*\[INPUT_OVER_BUDGET\]/);
  });

  test('returns 2 with one line saying what to do when --out is missing', async () => {
    const stderr = capture();
    assert.equal(await runTranscodeCommand(['in.mp4'], { stderr: stderr.stream }), 2);
    assert.equal(stderr.text(), 'kinema transcode: say where the ladder goes with --out DIR. Run "kinema transcode --help" for usage.\n');
  });

  test('a rejected run into an earlier ladder with --force leaves that ladder whole', async () => {
    const clip = await makeClip(dir, { durationSec: 2, name: 'keep.mp4' });
    const out = join(dir, 'keep');
    assert.equal(await runTranscodeCommand([clip, '--out', out], { stdout: capture().stream, stderr: capture().stream }), 0);
    const master = await readFile(join(out, 'master.m3u8'), 'utf8');
    const fake = join(dir, 'not-a-video.mp4');
    await writeFile(fake, 'hello');
    assert.equal(await runTranscodeCommand([fake, '--out', out, '--force'], { stdout: capture().stream, stderr: capture().stream }), 3);
    assert.equal(await readFile(join(out, 'master.m3u8'), 'utf8'), master);
    assert.deepEqual((await readdir(out)).sort(), ['180p', 'audio', 'master.m3u8', 'thumbs']);
  });

  test('progress shows percent, speed and ETA', () => {
    assert.equal(formatProgress(50, 10, 40), ' 50.0% 2.0x ETA 0:10');
    assert.equal(formatProgress(0, 0, 40), '  0.0% 0.0x ETA --:--');
  });
});
