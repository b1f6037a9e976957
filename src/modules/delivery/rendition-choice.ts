/**
 * Which rung a player should start on. Adaptive bitrate corrects a bad guess within a few
 * segments, but the first segments decide time-to-first-frame (too high: a stall at start) and
 * first impression (too low: a blurry start), so we guess from what the client tells us.
 */

/** What the request says about the viewer's device and network. */
export interface ClientHints {
  /** Phone-class device: smaller screen, often a metered or variable link. */
  isMobile: boolean;
  /** `Save-Data: on`: the user asked for less data. */
  saveData: boolean;
  /** `Downlink` client hint: effective bandwidth in Mbit/s (Chrome rounds it and caps it at 10). */
  downlinkMbps?: number;
  /** `ECT` client hint: effective connection type. */
  ect?: 'slow-2g' | '2g' | '3g' | '4g';
  /** `?bandwidth=` from the caller: a measured throughput in bit/s (e.g. from a previous session). */
  bandwidthBps?: number;
}

export interface RungForChoice {
  label: string;
  width: number;
  height: number;
  bandwidthBps: number;
}

/** Share of the measured throughput a stream may use: headroom for variance and audio/requests. */
export const BANDWIDTH_HEADROOM = 0.7;

/** Largest short side to start on: phones like the seed's 480p, desktops at most 1080p. */
const START_CAP_SHORT_SIDE = { mobile: 480, desktop: 1080 };

/**
 * Typical throughput per ECT class (the downlink thresholds of the Network Information API spec,
 * WICG netinfo §"effective connection types"); `4g` is no cap at all.
 */
const ECT_BPS: Record<NonNullable<ClientHints['ect']>, number> = {
  'slow-2g': 50_000,
  '2g': 70_000,
  '3g': 700_000,
  '4g': Number.POSITIVE_INFINITY,
};

/** User agents taken for phones when Sec-CH-UA-Mobile is absent; the edge config uses the same pattern. */
export const MOBILE_UA_PATTERN = 'Mobi|iPhone|iPod|Android.+Mobile|Opera Mini|IEMobile|BlackBerry';
const MOBILE_UA = new RegExp(MOBILE_UA_PATTERN, 'i');

/**
 * Reads the hints from request headers (lower-case names, as Node gives them) and the query.
 * Unparseable values are ignored rather than rejected: hints are advice, not input.
 */
export function readClientHints(headers: Record<string, string | string[] | undefined>, query: { bandwidth?: number } = {}): ClientHints {
  const one = (name: string) => {
    const v = headers[name];
    return (Array.isArray(v) ? v[0] : v)?.trim();
  };
  const downlink = Number(one('downlink'));
  const ect = one('ect')?.toLowerCase();
  const chMobile = one('sec-ch-ua-mobile');
  return {
    isMobile: chMobile ? chMobile === '?1' : MOBILE_UA.test(one('user-agent') ?? ''),
    saveData: one('save-data')?.toLowerCase() === 'on',
    downlinkMbps: one('downlink') && Number.isFinite(downlink) && downlink > 0 ? downlink : undefined,
    ect: ect && ect in ECT_BPS ? (ect as ClientHints['ect']) : undefined,
    bandwidthBps: query.bandwidth && query.bandwidth > 0 ? query.bandwidth : undefined,
  };
}

/** The throughput we may assume, in bit/s, or undefined when the client told us nothing. */
function knownThroughputBps(h: ClientHints): number | undefined {
  // An explicit measurement beats the browser's coarse estimate.
  if (h.bandwidthBps !== undefined) return h.bandwidthBps;
  const estimates = [h.downlinkMbps !== undefined ? h.downlinkMbps * 1e6 : undefined, h.ect ? ECT_BPS[h.ect] : undefined]
    .filter((x): x is number => x !== undefined);
  return estimates.length ? Math.min(...estimates) : undefined;
}

/**
 * The label of the rung to start on: `Save-Data` → the lowest; otherwise the highest rung that
 * fits the device's start cap and ~70 % of the known throughput; the lowest when none fits.
 *
 * @example
 * recommendRendition(renditions, { isMobile: false, saveData: false, bandwidthBps: 3_000_000 }) // '480p'
 */
export function recommendRendition(rungs: RungForChoice[], hints: ClientHints): string | undefined {
  const byBandwidth = [...rungs].sort((a, b) => a.bandwidthBps - b.bandwidthBps);
  const lowest = byBandwidth[0];
  if (!lowest || hints.saveData) return lowest?.label;
  const cap = hints.isMobile ? START_CAP_SHORT_SIDE.mobile : START_CAP_SHORT_SIDE.desktop;
  const throughput = knownThroughputBps(hints);
  const budget = throughput === undefined ? Number.POSITIVE_INFINITY : throughput * BANDWIDTH_HEADROOM;
  const fits = byBandwidth.filter((r) => Math.min(r.width, r.height) <= cap && r.bandwidthBps <= budget);
  return (fits[fits.length - 1] ?? lowest).label;
}
