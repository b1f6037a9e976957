import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { closeSync, constants, openSync, readdirSync, readFileSync, writeSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, test } from 'node:test';
import { ffmpeg, makeClip, tempDir } from '../../../test/fixtures/media.js';
import { until } from '../../../test/support/poll.js';
import { isPermanentFailure } from './input-errors.js';
import { probeMedia } from './probe.js';
import { runProcess } from './run-process.js';
import { transcodeFile } from './transcode-file.js';
import { transcodeToHls } from './transcode-hls.js';
import { validateSource } from './validate.js';

/**
 * What a person watching an encode sees: progress that moves while ffmpeg works (not only once it
 * is done), and an encode that cannot finish being stopped at its time limit.
 */

describe('encode progress and time limit (real ffmpeg)', () => {
  let dir = '';
  let cleanup = async () => {};
  before(async () => ({ dir, cleanup } = await tempDir('kinema-progress-')));
  after(() => cleanup());

  test('reports rising progress from the start, while ffmpeg is still encoding', async (t) => {
    // 20 s of 720p: a 4-rung ladder, seconds of work even on a fast machine.
    const clip = await makeClip(dir, { width: 1280, height: 720, durationSec: 20 });
    const out = join(dir, 'ladder');
    const reports: Array<{ percent: number; atMs: number; ffmpegRunning: boolean }> = [];
    const startedAt = performance.now();
    await transcodeFile(clip, out, {
      onProgress: (percent) => {
        reports.push({ percent, atMs: performance.now() - startedAt, ffmpegRunning: ffmpegPidsMentioning(out).length > 0 });
      },
    });

    const percents = reports.map((r) => r.percent);
    assert.equal(percents.at(-1), 100);
    for (let i = 1; i < percents.length; i++) assert.ok(percents[i]! > percents[i - 1]!, `progress fell: ${percents.join(' ')}`);
    const during = reports.filter((r) => r.percent > 0 && r.percent < 100 && r.ffmpegRunning);
    // Before the fix, ffmpeg held every progress block back until the storyboard was written at
    // the very end: the first value was ≥ 95%, and at most one or two came before the exit.
    assert.ok(percents[0]! < 50, `first progress ${percents[0]}%: progress did not start with the encode`);
    assert.ok(during.length >= 3, `only ${during.length} progress values while ffmpeg ran: ${percents.join(' ')}`);

    const gaps = during.slice(1).map((r, i) => r.atMs - during[i]!.atMs).sort((a, b) => a - b);
    t.diagnostic(`${during.length} updates during ${(during.at(-1)!.atMs / 1000).toFixed(1)} s; first at ${reports[0]!.atMs.toFixed(0)} ms; gap median ${gaps[gaps.length >> 1]?.toFixed(0)} ms, max ${gaps.at(-1)?.toFixed(0)} ms`);
  });

  test('the poster and the storyboard are the real pictures, written over their stand-ins', async () => {
    const clip = await makeClip(dir, { durationSec: 6, name: 'stills.mp4' });
    const out = join(dir, 'stills');
    const result = await transcodeFile(clip, out);
    // The poster is the frame at 1 s (10% of 6 s, at least 1 s), not the stand-in frame 0.
    await ffmpeg(['-i', clip, '-frames:v', '1', join(dir, 'frame0.png')]);
    await ffmpeg(['-ss', '1', '-i', clip, '-frames:v', '1', join(dir, 'frame1s.png')]);
    const poster = join(out, result.poster);
    const [vsFrame1s, vsFrame0] = [await psnr(poster, join(dir, 'frame1s.png')), await psnr(poster, join(dir, 'frame0.png'))];
    assert.ok(vsFrame1s > vsFrame0, `poster PSNR vs 1 s ${vsFrame1s} dB, vs frame 0 ${vsFrame0} dB`);
    // The storyboard stand-in is black (luma 16); testsrc2 tiles are bright colour bars.
    assert.ok((await meanLuma(join(out, result.storyboardImage))) > 50, 'the storyboard is still the black stand-in');
  });

  // The test's own timeout turns "the limit never fired" into a failure instead of a hang.
  test('an encode that runs past its time limit is killed and rejects with TRANSCODE_TIMEOUT', { timeout: 120_000 }, async () => {
    // A stuck input: a FIFO that delivers the start of a valid MKV and then never ends, so
    // ffmpeg waits forever for the rest (a wedged disk or a demuxer spinning behaves the same).
    const clip = await makeClip(dir, { durationSec: 10, name: 'stuck-source.mkv' });
    const source = validateSource(await probeMedia(clip));
    const fifo = join(dir, 'stuck.mkv');
    await promisify(execFile)('mkfifo', [fifo]);
    // O_RDWR: opening never blocks, and as long as we hold it ffmpeg never sees end-of-file.
    const writer = openSync(fifo, constants.O_RDWR);
    try {
      // Less than a pipe buffer (64 KiB), so the write cannot block before ffmpeg reads.
      const head = (await readFile(clip)).subarray(0, 32 * 1024);
      writeSync(writer, head);
      const out = join(dir, 'stuck-out');
      let seenPid: number | undefined;
      const encode = transcodeToHls({ path: fifo, source }, out, { timeLimitSec: 1 });
      let settled = false;
      encode.then(() => {}, () => {}).finally(() => (settled = true));
      const watching = until(() => settled || (seenPid = ffmpegPidsMentioning(out)[0]), 'ffmpeg to start', 60_000, 20);
      await assert.rejects(encode, (err: Error & { code?: string }) => {
        assert.equal(err.code, 'TRANSCODE_TIMEOUT');
        assert.match(err.message, /ran past its limit of 1 s for a video of 10 s/);
        assert.equal(isPermanentFailure(err), false, 'a timeout must be retried, not refused');
        return true;
      });
      await watching;
      assert.ok(seenPid, 'ffmpeg was never seen running');
      assert.deepEqual(ffmpegPidsMentioning(out), [], 'ffmpeg is still running');
      assert.equal(isAlive(seenPid), false, `ffmpeg ${seenPid} is still alive`);
    } finally {
      closeSync(writer);
    }
  });

  test('a time limit longer than setTimeout can hold (24.8 days) does not fire at once', async () => {
    // Node turns a delay above 2^31-1 ms into 1 ms; a 12 h 4K source gets a limit of weeks.
    const run = await runProcess('sleep', ['1'], { timeoutMs: 2 ** 31 + 60_000 });
    assert.deepEqual([run.timedOut, run.exitCode], [false, 0]);
  });
});

