import { sql } from 'kysely';
import type { Db } from '../../platform/db/index.js';
import { covisitNeighbours } from './covisitation.js';

/** A candidate and its score; lists of these are what the ranking caches. */
export interface Scored {
  videoId: string;
  score: number;
}

/** What content similarity reads of the video neighbours are sought for. */
export interface SeedVideo {
  videoId: string;
  userId: string;
  title: string;
  tags: string[];
}

/** Candidates read per source: co-visited, sharing a tag, same channel, sharing a title word. */
const COVISIT_CANDIDATES = 100;
const TAG_CANDIDATES = 200;
const CHANNEL_CANDIDATES = 50;
const TITLE_CANDIDATES = 100;
/** How many neighbours are kept (and cached) per video. */
export const RELATED_SIZE = 100;

/**
 * The blend. Co-visitation (c_ij / sqrt(c_i c_j)) says what people actually watch next, so it
 * leads; content (shared tags, title words, channel) gives a video nobody has watched yet
 * neighbours, and orders those with equal co-visitation. A faint popularity prior breaks ties.
 * Weights set by hand, not fitted; bench/recommendations measures what they give (README).
 */
export const WEIGHTS: Record<'covisit' | 'content' | 'tags' | 'title' | 'channel' | 'popularity', number> = { covisit: 1, content: 0.25, tags: 0.6, title: 0.3, channel: 0.1, popularity: 0.002 };

/** Short words and the commonest English ones say nothing about what a video is about. */
const STOP = new Set(['the', 'and', 'for', 'with', 'from', 'this', 'that', 'how', 'what', 'your', 'you', 'are', 'was', 'our', 'its', 'into', 'over', 'part']);

/** A title's words as content similarity compares them: accents folded, lower case, 3+ letters. */
export function titleWords(title: string): Set<string> {
  const words = title.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase().split(/[^\p{L}\p{N}]+/u);
  return new Set(words.filter((w) => w.length >= 3 && !STOP.has(w)));
}

function jaccard<T>(a: Set<T>, b: Set<T>): number {
  if (!a.size || !b.size) return 0;
  let shared = 0;
  for (const x of a) if (b.has(x)) shared++;
  return shared / (a.size + b.size - shared);
}

interface CandidateRow {
  videoId: string;
  userId: string;
  title: string;
  tags: string[];
  viewCount: number;
}

/**
 * Listed videos related to `seed`, best first (at most RELATED_SIZE), the seed itself excluded:
 * its co-visited neighbours blended with content similarity. Every source is read through an
 * index and bounded, so the cost does not grow with the catalogue.
 */
export async function relatedTo(db: Db, seed: SeedVideo): Promise<Scored[]> {
  const covisited = await covisitNeighbours(db, seed.videoId, COVISIT_CANDIDATES);
  const covisitScore = new Map(covisited.map((n) => [n.videoId, n.score]));
  const listed = sql`v.visibility = 'public' AND v.status = 'ready'`;
  const { rows } = await sql<CandidateRow>`
    WITH c AS (
      (SELECT unnest(${covisited.map((n) => n.videoId)}::text[]) AS video_id)
      UNION (SELECT v.video_id FROM videos v WHERE v.tags && ${seed.tags}::text[] AND ${listed} AND v.video_id <> ${seed.videoId}
              ORDER BY v.view_count DESC, v.video_id LIMIT ${TAG_CANDIDATES})
      UNION (SELECT v.video_id FROM videos v WHERE v.user_id = ${seed.userId} AND ${listed} AND v.video_id <> ${seed.videoId}
              ORDER BY v.created_at DESC, v.video_id LIMIT ${CHANNEL_CANDIDATES})
      UNION (SELECT v.video_id FROM video_search s JOIN videos v ON v.video_id = s.video_id
              WHERE s.document @@ (SELECT to_tsquery('english', string_agg(quote_literal(w) || ':A', ' | '))
                                     FROM unnest(regexp_split_to_array(kinema_fold(${seed.title}), '[^[:alnum:]]+')) AS w WHERE length(w) >= 3)
                AND ${listed} AND v.video_id <> ${seed.videoId}
              ORDER BY v.view_count DESC, v.video_id LIMIT ${TITLE_CANDIDATES}))
    SELECT v.video_id, v.user_id, v.title, v.tags, v.view_count::float8 AS view_count
      FROM c JOIN videos v ON v.video_id = c.video_id
     WHERE ${listed} AND v.video_id <> ${seed.videoId}`.execute(db);

  const seedTags = new Set(seed.tags);
  const seedWords = titleWords(seed.title);
  const scored = rows.map((r) => {
    const content = WEIGHTS.tags * jaccard(seedTags, new Set(r.tags)) + WEIGHTS.title * jaccard(seedWords, titleWords(r.title))
      + WEIGHTS.channel * (r.userId === seed.userId ? 1 : 0);
    const score = WEIGHTS.covisit * (covisitScore.get(r.videoId) ?? 0) + WEIGHTS.content * content
      + WEIGHTS.popularity * Math.log10(1 + Number(r.viewCount));
    return { videoId: r.videoId, score };
  });
  return scored.sort((a, b) => b.score - a.score || (a.videoId < b.videoId ? -1 : 1)).slice(0, RELATED_SIZE);
}
