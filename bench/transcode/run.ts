/**
 * Transcode benchmark: Kinema's one-process HLS ladder vs the seed pipeline (one ffmpeg per
 * rendition, `-preset medium`, progressive MP4, run one after another).
 *
 *   npx tsx bench/transcode/run.ts [--duration 20] [--preset veryfast] [--crf 24]
 *                                  [--x264 rc-lookahead=20] [--fresh]
 *
 * Everything is written under $TMPDIR/kinema-bench-transcode (the source and the seed results are
 * cached there between runs; --fresh regenerates them). Prints figures and a markdown table.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs, promisify } from 'node:util';
import { DEFAULT_TUNING, type EncoderTuning } from '../../src/modules/transcode/ffmpeg-args.js';
import { transcodeFile } from '../../src/modules/transcode/index.js';
import { dirBytes } from './dir-bytes.js';
import { childCpuSec } from '../support/child-cpu.js';

const exec = promisify(execFile);
const SEED_HEIGHTS = [1080, 720, 480, 360];

const { values } = parseArgs({
  options: {
    duration: { type: 'string', default: '20' },
    preset: { type: 'string', default: DEFAULT_TUNING.preset },
    crf: { type: 'string', default: String(DEFAULT_TUNING.crf) },
    x264: { type: 'string', default: DEFAULT_TUNING.x264Params },
    fresh: { type: 'boolean', default: false },
  },
});
const durationSec = Number(values.duration);
const tuning: EncoderTuning = { ...DEFAULT_TUNING, preset: values.preset!, crf: Number(values.crf), x264Params: values.x264! };
const work = join(tmpdir(), 'kinema-bench-transcode');
const source = join(work, `source-1080p30-mandelbrot-${durationSec}s.mp4`);

async function ffmpeg(args: string[]): Promise<string> {
  const { stderr } = await exec('ffmpeg', ['-hide_banner', '-nostdin', '-y', ...args], { maxBuffer: 64 * 1024 * 1024 });
  return stderr;
}

/**
 * 1080p30 testsrc2 (moving gradients, text, a rotating sweep) averaged with a zooming
 * Mandelbrot set (fine detail that keeps changing), so every frame costs the encoder real work,
 * and a beeping tone as audio. Encoded near-lossless (CRF 12) so that the source quality does
 * not limit the SSIM we measure. (Temporal grain was tried first: at ~120 Mbit/s it measured the
 * decoder more than the ladder, and neither pipeline kept grain at streaming bitrates.)
 */
async function makeSource(): Promise<void> {
  if (existsSync(source) && !values.fresh) return;
  console.log(`generating ${durationSec} s 1080p30 source…`);
  await ffmpeg([
    '-v', 'error',
    '-f', 'lavfi', '-i', `testsrc2=size=1920x1080:rate=30:duration=${durationSec}`,
    '-f', 'lavfi', '-i', `sine=frequency=300:beep_factor=4:sample_rate=48000:duration=${durationSec}`,
    '-f', 'lavfi', '-i', `mandelbrot=size=1920x1080:rate=30`,
    '-filter_complex', '[0:v][2:v]blend=all_mode=average,format=yuv420p[v]', '-map', '[v]', '-map', '1:a', '-t', String(durationSec),
    '-c:v', 'libx264', '-preset', 'veryfast', '-crf', '12', '-pix_fmt', 'yuv420p',
    '-c:a', 'aac', '-b:a', '192k', source,
  ]);
}

interface SeedResult { wallSec: number; cpuSec: number; bytes: number; ssim720: number }

/** The seed's naive pipeline: a full decode + a `medium` encode per rendition, sequentially. */
async function runSeed(): Promise<SeedResult> {
  const cache = join(work, `seed-mandelbrot-${durationSec}s.json`);
  if (existsSync(cache) && !values.fresh) {
    const cached = JSON.parse(await readFile(cache, 'utf8')) as SeedResult;
    if (cached.cpuSec !== undefined) {
      console.log('seed pipeline: using cached result (pass --fresh to re-run)');
      return cached;
    }
  }
  const dir = join(work, 'seed');
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  const started = performance.now();
  const cpuBefore = await childCpuSec();
  for (const h of SEED_HEIGHTS) {
    await ffmpeg(['-v', 'error', '-i', source, '-vf', `scale=-2:${h}`, '-c:v', 'libx264', '-preset', 'medium',
      '-c:a', 'aac', '-b:a', '128k', '-movflags', '+faststart', join(dir, `${h}p.mp4`)]);
  }
  const wallSec = (performance.now() - started) / 1000;
  const cpuSec = (await childCpuSec()) - cpuBefore;
  console.log(`seed pipeline: ${wallSec.toFixed(1)} s`);
  const result = { wallSec, cpuSec, bytes: await dirBytes(dir), ssim720: await ssim720(join(dir, '720p.mp4')) };
  await writeFile(cache, JSON.stringify(result));
  return result;
}

