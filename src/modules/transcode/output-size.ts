import { readdir, stat } from 'node:fs/promises';
import { freeBytes as freeBytesOn } from '../../platform/disk-space.js';
import { join } from 'node:path';
import { AppError } from '../../platform/errors.js';
import { SEGMENT_PATTERN } from '../media-layout/index.js';
import { CODEC_RATE_OVERSHOOT, rungCodec } from './codecs.js';
import { formatSpan } from './encode-limits.js';
import type { StoryboardPlan } from './thumbnails.js';
import type { LadderPlan } from './types.js';

/**
 * How much disk one encode may fill, and the watch that holds it to that. Every rung is encoded
 * with a VBV ceiling (`-maxrate`/`-bufsize`), so a ladder's size is bounded by its bitrates times
 * its duration; an encode writing far more is not encoding what validation saw (timestamps that
 * run past the declared duration, a bug), and is stopped before it fills the worker's disk.
 */

/**
 * Room above the VBV bound: x264 keeps to VBV within a few percent, AAC's rate is a mean, and
 * fMP4 boxes cost a little per frame. Measured on random noise (every rung at its ceiling,
 * hostile-media.test.ts prints it): 8 s of 360p wrote 0.88 of maxrate x duration + bufsize per
 * rung, 2 s of 180p 0.75.
 */
const MARGIN = 1.5;
/** Per segment and stream: moof/mdat boxes, the playlist line, an init segment spread out. */
const SEGMENT_OVERHEAD_BYTES = 16 * 1024;
/** JPEG of a noisy frame at `-q:v 3`, per pixel, with room. */
const STILL_BYTES_PER_PIXEL = 3;
/** Master playlist, WebVTT, file system slack. */
const FIXED_BYTES = 1024 * 1024;

/** What the bound needs to know of an encode. */
export interface OutputSizeInput {
  durationSec: number;
  hasAudio: boolean;
  plan: LadderPlan;
  storyboard: Pick<StoryboardPlan, 'columns' | 'rows' | 'tileWidth' | 'tileHeight'>;
}

/**
 * The most bytes a ladder of `durationSec` may take: every rung at its `-maxrate` the whole time
 * plus a full VBV buffer, the audio at its bitrate, times MARGIN; plus container overhead per
 * segment, the poster and the storyboard sprite.
 *
 * @example maxOutputBytes({ durationSec: 600, hasAudio: true, plan, storyboard }) // 10 min 1080p: ~1.3 GB
 */
export function maxOutputBytes(input: OutputSizeInput): number {
  const { durationSec, plan } = input;
  const video = plan.rungs.reduce((sum, r) => sum + streamMaxBytes(r.maxrateKbps * CODEC_RATE_OVERSHOOT[rungCodec(r)], r.bufsizeKbps, durationSec, plan.segmentSec), 0);
  const audioKbps = [plan.audioBitrateKbps, ...(plan.cellularAudioBitrateKbps ? [plan.cellularAudioBitrateKbps] : [])];
  const audio = input.hasAudio ? audioKbps.reduce((sum, kbps) => sum + streamMaxBytes(kbps, 0, durationSec, plan.segmentSec), 0) : 0;
  const top = plan.rungs[0];
  const posterPixels = top ? top.width * top.height : 0;
  const { columns, rows, tileWidth, tileHeight } = input.storyboard;
  const stills = (posterPixels + columns * rows * tileWidth * tileHeight) * STILL_BYTES_PER_PIXEL;
  return Math.ceil(video + audio + stills + FIXED_BYTES);
}

/**
 * The most one stream's folder (playlist, init segment, segments) may hold: `kbps` for the whole
 * duration plus a full buffer of `bufferKbit`, times MARGIN, plus box overhead per segment.
 */
export function streamMaxBytes(kbps: number, bufferKbit: number, durationSec: number, segmentSec: number): number {
  const segments = Math.ceil(durationSec / segmentSec) + 1;
  return MARGIN * (kbps * durationSec + bufferKbit) * 125 + segments * SEGMENT_OVERHEAD_BYTES;
}

