import { api } from '../api.js';
import { h, replaceChildren } from '../dom.js';
import { formatDuration, formatViews } from '../format.js';

/** "More videos" beside the player: the newest public videos other than this one. */
export async function upNext(root: HTMLElement, currentId: string, signal: AbortSignal): Promise<void> {
  try {
    const { items } = await api.listVideos({ sort: 'newest', limit: 12 }, signal);
    const others = items.filter((v) => v.id !== currentId && v.status === 'ready');
    if (signal.aborted || others.length === 0) return;
    replaceChildren(root,
      h('h2', { class: 'section-title' }, 'More videos'),
      h('ul', { class: 'up-next' }, others.map((v) =>
        h('li', {},
          h('a', { href: `/watch/${v.id}`, class: 'up-next-item' },
            h('span', { class: 'up-next-thumb' },
              v.posterUrl ? h('img', { src: v.posterUrl, alt: '', loading: 'lazy', width: 168, height: 94 }) : null,
              v.duration !== null && h('span', { class: 'card-duration' }, formatDuration(v.duration)),
            ),
            h('span', { class: 'up-next-text' }, h('span', { class: 'up-next-title' }, v.title), h('span', { class: 'muted' }, v.owner.username), h('span', { class: 'muted' }, formatViews(v.viewCount))),
          ),
        ),
      )),
    );
  } catch {
    // A side list failing to load must not disturb the video: leave the column empty.
  }
}
