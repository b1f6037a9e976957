import { sql, type RawBuilder, type SqlBool } from 'kysely';
import type { Db } from '../../platform/db/index.js';
import type { VideoRecord } from '../catalog/index.js';

export type SearchSort = 'relevance' | 'date' | 'views';
export type DurationFilter = 'short' | 'medium' | 'long';
export type UploadedFilter = 'day' | 'week' | 'month' | 'year';

/** YouTube's buckets: under 4 minutes, 4 to 20, over 20. */
const DURATION: Record<DurationFilter, RawBuilder<SqlBool>> = {
  short: sql`v.duration < 240`,
  medium: sql`v.duration >= 240 AND v.duration <= 1200`,
  long: sql`v.duration > 1200`,
};
const UPLOADED: Record<UploadedFilter, string> = { day: '1 day', week: '7 days', month: '1 month', year: '1 year' };

/**
 * Text relevance times a light prior. Titles weigh most (A 1.0, tags and channel B 0.4,
 * description C 0.2), cover density rewards the words close together, the length normalisation
 * (1) keeps a long description from outscoring a title, and closeness of the whole title in
 * trigrams lifts the title a person typed (and its library form "Office, The") to the top.
 * The prior: at most about +5 % per ten-fold of views (in half-decade steps, so a page boundary
 * does not move with every view) and +10 % for a new video, halving every 30 days from `ref`.
 */
function scoreOf(q: string, tsquery: string, fuzzy: boolean, ref: Date): RawBuilder<number> {
  const typed = sql`kinema_title_norm(${q})`;
  const relevance = fuzzy
    ? sql`greatest(similarity(s.title_norm, ${typed}), word_similarity(${typed}, s.title_norm))`
    : sql`ts_rank_cd('{0.1, 0.2, 0.4, 1.0}', s.document, ${tsquery}::tsquery, 1) + 0.5 * similarity(s.title_norm, ${typed})`;
  const popularity = sql`(1 + 0.05 * floor(2 * log((1 + v.view_count)::float8)) / 2)`;
  const freshness = sql`(1 + 0.1 * power(0.5, greatest(0, extract(epoch FROM (${ref}::timestamptz - v.created_at))::float8) / 2592000))`;
  return sql<number>`((${relevance}) * ${popularity} * ${freshness})::float8`;
}

export interface SearchPage {
  q: string;
  /** kinema_search_query's text; ignored when `fuzzy`. */
  tsquery: string;
  /** No full-text match: rank titles by trigram closeness instead (typos, all-stop-word titles). */
  fuzzy: boolean;
  viewerId: string | null;
  sort: SearchSort;
  duration?: DurationFilter;
  uploaded?: UploadedFilter;
  ref: Date;
  after?: { key: number; videoId: string };
  limit: number;
}

/**
 * How many matches the relevance ranking looks at: the most viewed ones. Ranking costs a few
 * microseconds per match (ts_rank_cd and the title's trigrams), so a word found in half of a
 * million videos would cost seconds (bench/search); walking the views index instead stops after
 * this many matches. Below it every match is ranked; above it, the long tail of a very common
 * word is reached with more words (or with sort=date). Elasticsearch's rescore window makes the
 * same trade. Date and view sorts walk their own indexes and see every match.
 */
export const RANK_CANDIDATES = 500;

/** Above this many matches a query counts as dense (see isDense). */
export const DENSE_MATCHES = 25_000;

/** How many of the most viewed listed videos word and tag suggestions are drawn from. */
export const SUGGESTION_POOL = 2000;

