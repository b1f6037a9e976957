import { api, ApiError } from '../api.js';
import { confirmDialog } from '../components/confirm-dialog.js';
import { editVideoDialog } from '../components/edit-video-dialog.js';
import { messagePanel } from '../components/message-panel.js';
import { requireSignedIn } from '../components/sign-in-required.js';
import { statusBadge, visibilityBadge } from '../components/status-badge.js';
import { showToast } from '../components/toast.js';
import { h, replaceChildren } from '../dom.js';
import { formatAge, formatDuration, formatViews } from '../format.js';
import { setTitle } from '../navigation.js';
import type { PageContext } from '../router.js';
import type { Video } from '../types.js';
import { delay } from '../upload/wait-until-processed.js';

const POLL_MS = 3000;
const isBusy = (v: Video) => v.status === 'uploaded' || v.status === 'processing';

/** The bar's fill, sized through CSSOM: the CSP (style-src 'self') blocks style attributes. */
function progressFill(percent: number): HTMLElement {
  const fill = h('div', { class: 'progress-fill' });
  fill.style.width = `${percent}%`;
  return fill;
}

/** Every video of the signed-in creator, in every state, with edit and delete; polls while any is processing. */
export async function render({ outlet, signal }: PageContext): Promise<void> {
  setTitle('My videos');
  const user = await requireSignedIn(outlet, 'My videos', 'Log in to see and manage your videos.');
  if (!user || signal.aborted) return;
  const list = h('div', { class: 'my-videos', 'aria-busy': 'true' }, h('p', { class: 'muted' }, 'Loading your videos…'));
  outlet.append(h('div', { class: 'page', 'data-page': 'my-videos' },
    h('div', { class: 'page-head' }, h('h1', { class: 'page-title' }, 'My videos'), h('a', { href: '/upload', class: 'btn btn-primary' }, 'Upload a video')),
    list,
  ));

  let videos: Video[] = [];

  async function load(): Promise<boolean> {
    try {
      videos = (await api.listVideos({ owner: 'me', limit: 100 }, signal)).items;
      list.removeAttribute('aria-busy');
      draw();
      return true;
    } catch (err) {
      if (signal.aborted) return false;
      replaceChildren(list, messagePanel({ tone: 'error', title: 'Could not load your videos', body: (err as ApiError).message, onRetry: () => void load() }));
      return false;
    }
  }

  function draw(): void {
    if (videos.length === 0) {
      replaceChildren(list, messagePanel({ title: 'No videos yet', body: 'Upload your first video: it will appear here while it processes.', actions: h('a', { href: '/upload', class: 'btn btn-primary' }, 'Upload a video') }));
      return;
    }
    replaceChildren(list, h('ul', { class: 'video-rows', 'aria-label': 'Your videos' }, videos.map(row)));
  }

  function row(video: Video): HTMLElement {
    const isReady = video.status === 'ready';
    const thumb = video.posterUrl ? h('img', { src: video.posterUrl, alt: '', loading: 'lazy', width: 160, height: 90 }) : h('div', { class: 'row-thumb-empty', 'aria-hidden': 'true' });
    const edit = h('button', { type: 'button', class: 'btn btn-secondary btn-small', 'aria-label': `Edit “${video.title}”` }, 'Edit');
    const remove = h('button', { type: 'button', class: 'btn btn-danger-ghost btn-small', 'aria-label': `Delete “${video.title}”` }, 'Delete');
    edit.addEventListener('click', async () => {
      const saved = await editVideoDialog(video);
      if (!saved) return edit.focus();
      videos = videos.map((v) => (v.id === saved.id ? saved : v));
      draw();
      showToast('Changes saved.');
    });
    remove.addEventListener('click', async () => {
      const ok = await confirmDialog({ title: 'Delete this video?', body: `“${video.title}” and all its streams will be deleted for good.`, confirmLabel: 'Delete', danger: true });
      if (!ok) return remove.focus();
      try {
        await api.deleteVideo(video.id);
        videos = videos.filter((v) => v.id !== video.id);
        draw();
        showToast(`Deleted “${video.title}”.`);
        outlet.querySelector<HTMLElement>('h1')?.focus();
      } catch (err) {
        showToast((err as ApiError).message, 'error');
      }
    });
    // A failed video can go through processing again when the failure was on our side; when the
    // file itself is the problem (not a video, unsupported codec) another attempt cannot help.
    const retry = video.status === 'failed' && video.failureRetryable !== false && h('button', { type: 'button', class: 'btn btn-secondary btn-small', 'aria-label': `Process “${video.title}” again` }, 'Try again');
    if (retry) {
      retry.addEventListener('click', async () => {
        retry.disabled = true;
        try {
          await api.reprocessVideo(video.id);
          videos = videos.map((v) => (v.id === video.id ? { ...v, status: 'uploaded', failureReason: null, failureRetryable: null, progress: 0 } : v));
          draw();
          showToast(`“${video.title}” is queued for processing again.`);
        } catch (err) {
          retry.disabled = false;
          showToast((err as ApiError).message, 'error');
        }
      });
    }
    return h('li', { class: 'video-row', 'data-video-id': video.id },
      h(isReady ? 'a' : 'div', { class: 'row-thumb', ...(isReady ? { href: `/watch/${video.id}`, tabindex: -1, 'aria-hidden': 'true' } : {}) },
        thumb, video.duration !== null && h('span', { class: 'card-duration' }, formatDuration(video.duration))),
      h('div', { class: 'row-main' },
        h('h2', { class: 'row-title' }, isReady ? h('a', { href: `/watch/${video.id}` }, video.title) : video.title),
        h('p', { class: 'row-badges' }, statusBadge(video.status, video.progress), visibilityBadge(video.visibility)),
        video.status === 'processing' && h('div', { class: 'progress-track progress-small', role: 'progressbar', 'aria-label': `Processing “${video.title}”`, 'aria-valuenow': Math.floor(video.progress), 'aria-valuemin': 0, 'aria-valuemax': 100 }, progressFill(video.progress)),
        video.status === 'failed' && h('p', { class: 'form-error' }, video.failureReason ?? 'Processing failed.'),
        video.status === 'failed' && !retry && h('p', { class: 'muted' }, 'Trying again would fail the same way: upload a different file.'),
        video.status === 'awaiting_upload' && h('p', { class: 'muted' }, 'Its file has not been uploaded yet: choose it to start, or delete this video.'),
        h('p', { class: 'row-meta muted' }, isReady ? `${formatViews(video.viewCount)} · uploaded ${formatAge(video.createdAt)}` : `Created ${formatAge(video.createdAt)}`),
      ),
      h('div', { class: 'row-actions' },
        video.status === 'awaiting_upload' && h('a', { href: `/upload?video=${encodeURIComponent(video.id)}`, class: 'btn btn-primary btn-small', 'aria-label': `Choose the file for “${video.title}”` }, 'Choose file'),
        isReady && h('a', { href: `/me/analytics/${video.id}`, class: 'btn btn-secondary btn-small', 'aria-label': `Analytics of “${video.title}”` }, 'Analytics'),
        retry, edit, remove),
    );
  }

  if (!(await load())) return;
  // Keep badges and progress live while something is processing; stop polling when nothing is.
  const live = h('p', { class: 'visually-hidden', 'aria-live': 'polite' });
  outlet.append(live);
  while (!signal.aborted) {
    await delay(POLL_MS, signal);
    if (signal.aborted || !videos.some(isBusy)) continue;
    const before = new Map(videos.map((v) => [v.id, v.status]));
    if (document.activeElement && list.contains(document.activeElement)) continue; // do not yank focus away mid-interaction
    if (await load()) {
      const finished = videos.filter((v) => before.get(v.id) !== v.status && (v.status === 'ready' || v.status === 'failed'));
      if (finished.length) live.textContent = finished.map((v) => `“${v.title}” is ${v.status === 'ready' ? 'ready' : 'failed'}.`).join(' ');
    }
  }
}
