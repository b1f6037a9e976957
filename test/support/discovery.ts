import { sql } from 'kysely';
import { videoCacheKeys } from '../../src/modules/catalog/index.js';
import { replyGenerationKey } from '../../src/platform/http/reply-cache.js';
import type { TestApp } from './app.js';

export interface SeedVideo {
  title: string;
  tags?: string[];
  description?: string;
  visibility?: 'public' | 'unlisted' | 'private';
  /** Where the worker would have left it; `ready` unless said otherwise. */
  status?: 'awaiting_upload' | 'processing' | 'ready' | 'failed';
  durationSec?: number;
  viewCount?: number;
  /** How long ago it was created. */
  ageDays?: number;
}

/**
 * Creates a video through the API (so the catalog's own insert and the search triggers run), then
 * moves it where the pipeline would have: status, duration, views and age, written to the row as
 * the worker and the view counter write them. Search needs no media, so no ladder is built.
 */
export async function seedVideo(app: TestApp, token: string, v: SeedVideo): Promise<string> {
  const r = await app.api('POST', '/api/v1/videos', { token, body: { title: v.title, tags: v.tags ?? [], description: v.description ?? '', visibility: v.visibility ?? 'public' } });
  if (r.status !== 201) throw new Error(`create failed: ${r.status} ${JSON.stringify(r.body)}`);
  const id: string = r.body.id;
  const status = v.status ?? 'ready';
  await sql`UPDATE videos SET status = ${status}, duration = ${status === 'ready' ? (v.durationSec ?? 60) : null},
      view_count = ${v.viewCount ?? 0}, processed_at = CASE WHEN ${status} = 'ready' THEN now() END,
      created_at = date_trunc('milliseconds', now() - make_interval(secs => ${(v.ageDays ?? 0) * 86400}::float8))
    WHERE video_id = ${id}`.execute(app.platform.database.db);
  // Behind the catalog's back: drop what it would have dropped (the row, the cached lists).
  await app.platform.cache.del(...videoCacheKeys(id), replyGenerationKey('listings'));
  return id;
}

/** Every page of a paged list, following `nextCursor` to the end. */
export async function allPages(app: TestApp, path: string, token?: string): Promise<any[]> {
  const items: any[] = [];
  let cursor: string | null = null;
  for (let pages = 0; pages < 100; pages++) {
    const sep = path.includes('?') ? '&' : '?';
    const r: { status: number; body: any } = await app.api('GET', cursor ? `${path}${sep}cursor=${encodeURIComponent(cursor)}` : path, { token });
    if (r.status !== 200) throw new Error(`${path}: ${r.status} ${JSON.stringify(r.body)}`);
    items.push(...r.body.items);
    cursor = r.body.nextCursor;
    if (!cursor) return items;
  }
  throw new Error(`${path}: more than 100 pages`);
}
