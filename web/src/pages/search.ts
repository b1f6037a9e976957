import { api, type ApiError } from '../api.js';
import { channelLink } from '../components/channel-link.js';
import { messagePanel } from '../components/message-panel.js';
import { rowPoster, titleText } from '../components/video-card.js';
import { h, replaceChildren } from '../dom.js';
import { describeDuration, formatAge, formatDuration, formatViews } from '../format.js';
import { navigate, setTitle } from '../navigation.js';
import type { PageContext } from '../router.js';
import { highlighted, snippet } from '../search/highlight.js';
import type { DurationFilter, SearchParams, SearchSort, UploadedFilter, Video } from '../types.js';
import { tagSearchPath } from '../upload/tags.js';

const PAGE_SIZE = 20;

/** The filter menus: value '' is "any". Labels say what the API's values mean (docs/API.md). */
const DURATIONS: [DurationFilter | '', string][] = [['', 'Any length'], ['short', 'Under 4 minutes'], ['medium', '4–20 minutes'], ['long', 'Over 20 minutes']];
const UPLOADED: [UploadedFilter | '', string][] = [['', 'Any time'], ['day', 'Today'], ['week', 'This week'], ['month', 'This month'], ['year', 'This year']];
const SORTS: [SearchSort, string][] = [['relevance', 'Relevance'], ['date', 'Upload date'], ['views', 'View count']];

/** Reads the page's address into search parameters, dropping values the API would refuse. */
export function readSearchParams(query: URLSearchParams): SearchParams {
  const pick = <T extends string>(name: string, allowed: readonly [T | '', string][]): T | undefined => {
    const value = query.get(name) ?? '';
    return allowed.some(([v]) => v === value && v !== '') ? (value as T) : undefined;
  };
  return {
    q: (query.get('q') ?? '').trim().slice(0, 200),
    duration: pick('duration', DURATIONS),
    uploaded: pick('uploaded', UPLOADED),
    sort: pick('sort', SORTS),
  };
}

/** The address of a search (the filters left at "any" stay out of it). */
export function searchPath(p: SearchParams): string {
  const params = new URLSearchParams({ q: p.q });
  if (p.duration) params.set('duration', p.duration);
  if (p.uploaded) params.set('uploaded', p.uploaded);
  if (p.sort && p.sort !== 'relevance') params.set('sort', p.sort);
  return `/search?${params}`;
}

/**
 * Search results: /search?q=…&duration=&uploaded=&sort=. Filters and sort are menus that change
 * the address (so Back and shared links work); matches in titles and descriptions are marked;
 * more results load by the API's cursor. Loading, empty and error states each say what to do.
 */
export async function render({ query, outlet, signal }: PageContext): Promise<void> {
  const params = readSearchParams(query);
  setTitle(params.q ? `${params.q} - Search` : 'Search');
  const heading = h('h1', { class: 'page-title' }, params.q ? ['Results for ', h('q', {}, params.q)] : 'Search');
  const status = h('p', { class: 'visually-hidden', role: 'status' });
  const body = h('div', { class: 'search-body' });
  outlet.append(h('div', { class: 'page page-search', 'data-page': 'search' },
    h('div', { class: 'page-head search-head' }, heading, params.q ? filters(params) : null),
    status,
    body,
  ));

  if (!params.q) {
    replaceChildren(body, messagePanel({ title: 'What would you like to watch?', body: 'Type a few words in the search box above: titles, tags, channel names and descriptions are searched, and small typos are forgiven.' }));
    return;
  }

  const list = h('ul', { class: 'search-results', 'aria-label': 'Search results' });
  const more = h('button', { type: 'button', class: 'btn btn-secondary', 'data-testid': 'load-more' }, 'Load more');
  let cursor: string | null = null;
  let shown = 0;

  async function load(): Promise<void> {
    replaceChildren(body, resultsSkeleton());
    body.setAttribute('aria-busy', 'true');
    try {
      const page = await api.search({ ...params, limit: PAGE_SIZE }, signal);
      if (signal.aborted) return;
      body.removeAttribute('aria-busy');
      if (page.items.length === 0) {
        status.textContent = 'No results';
        replaceChildren(body, emptyState(params));
        return;
      }
      cursor = page.nextCursor;
      shown = page.items.length;
      replaceChildren(list, page.items.map((v) => resultRow(v, params.q)));
      replaceChildren(body, list, h('div', { class: 'more-row' }, more));
      more.hidden = !cursor;
      status.textContent = cursor ? `Showing the first ${shown} results` : `${shown} result${shown === 1 ? '' : 's'}`;
    } catch (err) {
      if (signal.aborted) return;
      body.removeAttribute('aria-busy');
      replaceChildren(body, messagePanel({ tone: 'error', title: 'Search is not answering', body: (err as ApiError).message, onRetry: () => void load() }));
    }
  }

  more.addEventListener('click', async () => {
    if (!cursor) return;
    more.disabled = true;
    more.textContent = 'Loading…';
    try {
      const page = await api.search({ ...params, limit: PAGE_SIZE, cursor }, signal);
      list.append(...page.items.map((v) => resultRow(v, params.q)));
      shown += page.items.length;
      cursor = page.nextCursor;
      more.hidden = !cursor;
      more.textContent = 'Load more';
      status.textContent = `Showing ${shown} results`;
    } catch (err) {
      if (signal.aborted) return;
      more.textContent = `${(err as ApiError).message} Try again`;
    } finally {
      more.disabled = false;
    }
  });

  await load();
}

