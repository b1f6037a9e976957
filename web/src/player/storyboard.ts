/**
 * Storyboard thumbnails for the seek bar: a WebVTT track whose cues point into a sprite with a
 * media fragment (`storyboard.jpg#xywh=x,y,w,h`), URLs relative to the .vtt.
 */
export interface StoryboardCue {
  startSec: number;
  endSec: number;
  imageUrl: string;
  x: number;
  y: number;
  w: number;
  h: number;
}

/** "01:02:03.500" or "02:03.500" → seconds. */
export function parseVttTime(text: string): number {
  const parts = text.trim().split(':').map(Number);
  return parts.reduce((acc, part) => acc * 60 + part, 0);
}

/** Parse the VTT text; `baseUrl` resolves relative image URLs. Malformed cues are skipped. */
export function parseStoryboardVtt(text: string, baseUrl: string): StoryboardCue[] {
  const cues: StoryboardCue[] = [];
  const blocks = text.replace(/\r\n?/g, '\n').split(/\n\n+/);
  for (const block of blocks) {
    const lines = block.split('\n').filter(Boolean);
    const timingIndex = lines.findIndex((l) => l.includes('-->'));
    const target = lines[timingIndex + 1];
    if (timingIndex < 0 || !target) continue;
    const [start, end] = lines[timingIndex]!.split('-->').map((s) => s.trim().split(/\s+/)[0] ?? '');
    const [path, fragment] = target.trim().split('#xywh=');
    const box = fragment?.split(',').map(Number);
    if (!path || !box || box.length !== 4 || box.some((n) => !Number.isFinite(n))) continue;
    cues.push({
      startSec: parseVttTime(start ?? ''),
      endSec: parseVttTime(end ?? ''),
      imageUrl: new URL(path, baseUrl).href,
      x: box[0]!, y: box[1]!, w: box[2]!, h: box[3]!,
    });
  }
  return cues;
}

/** The cue covering `timeSec` (binary search: cues are in time order). */
export function cueAt(cues: StoryboardCue[], timeSec: number): StoryboardCue | undefined {
  let lo = 0;
  let hi = cues.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const cue = cues[mid]!;
    if (timeSec < cue.startSec) hi = mid - 1;
    else if (timeSec >= cue.endSec) lo = mid + 1;
    else return cue;
  }
  return cues[Math.min(Math.max(hi, 0), cues.length - 1)];
}

export async function loadStoryboard(vttUrl: string, signal?: AbortSignal): Promise<StoryboardCue[]> {
  const absolute = new URL(vttUrl, location.href).href;
  const res = await fetch(absolute, { signal });
  if (!res.ok) throw new Error(`storyboard ${res.status}`);
  const cues = parseStoryboardVtt(await res.text(), absolute);
  // Warm the sprite so the first hover already shows a picture.
  if (cues[0]) new Image().src = cues[0].imageUrl;
  return cues;
}
