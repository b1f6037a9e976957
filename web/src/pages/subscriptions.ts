import { showMoreButton } from '../components/show-more.js';
import { api, type ApiError } from '../api.js';
import { channelPath } from '../components/channel-link.js';
import { messagePanel } from '../components/message-panel.js';
import { requireSignedIn } from '../components/sign-in-required.js';
import { videoGrid, videoGridSkeleton } from '../components/video-card.js';
import { h, replaceChildren } from '../dom.js';
import { setTitle } from '../navigation.js';
import type { PageContext } from '../router.js';
import type { SubscriptionList } from '../types.js';

const FEED_PAGE = 24;

/**
 * Subscriptions (signed in): the channels followed, as a strip of links, then their new videos,
 * newest first (GET /me/feed), a page at a time.
 */
export async function render({ outlet, signal }: PageContext): Promise<void> {
  setTitle('Subscriptions');
  const user = await requireSignedIn(outlet, 'Subscriptions', 'Log in to follow channels and see their new videos here.');
  if (!user || signal.aborted) return;
  const channels = h('div', { class: 'channel-strip-slot' });
  const body = h('div', { class: 'feed-body', 'aria-busy': 'true' }, videoGridSkeleton(4));
  outlet.append(h('div', { class: 'page', 'data-page': 'subscriptions' },
    h('h1', { class: 'page-title' }, 'Subscriptions'),
    channels,
    body,
  ));

  async function load(): Promise<void> {
    try {
      const [subs, feed] = await Promise.all([api.subscriptions({ limit: 100 }, signal), api.feed({ limit: FEED_PAGE }, signal)]);
      if (signal.aborted) return;
      body.removeAttribute('aria-busy');
      replaceChildren(channels, subs.items.length > 0 && channelStrip(subs));
      if (subs.items.length === 0) {
        replaceChildren(body, messagePanel({
          title: 'You do not follow any channel yet',
          body: 'Press Subscribe on a channel page or under a video: their new videos then appear here and on your home page.',
          actions: h('a', { href: '/', class: 'btn btn-primary' }, 'Find something to watch'),
        }));
        return;
      }
      if (feed.items.length === 0) {
        replaceChildren(body, messagePanel({ title: 'No videos yet', body: 'The channels you follow have not published a video yet.' }));
        return;
      }
      const grid = videoGrid(feed.items, 'New videos from your subscriptions');
      const more = showMoreButton(feed.nextCursor, (cursor) => api.feed({ limit: FEED_PAGE, cursor }, signal),
        (items) => grid.append(...videoGrid(items, '').children), signal);
      replaceChildren(body, h('section', { class: 'home-section', 'aria-labelledby': 'feed-heading' }, h('h2', { class: 'section-title', id: 'feed-heading' }, 'Latest'), grid, h('div', { class: 'more-row' }, more)));
    } catch (err) {
      if (signal.aborted) return;
      body.removeAttribute('aria-busy');
      replaceChildren(body, messagePanel({ tone: 'error', title: 'Could not load your subscriptions', body: (err as ApiError).message, onRetry: () => void load() }));
    }
  }
  await load();
}

function channelStrip(subs: SubscriptionList): HTMLElement {
  return h('ul', { class: 'channel-strip', 'aria-label': 'Channels you follow' },
    subs.items.map((c) => h('li', {},
      h('a', { href: channelPath(c.username), class: 'channel-chip' },
        h('span', { class: 'avatar', 'aria-hidden': 'true' }, c.username.slice(0, 1).toUpperCase()),
        h('span', { class: 'channel-chip-name' }, c.username),
      ),
    )),
  );
}
