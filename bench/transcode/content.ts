/**
 * Encoding-efficiency benchmark over a content set: Kinema's one-process ladder against PeerTube's
 * default VOD profile and the seed pipeline, in the same run, on three kinds of upload:
 *
 * - `slides`: a slide deck, a still picture that changes every 3 s (testsrc2 at 1/3 fps);
 * - `talking`: a talking head, a still detailed background (gradients + a Mandelbrot still) with a
 *   moving region in the middle (a zooming Mandelbrot) and light sensor noise;
 * - `motion`: high motion with noise, testsrc2 averaged with a zooming Mandelbrot, plus strong
 *   temporal noise.
 *
 *   npx tsx bench/transcode/content.ts [--duration 6] [--height 720] [--content slides,talking,motion]
 *                                      [--crf 24] [--small-steps 1,2] [--x264 …] [--preset veryfast]
 *                                      [--only kinema] [--fresh]
 *
 * Every pipeline encodes the same rung sizes (Kinema's plan for the source, 1280x720 at 30 fps by default), video only (the
 * sources are silent: audio is the same 128 kbit/s AAC for all three and would blur the ratios).
 * Per rung it reports bytes, SSIM and PSNR against the source scaled (bicubic) to the rung's size;
 * per pipeline, wall and CPU time (user+sys of the ffmpeg children: the machine is shared, so
 * wall time moves with other people's load). The baselines are cached under
 * $TMPDIR/kinema-bench-content for `--only kinema` tuning runs; the figures for the README come
 * from a run without `--only`, where all three pipelines run back to back.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs, promisify } from 'node:util';
import { DEFAULT_TUNING, type EncoderTuning } from '../../src/modules/transcode/ffmpeg-args.js';
import { transcodeFile } from '../../src/modules/transcode/index.js';
import { planLadder } from '../../src/modules/transcode/ladder.js';
import { measureMediaPlaylist } from '../../src/modules/transcode/master-playlist.js';
import type { LadderRung } from '../../src/modules/transcode/types.js';
import type { Logger } from '../../src/platform/log.js';
import { dirBytes } from './dir-bytes.js';
import { contentTypes, sourceArgs } from './content-sources.js';
import { childCpuSec } from '../support/child-cpu.js';

const exec = promisify(execFile);
const { values } = parseArgs({
  options: {
    duration: { type: 'string', default: '6' },
    height: { type: 'string', default: '720' },
    content: { type: 'string', default: 'slides,talking,motion' },
    preset: { type: 'string' },
    crf: { type: 'string' },
    x264: { type: 'string' },
    'small-steps': { type: 'string' },
    only: { type: 'string' },
    fresh: { type: 'boolean', default: false },
  },
});
const durationSec = Number(values.duration);
/**
 * Without tuning flags Kinema runs as in production: the motion probe picks the title's tuning
 * (its CPU is counted). Any flag replaces that with DEFAULT_TUNING plus the flags, for experiments.
 */
const isTuned = [values.preset, values.crf, values.x264, values['small-steps']].some((v) => v !== undefined);
const [at480 = 0, below480 = 0] = (values['small-steps'] ?? (DEFAULT_TUNING.smallRungCrfSteps ?? [0, 0]).join(',')).split(',').map(Number);
const tuning: EncoderTuning | undefined = isTuned
  ? { preset: values.preset ?? DEFAULT_TUNING.preset, crf: Number(values.crf ?? DEFAULT_TUNING.crf), x264Params: values.x264 ?? DEFAULT_TUNING.x264Params, smallRungCrfSteps: [at480, below480] }
  : undefined;
const work = join(tmpdir(), 'kinema-bench-content');
const H = Number(values.height);
const W = Math.round((H * 16) / 9 / 2) * 2;
const FPS = 30;

const CONTENT = contentTypes(W, H, FPS);

async function ffmpeg(args: string[]): Promise<string> {
  const { stderr } = await exec('ffmpeg', ['-hide_banner', '-nostdin', '-y', ...args], { maxBuffer: 64 * 1024 * 1024 });
  return stderr;
}

/** Near-lossless (CRF 8) so that the source's own losses do not cap the SSIM we measure. */
async function makeSource(name: string): Promise<string> {
  const path = join(work, `source-${name}-${H}p-${durationSec}s.mp4`);
  if (existsSync(path) && !values.fresh) return path;
  console.log(`generating ${durationSec} s ${W}x${H}@${FPS} source: ${name}…`);
  await ffmpeg(sourceArgs(CONTENT[name]!.graph, durationSec, FPS, path));
  return path;
}

/**
 * PeerTube's default VOD profile (packages/ffmpeg in Chocobozzz/PeerTube): one ffmpeg per
 * resolution, libx264 `veryfast` at its default CRF 23, `-maxrate` = the average bits-per-pixel
 * table x pixels x fps (the input bitrate + 30% caps it, never the case for these sources),
 * `-bufsize` 2x, `-b_strategy 1 -bf 16`, keyframe every 2 s. PeerTube also writes `-level 3.1`,
 * left out here (x264 ignores it for 1080p beyond a warning).
 */