export const searchQueries = (db: Db) => {
  /** The rows the viewer may see, with the filters: listed, and the viewer's own ready ones. */
  const visibleWith = (p: SearchPage) => sql.join([
    sql`v.status = 'ready'`,
    p.viewerId ? sql`(v.visibility = 'public' OR v.user_id = ${p.viewerId})` : sql`v.visibility = 'public'`,
    ...(p.duration ? [DURATION[p.duration]] : []),
    ...(p.uploaded ? [sql`v.created_at >= ${p.ref}::timestamptz - ${UPLOADED[p.uploaded]}::interval`] : []),
  ], sql` AND `);

  const matchOf = (p: SearchPage) => {
    const typed = sql`kinema_title_norm(${p.q})`;
    return p.fuzzy ? sql<SqlBool>`(s.title_norm % ${typed} OR ${typed} <% s.title_norm)` : sql<SqlBool>`s.document @@ ${p.tsquery}::tsquery`;
  };

  /**
   * Whether the query matches more than DENSE_MATCHES videos. A page ordered by views or date can
   * be had two ways: walk that column's index and test each video against the query (fast when
   * matches are dense, a scan of the whole catalogue when they are rare), or fetch every match
   * from the GIN index and sort them (cost grows with the matches). The planner's estimate for
   * prefixes and typo alternatives is often off by orders of magnitude (bench/search measured a
   * 1.2 s walk for a rare pair), so we count, cheaply and bounded, and choose ourselves.
   */
  async function isDense(p: SearchPage): Promise<boolean> {
    const { rows } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM (SELECT 1 FROM video_search s WHERE ${matchOf(p)} LIMIT ${DENSE_MATCHES + 1}) m`.execute(db);
    return (rows[0]?.n ?? 0) > DENSE_MATCHES;
  }

  /** Candidates for relevance ranking: the most viewed matches (see RANK_CANDIDATES). */
  const candidates = (p: SearchPage, dense: boolean) => sql`SELECT s.video_id FROM video_search s JOIN videos v ON v.video_id = s.video_id
      WHERE ${matchOf(p)} AND ${visibleWith(p)} ORDER BY ${dense ? sql`v.view_count` : sql`v.view_count + 0`} DESC, v.video_id DESC LIMIT ${RANK_CANDIDATES}`;

  const columns = sql`v.*, u.username AS owner_username`;

  return {
    /** The tsquery (as text) for what was typed; '' when nothing is left to match (all stop words). */
    async buildQuery(q: string): Promise<string> {
      const { rows } = await sql<{ tsquery: string }>`SELECT kinema_search_query(${q}, true)::text AS tsquery`.execute(db);
      return rows[0]?.tsquery ?? '';
    },

    /** One page of matches the viewer may see, best first, keyset-paged on (sort key, video id). */
    async page(p: SearchPage): Promise<(VideoRecord & { sortKey: number })[]> {
      // Sparse: "+ 0" hides the column from the planner, so it cannot choose the index walk.
      const dense = await isDense(p);
      if (p.sort === 'relevance') {
        const score = scoreOf(p.q, p.tsquery, p.fuzzy, p.ref);
        const after = p.after ? sql`WHERE (r.sort_key, r.video_id) < (${p.after.key}::float8, ${p.after.videoId})` : sql``;
        const { rows } = await sql<VideoRecord & { sortKey: number }>`
          SELECT * FROM (
            SELECT ${columns}, ${score} AS sort_key
            FROM (${candidates(p, dense)}) c JOIN video_search s ON s.video_id = c.video_id
              JOIN videos v ON v.video_id = c.video_id JOIN users u ON u.user_id = v.user_id) r
          ${after} ORDER BY r.sort_key DESC, r.video_id DESC LIMIT ${p.limit}`.execute(db);
        return rows;
      }
      // Newest or most viewed: dense matches walk the column's index and stop after a page.
      const [column, key] = p.sort === 'date'
        ? [dense ? sql`v.created_at` : sql`(v.created_at + interval '0')`, sql`(extract(epoch FROM v.created_at) * 1000)::float8`]
        : [dense ? sql`v.view_count` : sql`(v.view_count + 0)`, sql`v.view_count::float8`];
      // Dates: a range the index can use, then the exact comparison on the very key the cursor holds.
      const after = !p.after ? sql``
        : p.sort === 'date'
          ? sql`AND v.created_at <= to_timestamp(${p.after.key}::float8 / 1000) + interval '1 millisecond' AND (${key}, v.video_id) < (${p.after.key}::float8, ${p.after.videoId})`
          : sql`AND (v.view_count, v.video_id) < (${p.after.key}::bigint, ${p.after.videoId})`;
      const { rows } = await sql<VideoRecord & { sortKey: number }>`
        SELECT ${columns}, ${key} AS sort_key
        FROM video_search s JOIN videos v ON v.video_id = s.video_id JOIN users u ON u.user_id = v.user_id
        WHERE ${matchOf(p)} AND ${visibleWith(p)} ${after}
        ORDER BY ${column} DESC, v.video_id DESC LIMIT ${p.limit}`.execute(db);
      return rows;
    },

    /**
     * Completions of what is being typed, from listed videos only: titles that start with it,
     * titles whose words match it (the last word as a prefix), tags and channel names that start
     * with it. Word matches and tags come from the SUGGESTION_POOL most viewed videos, and whole
     * titles from the first ones in index order, so the cost is bounded whatever the catalogue
     * size and however many videos a short prefix matches.
     */
    async suggest(q: string, limit: number): Promise<string[]> {
      const prefix = `${q.trim().toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
      // Whole titles by a range of the pattern-ops index: with LIKE the planner may prefer the
      // trigram index and fetch every title containing the letters (0.5 s for "ha" at 1M).
      const typedPrefix = q.trim().toLowerCase();
      const listed = sql<SqlBool>`v.visibility = 'public' AND v.status = 'ready'`;
      // Computed once and passed as values: inside the WHERE clause the function would run again
      // for every row the planner chose to filter rather than look up in the index.
      const { rows: [queries] } = await sql<{ titles: string }>`SELECT kinema_search_query(${q}, false, 'A')::text AS titles`.execute(db);
      const pool = sql`(SELECT v.video_id, v.title, v.tags, v.view_count FROM videos v WHERE ${listed}
        ORDER BY v.view_count DESC, v.video_id DESC LIMIT ${SUGGESTION_POOL})`;
      const [starts, words, tags, channels] = await Promise.all([
        sql<{ title: string }>`
          SELECT title FROM (
            SELECT s.video_id FROM video_search s
            WHERE s.title_norm ~>=~ kinema_fold(${typedPrefix}) AND s.title_norm ~<~ (kinema_fold(${typedPrefix}) || chr(1114111))
            ORDER BY s.title_norm USING ~<~ LIMIT 200) c JOIN videos v ON v.video_id = c.video_id
          WHERE ${listed}
          GROUP BY title ORDER BY max(view_count) DESC, title LIMIT ${limit}`.execute(db),
        sql<{ title: string }>`
          SELECT p.title FROM ${pool} p JOIN video_search s ON s.video_id = p.video_id
          WHERE s.document @@ ${queries?.titles ?? ''}::tsquery
          GROUP BY p.title ORDER BY max(p.view_count) DESC, p.title LIMIT ${limit}`.execute(db),
        sql<{ tag: string }>`
          SELECT tag FROM ${pool} p, unnest(p.tags) AS tag
          WHERE kinema_fold(tag) LIKE kinema_fold(${prefix})
          GROUP BY tag ORDER BY count(*) DESC, tag LIMIT ${limit}`.execute(db),
        sql<{ username: string }>`
          SELECT u.username FROM users u
          WHERE lower(u.username) LIKE ${prefix}
            AND EXISTS (SELECT 1 FROM videos v WHERE v.user_id = u.user_id AND ${listed})
          ORDER BY lower(u.username) LIMIT ${limit}`.execute(db),
      ]);
      return [...starts.rows.map((r) => r.title), ...words.rows.map((r) => r.title), ...tags.rows.map((r) => r.tag), ...channels.rows.map((r) => r.username)];
    },
  };
};
