import { h } from '../dom.js';
import { describeDuration, formatDuration } from '../format.js';
import { cueAt, loadStoryboard, type StoryboardCue } from './storyboard.js';

/**
 * The seek bar: a native range input (keyboard, touch and screen readers for free) painted with
 * played and buffered fractions, and a storyboard thumbnail with the time under the pointer.
 */
export function seekBar(video: HTMLVideoElement, opts: { durationSec: number; storyboardUrl: string | null; signal: AbortSignal }): HTMLElement {
  const input = h('input', { type: 'range', class: 'seek-input', min: 0, max: 1000, step: 'any', value: 0, 'aria-label': 'Seek' });
  const thumb = h('div', { class: 'seek-thumb', 'aria-hidden': 'true' });
  const time = h('span', { class: 'seek-time' });
  const preview = h('div', { class: 'seek-preview', hidden: true, 'aria-hidden': 'true' }, thumb, time);
  const wrap = h('div', { class: 'seek' }, preview, input);
  let cues: StoryboardCue[] | undefined;
  let cuesRequested = false;
  let isDragging = false;

  const duration = () => (Number.isFinite(video.duration) && video.duration > 0 ? video.duration : opts.durationSec);

  function paint(): void {
    const d = duration();
    const played = d ? (video.currentTime / d) * 100 : 0;
    let buffered = played;
    for (let i = 0; i < video.buffered.length; i++) {
      if (video.buffered.start(i) <= video.currentTime + 0.5) buffered = Math.max(buffered, (video.buffered.end(i) / d) * 100);
    }
    wrap.style.setProperty('--played', `${played}%`);
    wrap.style.setProperty('--buffered', `${Math.min(100, buffered)}%`);
    if (!isDragging) input.value = String(d ? (video.currentTime / d) * 1000 : 0);
    input.setAttribute('aria-valuetext', `${describeDuration(video.currentTime)} of ${describeDuration(d)}`);
  }

  function requestStoryboard(): void {
    if (cuesRequested || !opts.storyboardUrl) return;
    cuesRequested = true;
    loadStoryboard(opts.storyboardUrl, opts.signal).then(
      (loaded) => (cues = loaded),
      // Previews are a nicety: without them the bar still shows the time under the pointer.
      (err: unknown) => console.warn('storyboard unavailable', err),
    );
  }

  function showPreview(clientX: number): void {
    const rect = input.getBoundingClientRect();
    const ratio = Math.min(1, Math.max(0, (clientX - rect.left) / rect.width));
    const t = ratio * duration();
    time.textContent = formatDuration(t);
    const cue = cues && cueAt(cues, t);
    if (cue) {
      thumb.hidden = false;
      thumb.style.width = `${cue.w}px`;
      thumb.style.height = `${cue.h}px`;
      thumb.style.backgroundImage = `url("${cue.imageUrl}")`;
      thumb.style.backgroundPosition = `-${cue.x}px -${cue.y}px`;
    } else thumb.hidden = true;
    preview.hidden = false;
    const half = (cue?.w ?? 48) / 2;
    const x = Math.min(rect.width - half, Math.max(half, clientX - rect.left));
    preview.style.left = `${x}px`;
  }

  input.addEventListener('pointerenter', requestStoryboard);
  input.addEventListener('pointermove', (e) => showPreview(e.clientX));
  input.addEventListener('pointerleave', () => (preview.hidden = true));
  input.addEventListener('focus', requestStoryboard);
  input.addEventListener('input', () => {
    isDragging = true;
    const t = (Number(input.value) / 1000) * duration();
    video.currentTime = t;
    paint();
  });
  input.addEventListener('change', () => (isDragging = false));
  for (const event of ['timeupdate', 'progress', 'durationchange', 'seeking', 'loadedmetadata']) video.addEventListener(event, paint);
  // Storyboards are fetched once playback runs, off the first-frame critical path.
  video.addEventListener('playing', () => setTimeout(requestStoryboard, 1000), { once: true });
  paint();
  return wrap;
}
