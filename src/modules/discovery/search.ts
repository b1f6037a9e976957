import type { Cache } from '../../platform/cache/port.js';
import type { Db } from '../../platform/db/index.js';
import type { RequestPrincipal } from '../../platform/http/auth.js';
import type { VideoRecord } from '../catalog/index.js';
import { decodeSearchCursor, encodeSearchCursor, queryFingerprint } from './search-cursor.js';
import { searchQueries, type DurationFilter, type SearchSort, type UploadedFilter } from './search-queries.js';

export interface SearchRequest {
  q: string;
  viewer: RequestPrincipal | null;
  sort: SearchSort;
  duration?: DurationFilter;
  uploaded?: UploadedFilter;
  limit: number;
  cursor?: string;
}

/**
 * Suggestions are the same for everyone (listed videos only) and people type the same prefixes:
 * a minute in the shared cache spares the database most keystrokes, and a new title shows up
 * within that minute.
 */
export const SUGGESTION_CACHE_TTL_SEC = 60;

/**
 * Search over the catalog: full text with typo tolerance, then fuzzy titles when nothing matches.
 * Reads go to the replica when there is one: a result a second late is fine for search.
 * @example const search = createSearchService({ db, cache }); await search.search({ q: 'harbor', viewer: null, sort: 'relevance', limit: 20 });
 */
export function createSearchService(deps: { db: Db; cache: Cache }) {
  const q = searchQueries(deps.db);

  async function search(req: SearchRequest): Promise<{ items: VideoRecord[]; nextCursor: string | null }> {
    const fingerprint = queryFingerprint([req.q, req.sort, req.duration ?? null, req.uploaded ?? null]);
    const after = req.cursor ? decodeSearchCursor(req.cursor, fingerprint) : undefined;
    const ref = new Date(after?.refMs ?? Date.now());
    const tsquery = await q.buildQuery(req.q);
    const base = { q: req.q, tsquery, viewerId: req.viewer?.userId ?? null, sort: req.sort, duration: req.duration, uploaded: req.uploaded, ref, limit: req.limit + 1 };
    let fuzzy = after?.fuzzy ?? tsquery === '';
    let rows = await q.page({ ...base, fuzzy, after });
    // Nothing matched every word (even corrected): fall back to titles close in trigrams, so a
    // query of stop words ("the who") or a badly mangled title still finds something.
    if (!after && !fuzzy && rows.length === 0) {
      fuzzy = true;
      rows = await q.page({ ...base, fuzzy });
    }
    const items = rows.slice(0, req.limit);
    const last = items[items.length - 1];
    const nextCursor = rows.length > req.limit && last
      ? encodeSearchCursor({ fuzzy, refMs: ref.getTime(), key: last.sortKey, videoId: last.videoId }, fingerprint)
      : null;
    return { items: items.map(({ sortKey: _, ...v }) => v), nextCursor };
  }

  async function suggest(text: string, limit: number): Promise<string[]> {
    const typed = text.replace(/\s+/g, ' ').trimStart();
    if (!typed.trim()) return [];
    const key = `suggest:${limit}:${typed.toLowerCase()}`;
    const cached = await deps.cache.get<string[]>(key);
    if (cached) return cached;
    const seen = new Set<string>();
    const items = (await q.suggest(typed, limit)).filter((s) => {
      const k = s.toLowerCase();
      return !seen.has(k) && !!seen.add(k);
    }).slice(0, limit);
    await deps.cache.set(key, items, SUGGESTION_CACHE_TTL_SEC);
    return items;
  }

  return { search, suggest };
}

export type SearchService = ReturnType<typeof createSearchService>;
