import { showMoreButton } from '../components/show-more.js';
import { api, ApiError } from '../api.js';
import { messagePanel } from '../components/message-panel.js';
import { videoCard, videoGrid, videoGridSkeleton } from '../components/video-card.js';
import { h, replaceChildren } from '../dom.js';
import { setTitle } from '../navigation.js';
import type { PageContext } from '../router.js';
import type { HistoryItem, Video, VideoList } from '../types.js';
import { loadSession } from '../session.js';

/** One row's worth on a wide screen: the point is to pick up, not to browse history (that is /me/history). */
const CONTINUE_LIMIT = 4;

const ROW_LIMIT = 8;

/**
 * Home: for a signed-in viewer, "Continue watching" (videos left part-way, from their history),
 * "From your subscriptions" and "Recommended for you"; for everyone "Trending", then the newest
 * uploads (with "Show more") and, when trending has nothing and it differs from them, the most
 * watched. Each extra row loads on its own: one that fails or comes back empty is left out, and
 * never holds up or breaks the rest.
 */
export async function render({ outlet, signal }: PageContext): Promise<void> {
  setTitle();
  const body = h('div', { class: 'home-body' }, videoGridSkeleton());
  outlet.append(h('h1', { class: 'visually-hidden' }, 'Kinema — videos'), body);

  async function load(): Promise<void> {
    replaceChildren(body, videoGridSkeleton());
    body.setAttribute('aria-busy', 'true');
    try {
      const user = await loadSession();
      const rows = {
        feed: user ? optionalRow(() => api.feed({ limit: 4 }, signal)) : null,
        recommended: user ? optionalRow(() => api.recommendations(ROW_LIMIT, signal)) : null,
        trending: optionalRow(() => api.trending(ROW_LIMIT, signal)),
      };
      const [newest, popular, unfinished] = await Promise.all([
        api.listVideos({ sort: 'newest', limit: 12 }, signal),
        api.listVideos({ sort: 'popular', limit: 8 }, signal),
        continueWatching(signal),
      ]);
      if (signal.aborted) return;
      body.removeAttribute('aria-busy');
      if (newest.items.length === 0) {
        replaceChildren(body, messagePanel({
          title: 'No videos yet — upload the first one',
          body: 'Kinema turns any video you upload into adaptive streams that start fast on every screen.',
          actions: h('a', { href: '/upload', class: 'btn btn-primary' }, 'Upload a video'),
        }));
        return;
      }
      replaceChildren(body,
        unfinished.length > 0 && section('continue', 'Continue watching',
          h('ul', { class: 'video-grid', 'aria-label': 'Continue watching' }, unfinished.map((item) => videoCard(item.video, { resumeAtSec: item.positionSec }))),
          h('p', { class: 'section-more' }, h('a', { href: '/me/history' }, 'All your history'))),
        rows.feed && lazyRow(rows.feed, signal, (items) => section('subscriptions', 'From your subscriptions', strip(items, 'New from your subscriptions'),
          h('p', { class: 'section-more' }, h('a', { href: '/me/subscriptions' }, 'All your subscriptions')))),
        rows.recommended && lazyRow(rows.recommended, signal, (items) => section('recommended', 'Recommended for you', strip(items, 'Recommended for you'))),
        lazyRow(rows.trending.then((items) => (addsToNewest(items, newest) ? items : [])), signal, (items) => section('trending', 'Trending', strip(items, 'Trending videos'))),
        newestSection(newest.items, newest.nextCursor, signal),
        popularRow(rows.trending, popular.items, newest.items, signal),
      );
    } catch (err) {
      if (signal.aborted) return;
      body.removeAttribute('aria-busy');
      replaceChildren(body, messagePanel({ tone: 'error', title: 'Could not load videos', body: (err as ApiError).message, onRetry: () => void load() }));
    }
  }
  await load();
}

