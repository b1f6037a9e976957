import { api } from '../api.js';
import { h, replaceChildren } from '../dom.js';
import { formatDuration, formatViews } from '../format.js';
import type { Video } from '../types.js';
import { channelLink } from './channel-link.js';

const LIMIT = 12;

/**
 * "Up next" beside the player: videos related to this one (watched in the same sessions, or
 * alike in tags, title and channel). When there are none yet, or the list fails to load, the
 * newest videos stand in under "More videos"; when that fails too the column stays empty, since
 * a side list must never disturb the video.
 */
export async function upNext(root: HTMLElement, currentId: string, signal: AbortSignal): Promise<void> {
  const playable = (items: Video[]) => items.filter((v) => v.id !== currentId && v.status === 'ready');
  let related: Video[] = [];
  try {
    related = playable((await api.related(currentId, LIMIT, signal)).items);
  } catch {
    // Related videos unavailable (an older server, or a failure): the newest stand in below.
  }
  if (signal.aborted) return;
  if (related.length > 0) return draw(root, 'Up next', related, 'related');
  try {
    const newest = playable((await api.listVideos({ sort: 'newest', limit: LIMIT }, signal)).items);
    if (!signal.aborted && newest.length > 0) draw(root, 'More videos', newest, 'newest');
  } catch {
    // Nothing to show beside the video: the column stays empty.
  }
}

function draw(root: HTMLElement, title: string, videos: Video[], source: 'related' | 'newest'): void {
  replaceChildren(root,
    h('h2', { class: 'section-title' }, title),
    h('ul', { class: 'up-next', 'data-source': source, 'data-testid': 'up-next' }, videos.map((v) =>
      h('li', { class: 'up-next-item', 'data-video-id': v.id },
        h('a', { href: `/watch/${v.id}`, class: 'up-next-thumb', tabindex: -1, 'aria-hidden': 'true' },
          v.posterUrl ? h('img', { src: v.posterUrl, alt: '', loading: 'lazy', width: 168, height: 94 }) : h('span', { class: 'up-next-letter' }, v.title.slice(0, 1).toUpperCase()),
          v.duration !== null && h('span', { class: 'card-duration' }, formatDuration(v.duration)),
        ),
        h('span', { class: 'up-next-text' },
          h('a', { href: `/watch/${v.id}`, class: 'up-next-title' }, v.title),
          channelLink(v.owner.username, { class: 'muted' }),
          h('span', { class: 'muted' }, formatViews(v.viewCount)),
        ),
      ),
    )),
  );
}
