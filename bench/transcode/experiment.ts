/**
 * Encoder-tuning experiments: run the one-process ladder command with variations and report
 * CPU time (user+sys of ffmpeg, from /usr/bin/time: the machine is shared, so wall time is noisy),
 * wall time, load average, total bytes and 720p SSIM.
 *
 *   npx tsx bench/transcode/experiment.ts <variant> [<variant> …] [--repeat 2] [--no-ssim]
 *
 * Needs the cached source of bench/transcode/run.ts (run that once first). Variants are listed in
 * VARIANTS below; each is the production command (buildTranscodeArgs) with one change applied.
 */
import { execFile } from 'node:child_process';
import { mkdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs, promisify } from 'node:util';
import { buildTranscodeArgs, DEFAULT_TUNING, type EncoderTuning } from '../../src/modules/transcode/ffmpeg-args.js';
import { planLadder } from '../../src/modules/transcode/ladder.js';
import { probeMedia } from '../../src/modules/transcode/probe.js';
import { planPoster, planStoryboard } from '../../src/modules/transcode/thumbnails.js';
import type { LadderPlan } from '../../src/modules/transcode/types.js';
import { validateSource } from '../../src/modules/transcode/validate.js';
import { dirBytes } from './dir-bytes.js';

const exec = promisify(execFile);
const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    duration: { type: 'string', default: '20' },
    repeat: { type: 'string', default: '1' },
    'no-ssim': { type: 'boolean', default: false },
    ssim1080: { type: 'boolean', default: false },
  },
});
const work = join(tmpdir(), 'kinema-bench-transcode');
const sourcePath = join(work, `source-1080p30-mandelbrot-${values.duration}s.mp4`);
const source = validateSource(await probeMedia(sourcePath));

interface Variant {
  plan?: (plan: LadderPlan) => LadderPlan;
  tuning?: Partial<EncoderTuning>;
  /** Raw edit of the final argument list, for ideas not (yet) expressible through the tuning. */
  edit?: (args: string[]) => string[];
}

/** Replace the value after the k-th occurrence of `flag` (k = rung index) using `value(k, old)`. */
const perOutput = (flag: string, value: (k: number, old: string) => string) => (args: string[]) => {
  let k = 0;
  return args.map((v, i) => (i > 0 && args[i - 1] === flag ? value(k++, v) : v));
};
/** Insert `extra` after every `-c:v libx264`, given the rung index. */
const afterEncoder = (extra: (k: number) => string[]) => (args: string[]) => {
  let k = 0;
  return args.flatMap((v, i) => (v === 'libx264' && args[i - 1] === '-c:v' ? [v, ...extra(k++)] : [v]));
};
const graph = (edit: (g: string) => string) => perOutput('-filter_complex', (_k, g) => edit(g));
const before = (flag: string, extra: string[]) => (args: string[]) => {
  const i = args.indexOf(flag);
  return [...args.slice(0, i), ...extra, ...args.slice(i)];
};
const compose = (...edits: Array<(a: string[]) => string[]>) => (args: string[]) => edits.reduce((a, e) => e(a), args);
const fourRungs = (plan: LadderPlan): LadderPlan => ({ ...plan, rungs: plan.rungs.filter((r) => r.label !== '240p') });
/** Drop the poster and storyboard branches (to measure what they cost). */
const noThumbs = compose(
  graph((g) => g.replace(/\[sp\]\[ss\]/, '').replace(/split=(\d+)/, (_m, n) => `split=${Number(n) - 2}`).replace(/;\[sp\].*$/, '')),
  (args) => {
    const i = args.indexOf('[poster]') - 1;
    return [...args.slice(0, i), ...args.slice(args.indexOf('-progress'))];
  },
);

