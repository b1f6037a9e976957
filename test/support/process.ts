import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../../src/platform/paths.js';
import { freePort, ownsListeningPort } from './services.js';

export interface KinemaProcess {
  child: ChildProcess;
  url: string;
  /** Everything the process printed, for assertions and failure messages. */
  output(): string;
  /** Resident and peak resident memory (bytes), from /proc. The peak is the kernel's (VmHWM). */
  memory(): { rssBytes: number; peakRssBytes: number };
  /** Restarts the kernel's peak-RSS tracking at the current RSS (writes 5 to clear_refs). */
  resetPeakMemory(): void;
  /** SIGTERM and wait for exit; returns the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/**
 * Runs `kinema <role>` as its own process through bin/kinema, the way an operator does, and
 * waits until /health answers.
 */
export async function spawnKinema(role: 'start' | 'api' | 'worker', env: Record<string, string>, opts: { waitForHealth?: boolean } = {}): Promise<KinemaProcess> {
  const child = spawn(process.execPath, [join(packageRoot, 'bin', 'kinema'), role], {
    // From the sources, so a test never runs a stale build.
    env: { ...process.env, LOG_LEVEL: 'warn', KINEMA_FROM_SOURCE: '1', METRICS_LISTEN: '127.0.0.1:0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  // Never outlive the test process, whatever path the test took.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  void exited.then(() => process.off('exit', killOnExit));
  const url = `http://127.0.0.1:${env.PORT}`;
  const proc: KinemaProcess = {
    child,
    url,
    output: () => out,
    memory() {
      const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
      const kb = (name: string) => Number(new RegExp(`${name}:\\s+(\\d+) kB`).exec(status)?.[1] ?? 0) * 1024;
      return { rssBytes: kb('VmRSS'), peakRssBytes: kb('VmHWM') };
    },
    resetPeakMemory() {
      // proc(5): writing 5 to clear_refs resets the peak resident set size to the current one.
      writeFileSync(`/proc/${child.pid}/clear_refs`, '5');
    },
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
  if (opts.waitForHealth ?? role !== 'worker') {
    const deadline = Date.now() + 120_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`kinema ${role} exited early (${child.exitCode}):\n${out}`);
      // This process must hold the port: with a port picked in advance, another process may have
      // taken it, and its answer must not pass for this one's.
      const ok = (await ownsListeningPort(child.pid!, Number(env.PORT))) && (await fetch(`${url}/health`).then((r) => r.ok, () => false));
      if (ok) break;
      if (Date.now() > deadline) {
        await proc.stop('SIGKILL');
        throw new Error(`kinema ${role} did not become healthy:\n${out}`);
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  return proc;
}

/**
 * `spawnKinema` on a free loopback port (PORT is set here). A port found free a moment ago can
 * be bound by another test process before kinema binds it; kinema then exits with EADDRINUSE,
 * and this starts it again on another port instead of failing the test.
 */
export async function spawnKinemaOnFreePort(role: 'start' | 'api', env: Record<string, string>): Promise<KinemaProcess> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await spawnKinema(role, { ...env, PORT: String(await freePort()) });
    } catch (err) {
      if (attempt >= 5 || !/EADDRINUSE/.test((err as Error).message)) throw err;
    }
  }
}

/** Child pids of `pid` running `name` (e.g. the ffmpeg a worker started). */
/**
 * The children of `pid` that are ffmpeg writing an HLS ladder (the encode), not the short
 * motion probe the worker runs before it (complexity-probe.ts): what "the encode" means in tests
 * that act on it mid-way.
 */
export function ladderEncoders(pid: number): number[] {
  return childrenNamed(pid, 'ffmpeg').filter((child) => {
    try {
      return readFileSync(`/proc/${child}/cmdline`, 'utf8').split('\0').includes('hls');
    } catch {
      return false; // it ended meanwhile
    }
  });
}

export function childrenNamed(pid: number, name: string): number[] {
  try {
    return execFileSync('pgrep', ['-P', String(pid), '-x', name]).toString().trim().split('\n').filter(Boolean).map(Number);
  } catch {
    return []; // pgrep exits 1 when nothing matches
  }
}
