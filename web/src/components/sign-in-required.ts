import { h } from '../dom.js';
import { currentPath } from '../navigation.js';
import { loadSession } from '../session.js';
import type { User } from '../types.js';
import { messagePanel } from './message-panel.js';

/**
 * For pages that need an account: resolves the user, or renders "log in to …" (with a link
 * back here afterwards) and resolves null.
 */
export async function requireSignedIn(outlet: HTMLElement, title: string, reason: string): Promise<User | null> {
  const user = await loadSession();
  if (user) return user;
  const next = encodeURIComponent(currentPath());
  outlet.replaceChildren(
    h('div', { class: 'page page-narrow' },
      h('h1', { class: 'page-title' }, title),
      messagePanel({
        title: 'Log in to continue',
        body: reason,
        actions: [h('a', { href: `/login?next=${next}`, class: 'btn btn-primary' }, 'Log in'), h('a', { href: `/signup?next=${next}`, class: 'btn btn-secondary' }, 'Create an account')],
      }),
    ),
  );
  return null;
}
