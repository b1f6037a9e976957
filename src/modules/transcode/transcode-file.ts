import type { Logger } from '../../platform/log.js';
import type { VideoCodec } from './codecs.js';
import { classifyContent, probeMotion } from './complexity-probe.js';
import { assertWithinComputeBudget } from './encode-limits.js';
import { tuningForContent, type EncoderTuning } from './ffmpeg-args.js';
import { planLadder } from './ladder.js';
import { countVideoFrames, probeMedia } from './probe.js';
import { transcodeToHls, type TranscodeOptions } from './transcode-hls.js';
import type { HlsOutput, LadderPlan, SourceLimits, ValidatedSource } from './types.js';
import { assertFramesBacked, validateSource } from './validate.js';

export interface TranscodeFileOptions extends Omit<TranscodeOptions, 'plan'>, SourceLimits {
  /** ffprobe hard timeout (default 30 s; counting frames gets this plus time for the file's size). */
  probeTimeoutMs?: number;
  /** Compute budget of this upload, gigapixels decoded + encoded (default DEFAULT_MAX_ENCODE_GIGAPIXELS). */
  maxEncodeGigapixels?: number;
  /** Called once validation passed and the ladder is planned, before encoding starts. */
  onPlanned?: (source: ValidatedSource, plan: LadderPlan) => void;
  /** Video codecs of the ladder (LADDER_CODECS; default H.264 only): extras get twins of the H.264 rungs. */
  codecs?: readonly VideoCodec[];
  log?: Logger;
}

/**
 * The whole pipeline for one upload: probe → validate → count frames → plan → check the compute
 * budget → transcode. Used by the worker's
 * job handler and by `kinema transcode`. Refused inputs throw a 422 AppError for which
 * `isPermanentFailure(err)` is true (do not retry); anything else may be retried.
 *
 * @example
 * const out = await transcodeFile('/tmp/source', '/tmp/out', { maxDurationSec: 3600, log });
 */
export async function transcodeFile(inputPath: string, outDir: string, opts: TranscodeFileOptions = {}): Promise<HlsOutput> {
  const probe = await probeMedia(inputPath, { timeoutMs: opts.probeTimeoutMs, signal: opts.signal });
  const source = validateSource(probe, { maxDurationSec: opts.maxDurationSec });
  assertFramesBacked(source, await countVideoFrames(inputPath, source, probe, { timeoutMs: opts.probeTimeoutMs, signal: opts.signal }));
  const plan = planLadder(source, opts.codecs);
  assertWithinComputeBudget(source, plan, opts.maxEncodeGigapixels);
  opts.log?.info({ source, rungs: plan.rungs.map((r) => `${r.label} ${r.width}x${r.height}`) }, 'source accepted');
  opts.onPlanned?.(source, plan);
  const tuning = opts.tuning ?? (await chooseTuning(inputPath, source, opts));
  return transcodeToHls({ path: inputPath, source }, outDir, { ...opts, plan, tuning });
}

/**
 * Per-title rate control: a probe of a few dozen frames says whether the title stands still.
 * A probe that fails (a source ffmpeg can open but not seek in) falls back to the moving
 * tuning, which is right for any content; the encode itself then reports what is wrong.
 */
async function chooseTuning(inputPath: string, source: ValidatedSource, opts: TranscodeFileOptions): Promise<EncoderTuning> {
  try {
    const motion = await probeMotion(inputPath, source, { signal: opts.signal, timeoutMs: opts.probeTimeoutMs });
    const content = classifyContent(motion);
    opts.log?.info({ ...motion, content }, 'content probed');
    return tuningForContent(content);
  } catch (err) {
    if (opts.signal?.aborted) throw err; // TRANSCODE_ABORTED: the job was cancelled, not the probe's fault
    opts.log?.warn({ err }, 'content probe failed; encoding as moving content');
    return tuningForContent('moving');
  }
}
