/**
 * Realistic rows for the metadata write benchmark: the seed's video_metadata fields (title,
 * description, duration, status, processed_at) plus what Kinema stores beside them (tags,
 * visibility, dimensions, original file). Generated per batch so a million-row run never holds
 * more than one batch per writer in memory.
 */
import type { Insertable } from 'kysely';
import type { VideosTable, VideoStatus, Visibility } from '../../src/platform/db/index.js';
import { newId } from '../../src/platform/ids.js';

export type VideoRow = Insertable<VideosTable>;

const ADJECTIVES = ['Quick', 'Ultimate', 'Lazy', 'Honest', 'Hidden', 'Budget', 'Cozy', 'Epic', 'Tiny', 'Complete', 'Rainy', 'Late-night'];
const TOPICS = ['sourdough bread', 'bike repair', 'Rust lifetimes', 'street food in Hanoi', 'guitar chords', 'home server setup', 'watercolour skies', 'marathon training', 'Kubernetes networking', 'vegan ramen', 'drone footage', 'chess openings'];
const FORMATS = ['guide', 'vlog', 'tutorial', 'review', 'walkthrough', 'deep dive', 'livestream replay', 'timelapse', 'Q&A', 'field test'];
const SENTENCES = [
  'In this episode we go through every step from scratch, with the mistakes left in.',
  'Timestamps are in the chapters, and the full notes are linked below.',
  'Shot on a phone in natural light, no colour grading this time.',
  'Thanks to everyone who asked questions in the last stream.',
  'We compare three approaches and measure which one actually holds up.',
  'If something is unclear, leave a comment and I will answer in the next video.',
  'Music is royalty-free; gear list and settings at the end.',
  'Part two follows next week with the results after a month of use.',
];
const TAGS = ['howto', 'diy', 'travel', 'music', 'gaming', 'cooking', 'tech', 'linux', 'fitness', 'art', 'review', 'vlog', 'education', 'outdoors', '4k', 'shorts'];
// Common upload shapes, portrait included: phones upload 1080x1920 as often as landscape.
const SIZES: Array<[number, number]> = [[1920, 1080], [1280, 720], [3840, 2160], [1080, 1920], [854, 480], [2560, 1440]];
// Weighted like a live catalog: most videos finished processing, a tail in flight or failed.
const STATUSES: Array<[VideoStatus, number]> = [['ready', 0.85], ['processing', 0.04], ['uploaded', 0.03], ['awaiting_upload', 0.05], ['failed', 0.03]];
const VISIBILITIES: Array<[Visibility, number]> = [['public', 0.8], ['unlisted', 0.12], ['private', 0.08]];

const pick = <T>(xs: readonly T[]): T => xs[Math.floor(Math.random() * xs.length)]!;
function weighted<T>(xs: ReadonlyArray<[T, number]>): T {
  let r = Math.random();
  for (const [x, w] of xs) if ((r -= w) < 0) return x;
  return xs[xs.length - 1]![0];
}

/** ~200 characters, the size the brief (and a typical short video description) calls for. */
function description(): string {
  let text = '';
  while (text.length < 170) text += (text ? ' ' : '') + pick(SENTENCES);
  return text;
}

/** One video as the catalog would store it once its upload has gone through the pipeline. */
export function makeVideoRow(userIds: readonly string[]): VideoRow {
  const status = weighted(STATUSES);
  const isProcessed = status === 'ready';
  const [width, height] = pick(SIZES);
  // Log-uniform between 15 s and 2 h: many short clips, a long tail of streams and lectures.
  const durationSec = Math.round(15 * Math.exp(Math.random() * Math.log(480)) * 10) / 10;
  const title = `${pick(ADJECTIVES)} ${pick(TOPICS)} ${pick(FORMATS)}`;
  const tags = Array.from({ length: Math.floor(Math.random() * 6) }, () => pick(TAGS));
  return {
    videoId: newId(),
    userId: pick(userIds),
    title,
    description: description(),
    tags: [...new Set(tags)],
    visibility: weighted(VISIBILITIES),
    status,
    failureReason: status === 'failed' ? 'The file ended before its first video frame; please upload it again.' : null,
    progress: isProcessed ? 1 : 0,
    duration: status === 'awaiting_upload' ? null : durationSec,
    width: status === 'awaiting_upload' ? null : width,
    height: status === 'awaiting_upload' ? null : height,
    originalFilename: `${title.toLowerCase().replace(/[^a-z0-9]+/g, '-')}.mp4`,
    // ~8 Mbit/s average source bitrate.
    originalSizeBytes: Math.round(durationSec * 1_000_000),
    currentVersion: isProcessed ? newId() : null,
    processedAt: isProcessed ? new Date() : null,
  };
}

/** Columns bound per row: a batch must stay under PostgreSQL's 65,535 bind parameters. */
export const PARAMS_PER_ROW = Object.keys(makeVideoRow(['u'])).length;
