import type { PlayInfo, Rendition } from '../types.js';
import { audioPlaylistUri, startRendition } from './fast-start.js';

/**
 * First frame before hls.js has even been compiled. Inlined into index.html together with
 * fast-start.ts (vite.config.ts; same rules: type-only imports from outside boot/, no top-level
 * side effects). On a watch page whose play answer is inlined, it opens a MediaSource on a
 * <video> of its own and appends the start rung's and the audio rendition's init and first
 * segments (preloaded by the page's first response, see src/modules/delivery/watch-page.ts).
 * The video sits in a copy of the watch page's player shell, so its first frame shows while the
 * ~600 kB watch chunk is still downloading and compiling. The player then adopts the element and
 * hands the MediaSource with its SourceBuffers to hls.js (`attachMedia({ mediaSource, tracks })`,
 * hls.js's own media-transfer path): playback goes on from the same buffer, no reload, no
 * flash, and hls.js (ABR, quality menu) owns everything from there.
 */

export interface BootTrack {
  buffer: SourceBuffer;
  codec: string;
}

/** What the bootstrap hands to the player (player/boot-handover.ts). */
export interface BootPlayback {
  videoId: string;
  video: HTMLVideoElement;
  /** The `.player` box the video was shown in; the watch page puts it in its layout. */
  box: HTMLElement;
  mediaSource: MediaSource;
  /** Settles when the first segments are appended; rejects if anything failed (start afresh). */
  ready: Promise<{ video: BootTrack; audio?: BootTrack }>;
}

declare global {
  interface Window {
    __kinemaBootPlayback?: BootPlayback;
  }
}

type ReadyPlay = PlayInfo & { audioUrl?: string | null };

function fetchOk(url: string): Promise<Response> {
  return fetch(url, { credentials: 'same-origin' }).then((r) => {
    if (!r.ok) throw new Error(`${r.status} ${url}`);
    return r;
  });
}

/**
 * The init and first media segment of a media playlist, by the ladder's file names
 * (ARCHITECTURE.md: `{rung}/init.mp4`, `seg_00001.m4s`; tokens of signed URLs live in the path):
 * the same URLs the page's first response preloads, so no playlist round trip comes first.
 */
function firstMedia(playlistUrl: string): Promise<ArrayBuffer[]> {
  return Promise.all(['init.mp4', 'seg_00001.m4s'].map((f) => fetchOk(playlistUrl.replace(/index\.m3u8$/, f)).then((r) => r.arrayBuffer())));
}

/** `CODECS` of the master playlist's variant with `rung`'s resolution, split into video and audio. */
function variantCodecs(master: string, rung: Rendition): { video?: string; audio?: string } {
  const line = master.split('\n').find((l) => l.indexOf('#EXT-X-STREAM-INF:') === 0 && l.indexOf(`RESOLUTION=${rung.width}x${rung.height}`) > 0);
  const codecs = (line?.match(/CODECS="([^"]+)"/)?.[1] ?? '').split(',').map((c) => c.trim());
  return { video: codecs.find((c) => /^(avc|hvc|hev|av01|vp09)/.test(c)), audio: codecs.find((c) => c.indexOf('mp4a') === 0) };
}

function append(buffer: SourceBuffer, data: ArrayBuffer): Promise<void> {
  return new Promise((resolve, reject) => {
    buffer.addEventListener('updateend', () => resolve(), { once: true });
    buffer.addEventListener('error', () => reject(new Error('append failed')), { once: true });
    buffer.appendBuffer(data);
  });
}

/** The watch page's player shell (pages/watch.ts), so nothing moves when the page takes over. */
function showInShell(box: HTMLElement): void {
  const insert = () => {
    const main = document.getElementById('main');
    if (!main || main.firstChild) return;
    const div = (cls: string, child: HTMLElement) => {
      const el = document.createElement('div');
      el.className = cls;
      el.appendChild(child);
      return el;
    };
    const page = div('watch', div('watch-main', div('player-slot', box)));
    page.setAttribute('data-page', 'watch');
    main.appendChild(page);
  };
  // <main> is parsed by 'interactive', which comes before the app's module scripts run.
  if (document.readyState === 'loading') document.addEventListener('readystatechange', insert, { once: true });
  else insert();
}

export function startMseBootstrap(play: ReadyPlay): void {
  const rung = startRendition(play);
  // A video still being encoded plays through hls.js from its first segment, following the
  // growing playlists (player/hls-config.ts); the hand-over is built for complete ladders.
  if (!rung || typeof MediaSource !== 'function' || play.processing) return;
  const mediaSource = new MediaSource();
  const video = document.createElement('video');
  video.className = 'player-video';
  video.playsInline = true;
  video.preload = 'auto';
  video.src = URL.createObjectURL(mediaSource);
  const box = document.createElement('div');
  box.className = 'player';
  box.appendChild(video);

  const opened = new Promise((resolve) => mediaSource.addEventListener('sourceopen', resolve, { once: true }));
  const master = fetchOk(play.hlsManifest).then((r) => r.text());
  const audioPlaylist = play.audioUrl ?? master.then((m) => {
    const uri = audioPlaylistUri(m);
    return uri ? new URL(uri, play.hlsManifest).href : null;
  });
  const videoMedia = firstMedia(rung.url);
  const audioMedia = Promise.resolve(audioPlaylist).then((url) => (url ? firstMedia(url) : null));

  const ready = Promise.all([opened, master]).then(async ([, text]) => {
    const codecs = variantCodecs(text, rung);
    if (!codecs.video) throw new Error('no video codec in the master playlist');
    // Every SourceBuffer must exist before the first append (Chromium refuses later ones).
    const videoTrack = { codec: codecs.video, buffer: mediaSource.addSourceBuffer(`video/mp4; codecs="${codecs.video}"`) };
    const audioTrack = codecs.audio && (await audioPlaylist) ? { codec: codecs.audio, buffer: mediaSource.addSourceBuffer(`audio/mp4; codecs="${codecs.audio}"`) } : undefined;
    const fill = async (track: BootTrack | undefined, media: Promise<ArrayBuffer[] | null>) => {
      const data = await media;
      if (!track || !data) return;
      for (const part of data) await append(track.buffer, part);
    };
    await Promise.all([fill(videoTrack, videoMedia), fill(audioTrack, audioMedia)]);
    performance.mark('kinema:boot-appended');
    return { video: videoTrack, audio: audioTrack };
  });
  // The player handles a failure (it starts hls.js from scratch, which reports what went wrong);
  // the downloads `ready` may never get to are marked handled so they are not reported twice.
  for (const p of [ready, master, videoMedia, audioMedia]) p.catch(() => null);

  // What bench/ttff measures: the first frame on screen, whoever put it there.
  video.requestVideoFrameCallback?.(() => {
    if (performance.getEntriesByName('kinema:first-frame').length === 0) performance.mark('kinema:first-frame');
  });
  window.__kinemaBootPlayback = { videoId: play.videoId, video, box, mediaSource, ready };
  showInShell(box);
}
