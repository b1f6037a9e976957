import { api, type ApiError, type PlayResult } from '../api.js';
import { messagePanel } from '../components/message-panel.js';
import { progressBar } from '../components/progress-bar.js';
import { h, replaceChildren } from '../dom.js';
import { formatAge, formatViews } from '../format.js';
import { setTitle } from '../navigation.js';
import { loadPlay } from '../player/early-play.js';
import { mountPlayer } from '../player/player.js';
import { bootPlayerBox } from '../player/boot-handover.js';
import type { PageContext } from '../router.js';
import type { Video } from '../types.js';
import { delay } from '../upload/wait-until-processed.js';
import { upNext } from '../components/up-next.js';
import { renderNotFound } from './not-found.js';

const PROCESSING_POLL_MS = 2000;
// For bench/ttff's `--breakdown`: when the watch chunk (with hls.js) was evaluated.
performance.mark('kinema:watch-chunk');

/**
 * Watch: the player (or the video's processing / failed state), then title, channel, views and
 * description, and more videos beside it. The play request was usually sent by index.html
 * before this chunk loaded; details and the "up next" list load off the first-frame path.
 */
export async function render({ params, query, outlet, signal }: PageContext): Promise<void> {
  const videoId = params.id ?? '';
  const useHlsDefaults = query.get('hlsDefaults') === '1';
  // Where boot/mse-start.ts already shows the first frame, its box stays on screen until the
  // player adopts it (moved within this task, so playback never notices).
  const placeholder = (!useHlsDefaults && bootPlayerBox(videoId)) || h('div', { class: 'player player-placeholder', 'aria-hidden': 'true' }, h('div', { class: 'spinner' }));
  const slot = h('div', { class: 'player-slot' }, placeholder);
  const title = h('h1', { class: 'watch-title' });
  const meta = h('p', { class: 'watch-meta' });
  const description = h('div', { class: 'watch-description' });
  const aside = h('aside', { class: 'watch-aside', 'aria-label': 'More videos' });
  outlet.append(h('div', { class: 'watch', 'data-page': 'watch' },
    h('div', { class: 'watch-main' }, slot, h('div', { class: 'watch-info' }, title, meta, description)),
    aside,
  ));

  const details = api.getVideo(videoId, signal).catch(() => null);

  async function load(result?: Promise<PlayResult>): Promise<void> {
    let play: PlayResult;
    try {
      play = await (result ?? loadPlay(videoId, signal));
    } catch (err) {
      if (signal.aborted) return;
      replaceChildren(slot, messagePanel({ tone: 'error', title: 'Could not load this video', body: (err as ApiError).message, onRetry: () => void load() }));
      return;
    }
    if (signal.aborted) return;
    switch (play.kind) {
      case 'not-found':
        return renderNotFound(outlet, 'This video does not exist, was deleted, or is private.', 'Video not found');
      case 'failed':
        replaceChildren(slot, messagePanel({ tone: 'error', title: 'This video could not be processed', body: play.failureReason }));
        return;
      case 'processing':
        return showProcessing(play.progress, play.status);
      case 'ready':
        showInfo(play.play.title, play.play.description);
        mountPlayer(slot, { play: play.play, useHlsDefaults, signal, onReload: () => void load() });
    }
  }

  async function showProcessing(progress: number, status: string): Promise<void> {
    const bar = progressBar('Processing progress', 'watch-processing');
    replaceChildren(slot, h('div', { class: 'player player-state', 'data-testid': 'processing' },
      h('div', { class: 'state-box' },
        h('h2', { class: 'state-title' }, 'This video is still processing'),
        h('p', { class: 'muted' }, 'It will start playing here as soon as it is ready.'),
        bar.element,
      ),
    ));
    let latest = { progress, status };
    while (!signal.aborted) {
      bar.set(latest.status === 'processing' ? latest.progress : undefined, latest.status === 'processing' ? `${Math.floor(latest.progress)}% processed` : 'Waiting to be processed…');
      await delay(PROCESSING_POLL_MS, signal);
      if (signal.aborted) return;
      const next = await loadPlay(videoId, signal).catch((err: ApiError) => err);
      if (next instanceof Error) {
        bar.set(undefined, `${next.message} Still trying…`);
        continue;
      }
      if (next.kind !== 'processing') return load(Promise.resolve(next));
      latest = next;
    }
  }

  function showInfo(titleText: string, descriptionText: string): void {
    setTitle(titleText);
    title.textContent = titleText;
    description.textContent = descriptionText;
    description.hidden = !descriptionText;
  }

  function showDetails(video: Video | null): void {
    if (!video || signal.aborted) return;
    if (!title.textContent) showInfo(video.title, video.description);
    replaceChildren(meta,
      h('span', { class: 'watch-owner' }, h('span', { class: 'avatar', 'aria-hidden': 'true' }, video.owner.username.slice(0, 1).toUpperCase()), video.owner.username),
      h('span', {}, `${formatViews(video.viewCount)} · ${formatAge(video.processedAt ?? video.createdAt)}`),
      video.visibility !== 'public' && h('span', { class: `badge badge-visibility badge-${video.visibility}` }, video.visibility === 'private' ? 'Private' : 'Unlisted'),
    );
  }

  await load();
  void details.then(showDetails);
  // More videos load after the player is going, so they never compete with the first frame.
  setTimeout(() => !signal.aborted && upNext(aside, videoId, signal), 800);
}
