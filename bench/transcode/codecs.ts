/**
 * Codec rows: what HEVC (x265) and AV1 (SVT-AV1) rungs cost and save beside the H.264 ladder, on
 * the content set of content.ts (slides, talking head, high motion), in one run:
 *
 *   npx tsx bench/transcode/codecs.ts [--duration 6] [--height 720] [--content slides,talking,motion]
 *                                     [--codecs hevc,av1] [--hevc-offset 4] [--av1-offset 11]
 *
 * Per content, three passes of the production command (buildTranscodeArgs, the ladder of
 * LADDER_CODECS): H.264 only, H.264 + HEVC, H.264 + AV1. Per codec it prints the bytes of its rungs
 * and their SSIM against the source scaled to each rung's size (the H.264 rungs of the same pass as
 * the baseline), and the CPU the codec's rungs added to the pass (user+sys of ffmpeg: the machine is
 * shared, wall time moves with other people's load), as a ratio to the H.264-only pass. The CRF
 * offsets are codecs.ts's CODEC_CRF_OFFSET unless given: the "equal quality settings" the ladder
 * uses; the SSIM column says how equal they turned out.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs, promisify } from 'node:util';
import { CODEC_CRF_OFFSET, type ExtraCodec, type VideoCodec } from '../../src/modules/transcode/codecs.js';
import { buildTranscodeArgs } from '../../src/modules/transcode/ffmpeg-args.js';
import { planLadder } from '../../src/modules/transcode/ladder.js';
import { probeMedia } from '../../src/modules/transcode/probe.js';
import { planPoster, planStoryboard } from '../../src/modules/transcode/thumbnails.js';
import type { LadderRung } from '../../src/modules/transcode/types.js';
import { validateSource } from '../../src/modules/transcode/validate.js';
import { dirBytes } from './dir-bytes.js';
import { contentTypes, sourceArgs } from './content-sources.js';
import { childCpuSec } from '../support/child-cpu.js';

const exec = promisify(execFile);
const { values } = parseArgs({
  options: {
    duration: { type: 'string', default: '6' },
    height: { type: 'string', default: '720' },
    content: { type: 'string', default: 'slides,talking,motion' },
    codecs: { type: 'string', default: 'hevc,av1' },
    'hevc-offset': { type: 'string', default: String(CODEC_CRF_OFFSET.hevc) },
    'av1-offset': { type: 'string', default: String(CODEC_CRF_OFFSET.av1) },
  },
});
const durationSec = Number(values.duration);
const H = Number(values.height);
const W = Math.round((H * 16) / 9 / 2) * 2;
const FPS = 30;
const work = join(tmpdir(), 'kinema-bench-codecs');
const offsets: Record<ExtraCodec, number> = { hevc: Number(values['hevc-offset']), av1: Number(values['av1-offset']) };

const CONTENT = contentTypes(W, H, FPS);

async function ffmpeg(args: string[]): Promise<string> {
  const { stderr } = await exec('ffmpeg', ['-hide_banner', '-nostdin', '-y', ...args], { maxBuffer: 64 * 1024 * 1024 });
  return stderr;
}

async function makeSource(name: string): Promise<string> {
  const path = join(work, `source-${name}-${H}p-${durationSec}s.mp4`);
  if (existsSync(path)) return path;
  await ffmpeg(sourceArgs(CONTENT[name]!.graph, durationSec, FPS, path));
  return path;
}

/** Apply this run's CRF offsets: the production args carry codecs.ts's, so shift the difference. */
function withOffsets(args: string[]): string[] {
  const out = [...args];
  for (let i = 0; i < out.length; i++) {
    const codec = out[i - 1] === '-c:v' ? ({ libx265: 'hevc', libsvtav1: 'av1' } as const)[out[i] as 'libx265' | 'libsvtav1'] : undefined;
    if (!codec) continue;
    const crfAt = out.indexOf('-crf', i);
    out[crfAt + 1] = String(Number(out[crfAt + 1]) - CODEC_CRF_OFFSET[codec] + offsets[codec]);
  }
  return out;
}

interface PassResult { cpuSec: number; wallSec: number; rungs: Array<{ rung: LadderRung; bytes: number; ssim: number }> }

