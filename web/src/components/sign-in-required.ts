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

/**
 * For an action that needs an account (subscribe): a small modal saying why, with Log in and
 * Create account links that come back to this page afterwards.
 */
export function signInDialog(title: string, reason: string): void {
  const next = encodeURIComponent(currentPath());
  const close = h('button', { type: 'button', class: 'btn btn-ghost' }, 'Not now');
  const dialog = h('dialog', { class: 'dialog', 'aria-labelledby': 'sign-in-title', 'aria-describedby': 'sign-in-body', 'data-testid': 'sign-in-dialog' },
    h('h2', { id: 'sign-in-title', class: 'dialog-title' }, title),
    h('p', { id: 'sign-in-body' }, reason),
    h('div', { class: 'dialog-actions' },
      close,
      h('a', { href: `/signup?next=${next}`, class: 'btn btn-secondary' }, 'Create an account'),
      h('a', { href: `/login?next=${next}`, class: 'btn btn-primary' }, 'Log in'),
    ),
  );
  close.addEventListener('click', () => dialog.close());
  // Following a link closes it too (the router handles the link itself).
  dialog.addEventListener('click', (e) => (e.target as Element).closest('a') && dialog.close());
  dialog.addEventListener('close', () => dialog.remove());
  document.body.appendChild(dialog);
  dialog.showModal();
  dialog.querySelector<HTMLElement>('.btn-primary')?.focus();
}
