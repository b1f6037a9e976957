import { readdir, readFile } from 'node:fs/promises';

/**
 * The worker's transcode ffmpeg, for tests that need a video to stay "still encoding" on any
 * machine: found among this process's children (the worker runs in the test process), paused
 * with SIGSTOP and resumed with SIGCONT. The pipeline sees nothing but a slow encoder.
 */

/**
 * Pid of the ffmpeg encoding `videoId`'s ladder (a child of this process writing HLS), if running:
 * the id is in its output paths (the worker's scratch folder is tagged with it), whichever store.
 */
export async function findEncoder(videoId: string): Promise<number | undefined> {
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const [cmdline, stat] = await Promise.all([readFile(`/proc/${entry}/cmdline`, 'utf8'), readFile(`/proc/${entry}/stat`, 'utf8')]);
      const argv = cmdline.split('\0');
      const parentPid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (parentPid === process.pid && argv[0]?.endsWith('ffmpeg') && cmdline.includes(videoId) && argv.includes('hls')) return Number(entry);
    } catch {
      // The process ended while we looked: not the one we want.
    }
  }
  return undefined;
}

/** Sends `signal` to `pid`; false when it has already exited. */
export function signalProcess(pid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(pid, signal);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ESRCH') return false;
    throw err;
  }
}

/**
 * Lets a paused encoder run in bursts of `burstMs` until `reached()` holds, checking for up to
 * `settleMs` after each burst (what it wrote is published by the worker meanwhile), and leaves
 * it paused. Throws when `timeoutMs` passes first or the encoder exits.
 */
export async function encodeUntil<T>(pid: number, reached: () => Promise<T | undefined | null | false>, opts: { timeoutMs: number; burstMs?: number; settleMs?: number }): Promise<T> {
  const deadline = Date.now() + opts.timeoutMs;
  for (;;) {
    if (Date.now() > deadline) throw new Error(`the encoder did not reach the wanted state within ${opts.timeoutMs} ms`);
    if (!signalProcess(pid, 'SIGCONT')) throw new Error('the encoder exited before the wanted state');
    // The encoder's duty cycle, not a wait for work: it encodes for burstMs, then is paused.
    await new Promise((r) => setTimeout(r, opts.burstMs ?? 150));
    signalProcess(pid, 'SIGSTOP');
    const settled = Date.now() + (opts.settleMs ?? 3000);
    for (;;) {
      const value = await reached();
      if (value) return value;
      if (Date.now() > settled) break;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}