/** Peak signal-to-noise ratio of `a` against `b` (same size), in dB: higher is more alike. */
async function psnr(a: string, b: string): Promise<number> {
  const { stderr } = await promisify(execFile)('ffmpeg', ['-hide_banner', '-nostdin', '-i', a, '-i', b, '-lavfi', 'psnr', '-f', 'null', '-']);
  const match = /PSNR .*average:([\d.]+|inf)/.exec(stderr);
  assert.ok(match, stderr);
  return match[1] === 'inf' ? Infinity : Number(match[1]);
}

/** Average luma (0–255) of an image. */
async function meanLuma(path: string): Promise<number> {
  const { stderr } = await promisify(execFile)('ffmpeg', ['-hide_banner', '-nostdin', '-i', path, '-vf', 'signalstats,metadata=print:key=lavfi.signalstats.YAVG', '-f', 'null', '-']);
  const match = /lavfi\.signalstats\.YAVG=([\d.]+)/.exec(stderr);
  assert.ok(match, stderr);
  return Number(match[1]);
}

/** Live (not zombie) processes whose command line mentions `text`: only our ffmpeg would. */
function ffmpegPidsMentioning(text: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const cmd = readSafe(`/proc/${entry}/cmdline`);
    if (cmd?.includes(text) && cmd.includes('ffmpeg') && isAlive(Number(entry))) pids.push(Number(entry));
  }
  return pids;
}

function isAlive(pid: number): boolean {
  const stat = readSafe(`/proc/${pid}/stat`);
  // Field 3 is the state; a zombie (Z) has exited and only waits to be reaped.
  return stat !== undefined && stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0] !== 'Z';
}

function readSafe(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    // The process exited between listing /proc and reading it: it is not running.
    return undefined;
  }
}
