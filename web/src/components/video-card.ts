import { h } from '../dom.js';
import { describeDuration, formatAge, formatDuration, formatViews } from '../format.js';
import type { Video } from '../types.js';

/** One grid tile: poster with its duration, title, channel, views and age; links to the watch page. */
export function videoCard(video: Video): HTMLElement {
  const poster = video.posterUrl
    ? h('img', { class: 'card-poster', src: video.posterUrl, alt: '', loading: 'lazy', decoding: 'async', width: 320, height: 180 })
    : h('div', { class: 'card-poster card-poster-empty', 'aria-hidden': 'true' }, video.title.slice(0, 1).toUpperCase());
  return h('li', { class: 'video-card' },
    h('a', { href: `/watch/${video.id}`, class: 'card-link' },
      h('div', { class: 'card-thumb' },
        poster,
        video.duration !== null && h('span', { class: 'card-duration' },
          h('span', { 'aria-hidden': 'true' }, formatDuration(video.duration)),
          h('span', { class: 'visually-hidden' }, `, ${describeDuration(video.duration)}`),
        ),
      ),
      h('h3', { class: 'card-title' }, video.title),
    ),
    h('p', { class: 'card-meta' },
      h('span', { class: 'card-owner' }, video.owner.username),
      h('span', {}, `${formatViews(video.viewCount)} · ${formatAge(video.createdAt)}`),
    ),
  );
}

/** A responsive grid of cards. */
export function videoGrid(videos: Video[], label: string): HTMLElement {
  return h('ul', { class: 'video-grid', 'aria-label': label }, videos.map(videoCard));
}

/** Grey placeholders shown while a list loads, so the layout does not jump. */
export function videoGridSkeleton(count = 8): HTMLElement {
  return h('ul', { class: 'video-grid', 'aria-hidden': 'true' },
    Array.from({ length: count }, () => h('li', { class: 'video-card skeleton' }, h('div', { class: 'card-thumb' }), h('div', { class: 'skeleton-line' }), h('div', { class: 'skeleton-line short' }))),
  );
}
