import { showMoreButton } from '../components/show-more.js';
import { api, ApiError } from '../api.js';
import { messagePanel } from '../components/message-panel.js';
import { subscribeButton } from '../components/subscribe-button.js';
import { videoGrid, videoGridSkeleton } from '../components/video-card.js';
import { h, replaceChildren } from '../dom.js';
import { formatViews } from '../format.js';
import { setTitle } from '../navigation.js';
import type { PageContext } from '../router.js';
import { loadSession } from '../session.js';
import type { Channel } from '../types.js';
import { renderNotFound } from './not-found.js';

const PAGE_SIZE = 24;
const count = (n: number, one: string, many: string) => `${n.toLocaleString('en')} ${n === 1 ? one : many}`;
const joined = new Intl.DateTimeFormat('en', { month: 'long', year: 'numeric' });

/**
 * A channel, /c/:username: who it is (subscribers, videos, views, since when), Subscribe, and its
 * public videos newest first with "Show more". The owner sees it as everyone does, with a way to
 * their own videos instead of a Subscribe button.
 */
export async function render({ params, outlet, signal }: PageContext): Promise<void> {
  const username = params.username ?? '';
  setTitle(username);
  const head = h('header', { class: 'channel-head' }, h('div', { class: 'channel-avatar skeleton-block', 'aria-hidden': 'true' }), h('div', { class: 'channel-id' }, h('h1', { class: 'page-title channel-name' }, username)));
  const body = h('div', { class: 'channel-body', 'aria-busy': 'true' }, videoGridSkeleton(4));
  const page = h('div', { class: 'page page-channel', 'data-page': 'channel' }, head, body);
  outlet.append(page);

  async function load(): Promise<void> {
    let answer;
    try {
      answer = await api.channel(username, { limit: PAGE_SIZE }, signal);
    } catch (err) {
      if (signal.aborted) return;
      const error = err as ApiError;
      if (error.status === 404 || error.status === 400) return renderNotFound(outlet, `There is no channel named “${username}”. Check the spelling, or search for it.`, 'Channel not found');
      body.removeAttribute('aria-busy');
      replaceChildren(body, messagePanel({ tone: 'error', title: 'Could not load this channel', body: error.message, onRetry: error.isRetryable ? () => void load() : undefined }));
      return;
    }
    const user = await loadSession();
    if (signal.aborted) return;
    const { channel } = answer;
    setTitle(channel.username);
    drawHead(channel, user?.id === channel.id);
    body.removeAttribute('aria-busy');
    if (answer.items.length === 0) {
      replaceChildren(body, messagePanel({
        title: user?.id === channel.id ? 'Your channel has no public videos yet' : `${channel.username} has no videos yet`,
        body: user?.id === channel.id ? 'Public videos you upload appear here, newest first.' : 'Subscribe to see their first video in your feed when it comes.',
        actions: user?.id === channel.id ? h('a', { href: '/upload', class: 'btn btn-primary' }, 'Upload a video') : null,
      }));
      return;
    }
    const grid = videoGrid(answer.items, `Videos of ${channel.username}`, { hideOwner: true });
    const more = showMoreButton(answer.nextCursor, (cursor) => api.channel(username, { limit: PAGE_SIZE, cursor }, signal),
      (items) => grid.append(...videoGrid(items, '', { hideOwner: true }).children), signal);
    replaceChildren(body,
      h('section', { class: 'home-section', 'aria-labelledby': 'channel-videos' }, h('h2', { class: 'section-title', id: 'channel-videos' }, 'Videos'), grid, h('div', { class: 'more-row' }, more)),
    );
  }

  function drawHead(channel: Channel, isOwn: boolean): void {
    const subscribers = h('span', { 'data-testid': 'subscriber-count' }, count(channel.subscriberCount, 'subscriber', 'subscribers'));
    const action = isOwn
      ? h('a', { href: '/me/videos', class: 'btn btn-secondary' }, 'Manage your videos')
      : subscribeButton({ username: channel.username, subscribed: channel.subscribed, onChange: (s) => (subscribers.textContent = count(s.subscriberCount, 'subscriber', 'subscribers')) });
    replaceChildren(head,
      h('div', { class: 'channel-avatar', 'aria-hidden': 'true' }, channel.username.slice(0, 1).toUpperCase()),
      h('div', { class: 'channel-id' },
        h('h1', { class: 'page-title channel-name' }, channel.username),
        h('p', { class: 'channel-stats muted' }, subscribers, ' · ', count(channel.videoCount, 'video', 'videos'), ' · ', formatViews(channel.viewCount)),
        h('p', { class: 'channel-since muted' }, `Joined ${joined.format(new Date(channel.createdAt))}`),
      ),
      h('div', { class: 'channel-action' }, action),
    );
  }

  await load();
}
