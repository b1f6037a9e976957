import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';

/**
 * Runs ffmpeg/ffprobe as child processes with a hard timeout, AbortSignal support and bounded
 * output capture: a hostile file can make a tool print megabytes of warnings, and a stuck demuxer
 * can spin forever, so neither may take the worker down with it.
 */

export interface RunOptions {
  /** Kill the child with SIGKILL after this long (no limit when omitted; may exceed 24.8 days). */
  timeoutMs?: number;
  signal?: AbortSignal;
  /** Called for every complete stdout line (used for `-progress pipe:1`). */
  onStdoutLine?: (line: string) => void;
  /** Keep at most this many bytes of stdout (default 8 MiB); beyond that the run fails. */
  maxStdoutBytes?: number;
}

export interface RunResult {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  /** The last ~32 KiB of stderr: where ffmpeg puts the reason it failed. */
  stderrTail: string;
  timedOut: boolean;
  aborted: boolean;
}

const STDERR_TAIL_BYTES = 32 * 1024;

/**
 * `setpriv --pdeathsig SIGKILL` (util-linux) makes the kernel kill ffmpeg when our process dies,
 * even by SIGKILL or OOM, so a crashed worker never leaves an orphan encoder burning CPU. Without
 * it ffmpeg would run to the end: it ignores SIGPIPE, so the broken `-progress` pipe only makes
 * its progress writes fail (measured with ffmpeg 5.1: the orphan kept encoding). Where setpriv
 * is missing (macOS), we fall back to a plain spawn plus the exit hook below.
 */
const SETPRIV = ['/usr/bin/setpriv', '/bin/setpriv'].find((p) => existsSync(p));

/** Children alive right now, killed if this process exits normally or on an uncaught error. */
const liveChildren = new Set<import('node:child_process').ChildProcess>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const child of liveChildren) child.kill('SIGKILL');
  });
}

/**
 * Run `command args` and resolve with its exit status and captured output. Never rejects for a
 * non-zero exit: callers decide what a failure means. Rejects only if the binary cannot start.
 *
 * @example const r = await runProcess('ffprobe', ['-version'], { timeoutMs: 5000 });
 */
export function runProcess(command: string, args: string[], opts: RunOptions = {}): Promise<RunResult> {
  installExitHook();
  const [file, argv] = SETPRIV
    ? [SETPRIV, ['--pdeathsig', 'SIGKILL', '--', command, ...args]]
    : [command, args];
  return new Promise((resolve, reject) => {
    // stdin is ignored so ffmpeg never waits for (or reacts to) keyboard input.
    const child = spawn(file, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
    liveChildren.add(child);
    const maxStdout = opts.maxStdoutBytes ?? 8 * 1024 * 1024;
    const stdoutChunks: Buffer[] = [];
    let stdoutBytes = 0;
    let stdoutOverflow = false;
    let lineBuffer = '';
    let stderrTail = '';
    let timedOut = false;
    let aborted = false;

    const kill = () => child.kill('SIGKILL');
    const clearTimer = opts.timeoutMs ? setLongTimeout(() => ((timedOut = true), kill()), opts.timeoutMs) : () => {};
    const onAbort = () => ((aborted = true), kill());
    if (opts.signal?.aborted) onAbort();
    else opts.signal?.addEventListener('abort', onAbort, { once: true });

    child.stdout.on('data', (chunk: Buffer) => {
      if (opts.onStdoutLine) {
        lineBuffer += chunk.toString('utf8');
        const lines = lineBuffer.split('\n');
        lineBuffer = lines.pop() ?? '';
        for (const line of lines) opts.onStdoutLine(line);
        return;
      }
      stdoutBytes += chunk.length;
      if (stdoutBytes > maxStdout) {
        stdoutOverflow = true;
        kill();
        return;
      }
      stdoutChunks.push(chunk);
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderrTail = (stderrTail + chunk.toString('utf8')).slice(-STDERR_TAIL_BYTES);
    });
    child.on('error', (err) => {
      clearTimer();
      liveChildren.delete(child);
      opts.signal?.removeEventListener('abort', onAbort);
      reject(err);
    });
    child.on('close', (exitCode, signal) => {
      clearTimer();
      liveChildren.delete(child);
      opts.signal?.removeEventListener('abort', onAbort);
      if (lineBuffer && opts.onStdoutLine) opts.onStdoutLine(lineBuffer);
      resolve({
        exitCode,
        signal,
        stdout: Buffer.concat(stdoutChunks).toString('utf8'),
        stderrTail: stdoutOverflow ? `${stderrTail}\n[stdout exceeded ${maxStdout} bytes]` : stderrTail,
        timedOut,
        aborted,
      });
    });
  });
}

/** setTimeout's largest delay; above it Node fires after 1 ms instead (TimeoutOverflowWarning). */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * setTimeout for any delay: an encode's time limit can exceed 24.8 days (a 12 h 8K source), and
 * a plain setTimeout would then kill it at once. Re-arms until the deadline; returns the cancel.
 */
function setLongTimeout(fn: () => void, delayMs: number): () => void {
  const deadline = performance.now() + delayMs;
  let timer: NodeJS.Timeout;
  const arm = () => {
    const left = deadline - performance.now();
    timer = left > MAX_TIMER_MS ? setTimeout(arm, MAX_TIMER_MS) : setTimeout(fn, Math.max(0, left));
  };
  arm();
  return () => clearTimeout(timer);
}