const PEERTUBE_AVG_BPP: Record<number, number> = { 2160: 0.08, 1440: 0.09, 1080: 0.1, 720: 0.11, 480: 0.12, 360: 0.15, 240: 0.17 };
function peertubeArgs(src: string, rung: LadderRung, out: string): string[] {
  const short = Math.min(rung.width, rung.height);
  const bpp = PEERTUBE_AVG_BPP[short] ?? 0.17;
  const maxrate = Math.floor(short * short * (W / H) * FPS * bpp);
  return ['-v', 'error', '-i', src, '-vf', `scale=${rung.width}:${rung.height}`, '-c:v', 'libx264', '-preset', 'veryfast',
    '-maxrate', String(maxrate), '-bufsize', String(maxrate * 2), '-b_strategy', '1', '-bf', '16',
    '-g', String(FPS * 2), '-r', String(FPS), '-pix_fmt', 'yuv420p', '-an', '-map_metadata', '-1', out];
}

/** The seed: one ffmpeg per rendition, `-preset medium`, x264's default CRF 23 uncapped. */
function seedArgs(src: string, rung: LadderRung, out: string): string[] {
  return ['-v', 'error', '-i', src, '-vf', `scale=-2:${rung.height}`, '-c:v', 'libx264', '-preset', 'medium', '-an', '-movflags', '+faststart', out];
}

interface RungResult { label: string; bytes: number; ssim: number; psnr: number; peakToAverage?: number }
interface PipelineResult { wallSec: number; cpuSec: number; rungs: RungResult[] }

async function runSequential(name: string, src: string, rungs: LadderRung[], build: typeof seedArgs): Promise<PipelineResult> {
  const dir = join(work, name);
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  const files = rungs.map((r) => join(dir, `${r.label}.mp4`));
  const { wallSec, cpuSec } = await timed(async () => {
    for (const [i, rung] of rungs.entries()) await ffmpeg(build(src, rung, files[i]!));
  });
  const quality = await measureQuality(src, rungs, files);
  const rungResults = await Promise.all(rungs.map(async (r, i) => ({ label: r.label, bytes: await dirBytesOf(files[i]!), ...quality[i]! })));
  return { wallSec, cpuSec, rungs: rungResults };
}

async function runKinema(name: string, src: string, rungs: LadderRung[]): Promise<PipelineResult> {
  const dir = join(work, name);
  await rm(dir, { recursive: true, force: true });
  const { wallSec, cpuSec } = await timed(() => transcodeFile(src, dir, { tuning, log: probeLog }));
  const playlists = rungs.map((r) => join(dir, r.label, 'index.m3u8'));
  const quality = await measureQuality(src, rungs, playlists);
  const rungResults = await Promise.all(rungs.map(async (r, i) => {
    const stats = await measureMediaPlaylist(playlists[i]!);
    return { label: r.label, bytes: await dirBytes(join(dir, r.label)), ...quality[i]!, peakToAverage: stats.peakBps / stats.averageBps };
  }));
  return { wallSec, cpuSec, rungs: rungResults };
}

/** Prints which tuning the probe chose for each title. */
const probeLog = {
  info: (obj: object, msg: string) => { if (msg === 'content probed') console.log(`probe: ${JSON.stringify(obj)}`); },
  warn: (obj: object, msg: string) => console.log(`probe: ${msg} ${JSON.stringify(obj)}`),
  debug: () => {},
  error: (obj: object, msg: string) => console.log(`${msg} ${JSON.stringify(obj)}`),
} as unknown as Logger;

async function dirBytesOf(file: string): Promise<number> {
  const { stat } = await import('node:fs/promises');
  return (await stat(file)).size;
}

/** SSIM ("All") and PSNR ("average") of every rung against the source scaled to its size, one decode of the source. */
async function measureQuality(src: string, rungs: LadderRung[], encoded: string[]): Promise<Array<{ ssim: number; psnr: number }>> {
  const parts = [`[0:v]split=${rungs.length}${rungs.map((_r, i) => `[s${i}]`).join('')}`];
  rungs.forEach((r, i) => {
    parts.push(`[s${i}]scale=${r.width}:${r.height}:flags=bicubic,format=yuv420p,split[ra${i}][rb${i}]`);
    parts.push(`[${i + 1}:v]format=yuv420p,split[ea${i}][eb${i}]`);
    parts.push(`[ea${i}][ra${i}]ssim[o${i}]`, `[eb${i}][rb${i}]psnr[p${i}]`);
  });
  const outs = rungs.flatMap((_r, i) => ['-map', `[o${i}]`, '-f', 'null', '-', '-map', `[p${i}]`, '-f', 'null', '-']);
  const stderr = await ffmpeg(['-v', 'info', '-i', src, ...encoded.flatMap((e) => ['-i', e]), '-filter_complex', parts.join(';'), ...outs]);
  const ssims = [...stderr.matchAll(/Parsed_ssim_(\d+) .*SSIM .*All:([\d.]+)/g)].sort((a, b) => Number(a[1]) - Number(b[1])).map((m) => Number(m[2]));
  const psnrs = [...stderr.matchAll(/Parsed_psnr_(\d+) .*PSNR .*average:([\d.]+|inf)/g)].sort((a, b) => Number(a[1]) - Number(b[1])).map((m) => Number(m[2]));
  if (ssims.length !== rungs.length || psnrs.length !== rungs.length) throw new Error(`quality measure failed:\n${stderr.slice(-800)}`);
  return rungs.map((_r, i) => ({ ssim: ssims[i]!, psnr: psnrs[i]! }));
}

