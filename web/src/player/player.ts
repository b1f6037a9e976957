import Hls, { Events } from 'hls.js';
import { h } from '../dom.js';
import type { PlayInfo } from '../types.js';
import { mountControls, type Controls } from './controls.js';
import { fastStartConfig, startLevelAmong } from './hls-config.js';
import { bindShortcuts } from './keyboard.js';
import { hlsQualitySource, nativeQualitySource, type QualitySource } from './quality.js';
import { restoreVolume } from './volume-control.js';
import { saveBandwidthBps } from './bandwidth-memory.js';
import { attachBootPlayback, takeBootPlayback } from './boot-handover.js';
import { describeMediaElementError, describePlaybackError } from './playback-error.js';
import { QoeTracker } from './qoe.js';
import { bindQoe } from './qoe-events.js';
import { startWatchBeacon } from './watch-beacon.js';
import { resumeChoice } from './resume-choice.js';

export interface PlayerOptions {
  play: PlayInfo;
  /** bench/ttff compares our tuned hls.js settings with the library defaults (`?hlsDefaults=1`). */
  useHlsDefaults: boolean;
  signal: AbortSignal;
  /** Called by the error overlay's "Try again": the page fetches a fresh play response. */
  onReload(): void;
}

/** Fatal hls.js errors we try to recover from in place before showing the error overlay. */
const MAX_RECOVERIES = 3;

/**
 * Mounts the player into `container` and starts playback: hls.js where Media Source Extensions
 * exist, the browser's own HLS (Safari, iOS) otherwise. Everything is torn down when `signal`
 * aborts (the visitor leaves the page).
 */
export function mountPlayer(container: HTMLElement, opts: PlayerOptions): void {
  const { play, signal } = opts;
  // The <video> boot/mse-start.ts started (first frame already on screen), else a new one.
  const boot = Hls.isSupported() && !opts.useHlsDefaults ? takeBootPlayback(play.videoId) : undefined;
  // No poster on the boot's video: it would cover the frame already shown until playback starts.
  const video = boot?.video ?? h('video', { class: 'player-video', playsinline: true, preload: 'auto', poster: play.posterUrl ?? null });
  video.setAttribute('aria-label', play.title);
  video.controls = false;
  restoreVolume(video);
  const player = h('div', { class: 'player', 'data-testid': 'player', tabindex: -1 }, video);
  container.replaceChildren(player);

  let hls: Hls | undefined;
  let quality: QualitySource;
  if (Hls.isSupported()) {
    hls = new Hls(opts.useHlsDefaults ? {} : fastStartConfig(play));
    markStartup(hls);
    if (!opts.useHlsDefaults) keepStartLevel(hls, play);
    // Manifest loading starts while the MediaSource opens, not after.
    hls.loadSource(play.hlsManifest);
    if (boot) attachBootPlayback(hls, boot, signal);
    else hls.attachMedia(video);
    quality = hlsQualitySource(hls, play.renditions);
  } else if (video.canPlayType('application/vnd.apple.mpegurl')) {
    video.src = play.hlsManifest;
    quality = nativeQualitySource(video);
  } else {
    container.replaceChildren(h('div', { class: 'player-error', role: 'alert' }, h('p', {}, 'This browser cannot play streaming video. Try a current Chrome, Firefox, Edge or Safari.')));
    return;
  }

  if (play.processing) showStillProcessing(player, hls, signal);
  markFirstFrame(video, () => quality.playingLabel());
  if (hls) rememberBandwidth(hls, signal);
  // Bound before the teardown below, so the last beacon still reads this session's played ranges.
  const qoe = new QoeTracker(() => performance.now());
  let isPlayerSeek = false;
  bindQoe(qoe, video, hls, player, () => isPlayerSeek, signal);
  const beaconNow = startWatchBeacon({ videoId: play.videoId, video, tracker: qoe, edgeHost: hostOf(play.hlsManifest), signal });
  const fail = (type: string, details: string) => {
    qoe.failed(type, details);
    beaconNow();
  };
  const controls = mountControls(player, video, { durationSec: play.duration, storyboardUrl: play.storyboardUrl, quality, signal });
  bindShortcuts(player, video, controls, signal);
  if (hls) handleHlsErrors(hls, controls, opts.onReload, fail);
  else {
    video.addEventListener('error', () => {
      const failure = describeMediaElementError(video.error);
      fail('mediaElement', String(video.error?.code ?? 0));
      controls.showError(failure.message, failure.isRetryable ? opts.onReload : undefined);
    });
  }
  const resumeAtSec = play.resumeAtSec ?? null;
  if (resumeAtSec !== null && resumeAtSec > 0) {
    resumeChoice(player, resumeAtSec, (fromSec) => {
      if (fromSec <= 0) return void autoplay(video, controls);
      const seekThenPlay = () => {
        // The player's own positioning, not a viewer's seek (QoE counts only the latter).
        isPlayerSeek = true;
        video.addEventListener('seeked', () => (isPlayerSeek = false), { once: true });
        video.currentTime = fromSec;
        void autoplay(video, controls);
      };
      // A seek before the media's duration is known would be lost.
      if (video.readyState >= HTMLMediaElement.HAVE_METADATA) seekThenPlay();
      else video.addEventListener('loadedmetadata', seekThenPlay, { once: true, signal });
    });
  } else {
    void autoplay(video, controls);
  }

  signal.addEventListener('abort', () => {
    hls?.destroy();
    video.removeAttribute('src');
    video.load();
  });
}

