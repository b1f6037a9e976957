import type { PlayInfo, Rendition } from '../types.js';
import { startMseBootstrap } from './mse-start.js';

/**
 * Fast start for watch pages. This file is compiled and inlined into index.html at build time
 * (vite.config.ts), so it runs before any module has downloaded, let alone the watch page's
 * ~600 kB chunk with hls.js, whose compile and start-up keep the main thread busy:
 *   1. send the play request (with the bandwidth remembered from an earlier visit);
 *   2. modulepreload the watch page's chunks in parallel with the app's entry;
 *   3. once the play response is in, fetch what hls.js will ask for first: the master, start
 *      rung and audio playlists, their init segments and first media segments. Media URLs are
 *      immutable and cacheable, so hls.js's requests are answered from the HTTP cache (or join
 *      the download in flight): `<link rel=preload>` for URLs known only at runtime.
 * Step 3 runs in a small Worker (built from this same file, started at once so it is up when
 * the play response arrives), so the chain playlists → segments never waits for the busy main
 * thread; without Worker support the main thread does it.
 * Rules: no imports except types (erased) and the other boot/ files (inlined together), no
 * top-level side effects (the player imports the pure functions below; only the inlined copies call bootFastStart / runFastStartWorker).
 */

export const BANDWIDTH_KEY = 'kinema.bandwidthBps';
const WATCH_PATH = /^\/watch\/([A-Za-z0-9_-]{11})\/?$/;

declare global {
  interface Window {
    /** The play request sent by bootFastStart; taken by the watch page (player/early-play.ts). */
    __kinemaEarlyPlay?: { id: string; response: Promise<Response> };
  }
}

/** The throughput hls.js measured on an earlier visit, in bit/s (see player/bandwidth-memory.ts). */
export function savedBandwidthBps(): number | null {
  try {
    const value = Number(localStorage.getItem(BANDWIDTH_KEY));
    return Number.isFinite(value) && value > 0 ? Math.round(value) : null;
  } catch {
    // Storage disabled: behave like a first visit.
    return null;
  }
}

/** `/api/v1/videos/:id/play`, with `?bandwidth=` when a measurement is remembered. */
export function playPath(videoId: string): string {
  const bps = savedBandwidthBps();
  return `/api/v1/videos/${encodeURIComponent(videoId)}/play${bps ? `?bandwidth=${bps}` : ''}`;
}

export function sortByBandwidth(renditions: Rendition[]): Rendition[] {
  return renditions.slice().sort((a, b) => a.bandwidth - b.bandwidth);
}

/**
 * Rungs with a shorter side below this are the cellular variant (144p, ≤ 192 kbit/s with its own
 * low-rate audio group): hls.js's ABR steps down to it on a link that needs it, but playback never
 * starts there, so the start rung always plays with the default audio the warm-up fetches.
 */
const MIN_START_SHORT_SIDE = 240;

/**
 * The rung playback starts on. A first visit starts on the lowest rung (of 240p or more), whose
 * first segment arrives and decodes fastest, and ABR climbs right after. A returning viewer starts
 * on the highest rung fitting 70 % of the throughput hls.js measured last time (the same rule as the
 * server's recommendation for `?bandwidth=`, applied here so an inlined play answer serves too).
 */
export function startRendition(play: PlayInfo): Rendition | undefined {
  const all = sortByBandwidth(play.renditions);
  const startable = all.filter((r) => Math.min(r.width, r.height) >= MIN_START_SHORT_SIDE);
  const sorted = startable.length > 0 ? startable : all;
  const bps = savedBandwidthBps();
  if (bps === null) return sorted[0];
  const fitting = sorted.filter((r) => r.bandwidth <= bps * 0.7);
  return fitting[fitting.length - 1] ?? sorted[0];
}

/**
 * The play answer with absolute URLs. Without MEDIA_BASE_URL the server sends root-relative ones
 * (`/media/…`, right for whatever address the viewer used); the warm-up Worker runs from a blob:
 * URL, which cannot resolve those, and `new URL(uri, playlist)` needs an absolute base.
 */
export function withAbsoluteUrls<T extends PlayInfo & { audioUrl?: string | null }>(play: T, base: string): T {
  const abs = (u: string) => new URL(u, base).href;
  return {
    ...play,
    hlsManifest: abs(play.hlsManifest),
    renditions: play.renditions.map((r) => ({ ...r, url: abs(r.url) })),
    posterUrl: play.posterUrl && abs(play.posterUrl),
    storyboardUrl: play.storyboardUrl && abs(play.storyboardUrl),
    ...(play.audioUrl ? { audioUrl: abs(play.audioUrl) } : {}),
  };
}

/** URI of the default (else the first) audio rendition of a master playlist. */
export function audioPlaylistUri(master: string): string | undefined {
  const media = master.split('\n').filter((l) => l.indexOf('#EXT-X-MEDIA:') === 0 && l.indexOf('TYPE=AUDIO') > 0 && l.indexOf('URI=') > 0);
  const chosen = media.find((l) => l.indexOf('DEFAULT=YES') > 0) ?? media[0];
  return chosen?.match(/URI="([^"]+)"/)?.[1];
}

