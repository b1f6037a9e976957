/**
 * Autoscaling benchmark: a day of uploads (diurnal, with a viral spike) replayed against the
 * worker policy of deploy/kubernetes (KEDA on the transcode queue) and against a fixed fleet
 * sized for the peak, with this machine's measured encode speed.
 *
 *   npx tsx bench/autoscale/run.ts [--uploads-per-day 5000] [--spike-factor 6] [--encode-speed S]
 *                                  [--on-demand 0.085] [--spot 0.034] [--pod-start 60]
 *
 * Encode speed: a real 1080p ladder encode of a 10 s generated clip on this machine, as CPU
 * seconds over two cores (one worker pod's request) per media second; `--encode-speed` skips it
 * (the README's transcode figure, 1.33× real time on 2 cores, is `--encode-speed 0.75`). Every
 * upload is taken to cost as much as that 1080p ladder (a 720p source costs about half).
 * Prices per worker-hour are for a 2-vCPU instance (AWS c6i.large in us-east-1: $0.085 on demand;
 * spot prices move, $0.034 is a typical ~60 % discount): pass your own.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs, promisify } from 'node:util';
import { transcodeFile } from '../../src/modules/transcode/index.js';
import { uploadTrace } from './trace.js';
import { peakFleetSize, percentile, simulateFleet, type FleetPolicy, type FleetResult, type Job } from './simulate.js';

const exec = promisify(execFile);
/** targetQueryValue of the waiting-transcodes trigger in deploy/kubernetes/worker-scaledobject.yaml. */
const DEPLOYED_WAITING_PER_WORKER = 1;
const { values } = parseArgs({
  options: {
    'uploads-per-day': { type: 'string', default: '5000' },
    'spike-factor': { type: 'string', default: '6' },
    'encode-speed': { type: 'string' },
    'on-demand': { type: 'string', default: '0.085' },
    spot: { type: 'string', default: '0.034' },
    'pod-start': { type: 'string', default: '60' },
    seed: { type: 'string', default: '14' },
  },
});

/** CPU seconds of this process's waited-for children (ffmpeg), from /proc (Linux). */
async function childCpuSec(): Promise<number> {
  const stat = await readFile('/proc/self/stat', 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // Fields 16 and 17 of stat(5) (cutime, cstime), counted from after the command name.
  return (Number(fields[13]) + Number(fields[14])) / 100;
}

async function measureEncodeSpeed(): Promise<{ secPerMediaSec: number; wallPerMediaSec: number }> {
  const dir = await mkdtemp(join(tmpdir(), 'kinema-bench-autoscale-'));
  try {
    const src = join(dir, 'source.mp4');
    const mediaSec = 10;
    await exec('ffmpeg', ['-v', 'error', '-nostdin', '-f', 'lavfi', '-i', `testsrc2=size=1920x1080:rate=30:duration=${mediaSec}`,
      '-f', 'lavfi', '-i', `sine=frequency=300:sample_rate=48000:duration=${mediaSec}`, '-c:v', 'libx264', '-preset', 'ultrafast', '-crf', '16', '-pix_fmt', 'yuv420p', '-c:a', 'aac', src]);
    const cpu0 = await childCpuSec();
    const t0 = performance.now();
    await transcodeFile(src, join(dir, 'out'));
    const wall = (performance.now() - t0) / 1000;
    const cpu = (await childCpuSec()) - cpu0;
    return { secPerMediaSec: cpu / 2 / mediaSec, wallPerMediaSec: wall / mediaSec };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const fmt = (n: number, d = 0) => n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });
const minutes = (s: number) => (s < 60 ? `${fmt(s)} s` : `${fmt(s / 60, 1)} min`);

async function main() {
  let speed: number;
  if (values['encode-speed']) {
    speed = Number(values['encode-speed']);
    console.log(`encode speed (given): ${speed} s per media second on one worker`);
  } else {
    const m = await measureEncodeSpeed();
    speed = m.secPerMediaSec;
    console.log(`encode speed (measured, 1080p ladder of a 10 s clip): ${fmt(speed, 3)} CPU-s/2 cores per media second (${fmt(1 / speed, 2)}× real time); wall ${fmt(m.wallPerMediaSec, 3)} s per media second on this shared machine`);
  }
  const uploadsPerDay = Number(values['uploads-per-day']);
  const spike = { startSec: 14 * 3600, durationSec: 45 * 60, factor: Number(values['spike-factor']) };
  const uploads = uploadTrace({ uploadsPerDay, spike, seed: Number(values.seed) });
  // Downloading the original and uploading the ladder: ~10 s on a datacenter network.
  const jobs: Job[] = uploads.map((u) => ({ ...u, workSec: Math.ceil(u.mediaSec * speed + 10) }));
  const mediaHours = uploads.reduce((s, u) => s + u.mediaSec, 0) / 3600;
  const encodeHours = jobs.reduce((s, j) => s + j.workSec, 0) / 3600;
  console.log(`trace: ${fmt(uploads.length)} uploads, ${fmt(mediaHours)} media hours, ${fmt(encodeHours)} worker-hours of encoding; spike ×${spike.factor} 14:00–14:45`);

  const podStartSec = Number(values['pod-start']);
  const peak = peakFleetSize(jobs);
  const common = { podStartSec, shutdownGraceSec: 20 };
  const runs: [string, FleetPolicy][] = [
    [`fixed fleet sized for the peak 15 min (${peak} workers)`, { kind: 'fixed', fixed: peak, ...common }],
    ...[10, 4, 1].map((per): [string, FleetPolicy] => [
      `KEDA: waiting/${per}, running/1, min 1${per === DEPLOYED_WAITING_PER_WORKER ? ' (deploy/kubernetes)' : ''}`,
      { kind: 'autoscaled', minReplicas: 1, maxReplicas: 400, waitingPerWorker: per, ...common },
    ]),
  ];
  const [onDemand, spot] = [Number(values['on-demand']), Number(values.spot)];
  const rows: [string, FleetResult][] = runs.map(([name, policy]) => [name, simulateFleet(jobs, policy, 86_400)]);
  console.log('\n| fleet | wait p50 | wait p95 | wait p99 | max wait | peak workers | worker-hours | on-demand $/day | spot $/day | interrupted by scale-down |');
  console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const [name, r] of rows) {
    const hours = r.workerSec / 3600;
    console.log(`| ${name} | ${minutes(percentile(r.waitsSec, 50))} | ${minutes(percentile(r.waitsSec, 95))} | ${minutes(percentile(r.waitsSec, 99))} | ${minutes(Math.max(...r.waitsSec))} | ${r.peakWorkers} | ${fmt(hours, 1)} | ${fmt(hours * onDemand, 2)} | ${fmt(hours * spot, 2)} | ${r.interrupted} (${fmt(r.lostSec / 3600, 1)} h lost) |`);
  }
  const fixed = rows[0]![1];
  const auto = rows.find(([name]) => name.includes('deploy/kubernetes'))![1];
  console.log(`\ndeployed policy: autoscaled / fixed worker-hours: ${fmt(auto.workerSec / fixed.workerSec, 2)}×; autoscaled on spot vs fixed on demand: ${fmt((auto.workerSec * spot) / (fixed.workerSec * onDemand), 2)}× the cost`);
  console.log(`utilisation: fixed ${fmt((100 * encodeHours * 3600) / fixed.workerSec)} %, autoscaled ${fmt((100 * encodeHours * 3600) / auto.workerSec)} %`);
}

await main();
