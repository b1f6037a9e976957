import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { isAppError } from '../../platform/errors.js';
import { isPermanentFailure } from './input-errors.js';
import { createProgressBar, type ProgressBar } from './progress-bar.js';
import { transcodeFile } from './transcode-file.js';
import { DEFAULT_MAX_DURATION_SEC } from './validate.js';

/** Exit codes: 0 done, 1 bad usage or an unexpected failure, 2 the input was refused. */
export const EXIT_OK = 0;
export const EXIT_USAGE = 1;
export const EXIT_REJECTED = 2;

const USAGE = 'usage: kinema transcode INPUT --out DIR [--max-duration SEC]';

export interface CommandIo {
  stdout?: NodeJS.WriteStream;
  stderr?: NodeJS.WriteStream;
}

/**
 * `kinema transcode INPUT --out DIR [--max-duration SEC]`: the same validation, ladder and HLS
 * output as the worker, on a local file. Prints a progress bar (stderr) and a summary (stdout).
 * Returns the exit code instead of exiting, so the CLI entry and tests decide what to do with it.
 *
 * @example process.exitCode = await runTranscodeCommand(['in.mov', '--out', 'hls/']);
 */
export async function runTranscodeCommand(argv: string[], io: CommandIo = {}): Promise<number> {
  const stdout = io.stdout ?? process.stdout;
  const stderr = io.stderr ?? process.stderr;
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: { out: { type: 'string', short: 'o' }, 'max-duration': { type: 'string' } },
    });
  } catch (err) {
    stderr.write(`${(err as Error).message}\n${USAGE}\n`);
    return EXIT_USAGE;
  }
  const input = parsed.positionals[0];
  const outDir = parsed.values.out;
  const maxDurationSec = Number(parsed.values['max-duration'] ?? DEFAULT_MAX_DURATION_SEC);
  if (!input || !outDir || parsed.positionals.length > 1 || !(maxDurationSec > 0)) {
    stderr.write(`${USAGE}\n`);
    return EXIT_USAGE;
  }

  let bar: ProgressBar | undefined;
  try {
    const out = await transcodeFile(resolve(input), resolve(outDir), {
      maxDurationSec,
      onPlanned: (source, plan) => {
        stderr.write(
          `${input}: ${source.width}x${source.height} ${source.frameRate.fps.toFixed(2)} fps, ` +
            `${source.durationSec.toFixed(1)} s${source.hasAudio ? '' : ', no audio'} → ${plan.rungs.map((r) => r.label).join(' ')}\n`,
        );
        bar = createProgressBar({ durationSec: source.durationSec, stream: stderr });
      },
      onProgress: (percent) => bar?.update(percent),
    });
    bar?.done();
    stdout.write(`${resolve(outDir, out.master)}\n`);
    for (const r of out.renditions) {
      stdout.write(
        `  ${r.label.padEnd(6)} ${`${r.width}x${r.height}`.padEnd(10)} ${r.frameRate.toFixed(2)} fps  ` +
          `avg ${(r.averageBandwidthBps / 1000).toFixed(0)} kb/s  peak ${(r.bandwidthBps / 1000).toFixed(0)} kb/s  ${r.codecs}\n`,
      );
    }
    stdout.write(`  poster ${out.poster}, storyboard ${out.storyboardImage} + ${out.storyboardVtt}\n`);
    return EXIT_OK;
  } catch (err) {
    bar?.done();
    if (isPermanentFailure(err)) {
      stderr.write(`rejected: ${err.message} [${err.code}]\n`);
      return EXIT_REJECTED;
    }
    stderr.write(`transcode failed: ${isAppError(err) ? `${err.message} [${err.code}]` : (err as Error).message}\n`);
    return EXIT_USAGE;
  }
}
