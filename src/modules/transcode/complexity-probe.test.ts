import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { classifyContent, motionProbeArgs, parseMotionProbe, probeMotion } from './complexity-probe.js';
import { probeMedia } from './probe.js';
import { validateSource } from './validate.js';

const exec = promisify(execFile);

describe('classifyContent', () => {
  test('still, moving and busy by the median frame difference', () => {
    assert.equal(classifyContent({ medianFrameDiff: 0, samples: 12 }), 'static');
    assert.equal(classifyContent({ medianFrameDiff: 0.5, samples: 12 }), 'moving');
    assert.equal(classifyContent({ medianFrameDiff: 2, samples: 12 }), 'busy');
  });

  test('nothing measured is treated as moving (2 s GOPs, right for any content)', () => {
    assert.equal(classifyContent({ medianFrameDiff: 0, samples: 0 }), 'moving');
  });
});

describe('parseMotionProbe', () => {
  test('skips the first frame of every sample (no predecessor) and takes the median', () => {
    const out = ['frame:0 pts:0', 'lavfi.signalstats.YDIF=9', 'frame:1 pts:1', 'lavfi.signalstats.YDIF=1', 'frame:2 pts:2', 'lavfi.signalstats.YDIF=3',
      'frame:0 pts:0', 'lavfi.signalstats.YDIF=50', 'frame:1 pts:1', 'lavfi.signalstats.YDIF=2'].join('\n');
    assert.deepEqual(parseMotionProbe(out), { medianFrameDiff: 2, samples: 3 });
  });
});

describe('motionProbeArgs', () => {
  test('every sample input has the encode\'s restrictions: forced demuxer, file protocol only', () => {
    const a = motionProbeArgs('/in.mp4', { formatName: 'mov', durationSec: 10, videoStreamIndex: 0 });
    const inputs = a.filter((v) => v === '-i').length;
    assert.equal(inputs, 3);
    assert.equal(a.filter((v) => v === '-protocol_whitelist').length, inputs);
    assert.equal(a.filter((v) => v === '-enable_drefs').length, inputs);
    assert.deepEqual(a.flatMap((v, i) => (v === '-ss' ? [a[i + 1]] : [])), ['2.000', '5.000', '8.000']);
  });
});

describe('probeMotion (real ffmpeg)', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'kinema-motion-probe-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function clip(name: string, graph: string): Promise<{ path: string; source: ReturnType<typeof validateSource> }> {
    const path = join(dir, `${name}.mp4`);
    await exec('ffmpeg', ['-hide_banner', '-nostdin', '-v', 'error', '-y', '-filter_complex', graph, '-map', '[v]', '-t', '4',
      '-c:v', 'libx264', '-preset', 'ultrafast', '-g', '30', '-pix_fmt', 'yuv420p', path]);
    return { path, source: validateSource(await probeMedia(path)) };
  }

  test('a slide deck with light sensor noise is static', async () => {
    const { path, source } = await clip('slides', 'testsrc2=size=320x180:rate=1/2,fps=30,noise=alls=4:allf=t[v]');
    assert.equal(classifyContent(await probeMotion(path, source)), 'static');
  });

  test('a moving picture is moving, high motion with noise is busy', async () => {
    const moving = await clip('moving', 'testsrc2=size=320x180:rate=30[v]');
    const movingProbe = await probeMotion(moving.path, moving.source);
    assert.ok(movingProbe.samples >= 9, `sampled ${movingProbe.samples} differences`);
    assert.notEqual(classifyContent(movingProbe), 'static');
    const busy = await clip('busy', 'testsrc2=size=320x180:rate=30[t];mandelbrot=size=320x180:rate=30[m];[t][m]blend=all_mode=average,noise=alls=14:allf=t+u[v]');
    assert.equal(classifyContent(await probeMotion(busy.path, busy.source)), 'busy');
  });

  test('a file that is not what the validated source says fails the probe instead of guessing', async () => {
    const { source } = await clip('real', 'testsrc2=size=320x180:rate=30[v]');
    await assert.rejects(probeMotion(join(dir, 'missing.mp4'), source), /motion probe failed/);
  });
});
