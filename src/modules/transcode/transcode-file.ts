import type { Logger } from '../../platform/log.js';
import { planLadder } from './ladder.js';
import { probeMedia } from './probe.js';
import { transcodeToHls, type TranscodeOptions } from './transcode-hls.js';
import type { HlsOutput, LadderPlan, SourceLimits, ValidatedSource } from './types.js';
import { validateSource } from './validate.js';

export interface TranscodeFileOptions extends Omit<TranscodeOptions, 'plan'>, SourceLimits {
  /** ffprobe hard timeout (default 30 s). */
  probeTimeoutMs?: number;
  /** Called once validation passed and the ladder is planned, before encoding starts. */
  onPlanned?: (source: ValidatedSource, plan: LadderPlan) => void;
  log?: Logger;
}

/**
 * The whole pipeline for one upload: probe → validate → plan → transcode. Used by the worker's
 * job handler and by `kinema transcode`. Refused inputs throw a 422 AppError for which
 * `isPermanentFailure(err)` is true (do not retry); anything else may be retried.
 *
 * @example
 * const out = await transcodeFile('/tmp/source', '/tmp/out', { maxDurationSec: 3600, log });
 */
export async function transcodeFile(inputPath: string, outDir: string, opts: TranscodeFileOptions = {}): Promise<HlsOutput> {
  const probe = await probeMedia(inputPath, { timeoutMs: opts.probeTimeoutMs, signal: opts.signal });
  const source = validateSource(probe, { maxDurationSec: opts.maxDurationSec });
  const plan = planLadder(source);
  opts.log?.info({ source, rungs: plan.rungs.map((r) => `${r.label} ${r.width}x${r.height}`) }, 'source accepted');
  opts.onPlanned?.(source, plan);
  return transcodeToHls({ path: inputPath, source }, outDir, { ...opts, plan });
}
