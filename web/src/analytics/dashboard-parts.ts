import { h } from '../dom.js';

/** The periods a dashboard offers, in days (the API takes 1–90). */
export const PERIODS = [7, 28, 90];

/** "Last 7 / 28 / 90 days" as a segmented radio group. */
export function periodPicker(current: number, onChange: (days: number) => void): HTMLElement {
  const group = h('fieldset', { class: 'segmented' }, h('legend', { class: 'visually-hidden' }, 'Period'));
  for (const days of PERIODS) {
    const input = h('input', { type: 'radio', name: 'period', value: days, checked: days === current, class: 'visually-hidden' });
    input.addEventListener('change', () => input.checked && onChange(days));
    group.append(h('label', { class: 'segment' }, input, h('span', {}, `${days} days`)));
  }
  return group;
}

/** The live "N watching now" pill: a pulsing dot while anyone is. */
export function watchingNowPill(): { element: HTMLElement; set(count: number): void } {
  const value = h('strong', { 'data-testid': 'watching-now' }, '–');
  const element = h('p', { class: 'live-pill', 'aria-live': 'polite' }, h('span', { class: 'live-dot', 'aria-hidden': 'true' }), value, ' watching now');
  return {
    element,
    set(count) {
      value.textContent = String(count);
      element.classList.toggle('is-live', count > 0);
    },
  };
}