const VARIANTS: Record<string, Variant> = {
  base: {},
  '4rung': { plan: fourRungs },
  '4rung-nothumbs': { plan: fourRungs, edit: noThumbs },
  nothumbs: { edit: noThumbs },
  'in-threads1': { edit: before('-i', ['-threads', '1']) },
  'in-threads2': { edit: before('-i', ['-threads', '2']) },
  bilinear: { edit: graph((g) => g.replaceAll('flags=bicubic', 'flags=bilinear')) },
  fastbilinear: { edit: graph((g) => g.replaceAll('flags=bicubic', 'flags=fast_bilinear')) },
  'enc-threads1': { edit: afterEncoder(() => ['-threads', '1']) },
  'enc-threads2': { edit: afterEncoder(() => ['-threads', '2']) },
  'enc-threads-top2': { edit: afterEncoder((k) => ['-threads', k === 0 ? '2' : '1']) },
  superfast: { tuning: { preset: 'superfast' } },
  faster: { tuning: { preset: 'faster' } },
  'superfast-small': { edit: perOutput('-preset', (k, old) => (k >= 2 ? 'superfast' : old)) },
  'la0-mbtree0': { tuning: { x264Params: 'rc-lookahead=10:mbtree=0' } },
  ref1: { tuning: { x264Params: 'rc-lookahead=10:ref=1' } },
  subme1: { tuning: { x264Params: 'rc-lookahead=10:subme=1' } },
  me_dia: { tuning: { x264Params: 'rc-lookahead=10:me=dia' } },
  badapt0: { tuning: { x264Params: 'rc-lookahead=10:b-adapt=0' } },
  'subme1-dia': { tuning: { x264Params: 'rc-lookahead=10:subme=1:me=dia' } },
  'subme1-top2': { tuning: { x264Params: 'rc-lookahead=10:subme=1' }, edit: afterEncoder((k) => ['-threads', k === 0 ? '2' : '1']) },
  'subme1-part': { tuning: { x264Params: 'rc-lookahead=10:subme=1:partitions=i8x8,i4x4' } },
  'subme1-nombtree': { tuning: { x264Params: 'rc-lookahead=10:subme=1:mbtree=0' } },
  'superfast-crf20': { tuning: { preset: 'superfast', crf: 20 } },
  x1: { tuning: { x264Params: 'rc-lookahead=10:subme=1:me=dia:partitions=i8x8,i4x4' } },
  'x1-in1': { tuning: { x264Params: 'rc-lookahead=10:subme=1:me=dia:partitions=i8x8,i4x4' }, edit: before('-i', ['-threads', '1']) },
  'x1-la5': { tuning: { x264Params: 'rc-lookahead=5:subme=1:me=dia:partitions=i8x8,i4x4' } },
  'subme1-dia-top-part': {
    tuning: { x264Params: 'rc-lookahead=10:subme=1:me=dia' },
    edit: perOutput('-x264-params', (k, old) => (k === 0 ? `${old}:partitions=i8x8,i4x4` : old)),
  },
  sliced: { tuning: { x264Params: 'rc-lookahead=10:sliced-threads=1' } },
};

async function run(name: string, variant: Variant) {
  const plan = (variant.plan ?? ((p) => p))(planLadder(source));
  const top = plan.rungs[0]!;
  const outDir = join(work, 'experiment', name);
  await rm(outDir, { recursive: true, force: true });
  for (const sub of [...plan.rungs.map((r) => r.label), 'audio', 'thumbs']) await mkdir(join(outDir, sub), { recursive: true });
  const tuning = { ...DEFAULT_TUNING, ...variant.tuning };
  let args = buildTranscodeArgs({
    inputPath: sourcePath, source, plan, outDir, tuning,
    poster: planPoster(source.durationSec, top),
    storyboard: planStoryboard(source.durationSec, top.width, top.height),
  }).filter((v, i, a) => v !== '-progress' && a[i - 1] !== '-progress');
  args = (variant.edit ?? ((a) => a))(args);
  const timeFile = join(outDir, 'time.txt');
  const load = (await readFile('/proc/loadavg', 'utf8')).split(' ')[0];
  await exec('/usr/bin/time', ['-f', '%U %S %e', '-o', timeFile, 'ffmpeg', ...args], { maxBuffer: 64 << 20 });
  const [user, sys, wall] = (await readFile(timeFile, 'utf8')).trim().split('\n').at(-1)!.split(' ').map(Number);
  await rm(timeFile);
  const bytes = await dirBytes(outDir, ['thumbs']);
  const has720 = plan.rungs.some((r) => r.label === '720p');
  const ssim = values['no-ssim'] || !has720 ? NaN : await ssim720(join(outDir, '720p', 'index.m3u8'));
  const ssim1080 = values.ssim1080 ? ` ssim1080 ${(await ssimAt(join(outDir, '1080p', 'index.m3u8'), 1920, 1080)).toFixed(4)}` : '';
  const perRung = await Promise.all(plan.rungs.map(async (r) => `${r.label} ${(await dirBytes(join(outDir, r.label)) / 1e6).toFixed(2)}`));
  console.log(`${name.padEnd(20)} cpu ${(user! + sys!).toFixed(1).padStart(5)} s  wall ${wall!.toFixed(1).padStart(5)} s  load ${load}  ` +
    `bytes ${(bytes / 1e6).toFixed(2)} MB  ssim720 ${ssim.toFixed(4)}${ssim1080}  [${perRung.join(', ')}]`);
}

const ssim720 = (encoded: string) => ssimAt(encoded, 1280, 720);

/** SSIM ("All") of an encode against the source scaled (bicubic) to its size, like run.ts. */
async function ssimAt(encoded: string, width: number, height: number): Promise<number> {
  const { stderr } = await exec('ffmpeg', ['-hide_banner', '-nostdin', '-v', 'info', '-i', encoded, '-i', sourcePath,
    '-filter_complex', `[1:v]scale=${width}:${height}:flags=bicubic[ref];[0:v][ref]ssim`, '-f', 'null', '-'], { maxBuffer: 64 << 20 });
  return Number(/SSIM .*All:([\d.]+)/.exec(stderr)?.[1]);
}


for (let r = 0; r < Number(values.repeat); r++) {
  for (const name of positionals) {
    const variant = VARIANTS[name];
    if (!variant) throw new Error(`unknown variant ${name}; known: ${Object.keys(VARIANTS).join(' ')}`);
    await run(name, variant);
  }
}