/** A row of cards that, on a phone, scrolls sideways instead of stacking. */
function strip(items: Video[], label: string): HTMLElement {
  const grid = videoGrid(items, label);
  grid.classList.add('video-strip');
  return grid;
}

/** A row's videos, or an empty list when the row could not load (it is then left out). */
async function optionalRow(fetchRow: () => Promise<{ items: Video[] }>): Promise<Video[]> {
  try {
    return (await fetchRow()).items.filter((v) => v.status === 'ready');
  } catch {
    // A row of home failing (an older server without the endpoint, a timeout) hides that row only.
    return [];
  }
}

/** A slot that becomes the row once its videos arrive, or goes away when there are none. */
function lazyRow(items: Promise<Video[]>, signal: AbortSignal, draw: (items: Video[]) => HTMLElement): HTMLElement {
  const slot = h('div', { class: 'home-row-slot', hidden: true });
  void items.then((list) => {
    if (signal.aborted) return;
    if (list.length === 0) return slot.remove();
    slot.replaceWith(draw(list));
  });
  return slot;
}

/**
 * Trending gets a row unless Newest already shows the whole catalogue including every trending
 * video: on a small instance both rows would hold the same cards.
 */
export function addsToNewest(trending: Video[], newest: VideoList): boolean {
  if (trending.length === 0) return false;
  if (newest.nextCursor) return true;
  const shown = new Set(newest.items.map((v) => v.id));
  return trending.some((v) => !shown.has(v.id));
}

/** The most watched, only when Trending has nothing to show and it adds to Newest. */
function popularRow(trending: Promise<Video[]>, popular: Video[], newest: Video[], signal: AbortSignal): HTMLElement | null {
  if (!isWorthARow(popular, newest)) return null;
  const slot = h('div', { class: 'home-row-slot', hidden: true });
  void trending.then((list) => {
    if (signal.aborted) return;
    if (list.length > 0) slot.remove();
    else slot.replaceWith(section('popular', 'Popular', videoGrid(popular, 'Popular videos')));
  });
  return slot;
}

/**
 * Videos the signed-in viewer left part-way, newest first. A history that fails to load leaves the
 * row out rather than the page: the rest of home does not depend on it.
 */
async function continueWatching(signal: AbortSignal): Promise<HistoryItem[]> {
  const user = await loadSession();
  if (!user) return [];
  try {
    const page = await api.history({ limit: 24 }, signal);
    return pickUnfinished(page.items, CONTINUE_LIMIT);
  } catch {
    return [];
  }
}

/** Started, not finished (the server's 90 % rule), still playable. */
export function pickUnfinished(items: HistoryItem[], limit: number): HistoryItem[] {
  return items.filter((i) => !i.completed && i.positionSec > 0 && i.video.status === 'ready').slice(0, limit);
}

/**
 * Popular gets its own row only when it shows something Newest does not: some video has been
 * watched, and at least one popular video is not already on screen. With a handful of videos both
 * rows would hold the same cards.
 */
export function isWorthARow(popular: Video[], newest: Video[]): boolean {
  const shown = new Set(newest.map((v) => v.id));
  return popular.some((v) => v.viewCount > 0) && popular.some((v) => !shown.has(v.id));
}

function section(id: string, title: string, ...content: (Node | false | null)[]): HTMLElement {
  return h('section', { class: 'home-section', 'aria-labelledby': `${id}-heading` }, h('h2', { class: 'section-title', id: `${id}-heading` }, title), content);
}

function newestSection(items: Video[], cursor: string | null, signal: AbortSignal): HTMLElement {
  const grid = videoGrid(items, 'Newest videos');
  const more = showMoreButton(cursor, (c) => api.listVideos({ sort: 'newest', limit: 12, cursor: c }, signal),
    (page) => grid.append(...videoGrid(page, '').children), signal);
  return section('newest', 'Newest', grid, h('div', { class: 'more-row' }, more));
}
