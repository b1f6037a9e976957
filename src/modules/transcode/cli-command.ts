import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { EXIT_FAILED, EXIT_OK, EXIT_USAGE, parseCommandArgs, UsageError } from '../../platform/cli-args.js';
import { isAppError } from '../../platform/errors.js';
import { assertCodecEncodersAvailable, parseLadderCodecs, type VideoCodec } from './codecs.js';
import { isPermanentFailure } from './input-errors.js';
import { openOutputDir, OutputDirRefused, type OutputDir } from './output-dir.js';
import { DEFAULT_MAX_ENCODE_GIGAPIXELS } from './encode-limits.js';
import { createProgressBar, type ProgressBar } from './progress-bar.js';
import { transcodeFile } from './transcode-file.js';
import { DEFAULT_MAX_DURATION_SEC } from './validate.js';

/** The input was refused (not a video, too long, …): retrying the same file will not help. */
export const EXIT_REJECTED = 3;

export const TRANSCODE_HELP = `Usage: kinema transcode INPUT --out DIR [--codecs LIST] [--max-duration SEC] [--max-encode-gigapixels N] [--force]

Validates INPUT as the worker does, then transcodes it to an HLS ladder in DIR (master.m3u8 at
the top, one folder per rung), with a progress bar on stderr and a summary on stdout.

  -o, --out DIR           where the ladder goes: a new or empty directory
      --force             DIR holds an earlier ladder: replace it (only once the new one is complete)
      --codecs LIST       video codecs of the ladder: h264 plus any of hevc, av1 (default h264,
                          as LADDER_CODECS)
      --max-duration SEC  refuse longer videos (default ${DEFAULT_MAX_DURATION_SEC})
      --max-encode-gigapixels N
                          refuse videos whose ladder needs more work: pixels decoded + encoded
                          (default ${DEFAULT_MAX_ENCODE_GIGAPIXELS}, as MAX_ENCODE_GIGAPIXELS)
  -h, --help              this text

Exit codes: 0 done, 1 transcoding failed, 2 bad usage (nothing done), 3 the input was refused.`;

export interface CommandIo {
  stdout?: NodeJS.WriteStream;
  stderr?: NodeJS.WriteStream;
}

/**
 * `kinema transcode INPUT --out DIR`: the same validation, ladder and HLS output as the worker,
 * on a local file. Returns the exit code instead of exiting, so the CLI entry and tests decide
 * what to do with it.
 *
 * @example process.exitCode = await runTranscodeCommand(['in.mov', '--out', 'hls/']);
 */
export async function runTranscodeCommand(argv: string[], io: CommandIo = {}): Promise<number> {
  const stdout = io.stdout ?? process.stdout;
  const stderr = io.stderr ?? process.stderr;
  let input: string;
  let outDir: string;
  let output: OutputDir;
  let maxDurationSec: number;
  let maxEncodeGigapixels: number;
  let codecs: VideoCodec[];
  try {
    const { values, positionals } = parseCommandArgs(
      'transcode',
      argv,
      { out: { type: 'string', short: 'o' }, 'max-duration': { type: 'string' }, 'max-encode-gigapixels': { type: 'string' }, codecs: { type: 'string' }, force: { type: 'boolean' } },
      { positionals: true },
    );
    if (values.help) {
      stdout.write(`${TRANSCODE_HELP}\n`);
      return EXIT_OK;
    }
    if (positionals.length === 0) throw new UsageError('transcode', 'give the video to transcode (kinema transcode INPUT --out DIR)');
    if (positionals.length > 1) throw new UsageError('transcode', `one INPUT at a time, got ${positionals.length} (${positionals.join(' ')})`);
    if (!values.out) throw new UsageError('transcode', 'say where the ladder goes with --out DIR');
    maxDurationSec = Number(values['max-duration'] ?? DEFAULT_MAX_DURATION_SEC);
    if (!(maxDurationSec > 0)) throw new UsageError('transcode', `--max-duration must be a number of seconds above 0, got "${values['max-duration']}"`);
    maxEncodeGigapixels = Number(values['max-encode-gigapixels'] ?? DEFAULT_MAX_ENCODE_GIGAPIXELS);
    if (!(maxEncodeGigapixels > 0)) {
      throw new UsageError('transcode', `--max-encode-gigapixels must be a number above 0, got "${values['max-encode-gigapixels']}"`);
    }
    try {
      codecs = parseLadderCodecs(values.codecs, '--codecs');
      assertCodecEncodersAvailable(codecs);
    } catch (err) {
      throw new UsageError('transcode', (err as Error).message);
    }
    input = positionals[0]!;
    outDir = values.out;
    const inputStat = await stat(input).catch(() => undefined);
    if (!inputStat) throw new UsageError('transcode', `${input}: no such file`);
    if (!inputStat.isFile()) throw new UsageError('transcode', `${input} is not a file`);
    output = await openOutputDir(outDir, { force: values.force ?? false }).catch((err: unknown) => {
      throw err instanceof OutputDirRefused ? new UsageError('transcode', err.message) : err;
    });
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    stderr.write(`${err.message}\n`);
    return EXIT_USAGE;
  }

  let bar: ProgressBar | undefined;
  try {
    const out = await transcodeFile(resolve(input), resolve(output.stagingDir), {
      maxDurationSec,
      maxEncodeGigapixels,
      codecs,
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
    await output.commit();
    stdout.write(`${resolve(outDir, out.master)}\n`);
    const all = [...out.renditions, ...out.codecRenditions];
    const labelWidth = Math.max(6, ...all.map((r) => r.label.length));
    for (const r of all) {
      stdout.write(
        `  ${r.label.padEnd(labelWidth)} ${`${r.width}x${r.height}`.padEnd(10)} ${r.frameRate.toFixed(2)} fps  ` +
          `avg ${(r.averageBandwidthBps / 1000).toFixed(0)} kb/s  peak ${(r.bandwidthBps / 1000).toFixed(0)} kb/s  ${r.codecs}\n`,
      );
    }
    stdout.write(`  poster ${out.poster}, storyboard ${out.storyboardImage} + ${out.storyboardVtt}\n`);
    return EXIT_OK;
  } catch (err) {
    bar?.done();
    await output.discard();
    if (isPermanentFailure(err)) {
      stderr.write(`rejected: ${err.message} [${err.code}]\n`);
      return EXIT_REJECTED;
    }
    stderr.write(`transcode failed: ${isAppError(err) ? `${err.message} [${err.code}]` : (err as Error).message}\n`);
    return EXIT_FAILED;
  }
}
