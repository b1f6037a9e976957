/**
 * What bench/http and bench/origin share: child servers that announce themselves with one JSON
 * line, an autocannon run with the server's peak RSS sampled beside it, and table formatting.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import autocannon from 'autocannon';

export interface Child<T> {
  info: T;
  process: ChildProcess;
  stop(): Promise<void>;
}

/** Spawns `node script args` (TypeScript through tsx) and waits for the first JSON line it prints on stdout. */
export async function spawnJsonChild<T>(script: string, args: string[] = [], env: Record<string, string> = {}, timeoutMs = 600_000): Promise<Child<T>> {
  const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, LOG_LEVEL: 'silent', ...env } });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const lines = createInterface({ input: child.stdout! });
  const info = await new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${script} printed nothing in ${timeoutMs} ms`)), timeoutMs);
    child.once('exit', (code) => reject(new Error(`${script} exited with ${code} before it was ready`)));
    lines.on('line', (line) => {
      if (!line.startsWith('{')) return;
      clearTimeout(timer);
      resolve(JSON.parse(line) as T);
    });
  });
  return {
    info,
    process: child,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

/** Resident memory of a process in MB (Linux), or NaN when it is gone. */
export function rssMb(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : NaN;
  } catch {
    return NaN; // the process ended: nothing to sample
  }
}

export interface LoadResult {
  rps: number;
  /** The server's CPU time (user + system) per answered request, when its pids were given. */
  cpuUsPerReq: number;
  p50Ms: number;
  p99Ms: number;
  /** Megabytes per second of response bodies and headers. */
  mbPerSec: number;
  peakRssMb: number;
  non2xx: number;
  errors: number;
}

export interface LoadOptions {
  url: string;
  connections: number;
  durationSec: number;
  headers?: Record<string, string>;
  /** The server process whose RSS is sampled during the run. */
  pid?: number;
  /** Processes whose CPU time is charged to the run (default: `pid`). */
  cpuPids?: () => number[];
  pipelining?: number;
}

/** One autocannon run; 304s and 206s count as successes (2xx/3xx). */
export async function load(opts: LoadOptions): Promise<LoadResult> {
  let peak = 0;
  const sampler = opts.pid ? setInterval(() => (peak = Math.max(peak, rssMb(opts.pid!) || 0)), 250) : undefined;
  const pids = opts.cpuPids?.() ?? (opts.pid ? [opts.pid] : []);
  const cpuBefore = cpuUs(pids);
  try {
    const r = await autocannon({ url: opts.url, connections: opts.connections, duration: opts.durationSec, headers: opts.headers, pipelining: opts.pipelining ?? 1 });
    const answered = r.requests.total || 1;
    return {
      rps: r.requests.average,
      cpuUsPerReq: (cpuUs(pids) - cpuBefore) / answered,
      p50Ms: r.latency.p50,
      p99Ms: r.latency.p99,
      mbPerSec: r.throughput.average / 1024 / 1024,
      peakRssMb: peak,
      non2xx: r.non2xx - (r['3xx'] ?? 0),
      errors: r.errors + r.timeouts,
    };
  } finally {
    if (sampler) clearInterval(sampler);
  }
}

const TICK_US = 1e6 / 100; // USER_HZ on Linux

/**
 * CPU time (user + system) the processes have used, in µs (Linux /proc). On a shared machine a
 * server's CPU per request is steadier than its req/s, and it is what the server itself costs
 * when the load generator, not the server, is what saturates.
 */
export function cpuUs(pids: number[]): number {
  return pids.reduce((sum, pid) => {
    try {
      const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /, '').split(' ');
      return sum + (Number(fields[11]) + Number(fields[12])) * TICK_US;
    } catch {
      return sum; // the process ended: nothing more to add
    }
  }, 0);
}

/** Slices of one measurement as one: mean throughput, median p50, worst p99, peak RSS, summed failures. */
export function combine(slices: LoadResult[]): LoadResult {
  const sorted = (f: (r: LoadResult) => number) => slices.map(f).sort((a, b) => a - b);
  const mean = (f: (r: LoadResult) => number) => slices.reduce((a, r) => a + f(r), 0) / slices.length;
  return {
    rps: mean((r) => r.rps),
    cpuUsPerReq: mean((r) => r.cpuUsPerReq),
    p50Ms: sorted((r) => r.p50Ms)[Math.floor(slices.length / 2)]!,
    p99Ms: Math.max(...slices.map((r) => r.p99Ms)),
    mbPerSec: mean((r) => r.mbPerSec),
    peakRssMb: Math.max(...slices.map((r) => r.peakRssMb)),
    non2xx: slices.reduce((a, r) => a + r.non2xx, 0),
    errors: slices.reduce((a, r) => a + r.errors, 0),
  };
}

export const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

/** A Markdown table. */
export function table(head: string[], rows: string[][]): string {
  return [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
}

/** "lo–hi" of several runs' figures (one figure when they agree). */
export function range(xs: number[], digits = 0): string {
  const lo = fmt(Math.min(...xs), digits);
  const hi = fmt(Math.max(...xs), digits);
  return lo === hi ? lo : `${lo}–${hi}`;
}