/**
 * A video played while it is still being encoded: say so, until hls.js loads a playlist that has
 * ended (`EXT-X-ENDLIST`: everything is encoded). Safari's own HLS keeps it to the end.
 */
function showStillProcessing(player: HTMLElement, hls: Hls | undefined, signal: AbortSignal): void {
  const notice = h('p', { class: 'still-processing', role: 'status', 'data-testid': 'still-processing' }, 'Still processing: playing what is ready, the rest follows');
  player.append(notice);
  if (!hls) return;
  const onLevel = (_: unknown, data: { details: { live: boolean } }) => {
    if (data.details.live) return;
    notice.remove();
    hls.off(Events.LEVEL_LOADED, onLevel);
  };
  hls.on(Events.LEVEL_LOADED, onLevel);
  signal.addEventListener('abort', () => hls.off(Events.LEVEL_LOADED, onLevel));
}

/** The host (and port) media comes from: the edge the admin's QoE view groups sessions by. */
function hostOf(url: string): string | undefined {
  try {
    return new URL(url, location.href).host || undefined;
  } catch {
    return undefined;
  }
}

/**
 * Start playing with sound; where the browser's autoplay policy refuses, start muted and
 * offer an unmute button; where even that is refused, show the big play button.
 */
async function autoplay(video: HTMLVideoElement, controls: Controls): Promise<void> {
  try {
    await video.play();
  } catch (err) {
    if ((err as DOMException).name !== 'NotAllowedError') return; // AbortError: the page was left or a seek/pause won.
    video.muted = true;
    try {
      await video.play();
      controls.offerUnmute();
    } catch {
      // Even muted autoplay is blocked (data saver, policy): the visitor presses play.
      controls.offerPlay();
    }
  }
}

/**
 * Fatal hls.js errors: a fragment load or a decoder hiccup is retried in place a few times; then,
 * or at once for anything else, the overlay says what went wrong, with "Try again" (a fresh play
 * answer) only when another attempt can help.
 */
function handleHlsErrors(hls: Hls, controls: Controls, reload: () => void, fail: (type: string, details: string) => void): void {
  let recoveries = 0;
  hls.on(Events.ERROR, (_event, data) => {
    if (!data.fatal) return;
    const failure = describePlaybackError(data);
    if (failure.recovery && recoveries++ < MAX_RECOVERIES) {
      if (failure.recovery === 'load') return hls.startLoad();
      return hls.recoverMediaError();
    }
    hls.stopLoad();
    fail(data.type, data.details);
    controls.showError(failure.message, failure.isRetryable ? reload : undefined);
  });
  hls.on(Events.FRAG_BUFFERED, () => (recoveries = 0));
}

/**
 * `performance.mark('kinema:first-frame')` when the first frame is presented: what bench/ttff
 * measures (and the hook a QoE beacon would report).
 */
function markFirstFrame(video: HTMLVideoElement, rung: () => string | null): void {
  const mark = () => {
    if (performance.getEntriesByName('kinema:first-frame').length === 0) performance.mark('kinema:first-frame');
    video.dataset.firstFrame = 'true';
    video.dataset.firstFrameRung = rung() ?? '';
  };
  if ('requestVideoFrameCallback' in video) video.requestVideoFrameCallback(mark);
  else (video as HTMLVideoElement).addEventListener('playing', mark, { once: true });
}

/** The start rung by size and codec once the levels are known (before loading starts). */
function keepStartLevel(hls: Hls, play: PlayInfo): void {
  hls.once(Events.MANIFEST_PARSED, () => {
    const index = startLevelAmong(hls.levels, play);
    if (index >= 0 && index !== hls.startLevel) hls.startLevel = index;
  });
}

/** Start-up milestones as `kinema:*` marks, for bench/ttff's `--breakdown`. */
function markStartup(hls: Hls): void {
  performance.mark('kinema:hls-created');
  hls.once(Events.MEDIA_ATTACHED, () => performance.mark('kinema:media-attached'));
  hls.once(Events.MANIFEST_PARSED, () => performance.mark('kinema:manifest-parsed'));
  hls.once(Events.FRAG_LOADED, () => performance.mark('kinema:frag-loaded'));
  hls.once(Events.BUFFER_APPENDED, () => performance.mark('kinema:buffer-appended'));
}

/** Keeps hls.js's throughput estimate for the next visit (see bandwidth-memory.ts). */
function rememberBandwidth(hls: Hls, signal: AbortSignal): void {
  let lastSavedMs = 0;
  const save = () => saveBandwidthBps(hls.bandwidthEstimate);
  hls.on(Events.FRAG_LOADED, () => {
    if (performance.now() - lastSavedMs < 5000) return;
    lastSavedMs = performance.now();
    save();
  });
  signal.addEventListener('abort', save);
}
