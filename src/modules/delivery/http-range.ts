/**
 * RFC 9110 byte ranges and conditional requests for the origin, as pure functions.
 * Only single ranges are honoured; a multi-range request gets the whole body (RFC 9110 §14.2
 * lets a server ignore Range), which players never mind: they ask for one range at a time.
 */

export type RangeResult =
  | { kind: 'full' }
  | { kind: 'partial'; start: number; end: number }
  | { kind: 'unsatisfiable' };

/**
 * Resolves a `Range` header against an object of `sizeBytes`.
 * Malformed, non-byte and multi-range headers → full body; a range past the end → unsatisfiable.
 *
 * @example resolveRange('bytes=-500', 1000) // { kind: 'partial', start: 500, end: 999 }
 */
export function resolveRange(header: string | undefined, sizeBytes: number): RangeResult {
  if (!header) return { kind: 'full' };
  const match = /^bytes=\s*(\d*)\s*-\s*(\d*)\s*$/i.exec(header.trim());
  if (!match) return { kind: 'full' };
  const [, first, last] = match as unknown as [string, string, string];
  if (first === '' && last === '') return { kind: 'full' };
  if (first === '') {
    // Suffix range: the last N bytes.
    const n = Number(last);
    if (n === 0 || sizeBytes === 0) return { kind: 'unsatisfiable' };
    return { kind: 'partial', start: Math.max(0, sizeBytes - n), end: sizeBytes - 1 };
  }
  const start = Number(first);
  const end = last === '' ? Number.MAX_SAFE_INTEGER : Number(last);
  // `bytes=5-1` is syntactically invalid (RFC 9110 §14.1.1), so it is ignored, not refused.
  if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || end < start) return { kind: 'full' };
  if (start >= sizeBytes) return { kind: 'unsatisfiable' };
  return { kind: 'partial', start, end: Math.min(end, sizeBytes - 1) };
}

const stripWeak = (tag: string) => tag.trim().replace(/^W\//, '');

/** `If-None-Match` (weak comparison, lists and `*`), RFC 9110 §13.1.2. */
export function etagMatches(header: string, etag: string): boolean {
  if (header.trim() === '*') return true;
  const mine = stripWeak(etag);
  return header.split(',').some((t) => stripWeak(t) === mine);
}

/**
 * Whether a GET/HEAD may be answered 304 Not Modified. `If-None-Match` wins over
 * `If-Modified-Since` when both are present (RFC 9110 §13.2.2); dates compare at one-second
 * resolution because HTTP dates have no fractions.
 */
export function isNotModified(headers: { 'if-none-match'?: string; 'if-modified-since'?: string }, etag: string, lastModified: Date): boolean {
  if (headers['if-none-match']) return etagMatches(headers['if-none-match'], etag);
  const since = headers['if-modified-since'] ? Date.parse(headers['if-modified-since']) : Number.NaN;
  return Number.isFinite(since) && Math.floor(lastModified.getTime() / 1000) * 1000 <= since;
}

/**
 * `If-Range`: serve the range only if the object is still the one the client has (strong ETag
 * or exact date); otherwise the whole body, so a resumed download never splices two versions.
 */
export function ifRangeAllows(header: string | undefined, etag: string, lastModified: Date): boolean {
  if (!header) return true;
  const value = header.trim();
  if (value.startsWith('"') || value.startsWith('W/')) return !value.startsWith('W/') && value === etag;
  const date = Date.parse(value);
  return Number.isFinite(date) && Math.floor(lastModified.getTime() / 1000) * 1000 === date;
}
