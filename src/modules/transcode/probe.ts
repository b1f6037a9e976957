import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { AppError } from '../../platform/errors.js';
import { PROBE_FORMAT_WHITELIST } from './formats.js';
import { corruptInput, emptyInput, notAVideo } from './input-errors.js';
import { runProcess } from './run-process.js';
import { classifyHead, looksLikeIsoBmff, readHead } from './sniff.js';
import type { ProbeResult, ValidatedSource } from './types.js';

export interface ProbeOptions {
  /** Hard limit for ffprobe; it is killed after this (default 30 s). */
  timeoutMs?: number;
  signal?: AbortSignal;
}

/**
 * The input as ffmpeg/ffprobe must open it: an absolute path behind an explicit `file:` prefix,
 * so a name like `data:…` or `-` is never read as a protocol or as stdin.
 */
export function fileUrl(path: string): string {
  return `file:${resolve(path)}`;
}

/**
 * Flags that stop a demuxer from reaching outside the one uploaded file. `-protocol_whitelist
 * file` refuses http/tcp/data/subfile/concat protocols even if a demuxer asks for them, and
 * `-format_whitelist` keeps ffprobe from choosing a demuxer that follows references (hls, dash,
 * concat, image2 sequences).
 */
const SAFE_PROBE_FLAGS = ['-protocol_whitelist', 'file', '-format_whitelist', PROBE_FORMAT_WHITELIST];

/**
 * Describe a media file with ffprobe (`-show_format -show_streams`, JSON), under a hard timeout.
 * Throws a 422 AppError (INPUT_EMPTY, INPUT_NOT_A_VIDEO, INPUT_CORRUPT) when the file cannot be
 * probed at all; a file that probes fine may still be refused by `validateSource`.
 *
 * @example const probe = await probeMedia('/tmp/upload.mp4', { timeoutMs: 30_000 });
 */
export async function probeMedia(path: string, opts: ProbeOptions = {}): Promise<ProbeResult> {
  const info = await stat(path);
  if (!info.isFile()) throw notAVideo('not a regular file');
  if (info.size === 0) throw emptyInput();
  const head = await readHead(path);
  const nonMedia = classifyHead(head);
  if (nonMedia) throw notAVideo(nonMedia);

  const timeoutMs = opts.timeoutMs ?? 30_000;
  const args = [
    '-v', 'error', '-hide_banner',
    ...SAFE_PROBE_FLAGS,
    '-print_format', 'json', '-show_format', '-show_streams',
    fileUrl(path),
  ];
  const run = await runProcess('ffprobe', args, { timeoutMs, signal: opts.signal, maxStdoutBytes: 4 * 1024 * 1024 });
  if (run.aborted) throw new AppError('TRANSCODE_ABORTED', 503, 'The transcode was cancelled before it finished.');
  if (run.timedOut) {
    // Not a permanent failure: a busy machine can be slow. The queue's attempt limit bounds it.
    throw new AppError('INPUT_PROBE_TIMEOUT', 422, `Reading the file took longer than ${timeoutMs} ms; try again later.`);
  }
  if (run.exitCode !== 0) throw classifyProbeFailure(run.stderrTail, head);
  let parsed: Partial<ProbeResult>;
  try {
    parsed = JSON.parse(run.stdout) as Partial<ProbeResult>;
  } catch {
    // The JSON is ffprobe's own output; failing to parse means it was cut off mid-write.
    throw corruptInput('ffprobe output was incomplete');
  }
  if (!parsed.format) throw notAVideo('unknown format');
  return { format: parsed.format, streams: parsed.streams ?? [] };
}

/** Turn ffprobe's last error line into a creator-facing 422. */
function classifyProbeFailure(stderr: string, head: Buffer): AppError {
  const lastLine = stderr.trim().split('\n').pop() ?? '';
  // With a .mp4 name ffprobe falls back to the mov demuxer for any bytes; "moov atom not found"
  // only means "truncated MP4" when the file really starts like one.
  if (/moov atom not found/.test(stderr) && !looksLikeIsoBmff(head)) return notAVideo('unknown format');
  if (/moov atom not found|partial file|truncat|Invalid NAL|EBML header parsing failed|End of file/i.test(stderr)) {
    return corruptInput(summarize(lastLine));
  }
  if (/not on whitelist|Invalid data found|could not find codec parameters/i.test(stderr)) {
    return notAVideo('unknown format');
  }
  return corruptInput(summarize(lastLine) || 'ffprobe could not read it');
}

/** Drop the `file:/tmp/...: ` prefix (server paths are not the creator's business). */
function summarize(line: string): string {
  return line.replace(/^.*?:\s(?=[A-Z])/, '').replace(/^\[[^\]]*\]\s*/, '').slice(0, 160);
}

/**
 * Reading speed assumed for counting frames: the count reads the whole file (demuxing only, no
 * decoding), so its timeout follows the file size. 10 MB/s is far below any local disk.
 */
const COUNT_BYTES_PER_SEC = 10_000_000;

/**
 * How many frames the video track really holds, so that a declared duration can be checked
 * against them (`assertFramesBacked`). MP4/MOV say it in their sample index (`nb_frames`), which
 * is also what the demuxer will play; other containers (Matroska, AVI, MPEG-TS, …) either do not
 * say or could say anything, so their packets are counted with ffprobe `-count_packets`: the
 * whole file is demuxed, with the same protocol and demuxer restrictions as the transcode.
 *
 * @example assertFramesBacked(source, await countVideoFrames(path, source, probe));
 */
export async function countVideoFrames(
  path: string,
  source: Pick<ValidatedSource, 'formatName' | 'videoStreamIndex'>,
  probe: ProbeResult,
  opts: ProbeOptions = {},
): Promise<number> {
  const declared = Number(probe.streams.find((s) => s.index === source.videoStreamIndex)?.nb_frames);
  if (source.formatName === 'mov' && Number.isInteger(declared) && declared > 0) return declared;

  const { size } = await stat(path);
  const timeoutMs = (opts.timeoutMs ?? 30_000) + Math.ceil((size / COUNT_BYTES_PER_SEC) * 1000);
  const args = [
    '-v', 'error', '-hide_banner',
    '-protocol_whitelist', 'file', '-f', source.formatName,
    '-select_streams', String(source.videoStreamIndex), '-count_packets',
    '-show_entries', 'stream=nb_read_packets', '-print_format', 'json',
    fileUrl(path),
  ];
  const run = await runProcess('ffprobe', args, { timeoutMs, signal: opts.signal, maxStdoutBytes: 64 * 1024 });
  if (run.aborted) throw new AppError('TRANSCODE_ABORTED', 503, 'The transcode was cancelled before it finished.');
  if (run.timedOut) {
    throw new AppError('INPUT_PROBE_TIMEOUT', 422, `Counting the frames took longer than ${Math.round(timeoutMs / 1000)} s; try again later.`);
  }
  let count = NaN;
  try {
    const parsed = JSON.parse(run.stdout) as { streams?: Array<{ nb_read_packets?: string }> };
    count = Number(parsed.streams?.[0]?.nb_read_packets);
  } catch {
    // Falls through to the corrupt-input error below.
  }
  if (run.exitCode !== 0 || !Number.isInteger(count)) throw corruptInput(summarize(run.stderrTail.trim().split('\n').pop() ?? '') || 'its frames could not be counted');
  return count;
}
