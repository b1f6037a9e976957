import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../../src/platform/paths.js';

export interface KinemaProcess {
  child: ChildProcess;
  url: string;
  /** Everything the process printed, for assertions and failure messages. */
  output(): string;
  /** Resident and peak resident memory (bytes), from /proc. */
  memory(): { rssBytes: number; peakRssBytes: number };
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
    env: { ...process.env, LOG_LEVEL: 'warn', KINEMA_FROM_SOURCE: '1', ...env },
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
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
  if (opts.waitForHealth ?? role !== 'worker') {
    const deadline = Date.now() + 60_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`kinema ${role} exited early (${child.exitCode}):\n${out}`);
      const ok = await fetch(`${url}/health`).then((r) => r.ok, () => false);
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
