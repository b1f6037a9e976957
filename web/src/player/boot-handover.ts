import type Hls from 'hls.js';
import type { SourceBufferTrackSet } from 'hls.js';
import type { BootPlayback } from '../boot/mse-start.js';

/**
 * The playback boot/mse-start.ts started for `videoId` (first watch page of a visit), taken once:
 * its <video> already shows the first frame. Undefined for any other page or video.
 */
export function takeBootPlayback(videoId: string): BootPlayback | undefined {
  const boot = window.__kinemaBootPlayback;
  if (!boot || boot.videoId !== videoId) return undefined;
  window.__kinemaBootPlayback = undefined;
  return boot;
}

/** The `.player` box the boot shows its video in, for the watch page's layout (not taken). */
export function bootPlayerBox(videoId: string): HTMLElement | undefined {
  const boot = window.__kinemaBootPlayback;
  return boot?.videoId === videoId ? boot.box : undefined;
}

/**
 * Attaches hls.js to the boot's video with the boot's MediaSource and SourceBuffers (the media
 * transfer hls.js uses between its own instances), once the boot's appends are done so the two
 * never append at once. hls.js then continues from what is buffered. If the boot failed, hls.js
 * starts on a fresh MediaSource as usual.
 */
export function attachBootPlayback(hls: Hls, boot: BootPlayback, signal: AbortSignal): void {
  boot.ready.then(
    (tracks) => {
      if (signal.aborted) return;
      const transfer: SourceBufferTrackSet = {
        video: { id: 'main', container: 'video/mp4', codec: tracks.video.codec, levelCodec: tracks.video.codec, buffer: tracks.video.buffer, listeners: [] },
      };
      if (tracks.audio) transfer.audio = { id: 'audio', container: 'audio/mp4', codec: tracks.audio.codec, levelCodec: tracks.audio.codec, buffer: tracks.audio.buffer, listeners: [] };
      hls.attachMedia({ media: boot.video, mediaSource: boot.mediaSource, tracks: transfer });
    },
    () => !signal.aborted && hls.attachMedia(boot.video),
  );
}
