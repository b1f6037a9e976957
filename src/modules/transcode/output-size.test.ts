import assert from 'node:assert/strict';
import { writeFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { tempDir } from '../../../test/fixtures/media.js';
import { until } from '../../../test/support/poll.js';
import { isPermanentFailure } from './input-errors.js';
import { planLadder } from './ladder.js';
import { maxOutputBytes, outputTooLarge, watchOutputSize } from './output-size.js';
import { planStoryboard } from './thumbnails.js';

const hd = { width: 1920, height: 1080, frameRate: { num: 30, den: 1, fps: 30 } };
const bound = (durationSec: number, source = hd, hasAudio = true) => {
  const plan = planLadder(source);
  const top = plan.rungs[0]!;
  return maxOutputBytes({ durationSec, hasAudio, plan, storyboard: planStoryboard(durationSec, top.width, top.height) });
};

describe('maxOutputBytes', () => {
  test('follows the ladder bitrates times the duration', () => {
    // 1080p ladder: 6000 + 3000 + 1500 + 800 kbit/s ceilings, 128 kbit/s audio; x1.5.
    const tenMin = bound(600);
    assert.ok(tenMin > 600 * (11_300 + 128) * 125 * 1.5 && tenMin < 600 * (11_300 + 128) * 125 * 1.6, String(tenMin));
    assert.ok(bound(3600) > 5.9 * bound(600));
    assert.ok(bound(600, { ...hd, width: 3840, height: 2160 }) > bound(600));
    assert.ok(bound(600, hd, false) < bound(600));
  });
});

describe('watchOutputSize', () => {
  test('calls back once when the files under the watched folders pass the bound', async () => {
    const { dir, cleanup } = await tempDir('kinema-watch-');
    try {
      await mkdir(join(dir, '720p', 'deeper'), { recursive: true });
      const seen: number[] = [];
      const watch = watchOutputSize([join(dir, '720p'), join(dir, 'absent')], 10_000, (bytes) => seen.push(bytes), 20);
      await writeFile(join(dir, '720p', 'seg_00001.m4s'), Buffer.alloc(4000));
      await writeFile(join(dir, '720p', 'seg_00002.m4s'), Buffer.alloc(4000));
      assert.equal(await watch.measure(), 8000);
      await writeFile(join(dir, '720p', 'deeper', 'init.mp4'), Buffer.alloc(3000));
      await until(() => seen.length > 0, 'the callback');
      await writeFile(join(dir, '720p', 'seg_00003.m4s'), Buffer.alloc(4000));
      assert.equal(await watch.measure(), 15_000);
      watch.stop();
      assert.deepEqual(seen, [11_000]);
    } finally {
      await cleanup();
    }
  });

  test('too large an output is a permanent failure that names both sizes', () => {
    const err = outputTooLarge(20_000, 1_500_000, 4);
    assert.equal(err.code, 'TRANSCODE_OUTPUT_TOO_LARGE');
    assert.ok(isPermanentFailure(err));
    assert.match(err.message, /wrote 1\.5 MB, more than the 20 kB a 4 s video can take/);
  });
});
