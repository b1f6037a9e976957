import { api, type ApiError } from '../api.js';
import { confirmDialog } from '../components/confirm-dialog.js';
import { messagePanel } from '../components/message-panel.js';
import { requireSignedIn } from '../components/sign-in-required.js';
import { showToast } from '../components/toast.js';
import { watchedLine } from '../components/video-card.js';
import { channelLink } from '../components/channel-link.js';
import { h, icon, replaceChildren } from '../dom.js';
import { formatAge, formatDuration } from '../format.js';
import { setTitle } from '../navigation.js';
import type { PageContext } from '../router.js';
import type { HistoryItem } from '../types.js';

const PAGE_SIZE = 24;

/**
 * Watch history (signed in): newest first, a page at a time; remove one video, clear all, and
 * pause history (nothing is added and nothing resumes while paused).
 */
export async function render({ outlet, signal }: PageContext): Promise<void> {
  setTitle('History');
  const user = await requireSignedIn(outlet, 'History', 'Log in to see the videos you watched and pick up where you stopped.');
  if (!user || signal.aborted) return;

  const pause = h('button', { type: 'button', class: 'btn btn-secondary', 'aria-pressed': 'false', 'data-testid': 'pause-history', disabled: true }, 'Pause history');
  const clear = h('button', { type: 'button', class: 'btn btn-danger-ghost', disabled: true }, 'Clear all history');
  const pausedNote = h('p', { class: 'notice', role: 'status', hidden: true }, 'History is paused: videos you watch are not added, and none resumes where you stopped.');
  const list = h('ul', { class: 'video-rows', 'aria-label': 'Videos you watched' });
  const more = h('button', { type: 'button', class: 'btn btn-secondary', hidden: true }, 'Show more');
  const body = h('div', { class: 'history-body', 'aria-busy': 'true' }, h('p', { class: 'muted' }, 'Loading your history…'));
  outlet.append(h('div', { class: 'page page-medium', 'data-page': 'history' },
    h('div', { class: 'page-head' }, h('h1', { class: 'page-title' }, 'History'), h('div', { class: 'page-actions' }, pause, clear)),
    pausedNote,
    body,
  ));

  let items: HistoryItem[] = [];
  let cursor: string | null = null;
  let isPaused = false;

  function paintPause(): void {
    pause.setAttribute('aria-pressed', String(isPaused));
    pause.textContent = isPaused ? 'Resume history' : 'Pause history';
    pausedNote.hidden = !isPaused;
  }

  function draw(): void {
    body.removeAttribute('aria-busy');
    clear.disabled = items.length === 0;
    // Everything on screen removed, more on the server: fetch the next page rather than say "empty".
    if (items.length === 0 && cursor) {
      more.click();
      return;
    }
    if (items.length === 0) {
      replaceChildren(body, messagePanel({
        title: 'Nothing here yet',
        body: isPaused ? 'History is paused, so nothing you watch is added.' : 'Videos you watch appear here, and each one resumes where you stopped.',
        actions: h('a', { href: '/', class: 'btn btn-primary' }, 'Find something to watch'),
      }));
      return;
    }
    replaceChildren(list, items.map(row));
    replaceChildren(body, list, h('div', { class: 'more-row' }, more));
    more.hidden = !cursor;
  }

  function row(item: HistoryItem): HTMLElement {
    const { video } = item;
    const remove = h('button', { type: 'button', class: 'btn btn-ghost btn-small', 'aria-label': `Remove “${video.title}” from history`, title: 'Remove from history' }, icon('close'));
    remove.addEventListener('click', async () => {
      remove.disabled = true;
      try {
        await api.removeFromHistory(video.id);
        items = items.filter((i) => i.video.id !== video.id);
        draw();
        showToast(`Removed “${video.title}” from your history.`);
      } catch (err) {
        remove.disabled = false;
        showToast((err as ApiError).message, 'error');
      }
    });
    const where = item.completed
      ? 'Watched'
      : `Stopped at ${formatDuration(item.positionSec)}${video.duration ? ` of ${formatDuration(video.duration)}` : ''}`;
    return h('li', { class: 'video-row history-row', 'data-video-id': video.id },
      h('a', { class: 'row-thumb', href: `/watch/${video.id}`, tabindex: -1, 'aria-hidden': 'true' },
        video.posterUrl ? h('img', { src: video.posterUrl, alt: '', loading: 'lazy', width: 160, height: 90 }) : h('div', { class: 'row-thumb-empty' }),
        video.duration !== null && h('span', { class: 'card-duration' }, formatDuration(video.duration)),
        watchedLine(item.completed ? (video.duration ?? 0) : item.positionSec, video.duration),
      ),
      h('div', { class: 'row-main' },
        h('h2', { class: 'row-title' }, h('a', { href: `/watch/${video.id}` }, video.title)),
        h('p', { class: 'row-meta muted' }, channelLink(video.owner.username), ` · ${where}`),
        h('p', { class: 'row-meta muted' }, h('time', { datetime: item.watchedAt }, `Watched ${formatAge(item.watchedAt)}`)),
      ),
      h('div', { class: 'row-actions' }, remove),
    );
  }

  async function load(): Promise<void> {
    try {
      const [page, settings] = await Promise.all([api.history({ limit: PAGE_SIZE }, signal), api.settings(signal)]);
      if (signal.aborted) return;
      items = page.items;
      cursor = page.nextCursor;
      isPaused = settings.historyPaused;
      pause.disabled = false;
      paintPause();
      draw();
    } catch (err) {
      if (signal.aborted) return;
      body.removeAttribute('aria-busy');
      replaceChildren(body, messagePanel({ tone: 'error', title: 'Could not load your history', body: (err as ApiError).message, onRetry: () => void load() }));
    }
  }

  more.addEventListener('click', async () => {
    if (!cursor) return;
    more.disabled = true;
    more.textContent = 'Loading…';
    try {
      const page = await api.history({ limit: PAGE_SIZE, cursor }, signal);
      // A video watched again between pages moved to the top: keep one row per video.
      const seen = new Set(items.map((i) => i.video.id));
      items = items.concat(page.items.filter((i) => !seen.has(i.video.id)));
      cursor = page.nextCursor;
      draw();
      more.textContent = 'Show more';
    } catch (err) {
      more.textContent = `${(err as ApiError).message} Try again`;
    } finally {
      more.disabled = false;
    }
  });

  pause.addEventListener('click', async () => {
    pause.disabled = true;
    try {
      isPaused = (await api.updateSettings({ historyPaused: !isPaused })).historyPaused;
      paintPause();
      showToast(isPaused ? 'History paused.' : 'History is on again.');
    } catch (err) {
      showToast((err as ApiError).message, 'error');
    } finally {
      pause.disabled = false;
    }
  });

  clear.addEventListener('click', async () => {
    const ok = await confirmDialog({ title: 'Clear all history?', body: 'Every video leaves your history, and none will resume where you stopped. This cannot be undone.', confirmLabel: 'Clear history', danger: true });
    if (!ok) return clear.focus();
    try {
      await api.clearHistory();
      items = [];
      cursor = null;
      draw();
      showToast('Your history is cleared.');
    } catch (err) {
      showToast((err as ApiError).message, 'error');
    }
  });

  await load();
}
