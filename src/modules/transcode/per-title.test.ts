import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { readSegments, readVariants, segmentStartsWithKeyframe } from '../../../test/fixtures/hls-checks.js';
import { ffmpeg, ffprobeJson, tempDir } from '../../../test/fixtures/media.js';
import { transcodeFile } from './transcode-file.js';

/** Key frame times of a rung's video, from its playlist, from the first one (B-frames delay them all). */
async function keyframeTimes(playlist: string): Promise<string[]> {
  const probe = await ffprobeJson(['-select_streams', 'v:0', '-skip_frame', 'nokey', '-show_entries', 'frame=pts_time', '-of', 'json', playlist]);
  const times = (probe.frames as Array<{ pts_time: string }>).map((f) => Number(f.pts_time));
  return times.map((t) => (t - (times[0] ?? 0)).toFixed(2));
}

describe('per-title rate control (real ffmpeg)', () => {
  let dir = '';
  let cleanup = async () => {};
  before(async () => ({ dir, cleanup } = await tempDir('kinema-per-title-')));
  after(() => cleanup());

  test('a still title gets one keyframe per segment, at the same times on every rung; a moving one keeps 2 s GOPs', async () => {
    const still = join(dir, 'still.mp4');
    await ffmpeg(['-f', 'lavfi', '-i', 'testsrc2=size=640x360:rate=1/3,fps=30,format=yuv420p', '-t', '9', '-c:v', 'libx264', '-preset', 'ultrafast', still]);
    const out = join(dir, 'still-out');
    const result = await transcodeFile(still, out);
    const times = await Promise.all(result.renditions.map((r) => keyframeTimes(join(out, r.playlist))));
    assert.deepEqual(times[0], ['0.00', '4.00', '8.00']);
    for (const t of times) assert.deepEqual(t, times[0], 'keyframes aligned across rungs');
    for (const r of result.renditions) {
      for (const s of await readSegments(join(out, r.playlist))) {
        assert.ok(await segmentStartsWithKeyframe(join(out, r.label), s.uri, dir), `${r.label}/${s.uri} starts without a keyframe`);
      }
    }
    for (const v of await readVariants(join(out, 'master.m3u8'))) {
      const peak = Number(/BANDWIDTH=(\d+)/.exec(v.attrs)?.[1]);
      const average = Number(/AVERAGE-BANDWIDTH=(\d+)/.exec(v.attrs)?.[1]);
      assert.ok(peak >= average && peak <= 2 * average, `${v.uri}: peak ${peak} within 2x of average ${average}`);
    }

    const moving = join(dir, 'moving.mp4');
    await ffmpeg(['-f', 'lavfi', '-i', 'testsrc2=size=640x360:rate=30', '-t', '9', '-c:v', 'libx264', '-preset', 'ultrafast', moving]);
    const movingOut = join(dir, 'moving-out');
    const movingResult = await transcodeFile(moving, movingOut);
    assert.deepEqual(await keyframeTimes(join(movingOut, movingResult.renditions[0]!.playlist)), ['0.00', '2.00', '4.00', '6.00', '8.00']);
  });
});
