import { api, type ApiError, type PlayResult } from '../api.js';
import { messagePanel } from '../components/message-panel.js';
import { progressBar } from '../components/progress-bar.js';
import { h, icon, replaceChildren } from '../dom.js';
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
import { loadSession } from '../session.js';
import { ratingButtons } from '../components/rating-buttons.js';
import { channelLink } from '../components/channel-link.js';
import { subscribeButton } from '../components/subscribe-button.js';
import { tagSearchPath } from '../upload/tags.js';

const PROCESSING_POLL_MS = 2000;
/** Video ids are 11 base64url characters (src/platform/ids.ts). */
const VIDEO_ID = /^[A-Za-z0-9_-]{11}$/;
// For bench/ttff's `--breakdown`: when the watch chunk (with hls.js) was evaluated.
performance.mark('kinema:watch-chunk');

/**
 * Watch: the player (or the video's processing / failed state), then title, channel, views and
 * description, and more videos beside it. The play request was usually sent by index.html
 * before this chunk loaded; details and the "up next" list load off the first-frame path.
 */
export async function render({ params, query, outlet, signal }: PageContext): Promise<void> {
  const videoId = params.id ?? '';
  if (!VIDEO_ID.test(videoId)) {
    return renderNotFound(outlet, 'This link is incomplete or mistyped: video links end in an 11-character id. Check the address you followed.', 'Video not found');
  }
  const useHlsDefaults = query.get('hlsDefaults') === '1';
  // Where boot/mse-start.ts already shows the first frame, its box stays on screen until the
  // player adopts it (moved within this task, so playback never notices).
  const placeholder = (!useHlsDefaults && bootPlayerBox(videoId)) || h('div', { class: 'player player-placeholder', 'aria-hidden': 'true' }, h('div', { class: 'spinner' }));
  const slot = h('div', { class: 'player-slot' }, placeholder);
  const title = h('h1', { class: 'watch-title' });
  const meta = h('p', { class: 'watch-meta' });
  const description = h('div', { class: 'watch-description' });
  const tags = h('ul', { class: 'tag-list', 'aria-label': 'Tags', hidden: true });
  const aside = h('aside', { class: 'watch-aside', 'aria-label': 'More videos' });
  outlet.append(h('div', { class: 'watch', 'data-page': 'watch' },
    h('div', { class: 'watch-main' }, slot, h('div', { class: 'watch-info' }, title, meta, tags, description)),
    aside,
  ));

  const details = api.getVideo(videoId, signal).catch(() => null);

  async function load(result?: Promise<PlayResult>): Promise<void> {
    let play: PlayResult;
    try {
      play = await (result ?? loadPlay(videoId, signal));
    } catch (err) {
      if (signal.aborted) return;
      const error = err as ApiError;
      replaceChildren(slot, messagePanel({ tone: 'error', title: 'Could not load this video', body: error.message, onRetry: error.isRetryable ? () => void load() : undefined }));
      return;
    }
    if (signal.aborted) return;
    switch (play.kind) {
      case 'not-found':
        return renderNotFound(outlet, 'This video does not exist, was deleted, or is private.', 'Video not found');
      case 'failed':
        return showFailed(play.failureReason);
      case 'processing':
        // Polls until the video is ready; the page around it (title, details) goes on meanwhile.
        void showProcessing(play.progress, play.status);
        return;
      case 'ready':
        showInfo(play.play.title, play.play.description);
        mountPlayer(slot, { play: play.play, useHlsDefaults, signal, onReload: () => void load() });
    }
  }

  /** A failed video: the reason; its owner is sent to My videos, which offers "Try again" when that can help. */
  async function showFailed(reason: string): Promise<void> {
    const panel = messagePanel({ tone: 'error', title: 'This video could not be processed', body: reason });
    replaceChildren(slot, panel);
    const video = await details;
    if (video && !signal.aborted && (await isViewersOwn())) {
      const hint = video.failureRetryable ? 'You can process it again from ' : 'Upload a different file, or delete it, from ';
      panel.append(h('p', { class: 'message-body' }, hint, h('a', { href: '/me/videos' }, 'My videos'), '.'));
    }
  }

  async function showProcessing(progress: number, status: string): Promise<void> {
    const bar = progressBar('Processing progress', 'watch-processing');
    const heading = h('h2', { class: 'state-title' });
    const hint = h('p', { class: 'muted' });
    replaceChildren(slot, h('div', { class: 'player player-state', 'data-testid': 'processing' }, h('div', { class: 'state-box' }, heading, hint, bar.element)));
    let latest = { progress, status };
    let owner: boolean | undefined;
    void isViewersOwn().then((isOwn) => {
      owner = isOwn;
      if (!signal.aborted) paint();
    });
    function paint(): void {
      if (latest.status === 'awaiting_upload') {
        heading.textContent = 'Waiting for the video file';
        replaceChildren(hint, owner
          ? ['The file has not been uploaded yet. Upload it from ', h('a', { href: '/me/videos' }, 'My videos'), '; it will play here once processed.']
          : 'Its creator has not uploaded the file yet. It will play here once they do.');
        bar.element.hidden = true;
        return;
      }
      heading.textContent = 'This video is still processing';
      hint.textContent = 'It will start playing here as soon as it is ready.';
      bar.element.hidden = false;
      bar.set(latest.status === 'processing' ? latest.progress : undefined, latest.status === 'processing' ? `${Math.floor(latest.progress)}% processed` : 'Waiting to be processed…');
    }
    while (!signal.aborted) {
      paint();
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

  /** Whether the viewer is the video's creator (the session may still be loading: wait for it). */
  async function isViewersOwn(): Promise<boolean> {
    const [video, user] = await Promise.all([details, loadSession()]);
    return !!video && !!user && user.id === video.owner.id;
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
    const subscription = h('span', { class: 'watch-subscribe' });
    replaceChildren(meta,
      h('span', { class: 'watch-owner' }, channelLink(video.owner.username, { avatar: true, class: 'watch-channel' }), subscription),
      // Views and "published … ago" mean something once the video plays; before that, when it was created.
      h('span', {}, video.status === 'ready' ? `${formatViews(video.viewCount)} · ${formatAge(video.processedAt ?? video.createdAt)}` : `Created ${formatAge(video.createdAt)}`),
      video.visibility !== 'public' && h('span', { class: `badge badge-visibility badge-${video.visibility}` }, video.visibility === 'private' ? 'Private' : 'Unlisted'),
      video.status === 'ready' && h('span', { class: 'watch-actions' }, ratingButtons(video)),
    );
    replaceChildren(tags, video.tags.map((tag) => h('li', {}, h('a', { href: tagSearchPath(tag), class: 'tag' }, `#${tag}`))));
    tags.hidden = video.tags.length === 0;
    void showSubscription(video, subscription);
    // The creator gets a way to the video's figures from where they look at it.
    void isViewersOwn().then((isOwn) => {
      if (!isOwn || signal.aborted || video.status !== 'ready') return;
      const actions = meta.querySelector('.watch-actions');
      actions?.prepend(h('a', { href: `/me/analytics/${video.id}`, class: 'btn btn-secondary btn-small', 'data-testid': 'video-analytics-link' }, icon('chart'), 'Analytics'));
    });
  }

  /** Subscribe beside the channel name, with its subscriber count; not on one's own videos. */
  async function showSubscription(video: Video, slot: HTMLElement): Promise<void> {
    if (await isViewersOwn()) return;
    const page = await api.channel(video.owner.username, { limit: 1 }, signal).catch(() => null);
    if (!page || signal.aborted) return;
    const count = h('span', { class: 'muted subscriber-count' });
    const paintCount = (n: number) => (count.textContent = n === 1 ? '1 subscriber' : `${n.toLocaleString('en')} subscribers`);
    paintCount(page.channel.subscriberCount);
    replaceChildren(slot, count, subscribeButton({ username: video.owner.username, subscribed: page.channel.subscribed, onChange: (s) => paintCount(s.subscriberCount) }));
  }

  await load();
  void details.then(showDetails);
  // More videos load after the player is going, so they never compete with the first frame.
  setTimeout(() => !signal.aborted && upNext(aside, videoId, signal), 800);
}