/**
 * Wall time and CPU seconds of finished child processes (ffmpeg), from /proc/self/stat
 * cutime+cstime.
 */
async function timed(run: () => Promise<unknown>): Promise<{ wallSec: number; cpuSec: number }> {
  const cpuBefore = await childCpuSec();
  const started = performance.now();
  await run();
  return { wallSec: (performance.now() - started) / 1000, cpuSec: (await childCpuSec()) - cpuBefore };
}

async function cached(key: string, run: () => Promise<PipelineResult>): Promise<PipelineResult> {
  const file = join(work, `${key}-${H}p-${durationSec}s.json`);
  if (values.only && !values.fresh && existsSync(file)) return JSON.parse(await readFile(file, 'utf8')) as PipelineResult;
  const result = await run();
  await writeFile(file, JSON.stringify(result));
  return result;
}

const sum = (r: PipelineResult) => r.rungs.reduce((t, x) => t + x.bytes, 0);
const kb = (bytes: number) => `${(bytes / 1e3).toFixed(0)} kB`;

await mkdir(work, { recursive: true });
const load = () => readFile('/proc/loadavg', 'utf8').then((s) => s.split(' ')[0]);
console.log(`machine: ${cpus().length} cores (${cpus()[0]?.model ?? '?'}), load ${await load()}; sources ${durationSec} s ${W}x${H}@${FPS}`);
console.log(tuning
  ? `kinema: preset=${tuning.preset} crf=${tuning.crf} (−${at480} at 480p, −${below480} below) x264-params=${tuning.x264Params}\n`
  : `kinema: per-title tuning from the motion probe (as in production)\n`);
const summary: string[] = [];
for (const name of values.content!.split(',')) {
  if (!CONTENT[name]) throw new Error(`unknown content ${name}; known: ${Object.keys(CONTENT).join(', ')}`);
  const src = await makeSource(name);
  const rungs = planLadder({ width: W, height: H, frameRate: { num: FPS, den: 1, fps: FPS } }).rungs;
  const seed = await cached(`seed-${name}`, () => runSequential(`seed-${name}`, src, rungs, seedArgs));
  const peertube = await cached(`peertube-${name}`, () => runSequential(`peertube-${name}`, src, rungs, peertubeArgs));
  const kinema = await runKinema(`kinema-${name}`, src, rungs);
  console.log(`### ${CONTENT[name]!.label} (${name}), load ${await load()}\n`);
  console.log(`| pipeline | wall | CPU | ${rungs.map((r) => `${r.label} bytes / SSIM / PSNR`).join(' | ')} | total bytes |`);
  console.log(`|---|---:|---:|${rungs.map(() => '---:').join('|')}|---:|`);
  for (const [label, r] of [['seed (ffmpeg per rung, medium, CRF 23)', seed], ['PeerTube default (ffmpeg per rung, veryfast, capped CRF 23)', peertube], ['Kinema (probe + 1 × ffmpeg)', kinema]] as const) {
    const cells = r.rungs.map((x) => `${kb(x.bytes)} / ${x.ssim.toFixed(4)} / ${x.psnr.toFixed(2)}`);
    console.log(`| ${label} | ${r.wallSec.toFixed(1)} s | ${r.cpuSec.toFixed(1)} s | ${cells.join(' | ')} | ${kb(sum(r))} |`);
  }
  const ssimOk = kinema.rungs.every((x, i) => x.ssim >= (peertube.rungs[i]?.ssim ?? 1));
  const line = `${name}: speed ${(peertube.cpuSec / kinema.cpuSec).toFixed(2)}x CPU / ${(peertube.wallSec / kinema.wallSec).toFixed(2)}x wall vs PeerTube (target ≥ 2), ` +
    `bytes ${(sum(kinema) / sum(peertube)).toFixed(2)}x PeerTube's (target ≤ 0.8), ${(sum(kinema) / sum(seed)).toFixed(2)}x seed's, ` +
    `SSIM Δ per rung ${kinema.rungs.map((x, i) => (x.ssim - (peertube.rungs[i]?.ssim ?? 0)).toFixed(4)).join(' ')} (${ssimOk ? 'all ≥ PeerTube' : 'BELOW PeerTube'}), ` +
    `peak/avg ${kinema.rungs.map((x) => x.peakToAverage?.toFixed(2)).join(' ')}`;
  console.log(`\n${line}\n`);
  summary.push(line);
}
console.log(summary.join('\n'));
