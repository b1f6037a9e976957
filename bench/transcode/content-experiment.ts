/**
 * Rate-control experiments on the content set of content.ts (run it once first: it leaves the
 * sources and PeerTube's figures in $TMPDIR/kinema-bench-content). Each variant is the production
 * command (buildTranscodeArgs) with the given tuning and a raw edit of the argument list; prints
 * CPU time, bytes per rung and SSIM per rung against PeerTube's cached figures.
 *
 *   npx tsx bench/transcode/content-experiment.ts --content slides --crf 26 --gop-sec 4 --x264 …
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
import { validateSource } from '../../src/modules/transcode/validate.js';
import { dirBytes } from './dir-bytes.js';

const exec = promisify(execFile);
const { values } = parseArgs({
  options: {
    content: { type: 'string', default: 'slides' },
    preset: { type: 'string', default: DEFAULT_TUNING.preset },
    crf: { type: 'string', default: String(DEFAULT_TUNING.crf) },
    x264: { type: 'string', default: DEFAULT_TUNING.x264Params },
    'small-steps': { type: 'string', default: (DEFAULT_TUNING.smallRungCrfSteps ?? [0, 0]).join(',') },
    'gop-sec': { type: 'string' },
    'maxrate-scale': { type: 'string' },
    name: { type: 'string', default: 'x' },
    extra: { type: 'string' },
    crfs: { type: 'string' },
    x264s: { type: 'string' },
  },
});
const work = join(tmpdir(), 'kinema-bench-content');
const [at480 = 0, below480 = 0] = values['small-steps']!.split(',').map(Number);
const tuning: EncoderTuning = {
  preset: values.preset!, crf: Number(values.crf), x264Params: values.x264!, smallRungCrfSteps: [at480, below480],
};
for (const name of values.content!.split(',')) {
  const src = join(work, `source-${name}-720p-6s.mp4`);
  const source = validateSource(await probeMedia(src));
  let plan = planLadder(source);
  if (values['gop-sec']) plan = { ...plan, gopFrames: Math.round(Number(values['gop-sec']) * 30) };
  if (values['maxrate-scale']) {
    const s = Number(values['maxrate-scale']);
    plan = { ...plan, rungs: plan.rungs.map((r) => (r.isCellular ? r : { ...r, maxrateKbps: Math.round(r.maxrateKbps * s), bufsizeKbps: Math.round(r.bufsizeKbps * s) })) };
  }
  const top = plan.rungs[0]!;
  const outDir = join(work, 'exp', `${name}-${values.name}`);
  await rm(outDir, { recursive: true, force: true });
  for (const sub of [...plan.rungs.map((r) => r.label), 'thumbs']) await mkdir(join(outDir, sub), { recursive: true });
  const args: string[] = buildTranscodeArgs({ inputPath: src, source, plan, outDir, tuning, poster: planPoster(source.durationSec, top), storyboard: planStoryboard(source.durationSec, top.width, top.height) })
    .filter((v, i, a) => v !== '-progress' && a[i - 1] !== '-progress')
    .flatMap((v, i, a) => (values.extra && v === 'libx264' && a[i - 1] === '-c:v' ? [v, ...values.extra.split(' ')] : [v]));
  const perOutput = (flag: string, list: string[]) => {
    let k = 0;
    for (let i = 1; i < args.length; i++) if (args[i - 1] === flag) { const v = list[k++]; if (v) args[i] = v.startsWith('+') ? `${args[i]}:${v.slice(1)}` : v; }
  };
  if (values.crfs) perOutput('-crf', values.crfs.split(','));
  if (values.x264s) perOutput('-x264-params', values.x264s.split(','));
  if (process.env.DUMP_ARGS) console.log(JSON.stringify(args));
  const timeFile = join(outDir, 'time.txt');
  await exec('/usr/bin/time', ['-f', '%U %S %e', '-o', timeFile, 'ffmpeg', ...args], { maxBuffer: 64 << 20 });
  const [user, sys] = (await readFile(timeFile, 'utf8')).trim().split('\n').at(-1)!.split(' ').map(Number);
  await rm(timeFile);
  const pt = JSON.parse(await readFile(join(work, `peertube-${name}-720p-6s.json`), 'utf8')) as { cpuSec: number; rungs: Array<{ label: string; bytes: number; ssim: number }> };
  const cells: string[] = [];
  let total = 0;
  let ptTotal = 0;
  for (const [i, r] of plan.rungs.entries()) {
    const bytes = await dirBytes(join(outDir, r.label));
    const { stderr } = await exec('ffmpeg', ['-hide_banner', '-nostdin', '-v', 'info', '-i', join(outDir, r.label, 'index.m3u8'), '-i', src,
      '-filter_complex', `[1:v]scale=${r.width}:${r.height}:flags=bicubic,format=yuv420p[ref];[0:v]format=yuv420p[e];[e][ref]ssim`, '-f', 'null', '-'], { maxBuffer: 64 << 20 });
    const ssim = Number(/SSIM .*All:([\d.]+)/.exec(stderr)?.[1]);
    const p = pt.rungs[i]!;
    total += bytes;
    ptTotal += p.bytes;
    cells.push(`${r.label} ${(bytes / p.bytes).toFixed(2)}x ${(ssim - p.ssim >= 0 ? '+' : '')}${(ssim - p.ssim).toFixed(4)}`);
  }
  console.log(`${name.padEnd(8)} ${values.name!.padEnd(14)} cpu ${(user! + sys!).toFixed(1)} s (PT ${pt.cpuSec.toFixed(1)}, ${(pt.cpuSec / (user! + sys!)).toFixed(2)}x)  bytes ${(total / ptTotal).toFixed(3)}x  | ${cells.join(' | ')}`);
}
