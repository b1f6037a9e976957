import type { ApiError } from '../api.js';
import { h } from '../dom.js';

/** One page of a cursor-paged list. */
export interface Page<T> {
  items: T[];
  nextCursor?: string | null;
}

/**
 * The "Show more" button under a paged list: fetches the page after `cursor`, hands its items to
 * `append`, hides itself after the last page, and turns a failure into "… Try again" on itself.
 * @example h('div', { class: 'more-row' }, showMoreButton(first.nextCursor, (c) => api.feed({ cursor: c }, signal), (items) => grid.append(...cards(items)), signal))
 */
export function showMoreButton<T>(cursor: string | null | undefined, loadPage: (cursor: string) => Promise<Page<T>>, append: (items: T[]) => void, signal: AbortSignal): HTMLButtonElement {
  const label = 'Show more';
  const more = h('button', { type: 'button', class: 'btn btn-secondary', hidden: !cursor }, label) as HTMLButtonElement;
  more.addEventListener('click', async () => {
    if (!cursor) return;
    more.disabled = true;
    more.textContent = 'Loading…';
    try {
      const page = await loadPage(cursor);
      append(page.items);
      cursor = page.nextCursor;
      more.hidden = !cursor;
      more.textContent = label;
    } catch (err) {
      if (!signal.aborted) more.textContent = `${(err as ApiError).message} Try again`;
    } finally {
      more.disabled = false;
    }
  });
  return more;
}