export function initSegmentUri(playlist: string): string | undefined {
  return playlist.match(/#EXT-X-MAP:.*URI="([^"]+)"/)?.[1];
}

export function firstSegmentUri(playlist: string): string | undefined {
  const lines = playlist.split('\n').map((l) => l.trim());
  const at = lines.findIndex((l) => l.indexOf('#EXTINF:') === 0);
  return at < 0 ? undefined : lines.slice(at + 1).find((l) => l !== '' && l[0] !== '#');
}

/** Same credentials mode as hls.js's XHR (withCredentials off), so cache entries are shared. */
function fetchText(url: string): Promise<string | null> {
  return fetch(url, { credentials: 'same-origin' }).then((r) => (r.ok ? r.text() : null), () => null);
}

function warmMediaPlaylist(url: string): void {
  void fetchText(url).then((text) => {
    if (!text) return;
    for (const uri of [initSegmentUri(text), firstSegmentUri(text)]) {
      // A miss costs only the request: hls.js fetches for real and reports any error.
      if (uri) fetch(new URL(uri, url).href, { credentials: 'same-origin' }).then((r) => r.arrayBuffer()).catch(() => null);
    }
  });
}

/** Step 3 above. */
export function warmUpMedia(play: PlayInfo): void {
  const rung = startRendition(play);
  if (rung) warmMediaPlaylist(rung.url);
  void fetchText(play.hlsManifest).then((master) => {
    const audio = master ? audioPlaylistUri(master) : undefined;
    if (audio) warmMediaPlaylist(new URL(audio, play.hlsManifest).href);
  });
}

/** Worker side: warm up the media of the play response the page posts (as JSON text). */
export function runFastStartWorker(): void {
  const scope = self as unknown as { onmessage: ((e: MessageEvent<string>) => void) | null; close(): void };
  scope.onmessage = (event) => {
    warmUpMedia(JSON.parse(event.data) as PlayInfo);
    // The warm-up is a handful of requests; the worker has no reason to outlive them.
    setTimeout(() => scope.close(), 15_000);
  };
}

/**
 * A warm-up Worker from `workerSource`, started now so it is up by the time the play response
 * arrives; null where workers are unavailable or blocked (e.g. a strict CSP): then the main
 * thread does the warm-up itself.
 */
function startWarmUpWorker(workerSource: string): Worker | null {
  if (!workerSource || typeof Worker !== 'function') return null;
  try {
    return new Worker(URL.createObjectURL(new Blob([workerSource], { type: 'text/javascript' })));
  } catch {
    return null;
  }
}

/**
 * The play answer the server inlined into this page (`<script id="kinema-play">`): no round trip
 * before the player starts. Not used for bench/ttff's hls.js-defaults baseline.
 */
function inlinePlayAnswer(baseline: boolean): { status: number; text: string } | undefined {
  const el = document.getElementById('kinema-play');
  if (!el || baseline) return undefined;
  return { status: Number(el.getAttribute('data-status')) || 200, text: el.textContent ?? '' };
}

/** Runs once from index.html; `watchChunks` and `workerSource` are filled in at build time. */
export function bootFastStart(watchChunks: string[], workerSource: string): void {
  const match = WATCH_PATH.exec(location.pathname);
  if (!match) return;
  const id = match[1]!;
  const baseline = new URLSearchParams(location.search).get('hlsDefaults') === '1';
  const inline = inlinePlayAnswer(baseline);
  const response = inline
    ? Promise.resolve(new Response(inline.text, { status: inline.status, headers: { 'content-type': 'application/json' } }))
    : fetch(playPath(id), { credentials: 'same-origin' });
  window.__kinemaEarlyPlay = { id, response };
  // For bench/ttff's breakdown: when the page had the play response.
  response.then(() => performance.mark('kinema:play-response'), () => null);
  if (inline?.status === 200 && typeof MediaSource === 'function') {
    // The first frame without waiting for hls.js (boot/mse-start.ts); it fetches the media itself.
    startMseBootstrap(withAbsoluteUrls(JSON.parse(inline.text) as PlayInfo, location.href));
  } else if (!baseline) {
    // `?hlsDefaults=1` is bench/ttff's baseline: hls.js on its own, without the media warm-up.
    const worker = startWarmUpWorker(workerSource);
    // One main-thread hop (registered before the page's own reader, so the clone comes first);
    // the chain playlists → segments then runs in the worker.
    response
      .then((r) => (r.status === 200 ? r.clone().text() : null))
      .then((text) => {
        if (!text) return;
        const play = withAbsoluteUrls(JSON.parse(text) as PlayInfo, location.href);
        if (worker) worker.postMessage(JSON.stringify(play));
        else warmUpMedia(play);
      })
      .catch(() => null);
  }
  for (const href of watchChunks) {
    const link = document.createElement('link');
    link.rel = 'modulepreload';
    link.href = href;
    document.head.appendChild(link);
  }
}
