import type { ApiError } from '../api.js';
import { progressBar } from '../components/progress-bar.js';
import { h, replaceChildren } from '../dom.js';
import type { Video } from '../types.js';
import { waitUntilProcessed } from './wait-until-processed.js';

const STATUS_TEXT: Record<string, string> = {
  awaiting_upload: 'Waiting for the upload to finish…',
  uploaded: 'Queued for processing…',
  processing: 'Processing',
  ready: 'Ready',
  failed: 'Failed',
};

/**
 * After the upload: transcoding progress (polled), then "ready — watch it" or the failure
 * reason in words a creator can act on.
 */
export function processingView(videoId: string, title: string, signal: AbortSignal, onUploadAnother: () => void): HTMLElement {
  const bar = progressBar('Processing progress', 'processing-progress');
  bar.set(undefined, 'Upload complete. Queued for processing…');
  // Playable before it is processed (its first segments are published): say so at once.
  const watchEarly = h('p', { class: 'success-line', role: 'status', hidden: true, 'data-testid': 'watchable-while-processing' },
    'It can already be watched from the start while the rest is processed: ', h('a', { href: `/watch/${videoId}` }, 'Watch now'), '.');
  const body = h('div', {}, bar.element, watchEarly, h('p', { class: 'muted' }, 'You can leave this page: processing continues, and ', h('a', { href: '/me/videos' }, 'My videos'), ' shows its progress.'));
  const heading = h('h2', { class: 'section-title', id: 'processing-heading' }, `Processing “${title}”`);
  const section = h('section', { class: 'card upload-status', 'aria-labelledby': 'processing-heading', 'data-testid': 'processing-status' }, heading, body);
  const another = () => h('button', { type: 'button', class: 'btn btn-secondary', onclick: onUploadAnother }, 'Upload another');

  function update(video: Video | null, error?: ApiError): void {
    if (error) return bar.set(undefined, `${error.message} Still checking…`);
    if (!video) return;
    watchEarly.hidden = !(video.status === 'processing' && video.isPlayable);
    if (video.status === 'processing') bar.set(video.progress, `Processing · ${Math.floor(video.progress)}%`);
    else bar.set(undefined, STATUS_TEXT[video.status] ?? video.status);
  }

  waitUntilProcessed(videoId, signal, update).then((video) => {
    if (!video) return;
    if (video.status === 'ready') {
      heading.textContent = `“${video.title}” is ready`;
      const watchUrl = `/watch/${video.id}`;
      replaceChildren(body,
        h('p', { class: 'success-line', role: 'status' }, 'Your video is processed and ready to watch.'),
        h('div', { class: 'form-actions' },
          h('a', { href: watchUrl, class: 'btn btn-primary', 'data-testid': 'watch-link' }, 'Watch now'),
          copyLinkButton(new URL(watchUrl, location.origin).href),
          another(),
        ),
      );
    } else {
      heading.textContent = `“${video.title}” could not be processed`;
      replaceChildren(body, h('p', { class: 'form-error', role: 'alert' }, video.failureReason ?? 'Processing failed.'), h('div', { class: 'form-actions' }, another()));
    }
    heading.tabIndex = -1;
    heading.focus();
  }, (err: ApiError) => {
    replaceChildren(body, h('p', { class: 'form-error', role: 'alert' }, err.message), h('div', { class: 'form-actions' }, another()));
  });
  return section;
}

function copyLinkButton(url: string): HTMLButtonElement {
  const button = h('button', { type: 'button', class: 'btn btn-secondary' }, 'Copy link');
  button.addEventListener('click', async () => {
    try {
      await navigator.clipboard.writeText(url);
      button.textContent = 'Link copied';
    } catch {
      // Clipboard blocked (insecure origin or permission): show the URL to copy by hand.
      button.replaceWith(h('input', { class: 'input', readonly: true, value: url, 'aria-label': 'Link to the video', onfocus: (e: FocusEvent) => (e.target as HTMLInputElement).select() }));
    }
  });
  return button;
}
