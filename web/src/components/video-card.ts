import { h } from '../dom.js';
import { describeDuration, formatAge, formatDuration, formatViews } from '../format.js';
import type { Video } from '../types.js';
import { channelLink } from './channel-link.js';
import { highlighted } from '../search/highlight.js';

/**
 * The red line along the bottom of a poster: how far the viewer got. Its width is set through
 * CSSOM (the site's CSP allows no style attributes).
 */
export function watchedLine(positionSec: number, durationSec: number | null): HTMLElement | null {
  if (!durationSec || durationSec <= 0) return null;
  const fill = h('span', { class: 'watched-fill' });
  fill.style.width = `${Math.max(2, Math.min(100, (positionSec / durationSec) * 100))}%`;
  return h('span', { class: 'watched-line', 'aria-hidden': 'true' }, fill);
}

export interface CardExtras {
  /** Where the viewer stopped: drawn as a line on the poster, and a "Resume at" caption. */
  resumeAtSec?: number;
  /** Leave the channel out (on the channel's own page every card would say the same). */
  hideOwner?: boolean;
}

/** One grid tile: poster with its duration, title, channel, views and age; links to the watch page. */
export function videoCard(video: Video, extras: CardExtras = {}): HTMLElement {
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
        extras.resumeAtSec !== undefined && watchedLine(extras.resumeAtSec, video.duration),
      ),
      h('h3', { class: 'card-title' }, video.title),
    ),
    h('p', { class: 'card-meta' },
      !extras.hideOwner && channelLink(video.owner.username, { class: 'card-owner' }),
      extras.resumeAtSec !== undefined
        ? h('span', { class: 'card-resume' }, `Resume at ${formatDuration(extras.resumeAtSec)}`)
        : h('span', {}, `${formatViews(video.viewCount)} · ${formatAge(video.createdAt)}`),
    ),
  );
}

/** A responsive grid of cards. */
export function videoGrid(videos: Video[], label: string, extras: CardExtras = {}): HTMLElement {
  return h('ul', { class: 'video-grid', 'aria-label': label }, videos.map((v) => videoCard(v, extras)));
}

/** A poster for rows (search results, history): the image, or the title's first letter. */
export function rowPoster(video: Video, width: number, height: number): HTMLElement {
  return video.posterUrl
    ? h('img', { src: video.posterUrl, alt: '', loading: 'lazy', width, height })
    : h('div', { class: 'row-thumb-empty', 'aria-hidden': 'true' }, video.title.slice(0, 1).toUpperCase());
}

/** The title with the words of a search marked (no marks when `query` is empty). */
export function titleText(video: Video, query = ''): (string | HTMLElement)[] {
  return query ? highlighted(video.title, query) : [video.title];
}

/** Grey placeholders shown while a list loads, so the layout does not jump. */
export function videoGridSkeleton(count = 8): HTMLElement {
  return h('ul', { class: 'video-grid', 'aria-hidden': 'true' },
    Array.from({ length: count }, () => h('li', { class: 'video-card skeleton' }, h('div', { class: 'card-thumb' }), h('div', { class: 'skeleton-line' }), h('div', { class: 'skeleton-line short' }))),
  );
}