/** SSIM (ffmpeg `ssim` filter, "All") of a 720p encode against the source scaled to 720p. */
async function ssim720(encoded: string): Promise<number> {
  const stderr = await ffmpeg([
    '-v', 'info', '-i', encoded, '-i', source,
    '-filter_complex', '[1:v]scale=1280:720:flags=bicubic[ref];[0:v][ref]ssim', '-f', 'null', '-',
  ]);
  const match = /SSIM .*All:([\d.]+)/.exec(stderr);
  if (!match) throw new Error(`no SSIM in ffmpeg output:\n${stderr.slice(-500)}`);
  return Number(match[1]);
}

const mb = (bytes: number) => (bytes / 1e6).toFixed(1);

await mkdir(work, { recursive: true });
await makeSource();
const seed = await runSeed();

const outDir = join(work, 'kinema');
// transcodeToHls only clears the folders it writes; a rung dropped since the last run (240p)
// would otherwise still be counted in the byte total.
await rm(outDir, { recursive: true, force: true });
console.log(`kinema ladder: preset=${tuning.preset} crf=${tuning.crf} x264-params=${tuning.x264Params}`);
const loadBefore = (await readFile('/proc/loadavg', 'utf8')).split(' ')[0];
const started = performance.now();
const cpuBefore = await childCpuSec();
const out = await transcodeFile(source, outDir, { tuning });
const oursSec = (performance.now() - started) / 1000;
const oursCpuSec = (await childCpuSec()) - cpuBefore;
const load = (await readFile('/proc/loadavg', 'utf8')).split(' ')[0];
const oursBytes = await dirBytes(outDir, ['thumbs']);
const thumbsBytes = await dirBytes(join(outDir, 'thumbs'));
const oursSsim = await ssim720(join(outDir, '720p', 'index.m3u8'));

const speedup = seed.wallSec / oursSec;
/** Best case on 2 idle cores: CPU time spread over both. The realtime target is "≥ 1× on 2 cores". */
const cpuRealtime = (cpuSec: number) => `${(durationSec / (cpuSec / 2)).toFixed(2)}×`;
console.log(`\nmachine: ${cpus().length} cores (${cpus()[0]?.model ?? '?'}), 1-min load average ${loadBefore} before / ${load} after our run, ffmpeg 5.1, source ${durationSec} s 1080p30`);
console.log(`rungs: ${out.renditions.map((r) => `${r.label} ${r.width}x${r.height} avg ${(r.averageBandwidthBps / 1e3).toFixed(0)} kb/s`).join(', ')}`);
console.log(`thumbs (poster + storyboard, not counted below): ${(thumbsBytes / 1e3).toFixed(0)} kB\n`);
console.log('| pipeline | wall time | CPU time | × realtime (wall) | × realtime (CPU / 2 cores) | total bytes | 720p SSIM |');
console.log('|---|---:|---:|---:|---:|---:|---:|');
console.log(`| seed: 4 × ffmpeg, preset medium, MP4 (4 rungs) | ${seed.wallSec.toFixed(1)} s | ${seed.cpuSec.toFixed(1)} s | ${(durationSec / seed.wallSec).toFixed(2)}× | ${cpuRealtime(seed.cpuSec)} | ${mb(seed.bytes)} MB | ${seed.ssim720.toFixed(4)} |`);
console.log(`| kinema: 1 × ffmpeg, ${tuning.preset} capped CRF ${tuning.crf}, CMAF HLS (${out.renditions.length} rungs) | ${oursSec.toFixed(1)} s | ${oursCpuSec.toFixed(1)} s | ${(durationSec / oursSec).toFixed(2)}× | ${cpuRealtime(oursCpuSec)} | ${mb(oursBytes)} MB | ${oursSsim.toFixed(4)} |`);
console.log(`\nspeedup ${speedup.toFixed(2)}× wall, ${(seed.cpuSec / oursCpuSec).toFixed(2)}× CPU (target ≥ 2.5×); ` +
  `on 2 idle cores ours would need ≥ ${(oursCpuSec / 2).toFixed(1)} s (${(durationSec / (oursCpuSec / 2)).toFixed(2)}× realtime at best); bytes ${(oursBytes / seed.bytes).toFixed(2)}× of seed (target < 1), ` +
  `720p SSIM ${oursSsim.toFixed(4)} (target ≥ 0.98), ${(durationSec / oursSec).toFixed(2)}× realtime (target ≥ 1×)`);