async function runPass(name: string, src: string, codecs: VideoCodec[]): Promise<PassResult> {
  const source = validateSource(await probeMedia(src));
  const plan = planLadder(source, codecs);
  const outDir = join(work, `${name}-${codecs.join('+')}`);
  await rm(outDir, { recursive: true, force: true });
  for (const sub of [...plan.rungs.map((r) => r.label), 'thumbs']) await mkdir(join(outDir, sub), { recursive: true });
  const top = plan.rungs[0]!;
  const args = withOffsets(buildTranscodeArgs({
    inputPath: src, source, plan, outDir,
    poster: planPoster(source.durationSec, top), storyboard: planStoryboard(source.durationSec, top.width, top.height),
  }).filter((v, i, a) => v !== '-progress' && a[i - 1] !== '-progress'));
  const cpu0 = await childCpuSec();
  const t0 = performance.now();
  await exec('ffmpeg', args, { maxBuffer: 64 << 20 });
  const wallSec = (performance.now() - t0) / 1000;
  const cpuSec = (await childCpuSec()) - cpu0;
  const measured = plan.rungs.filter((r) => !r.isCellular);
  const ssims = await measureSsim(src, measured, measured.map((r) => join(outDir, r.label, 'index.m3u8')));
  const rungs = await Promise.all(measured.map(async (rung, i) => ({ rung, bytes: await dirBytes(join(outDir, rung.label)), ssim: ssims[i]! })));
  return { cpuSec, wallSec, rungs };
}

/** SSIM ("All") of each encode against the source scaled (bicubic) to its size, one decode of the source. */
async function measureSsim(src: string, rungs: LadderRung[], encoded: string[]): Promise<number[]> {
  const parts = [`[0:v]split=${rungs.length}${rungs.map((_r, i) => `[s${i}]`).join('')}`];
  rungs.forEach((r, i) => parts.push(`[s${i}]scale=${r.width}:${r.height}:flags=bicubic,format=yuv420p[r${i}]`, `[${i + 1}:v]format=yuv420p[e${i}]`, `[e${i}][r${i}]ssim[o${i}]`));
  const outs = rungs.flatMap((_r, i) => ['-map', `[o${i}]`, '-f', 'null', '-']);
  const stderr = await ffmpeg(['-v', 'info', '-i', src, ...encoded.flatMap((e) => ['-i', e]), '-filter_complex', parts.join(';'), ...outs]);
  const ssims = [...stderr.matchAll(/Parsed_ssim_(\d+) .*SSIM .*All:([\d.]+)/g)].sort((a, b) => Number(a[1]) - Number(b[1])).map((m) => Number(m[2]));
  if (ssims.length !== rungs.length) throw new Error(`SSIM measure failed:\n${stderr.slice(-800)}`);
  return ssims;
}

const kb = (bytes: number) => `${(bytes / 1e3).toFixed(0)} kB`;
const sumBytes = (rows: PassResult['rungs']) => rows.reduce((t, r) => t + r.bytes, 0);
const meanSsim = (rows: PassResult['rungs']) => rows.reduce((t, r) => t + r.ssim, 0) / rows.length;
const load = () => readFile('/proc/loadavg', 'utf8').then((s) => s.split(' ')[0]);

await mkdir(work, { recursive: true });
const extras = values.codecs!.split(',').filter(Boolean) as ExtraCodec[];
console.log(`machine: ${cpus().length} cores (${cpus()[0]?.model ?? '?'}), load ${await load()}; sources ${durationSec} s ${W}x${H}@${FPS}; ` +
  `CRF offsets over the H.264 rung: ${extras.map((c) => `${c} +${offsets[c]}`).join(', ')}\n`);
console.log('| content | codec | rungs: bytes / SSIM | total bytes | vs H.264 | mean SSIM | pass CPU | extra CPU / H.264 pass |');
console.log('|---|---|---|---:|---:|---:|---:|---:|');
for (const name of values.content!.split(',')) {
  if (!CONTENT[name]) throw new Error(`unknown content ${name}; known: ${Object.keys(CONTENT).join(', ')}`);
  const src = await makeSource(name);
  const base = await runPass(name, src, ['h264']);
  const h264 = base.rungs;
  const row = (codec: string, rows: PassResult['rungs'], pass: PassResult, extraCpu?: number) =>
    console.log(`| ${CONTENT[name]!.label} | ${codec} | ${rows.map((r) => `${r.rung.label.replace(/-.*/, '')} ${kb(r.bytes)} / ${r.ssim.toFixed(4)}`).join(', ')} | ` +
      `${kb(sumBytes(rows))} | ${(sumBytes(rows) / sumBytes(h264)).toFixed(2)}x | ${meanSsim(rows).toFixed(4)} | ${pass.cpuSec.toFixed(1)} s | ` +
      `${extraCpu === undefined ? '–' : `${extraCpu.toFixed(2)}x`} |`);
  row('H.264 (x264)', h264, base);
  for (const codec of extras) {
    const pass = await runPass(name, src, ['h264', codec]);
    const rows = pass.rungs.filter((r) => r.rung.codec === codec);
    row(codec === 'hevc' ? 'HEVC (x265)' : 'AV1 (SVT-AV1)', rows, pass, (pass.cpuSec - base.cpuSec) / base.cpuSec);
  }
}
console.log(`\nload at the end ${await load()}`);
