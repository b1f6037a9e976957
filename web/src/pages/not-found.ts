import { messagePanel } from '../components/message-panel.js';
import { h } from '../dom.js';
import { setTitle } from '../navigation.js';
import type { PageContext } from '../router.js';

/** Any URL the app does not know. */
export function render({ outlet }: PageContext): void {
  renderNotFound(outlet, 'There is no page at this address.');
}

/** Shared with the watch page, so unknown and private videos look the same as unknown pages. */
export function renderNotFound(outlet: HTMLElement, body: string, title = 'Page not found'): void {
  setTitle(title);
  outlet.replaceChildren(
    h('div', { class: 'page page-narrow not-found', 'data-page': 'not-found' },
      h('h1', { class: 'page-title' }, title),
      messagePanel({ title: '404', body, actions: h('a', { href: '/', class: 'btn btn-primary' }, 'Go to the home page') }),
    ),
  );
}
