/**
 * Storage benchmark: a simulated catalogue with a long tail of plays, its bytes per storage tier
 * and monthly cost before and after the lifecycle policy, at $0.023 (S3 Standard) and $0.004
 * (Glacier Instant Retrieval) per GB-month.
 *
 *   npx tsx bench/storage/run.ts [--videos 1000000] [--cold-after-days 30] [--prune-after-days 90] [--seed 14]
 *
 * The catalogue: uploads over 3 years, growing 50 % a year; source lengths log-normal (median
 * 4 min); sources 40 % 1080p, 35 % 720p, 15 % 2160p, 10 % 480p, uploaded at ~2.5× the top rung's
 * peak rate (phone and camera files). Ladder bytes come from the ladder planner's peak rates
 * scaled by what bench/transcode measured (a 4-rung 1080p ladder averaged 11.6 Mbit/s, README).
 * Plays: each video's expected plays per day follow a Pareto tail (α 1.1: a few videos take most
 * plays) decaying with age (half-life 60 days); a rung above 720p "unplayed for 90 days" is one
 * whose video drew no play in the last 90 days (Poisson), or whose plays never reached that rung
 * (30 % of plays do, on the QoE figures' share of time at 1080p and above: an assumption).
 * Restores: a pruned video comes back (one re-encode of its original) when a viewer asks for a
 * removed quality; the chance in the next 30 days is that of at least one play reaching that rung
 * at its current (still decaying) rate.
 */
import { parseArgs } from 'node:util';
import { planLadder } from '../../src/modules/transcode/index.js';
import { seededRandom } from '../support/seeded-random.js';

const { values } = parseArgs({
  options: {
    videos: { type: 'string', default: '1000000' },
    'cold-after-days': { type: 'string', default: '30' },
    'prune-after-days': { type: 'string', default: '90' },
    seed: { type: 'string', default: '14' },
  },
});
const HOT_PER_GB_MONTH = 0.023;
const COLD_PER_GB_MONTH = 0.004;
const GB = 1e9;
/** bench/transcode: 28.9 MB for 20 s of a 4-rung 1080p ladder (11.56 Mbit/s) against its peak rates. */
const MEASURED_LADDER_MBPS = (28.9e6 * 8) / 20 / 1e6;
const peakMbps = (short: number) => {
  const plan = planLadder({ width: Math.round((short * 16) / 9), height: short, frameRate: { num: 30, den: 1, fps: 30 } });
  return { plan, videoMbps: plan.rungs.reduce((s, r) => s + r.maxrateKbps, 0) / 1000 };
};
const AVERAGE_OVER_PEAK = (MEASURED_LADDER_MBPS - 0.128) / peakMbps(1080).videoMbps;

interface Bytes { hot: number; cold: number }
const add = (a: Bytes, b: Bytes) => ({ hot: a.hot + b.hot, cold: a.cold + b.cold });
const cost = (b: Bytes) => (b.hot / GB) * HOT_PER_GB_MONTH + (b.cold / GB) * COLD_PER_GB_MONTH;

