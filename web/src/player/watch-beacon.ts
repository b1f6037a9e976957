import { playedRanges, type QoeReport, type QoeTracker } from './qoe.js';

/**
 * The watch beacon: `POST /api/v1/videos/:id/progress` every 10 s while playing, on pause, seek
 * and end, when the visitor leaves the page inside the app, and on page hide with
 * `navigator.sendBeacon` (the one request a closing tab still sends). Everything is cumulative
 * for the session (played ranges, QoE totals), so a lost or repeated beacon costs nothing: the
 * next one carries it all. It never blocks playback and never throws: sends are fire-and-forget
 * and every failure is swallowed (a beacon is worth less than the video).
 */

const INTERVAL_MS = 10_000;

export interface BeaconOptions {
  videoId: string;
  video: HTMLVideoElement;
  tracker: QoeTracker;
  /** Host the media segments come from (the MEDIA_BASE_URL edge). */
  edgeHost?: string;
  signal: AbortSignal;
}

/** 128 random bits, base64url (crypto.getRandomValues works on plain-http LAN addresses too, randomUUID does not). */
export function newSessionId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return btoa(String.fromCharCode(...bytes)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}


export type BeaconState = 'playing' | 'paused' | 'ended' | 'left';

/** The beacon's JSON body (the contract in docs/API.md). */
export function beaconBody(sessionId: string, positionSec: number, played: [number, number][], state: BeaconState, qoe: QoeReport, edgeHost?: string): Record<string, unknown> {
  return {
    sessionId,
    positionSec: Math.min(86_400, Math.max(0, Math.round(positionSec * 10) / 10)),
    played,
    state,
    qoe: edgeHost ? { ...qoe, edgeHost } : qoe,
  };
}

/** Starts beaconing; the answer sends one at once (a fatal error is worth reporting while the viewer still looks at it). */
export function startWatchBeacon(opts: BeaconOptions): () => void {
  const { videoId, video, tracker, signal } = opts;
  const url = `/api/v1/videos/${encodeURIComponent(videoId)}/progress`;
  // One session per playback (each load of the player), as Mux Data counts a view: a reload
  // restarts video.played and the player's totals, so continuing the old session would make its
  // last beacon forget what was watched before the reload.
  const sessionId = newSessionId();
  let lastSent = '';
  let timer: ReturnType<typeof setInterval> | undefined;

  function body(leaving: boolean): string | null {
    try {
      const played = playedRanges(video.played);
      // Nothing to say before the viewer asked to play (a page opened in a background tab).
      const qoe = tracker.report(leaving);
      if (played.length === 0 && qoe.watchMs === 0 && !qoe.fatalError && !qoe.exitedBeforeStart) return null;
      const state: BeaconState = leaving ? 'left' : video.ended ? 'ended' : video.paused ? 'paused' : 'playing';
      return JSON.stringify(beaconBody(sessionId, video.currentTime || 0, played.slice(-200), state, qoe, opts.edgeHost));
    } catch {
      return null;
    }
  }

  function send(leaving = false): void {
    const text = body(leaving);
    if (!text || text === lastSent) return;
    lastSent = text;
    try {
      // keepalive: the request outlives a navigation inside the app or a closing tab.
      void fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: text, credentials: 'same-origin', keepalive: true }).catch(() => undefined);
    } catch {
      // Never let a beacon reach the player.
    }
  }

  /** Page hide: sendBeacon is what browsers promise to deliver from a page being unloaded. */
  function sendOnHide(leaving: boolean): void {
    const text = body(leaving);
    if (!text || text === lastSent) return;
    lastSent = text;
    try {
      if (navigator.sendBeacon?.(url, new Blob([text], { type: 'application/json' }))) return;
    } catch {
      // Fall through to fetch keepalive.
    }
    lastSent = '';
    send(leaving);
  }

  const on = (type: string, fn: () => void) => video.addEventListener(type, fn, { signal });
  on('playing', () => {
    clearInterval(timer);
    timer = setInterval(() => send(), INTERVAL_MS);
  });
  on('pause', () => {
    clearInterval(timer);
    send();
  });
  on('seeked', () => send());
  on('ended', () => send());
  on('error', () => send());
  // After pagehide the page is gone (or frozen in the back/forward cache until pageshow): the
  // `hidden` that follows it must not send a later "still playing" over the "left".
  let hasLeft = false;
  window.addEventListener('pagehide', () => {
    hasLeft = true;
    sendOnHide(true);
  }, { signal });
  window.addEventListener('pageshow', () => (hasLeft = false), { signal });
  // A hidden tab may come back (and its video start): not an exit yet. Phones often skip pagehide.
  document.addEventListener('visibilitychange', () => document.visibilityState === 'hidden' && !hasLeft && sendOnHide(false), { signal });
  // Leaving the watch page inside the app (the router aborts the page's signal).
  signal.addEventListener('abort', () => {
    clearInterval(timer);
    send(true);
  });
  return () => send();
}
