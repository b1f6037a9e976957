import type Hls from 'hls.js';
import { ErrorDetails, Events } from 'hls.js';
import type { QoeTracker } from './qoe.js';

/**
 * Feeds a QoeTracker from what the browser and hls.js report, never from guesses:
 * - play requested: the `play` event (autoplay's play() or the viewer's press);
 * - first frame with the playhead moving, end of a stall: the first frame presented after
 *   `playing` (requestVideoFrameCallback), or a `timeupdate` whose currentTime is past the last
 *   one seen (`playing` alone fires before the playhead has moved);
 * - stall: `waiting`, or hls.js's BUFFER_STALLED_ERROR (its own watchdog, for the stalls a
 *   browser reports late);
 * - rung on screen: hls.js FRAG_CHANGED (the fragment being played, not the one being loaded)
 *   and the picture's size (`resize`) matched to hls.js's levels; the size alone where the
 *   browser plays HLS itself;
 * - player size: a ResizeObserver, in device pixels.
 * `isPlayerSeek()` tells the player's own positioning (resume) from a viewer's seek.
 */
export function bindQoe(tracker: QoeTracker, video: HTMLVideoElement, hls: Hls | undefined, player: HTMLElement, isPlayerSeek: () => boolean, signal: AbortSignal): void {
  const opts = { signal };
  let lastTime = video.currentTime;
  video.addEventListener('play', () => tracker.playRequested(), opts);
  video.addEventListener('timeupdate', () => {
    if (video.currentTime > lastTime && !video.paused && !video.seeking) tracker.playheadMoved();
    lastTime = video.currentTime;
  }, opts);
  // Sharper than the next timeupdate (every ~250 ms): the first frame presented after `playing`.
  video.addEventListener('playing', () => {
    video.requestVideoFrameCallback?.(() => {
      if (!video.paused && !video.seeking) tracker.playheadMoved();
    });
  }, opts);
  video.addEventListener('waiting', () => !video.seeking && tracker.stalled(), opts);
  video.addEventListener('pause', () => !video.ended && tracker.paused(), opts);
  video.addEventListener('seeking', () => {
    lastTime = video.currentTime;
    tracker.seeked(!isPlayerSeek());
  }, opts);
  video.addEventListener('seeked', () => video.paused && tracker.seekLandedPaused(), opts);
  video.addEventListener('ended', () => tracker.ended(), opts);

  if (hls) {
    hls.on(Events.ERROR, (_e, data) => {
      if (data.details === ErrorDetails.BUFFER_STALLED_ERROR && !video.paused && !video.seeking) tracker.stalled();
    });
    const report = (level: { height: number; bitrate: number; averageBitrate?: number } | undefined) =>
      level && tracker.renditionChanged({ height: level.height, bitrateKbps: Math.round((level.averageBitrate || level.bitrate) / 1000) });
    hls.on(Events.FRAG_CHANGED, (_e, data) => report(hls.levels[data.frag.level]));
    // The picture's size changes when frames of another rung reach the screen; it is also the
    // only sign of the rung for frames the boot script appended before hls.js took over (hls.js
    // reports no fragment change for those).
    const fromPicture = () => {
      if (!video.videoHeight) return;
      const sameSize = hls.levels.filter((l) => l.height === video.videoHeight && (!l.width || l.width === video.videoWidth));
      report(sameSize.length > 1 ? (hls.levels[hls.currentLevel] ?? sameSize[0]) : sameSize[0]);
    };
    video.addEventListener('resize', fromPicture, opts);
    hls.on(Events.MANIFEST_PARSED, fromPicture);
  } else {
    // Native HLS (Safari): the picture's size is all the page can see of the rung, and no
    // bitrate, so these rungs stay out of the beacon (its bitrate is required).
    video.addEventListener('resize', () => video.videoHeight && tracker.renditionChanged({ height: video.videoHeight, bitrateKbps: 0 }), opts);
  }

  if (typeof ResizeObserver === 'function') {
    const observer = new ResizeObserver((entries) => {
      const box = entries[entries.length - 1]?.contentRect;
      const dpr = window.devicePixelRatio || 1;
      if (box) tracker.playerResized(Math.round(box.width * dpr), Math.round(box.height * dpr));
    });
    observer.observe(player);
    signal.addEventListener('abort', () => observer.disconnect());
  }
}
