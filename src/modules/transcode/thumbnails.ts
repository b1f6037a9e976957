import type { LadderRung } from './types.js';

/**
 * Poster and storyboard (the scrub-bar preview sprite) planning. Both are extra outputs of the
 * one transcode run: `select` keeps only the frames they need before any scaling, so they cost
 * almost nothing next to the video encodes, and the source is decoded once.
 */

/** At most ~100 tiles keeps the sprite one JPEG of ≈1600x900 (small enough for the player). */
export const MAX_STORYBOARD_TILES = 100;
/** Tile long side: 160 px is what YouTube-style scrub previews show. */
export const TILE_LONG_SIDE = 160;
const MAX_COLUMNS = 10;
/** Poster width limit: a 1280-wide JPEG is sharp on any card or player start frame. */
const POSTER_MAX_WIDTH = 1280;

export interface StoryboardPlan {
  intervalSec: number;
  tileCount: number;
  tileWidth: number;
  tileHeight: number;
  columns: number;
  rows: number;
}

export interface PosterPlan {
  atSec: number;
  width: number;
  height: number;
}

/** One tile every `intervalSec` (whole seconds, ≥ 1) so that there are at most 100 tiles. */
export function planStoryboard(durationSec: number, width: number, height: number): StoryboardPlan {
  const intervalSec = Math.max(1, Math.ceil(durationSec / MAX_STORYBOARD_TILES));
  const tileCount = Math.max(1, Math.ceil(durationSec / intervalSec));
  const scale = TILE_LONG_SIDE / Math.max(width, height);
  const columns = Math.min(MAX_COLUMNS, tileCount);
  return {
    intervalSec,
    tileCount,
    tileWidth: even(width * scale),
    tileHeight: even(height * scale),
    columns,
    rows: Math.ceil(tileCount / columns),
  };
}

/** A frame at 10% of the video (past intros and fades), at least 1 s in, at most half-way. */
export function planPoster(durationSec: number, top: Pick<LadderRung, 'width' | 'height'>): PosterPlan {
  const atSec = Math.min(Math.max(durationSec * 0.1, 1), durationSec / 2);
  const scale = Math.min(1, POSTER_MAX_WIDTH / top.width);
  return { atSec: round3(atSec), width: even(top.width * scale), height: even(top.height * scale) };
}

/**
 * ffmpeg (5.1, `print_report`) writes no `-progress` block at all until every output file has
 * written its header, and an image output writes its header only when its first frame arrives.
 * A sprite that appears at the end of the video (or a poster at 10% of it) would therefore hold
 * back all progress until then. So each still output gets a stand-in frame at once, which the
 * real picture overwrites (`-update 1`): see `STILL_OUTPUT_ARGS` in ffmpeg-args.ts.
 */

/**
 * Filter-graph branches (input label → output label) that pick, scale and tile the frames.
 * `selected_n*interval` anchors picks to an absolute grid, so they never drift on long videos.
 * The sprite comes second, after a one-frame black stand-in of the same size (see above); the
 * `setpts` gives the two frames distinct timestamps the JPEG encoder accepts.
 */
export function storyboardFilter(input: string, output: string, plan: StoryboardPlan): string {
  const size = `${plan.columns * plan.tileWidth}x${plan.rows * plan.tileHeight}`;
  return (
    `[${input}]select='gte(t\\,selected_n*${plan.intervalSec})',` +
    `scale=${plan.tileWidth}:${plan.tileHeight},setsar=1,` +
    `tile=${plan.columns}x${plan.rows}[${output}tiles];` +
    `color=c=black:s=${size}:r=1:d=1,setsar=1[${output}standin];` +
    `[${output}standin][${output}tiles]concat=n=2:v=1:a=0,setpts=N/TB[${output}]`
  );
}

export function posterFilter(input: string, output: string, plan: PosterPlan): string {
  // Frame 0 is the stand-in (see above); then, while exactly one frame has been picked, the first
  // frame at or after atSec. Two frames leave the branch (only frame 0 if the video ends sooner).
  return (
    `[${input}]select='eq(n\\,0)+eq(selected_n\\,1)*gte(t\\,${plan.atSec})',` +
    `scale=${plan.width}:${plan.height},setsar=1[${output}]`
  );
}

/**
 * WebVTT thumbnail track: one cue per tile pointing into the sprite with a media fragment
 * (`storyboard.jpg#xywh=x,y,w,h`). The URL is relative to the .vtt, so a CDN or a signing proxy
 * can serve both from anywhere.
 */
export function storyboardVtt(plan: StoryboardPlan, durationSec: number, imageName = 'storyboard.jpg'): string {
  const cues: string[] = ['WEBVTT', ''];
  for (let i = 0; i < plan.tileCount; i++) {
    const start = i * plan.intervalSec;
    const end = Math.min((i + 1) * plan.intervalSec, durationSec);
    if (end <= start) break;
    const x = (i % plan.columns) * plan.tileWidth;
    const y = Math.floor(i / plan.columns) * plan.tileHeight;
    cues.push(`${vttTime(start)} --> ${vttTime(end)}`);
    cues.push(`${imageName}#xywh=${x},${y},${plan.tileWidth},${plan.tileHeight}`, '');
  }
  return cues.join('\n');
}

export function vttTime(sec: number): string {
  const ms = Math.round(sec * 1000);
  const h = Math.floor(ms / 3_600_000);
  const m = Math.floor((ms % 3_600_000) / 60_000);
  const s = Math.floor((ms % 60_000) / 1000);
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${pad(h)}:${pad(m)}:${pad(s)}.${pad(ms % 1000, 3)}`;
}

const even = (n: number) => Math.max(2, Math.round(n / 2) * 2);
const round3 = (n: number) => Math.round(n * 1000) / 1000;
