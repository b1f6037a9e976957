import { ErrorDetails, ErrorTypes, type ErrorData } from 'hls.js';

/** What the player shows when playback cannot go on, and whether "Try again" can help. */
export interface PlaybackFailure {
  message: string;
  /** A new attempt (a fresh play answer, fresh links) may work: no answer, a timeout, an expired link, a server error. */
  isRetryable: boolean;
  /** What to try in place before giving up: reload the fragment, or reset the decoder. */
  recovery: 'load' | 'media' | null;
}

const FRAGMENT_LOAD = new Set<string>([ErrorDetails.FRAG_LOAD_ERROR, ErrorDetails.FRAG_LOAD_TIMEOUT]);
const TIMEOUTS = new Set<string>([ErrorDetails.MANIFEST_LOAD_TIMEOUT, ErrorDetails.LEVEL_LOAD_TIMEOUT, ErrorDetails.FRAG_LOAD_TIMEOUT, ErrorDetails.AUDIO_TRACK_LOAD_TIMEOUT]);

/** "media.example.com" when the media lives on another host than the page: it tells an operator where to look. */
function otherHost(url: string | undefined): string | undefined {
  if (!url) return undefined;
  try {
    const u = new URL(url, location.href);
    return u.origin === location.origin ? undefined : u.host;
  } catch {
    // An unparsable URL: the message simply does not name a host.
    return undefined;
  }
}

/** A media request failed: what its HTTP status (0 for no answer) means to a viewer. */
function describeLoadFailure(status: number, isTimeout: boolean, url: string | undefined): Omit<PlaybackFailure, 'recovery'> {
  if (status === 0 || isTimeout) {
    const host = otherHost(url);
    return {
      message: `Could not reach the video server${host ? ` (${host})` : ''}. Check your connection and try again.`,
      isRetryable: true,
    };
  }
  if (status === 403) return { message: 'The link to this video has expired. Try again to get a fresh one.', isRetryable: true };
  if (status >= 500 || status === 429 || status === 408) return { message: `The video server had a problem (HTTP ${status}). Try again in a moment.`, isRetryable: true };
  if (status === 404 || status === 410) {
    return { message: 'The files of this video are missing on the server. If this keeps happening, tell whoever runs this site.', isRetryable: false };
  }
  return { message: `The video server refused to send this video (HTTP ${status}).`, isRetryable: false };
}

/**
 * Turns a fatal hls.js error into words a viewer can act on. Playlist loads were already retried
 * by hls.js's own policies when an error turns fatal, so only a fragment load or a decoder
 * hiccup is worth one more attempt in place.
 */
export function describePlaybackError(data: ErrorData): PlaybackFailure {
  if (data.type === ErrorTypes.NETWORK_ERROR) {
    const status = data.response?.code ?? 0;
    const url = data.response?.url ?? data.url ?? data.frag?.url ?? data.context?.url;
    return { ...describeLoadFailure(status, TIMEOUTS.has(data.details), url), recovery: FRAGMENT_LOAD.has(data.details) ? 'load' : null };
  }
  if (data.details === ErrorDetails.MANIFEST_INCOMPATIBLE_CODECS_ERROR) {
    return { message: 'This browser cannot play this video\'s format. Try a current Chrome, Firefox, Edge or Safari.', isRetryable: false, recovery: null };
  }
  if (data.type === ErrorTypes.MEDIA_ERROR) {
    // Bytes hls.js cannot parse stay the same however often they are fetched (it retried the
    // fragment already); a decoder that choked on good bytes may recover after a reset.
    const recovery = data.details === ErrorDetails.FRAG_PARSING_ERROR ? null : 'media';
    return { message: 'This video could not be decoded in this browser: its data looks damaged. Try another browser, or tell the video\'s creator.', isRetryable: false, recovery };
  }
  return { message: 'This video could not be played in this browser. Try a current Chrome, Firefox, Edge or Safari.', isRetryable: false, recovery: null };
}

/** The same for the browser's own HLS player (Safari, iOS), which only reports a MediaError code. */
export function describeMediaElementError(error: MediaError | null): Omit<PlaybackFailure, 'recovery'> {
  if (error?.code === MediaError.MEDIA_ERR_NETWORK) return describeLoadFailure(0, false, undefined);
  if (error?.code === MediaError.MEDIA_ERR_DECODE) return { message: 'This video could not be decoded in this browser: its data looks damaged.', isRetryable: false };
  return { message: 'This video could not be loaded. Try again, or try another browser.', isRetryable: true };
}