function filters(params: SearchParams): HTMLElement {
  const menu = <T extends string>(name: keyof SearchParams, label: string, options: [T | '', string][], current: string) => {
    const select = h('select', { class: 'input select', name, id: `filter-${name}`, 'aria-label': label },
      options.map(([value, text]) => h('option', { value, selected: value === current }, text)));
    select.addEventListener('change', () => navigate(searchPath({ ...params, [name]: select.value || undefined })));
    return h('label', { class: 'filter' }, h('span', { class: 'filter-label' }, label), select);
  };
  return h('div', { class: 'search-filters', role: 'group', 'aria-label': 'Filters and sort' },
    menu('duration', 'Duration', DURATIONS, params.duration ?? ''),
    menu('uploaded', 'Uploaded', UPLOADED, params.uploaded ?? ''),
    menu('sort', 'Sort by', SORTS, params.sort ?? 'relevance'),
  );
}

function resultRow(video: Video, q: string): HTMLElement {
  const description = video.description ? snippet(video.description, q) : '';
  return h('li', { class: 'search-result', 'data-video-id': video.id },
    h('a', { class: 'row-thumb result-thumb', href: `/watch/${video.id}`, tabindex: -1, 'aria-hidden': 'true' },
      rowPoster(video, 320, 180),
      video.duration !== null && h('span', { class: 'card-duration' }, formatDuration(video.duration)),
    ),
    h('div', { class: 'result-main' },
      h('h2', { class: 'result-title' }, h('a', { href: `/watch/${video.id}` }, titleText(video, q),
        video.duration !== null && h('span', { class: 'visually-hidden' }, `, ${describeDuration(video.duration)}`))),
      h('p', { class: 'result-meta muted' }, `${formatViews(video.viewCount)} · ${formatAge(video.createdAt)}`),
      h('p', { class: 'result-channel' }, channelLink(video.owner.username, { avatar: true })),
      description && h('p', { class: 'result-description muted' }, highlighted(description, q)),
      video.tags.length > 0 && h('ul', { class: 'tag-list tag-list-small', 'aria-label': 'Tags' },
        video.tags.slice(0, 6).map((tag) => h('li', {}, h('a', { href: tagSearchPath(tag), class: 'tag' }, highlighted(`#${tag}`, q))))),
    ),
  );
}

function emptyState(params: SearchParams): HTMLElement {
  const filtered = params.duration || params.uploaded;
  return messagePanel({
    title: `No videos match “${params.q}”`,
    body: filtered ? 'The filters may be hiding results: try without them.' : 'Try other or fewer words, or a channel name.',
    actions: filtered ? h('a', { href: searchPath({ q: params.q, sort: params.sort }), class: 'btn btn-primary' }, 'Search without filters') : h('a', { href: '/', class: 'btn btn-secondary' }, 'Browse the newest videos'),
  });
}

function resultsSkeleton(): HTMLElement {
  return h('ul', { class: 'search-results', 'aria-hidden': 'true' },
    Array.from({ length: 4 }, () => h('li', { class: 'search-result skeleton' },
      h('div', { class: 'row-thumb result-thumb card-thumb' }),
      h('div', { class: 'result-main' }, h('div', { class: 'skeleton-line' }), h('div', { class: 'skeleton-line short' }), h('div', { class: 'skeleton-line' })))),
  );
}