function main() {
  const rand = seededRandom(Number(values.seed));
  const n = Number(values.videos);
  const coldAfterDays = Number(values['cold-after-days']);
  const pruneAfterDays = Number(values['prune-after-days']);
  let restoresPerMonth = 0;
  let restoredMediaSec = 0;
  const sources = [[2160, 0.15], [1080, 0.4], [720, 0.35], [480, 0.1]] as const;
  const ladders = new Map(sources.map(([short]) => [short, peakMbps(short)]));
  let before: Bytes = { hot: 0, cold: 0 };
  let coldOriginals: Bytes = { hot: 0, cold: 0 };
  let full: Bytes = { hot: 0, cold: 0 };
  let originalsBytes = 0;
  let ladderBytes = 0;
  let droppedBytes = 0;
  let videosWithDrops = 0;
  for (let i = 0; i < n; i++) {
    // Age: uploads grow 50 % a year over 3 years (density ∝ 1.5^(-age/365)), by inversion.
    const k = Math.log(1.5) / 365;
    const ageDays = -Math.log(1 - rand() * (1 - Math.exp(-k * 1095))) / k;
    const normal = Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
    const durationSec = Math.min(7200, Math.max(10, 240 * Math.exp(normal)));
    let u = rand();
    const short = sources.find(([, share]) => (u -= share) < 0)?.[0] ?? 1080;
    const { plan } = ladders.get(short)!;
    const rungBytes = plan.rungs.map((r) => ({ short: Math.min(r.width, r.height), bytes: ((r.maxrateKbps * AVERAGE_OVER_PEAK * 1000) / 8) * durationSec }));
    const audioBytes = ((128_000 / 8) * durationSec);
    const original = ((plan.rungs[0]!.maxrateKbps * 2.5 * 1000) / 8) * durationSec;
    const ladder = rungBytes.reduce((s, r) => s + r.bytes, 0) + audioBytes;
    originalsBytes += original;
    ladderBytes += ladder;
    before = add(before, { hot: original + ladder, cold: 0 });
    const isColdOriginal = ageDays > coldAfterDays;
    const afterOriginal = isColdOriginal ? { hot: ladder, cold: original } : { hot: original + ladder, cold: 0 };
    coldOriginals = add(coldOriginals, afterOriginal);
    // Plays per day: Pareto(α 1.1, scale 0.05) halving every 60 days of age.
    const playsPerDay = (0.05 / Math.pow(1 - rand(), 1 / 1.1)) * Math.pow(0.5, ageDays / 60);
    const topRungPlaysInWindow = 0.3 * playsPerDay * Math.min(pruneAfterDays, ageDays);
    const unplayedTop = ageDays >= pruneAfterDays && rand() < Math.exp(-topRungPlaysInWindow);
    const drop = unplayedTop ? rungBytes.filter((r) => r.short > 720).reduce((s, r) => s + r.bytes, 0) : 0;
    if (drop > 0) {
      videosWithDrops++;
      const askedNextMonth = 1 - Math.exp(-0.3 * playsPerDay * 30);
      restoresPerMonth += askedNextMonth;
      restoredMediaSec += askedNextMonth * durationSec;
    }
    droppedBytes += drop;
    full = add(full, { hot: afterOriginal.hot - drop, cold: afterOriginal.cold });
  }
  const tb = (b: number) => `${(b / 1e12).toFixed(1)} TB`;
  const money = (m: number) => `$${Math.round(m).toLocaleString('en-US')}`;
  console.log(`catalogue: ${n.toLocaleString('en-US')} videos, originals ${tb(originalsBytes)}, ladders ${tb(ladderBytes)} (ladder rate ${MEASURED_LADDER_MBPS.toFixed(2)} Mbit/s for a 1080p source, from bench/transcode)`);
  console.log(`top rungs above 720p unplayed for ${pruneAfterDays} days: ${videosWithDrops.toLocaleString('en-US')} videos (${((100 * videosWithDrops) / n).toFixed(0)} %), ${tb(droppedBytes)}`);
  console.log(`restores (a viewer asks for a removed quality within 30 days): ${Math.round(restoresPerMonth).toLocaleString('en-US')} re-encodes a month, ${Math.round(restoredMediaSec / 3600).toLocaleString('en-US')} hours of video\n`);
  console.log('| policy | hot (Standard) | cold (Glacier IR) | $ / month | vs before |');
  console.log('|---|---:|---:|---:|---:|');
  const row = (name: string, b: Bytes) => console.log(`| ${name} | ${tb(b.hot)} | ${tb(b.cold)} | ${money(cost(b))} | ${(cost(b) / cost(before)).toFixed(2)}× |`);
  row('before: everything in Standard', before);
  row(`originals cold after ${coldAfterDays} days (COLD_AFTER_DAYS=${coldAfterDays})`, coldOriginals);
  row(`+ renditions above 720p unplayed for ${pruneAfterDays} days removed (PRUNE_AFTER_DAYS=${pruneAfterDays})`, full);
}

main();
