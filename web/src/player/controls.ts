import { h, icon } from '../dom.js';
import { formatDuration } from '../format.js';
import type { QualitySource } from './quality.js';
import { qualityMenu } from './quality-menu.js';
import { seekBar } from './seek-bar.js';
import { volumeControl } from './volume-control.js';

export interface ControlsOptions {
  durationSec: number;
  storyboardUrl: string | null;
  quality: QualitySource;
  signal: AbortSignal;
}

export interface Controls {
  togglePlay(): void;
  toggleFullscreen(): void;
  /** Shows a short message in the middle of the picture ("+5 s", "Volume 60%"). */
  flash(text: string): void;
  /** A muted autoplay happened: offer a one-click unmute. */
  offerUnmute(): void;
  /** Autoplay was refused altogether: show the big play button. */
  offerPlay(): void;
  /** The error overlay over the picture; "Try again" only with `onRetry` (when another attempt can help). */
  showError(message: string, onRetry?: () => void): void;
}

/** Idle time before the control bar fades while playing. */
const IDLE_MS = 2500;

/** The custom control bar and overlays around the <video> inside `player`. */
export function mountControls(player: HTMLElement, video: HTMLVideoElement, opts: ControlsOptions): Controls {
  const playButton = h('button', { type: 'button', class: 'ctl ctl-play' });
  const bigPlay = h('button', { type: 'button', class: 'big-play', 'aria-label': 'Play', hidden: true }, icon('play'));
  const time = h('span', { class: 'ctl-time' });
  const fullscreenButton = h('button', { type: 'button', class: 'ctl ctl-fullscreen' });
  const spinner = h('div', { class: 'spinner', 'aria-hidden': 'true', hidden: true });
  const flashEl = h('div', { class: 'flash', 'aria-hidden': 'true' });
  const liveRegion = h('div', { class: 'visually-hidden', 'aria-live': 'polite' });
  const errorEl = h('div', { class: 'player-error', role: 'alert', hidden: true });
  const bar = h('div', { class: 'controls' },
    seekBar(video, { durationSec: opts.durationSec, storyboardUrl: opts.storyboardUrl, signal: opts.signal }),
    h('div', { class: 'controls-row' },
      playButton, volumeControl(video), time,
      h('span', { class: 'controls-spacer' }),
      qualityMenu(opts.quality, opts.signal), fullscreenButton,
    ),
  );
  player.append(spinner, bigPlay, flashEl, errorEl, bar, liveRegion);

  function paintPlay(): void {
    const isPaused = video.paused || video.ended;
    playButton.replaceChildren(icon(isPaused ? 'play' : 'pause'));
    playButton.setAttribute('aria-label', isPaused ? 'Play (k)' : 'Pause (k)');
    playButton.title = isPaused ? 'Play (k)' : 'Pause (k)';
    player.dataset.state = isPaused ? 'paused' : 'playing';
  }
  function paintTime(): void {
    const d = Number.isFinite(video.duration) && video.duration > 0 ? video.duration : opts.durationSec;
    time.textContent = `${formatDuration(video.currentTime)} / ${formatDuration(d)}`;
  }
  function paintFullscreen(): void {
    const isFull = document.fullscreenElement === player;
    fullscreenButton.replaceChildren(icon(isFull ? 'exitFullscreen' : 'fullscreen'));
    fullscreenButton.setAttribute('aria-label', isFull ? 'Exit full screen (f)' : 'Full screen (f)');
    fullscreenButton.title = isFull ? 'Exit full screen (f)' : 'Full screen (f)';
  }

  const togglePlay = () => (video.paused || video.ended ? void video.play().catch(() => undefined) : video.pause());
  const toggleFullscreen = () => {
    if (document.fullscreenElement) void document.exitFullscreen();
    else if (player.requestFullscreen) void player.requestFullscreen().catch(() => undefined);
    else (video as HTMLVideoElement & { webkitEnterFullscreen?: () => void }).webkitEnterFullscreen?.();
  };

  playButton.addEventListener('click', togglePlay);
  bigPlay.addEventListener('click', togglePlay);
  video.addEventListener('click', togglePlay);
  video.addEventListener('dblclick', toggleFullscreen);
  fullscreenButton.addEventListener('click', toggleFullscreen);
  document.addEventListener('fullscreenchange', paintFullscreen, { signal: opts.signal });
  video.addEventListener('play', paintPlay);
  video.addEventListener('pause', () => {
    paintPlay();
    // Only after playback started: before that the poster and spinner say "loading".
    if (video.currentTime > 0 || video.played.length) bigPlay.hidden = false;
  });
  video.addEventListener('playing', () => {
    bigPlay.hidden = true;
    spinner.hidden = true;
  });
  video.addEventListener('ended', paintPlay);
  video.addEventListener('waiting', () => (spinner.hidden = false));
  video.addEventListener('canplay', () => (spinner.hidden = true));
  video.addEventListener('timeupdate', paintTime);
  video.addEventListener('durationchange', paintTime);

  // Fade the bar out while playing and the pointer rests; keyboard focus keeps it visible.
  let idleTimer: ReturnType<typeof setTimeout> | undefined;
  const wake = () => {
    player.classList.remove('idle');
    clearTimeout(idleTimer);
    idleTimer = setTimeout(() => !video.paused && !bar.contains(document.activeElement) && player.classList.add('idle'), IDLE_MS);
  };
  player.addEventListener('pointermove', wake);
  player.addEventListener('focusin', wake);
  video.addEventListener('play', wake);
  opts.signal.addEventListener('abort', () => clearTimeout(idleTimer));

  let flashTimer: ReturnType<typeof setTimeout> | undefined;
  paintPlay();
  paintTime();
  paintFullscreen();
  return {
    togglePlay,
    toggleFullscreen,
    flash(text) {
      flashEl.textContent = text;
      flashEl.classList.add('visible');
      liveRegion.textContent = text;
      clearTimeout(flashTimer);
      flashTimer = setTimeout(() => flashEl.classList.remove('visible'), 700);
      wake();
    },
    offerUnmute() {
      const unmute = h('button', { type: 'button', class: 'unmute-chip' }, icon('muted'), h('span', {}, 'Tap to unmute'));
      unmute.addEventListener('click', () => {
        video.muted = false;
        if (video.volume === 0) video.volume = 0.5;
      });
      video.addEventListener('volumechange', () => !video.muted && unmute.remove());
      player.append(unmute);
    },
    offerPlay() {
      bigPlay.hidden = false;
      spinner.hidden = true;
    },
    showError(message, onRetry) {
      errorEl.hidden = false;
      errorEl.replaceChildren(
        h('p', { class: 'player-error-title' }, 'This video cannot play right now'),
        h('p', { class: 'player-error-message' }, message),
        ...(onRetry ? [h('button', { type: 'button', class: 'btn btn-primary', onclick: () => { errorEl.hidden = true; onRetry(); } }, 'Try again')] : []),
      );
      spinner.hidden = true;
      bigPlay.hidden = true;
      player.dataset.state = 'error';
    },
  };
}
