/**
 * Summarises a V8 CPU profile (`node --cpu-prof`): the functions with the most self time, and
 * the share of samples under each package (node_modules/<name>) or our own src/ folders.
 *
 *   npx tsx bench/http/profile-summary.ts FILE.cpuprofile [--top 30]
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

interface Node { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: number[] }
interface Profile { nodes: Node[]; samples: number[]; timeDeltas: number[] }

const { values, positionals } = parseArgs({ allowPositionals: true, options: { top: { type: 'string', default: '30' } } });
const profile = JSON.parse(readFileSync(positionals[0]!, 'utf8')) as Profile;
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map<number, number>();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

const selfTime = new Map<number, number>();
profile.samples.forEach((id, i) => selfTime.set(id, (selfTime.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
const total = [...selfTime.values()].reduce((a, b) => a + b, 0);

const where = (url: string) => {
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (m) return m[1]!;
  const s = /\/(src\/(?:modules|platform)\/[^/]+)/.exec(url);
  if (s) return s[1]!;
  if (url.startsWith('node:')) return url;
  return url ? 'other' : '(native/gc/idle)';
};

const fns = new Map<string, number>();
const areas = new Map<string, number>();
for (const [id, t] of selfTime) {
  const n = byId.get(id)!;
  const f = n.callFrame;
  const key = `${f.functionName || '(anonymous)'} ${f.url.replace(/^.*node_modules\//, '').replace(/^.*\/src\//, 'src/')}:${f.lineNumber + 1}`;
  fns.set(key, (fns.get(key) ?? 0) + t);
  areas.set(where(f.url), (areas.get(where(f.url)) ?? 0) + t);
}
const pct = (t: number) => `${((100 * t) / total).toFixed(1)} %`.padStart(7);
console.log(`total ${(total / 1e6).toFixed(1)} s sampled\n\nself time by area:`);
for (const [k, t] of [...areas].sort((a, b) => b[1] - a[1]).slice(0, 20)) console.log(`${pct(t)}  ${k}`);
console.log('\nself time by function:');
for (const [k, t] of [...fns].sort((a, b) => b[1] - a[1]).slice(0, Number(values.top))) console.log(`${pct(t)}  ${k}`);
