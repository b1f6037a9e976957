import { h } from '../dom.js';

/** Where a channel's page is. */
export function channelPath(username: string): string {
  return `/c/${encodeURIComponent(username)}`;
}

/** A username as a link to its channel page (cards, watch page, up next, history, search). */
export function channelLink(username: string, opts: { class?: string; avatar?: boolean } = {}): HTMLAnchorElement {
  return h('a', { href: channelPath(username), class: `channel-link ${opts.class ?? ''}`.trim() },
    opts.avatar && h('span', { class: 'avatar', 'aria-hidden': 'true' }, username.slice(0, 1).toUpperCase()),
    username,
  );
}
