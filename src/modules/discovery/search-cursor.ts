import { createHash } from 'node:crypto';
import { AppError } from '../../platform/errors.js';

/**
 * A search page's keyset cursor: where the previous page ended, in the order of the query that
 * made it. It also carries the instant the first page was asked (freshness in the ranking is
 * measured from it, so scores do not drift while someone pages), whether the query fell back to
 * fuzzy title matching, and a fingerprint of the query and filters: a cursor handed to another
 * query is refused instead of silently skipping results.
 */
export interface SearchCursor {
  fuzzy: boolean;
  refMs: number;
  /** The sort key of the last row: its score, createdAt (ms) or view count. */
  key: number;
  videoId: string;
}

export const queryFingerprint = (parts: unknown[]) => createHash('sha256').update(JSON.stringify(parts)).digest('base64url').slice(0, 10);

export function encodeSearchCursor(c: SearchCursor, fingerprint: string): string {
  return Buffer.from(JSON.stringify([c.fuzzy ? 1 : 0, c.refMs, c.key, c.videoId, fingerprint])).toString('base64url');
}

export function decodeSearchCursor(cursor: string, fingerprint: string): SearchCursor {
  try {
    const [fuzzy, refMs, key, videoId, fp] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown[];
    const valid = (fuzzy === 0 || fuzzy === 1) && Number.isFinite(refMs) && Number.isFinite(key) && typeof videoId === 'string';
    if (valid && fp === fingerprint) return { fuzzy: fuzzy === 1, refMs: refMs as number, key: key as number, videoId };
    if (valid) throw new AppError('INVALID_CURSOR', 400, 'This cursor belongs to another search (the query or a filter changed). Start again without it.');
  } catch (err) {
    if (err instanceof AppError) throw err;
    // Fall through: any malformed cursor gets the same clear error below.
  }
  throw new AppError('INVALID_CURSOR', 400, 'The cursor is not one we issued. Start again without it.');
}
