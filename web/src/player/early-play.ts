import { fetchPlay, readPlayResponse, type PlayResult } from '../api.js';
import { playPath } from './bandwidth-memory.js';

interface EarlyPlay {
  id: string;
  result: Promise<PlayResult>;
  isTaken: boolean;
}

let early: EarlyPlay | undefined;

/**
 * The play request index.html sent before any module loaded, read once and shared: main.ts
 * peeks at it to warm the media, the watch page takes it instead of asking again.
 */
export function peekEarlyPlay(): EarlyPlay | undefined {
  const pending = window.__kinemaEarlyPlay;
  if (pending && !early) {
    window.__kinemaEarlyPlay = undefined;
    // If the early request failed (network), a normal one reports the failure properly.
    early = { id: pending.id, isTaken: false, result: pending.response.then(readPlayResponse, () => fetchPlay(playPath(pending.id))) };
  }
  return early;
}

/** The play response for `videoId`: the early one (first watch page of a visit) or a fresh request. */
export function loadPlay(videoId: string, signal: AbortSignal): Promise<PlayResult> {
  const e = peekEarlyPlay();
  if (e && e.id === videoId && !e.isTaken) {
    e.isTaken = true;
    return e.result;
  }
  return fetchPlay(playPath(videoId), signal);
}