/** The encode wrote more than its ladder can hold. Permanent: the same bytes would do it again. */
export function outputTooLarge(maxBytes: number, writtenBytes: number, durationSec: number): AppError {
  return new AppError(
    'TRANSCODE_OUTPUT_TOO_LARGE',
    422,
    `Encoding wrote ${formatBytes(writtenBytes)}, more than the ${formatBytes(maxBytes)} a ${formatSpan(durationSec)} video can take, ` +
      'and was stopped. Its timestamps probably run past its stated length: export it again (a common codec, constant frame rate) and upload it.',
    { maxBytes, writtenBytes, durationSec },
  );
}

/**
 * Refuse to start an encode that could fill the disk under `dir`: its free space (for an
 * unprivileged process) must hold `neededBytes`. Retryable: space may be freed, or another
 * worker may take the job.
 *
 * @example await assertScratchSpace('/data/work/job1', maxOutputBytes({ ... }));
 */
export async function assertScratchSpace(dir: string, neededBytes: number): Promise<void> {
  const freeBytes = await freeBytesOn(dir);
  if (freeBytes >= neededBytes) return;
  throw new AppError(
    'TRANSCODE_SCRATCH_FULL',
    507,
    `The worker's scratch disk has ${formatBytes(freeBytes)} free, and this video's ladder may need up to ${formatBytes(neededBytes)}; ` +
      'the job will be retried. Operator: free space in DATA_DIR/work on the worker, or give it a bigger disk.',
    { dir, freeBytes, neededBytes },
  );
}

/** `seg_%05d.m4s` as a pattern: finished segments are never rewritten, so their size is final. */
const SEGMENT_NAME = new RegExp(`^${SEGMENT_PATTERN.replace(/\./g, '\\.').replace(/%0\d+d/, '\\d+')}$`);

export interface OutputSizeWatch {
  /** Bytes under the watched directories now. */
  measure(): Promise<number>;
  stop(): void;
}

/**
 * Sum the sizes under `dirs` every `intervalMs` and call `onExceeded(bytes)` once when the sum
 * passes `maxBytes`. Cheap on a 12-hour ladder of thousands of segments: a segment with a later
 * one beside it is finished, so its size is remembered instead of stat'ed again.
 *
 * @example const watch = watchOutputSize([rungDir], 1e9, () => kill()); …; watch.stop();
 */
export function watchOutputSize(
  dirs: string[],
  maxBytes: number,
  onExceeded: (bytes: number) => void,
  intervalMs = 2000,
): OutputSizeWatch {
  const finished = new Map<string, number>();
  let fired = false;
  let inFlight = false;

  async function measure(): Promise<number> {
    let total = 0;
    const pending = [...dirs];
    while (pending.length > 0) {
      const dir = pending.pop()!;
      const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
      const segments = entries.filter((e) => e.isFile() && SEGMENT_NAME.test(e.name)).map((e) => e.name).sort();
      const newest = segments.at(-1);
      for (const entry of entries) {
        const path = join(dir, entry.name);
        if (entry.isDirectory()) {
          pending.push(path);
          continue;
        }
        const known = finished.get(path);
        if (known !== undefined) {
          total += known;
          continue;
        }
        const size = await stat(path).then((s) => s.size, () => 0);
        total += size;
        if (entry.name !== newest && SEGMENT_NAME.test(entry.name)) finished.set(path, size);
      }
    }
    return total;
  }

  const timer = setInterval(() => {
    if (inFlight || fired) return;
    inFlight = true;
    measure()
      .then((bytes) => {
        if (bytes > maxBytes && !fired) {
          fired = true;
          onExceeded(bytes);
        }
      })
      // measure() already treats vanished files as empty; nothing else can fail worth a crash.
      .catch(() => {})
      .finally(() => (inFlight = false));
  }, intervalMs);
  return { measure, stop: () => clearInterval(timer) };
}

function formatBytes(bytes: number): string {
  if (bytes >= 1e9) return `${(bytes / 1e9).toFixed(1)} GB`;
  if (bytes >= 1e6) return `${(bytes / 1e6).toFixed(1)} MB`;
  return `${Math.max(1, Math.round(bytes / 1e3))} kB`;
}
