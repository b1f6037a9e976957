import { sql, type RawBuilder, type SqlBool } from 'kysely';
import type { Db } from '../../platform/db/index.js';
import type { VideoRecord } from '../catalog/index.js';

/** migrations/008_discovery.sql: one search document per video, maintained by triggers on `videos`. */
export type SearchTables = {
  videoSearch: { videoId: string; document: string; titleNorm: string };
};

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

export const searchQueries = (db: Db) => {
  const dbx = db.withTables<SearchTables>();
  return {
    /** The tsquery (as text) for what was typed; '' when nothing is left to match (all stop words). */
    async buildQuery(q: string): Promise<string> {
      const { rows } = await sql<{ tsquery: string }>`SELECT kinema_search_query(${q}, true)::text AS tsquery`.execute(db);
      return rows[0]?.tsquery ?? '';
    },

    /** One page of matches the viewer may see, best first, keyset-paged on (sort key, video id). */
    async page(p: SearchPage): Promise<(VideoRecord & { sortKey: number })[]> {
      const typed = sql`kinema_title_norm(${p.q})`;
      const sortKey =
        p.sort === 'date' ? sql<number>`(extract(epoch FROM v.created_at) * 1000)::float8`
          : p.sort === 'views' ? sql<number>`v.view_count::float8`
            : scoreOf(p.q, p.tsquery, p.fuzzy, p.ref);
      let inner = dbx
        .selectFrom('videoSearch as s')
        .innerJoin('videos as v', 'v.videoId', 's.videoId')
        .innerJoin('users as u', 'u.userId', 'v.userId')
        .selectAll('v')
        .select(['u.username as ownerUsername', sortKey.as('sortKey')])
        .where(p.fuzzy ? sql<SqlBool>`(s.title_norm % ${typed} OR ${typed} <% s.title_norm)` : sql<SqlBool>`s.document @@ ${p.tsquery}::tsquery`)
        // Listed videos, and the viewer's own ready ones whatever their visibility.
        .where('v.status', '=', 'ready')
        .where((eb) => (p.viewerId ? eb.or([eb('v.visibility', '=', 'public'), eb('v.userId', '=', p.viewerId)]) : eb('v.visibility', '=', 'public')));
      if (p.duration) inner = inner.where(DURATION[p.duration]);
      if (p.uploaded) inner = inner.where(sql<SqlBool>`v.created_at >= ${p.ref}::timestamptz - ${UPLOADED[p.uploaded]}::interval`);
      let outer = dbx.selectFrom(inner.as('r')).selectAll();
      if (p.after) {
        const { key, videoId } = p.after;
        outer = outer.where((eb) => eb.or([eb('r.sortKey', '<', key), eb.and([eb('r.sortKey', '=', key), eb('r.videoId', '<', videoId)])]));
      }
      return (await outer.orderBy('r.sortKey', 'desc').orderBy('r.videoId', 'desc').limit(p.limit).execute()) as (VideoRecord & { sortKey: number })[];
    },

    /**
     * Completions of what is being typed, from listed videos only: titles whose words match (the
     * last one as a prefix), tags and channel names that start with it. Most viewed first.
     */
    async suggest(q: string, limit: number): Promise<string[]> {
      const prefix = `${q.trim().toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
      const listed = sql<SqlBool>`v.visibility = 'public' AND v.status = 'ready'`;
      const [titles, tags, channels] = await Promise.all([
        sql<{ title: string }>`
          SELECT title FROM (
            SELECT v.title, v.view_count, v.video_id FROM video_search s JOIN videos v ON v.video_id = s.video_id
            WHERE s.document @@ kinema_search_query(${q}, false, 'A') AND ${listed}
            ORDER BY v.view_count DESC, v.video_id DESC LIMIT 50) c
          GROUP BY title ORDER BY max(view_count) DESC, title LIMIT ${limit}`.execute(db),
        sql<{ tag: string }>`
          SELECT tag FROM (
            SELECT v.tags FROM video_search s JOIN videos v ON v.video_id = s.video_id
            WHERE s.document @@ kinema_search_query(${q}, false, 'B') AND ${listed}
            ORDER BY v.view_count DESC, v.video_id DESC LIMIT 200) c, unnest(c.tags) AS tag
          WHERE kinema_fold(tag) LIKE kinema_fold(${prefix})
          GROUP BY tag ORDER BY count(*) DESC, tag LIMIT ${limit}`.execute(db),
        sql<{ username: string }>`
          SELECT u.username FROM users u
          WHERE lower(u.username) LIKE ${prefix}
            AND EXISTS (SELECT 1 FROM videos v WHERE v.user_id = u.user_id AND ${listed})
          ORDER BY lower(u.username) LIMIT ${limit}`.execute(db),
      ]);
      return [...titles.rows.map((r) => r.title), ...tags.rows.map((r) => r.tag), ...channels.rows.map((r) => r.username)];
    },
  };
};
