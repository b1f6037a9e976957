import { h } from '../dom.js';

export interface ProgressBar {
  element: HTMLElement;
  /** 0–100; undefined shows an indeterminate bar. */
  set(percent: number | undefined, caption?: string): void;
}

/**
 * A labelled progress bar with a caption; the caption sits in an aria-live region so screen
 * readers hear "42% · 3.1 MB/s · 12 s left" without the bar announcing every tick.
 */
export function progressBar(label: string, id: string): ProgressBar {
  const fill = h('div', { class: 'progress-fill' });
  const track = h('div', { class: 'progress-track', role: 'progressbar', 'aria-label': label, 'aria-valuemin': 0, 'aria-valuemax': 100, id }, fill);
  const caption = h('p', { class: 'progress-caption', 'aria-live': 'polite' });
  const element = h('div', { class: 'progress' }, track, caption);
  return {
    element,
    set(percent, text) {
      if (percent === undefined) {
        track.classList.add('indeterminate');
        track.removeAttribute('aria-valuenow');
        fill.style.width = '';
      } else {
        const clamped = Math.max(0, Math.min(100, percent));
        track.classList.remove('indeterminate');
        track.setAttribute('aria-valuenow', String(Math.floor(clamped)));
        fill.style.width = `${clamped}%`;
      }
      if (text !== undefined && caption.textContent !== text) caption.textContent = text;
    },
  };
}
