import { sql } from 'kysely';
import { createRankingJob } from '../../src/modules/discovery/index.js';
import { createLogger } from '../../src/platform/log.js';
import type { Db } from '../../src/platform/db/index.js';
import type { TestApp } from './app.js';

const HOUR_MS = 3_600_000;

/**
 * Writes a counted watch as the engagement batch hook does: a `view` event of a signed-in viewer
 * and their watch history entry (position `progressSec`), `minutesAgo` before now. Keep it under
 * ten minutes: the job reads views from a quarter of an hour before its last run.
 */
export async function recordWatch(db: Db, w: { userId: string; videoId: string; minutesAgo: number; progressSec: number }) {
  const at = new Date(Date.now() - w.minutesAgo * 60_000);
  await sql`INSERT INTO events (type, video_id, user_id, session_id, occurred_at) VALUES ('view', ${w.videoId}, ${w.userId}, ${`s${Math.random()}`}, ${at})`.execute(db);
  await sql`INSERT INTO watch_history (user_id, bucket, video_id, watched_at, progress_seconds)
            VALUES (${w.userId}, ${`${at.toISOString().slice(0, 7)}-01`}::date, ${w.videoId}, ${at}, ${w.progressSec})
            ON CONFLICT (user_id, bucket, video_id) DO UPDATE SET watched_at = EXCLUDED.watched_at, progress_seconds = EXCLUDED.progress_seconds`.execute(db);
}

/** Hourly rollup rows (what the analytics rollup writes): `views` per hour for each hour ago in `hoursAgo`. */
export async function seedHourly(db: Db, videoId: string, hoursAgo: number[], views: number, now = Date.now()) {
  const hours = hoursAgo.map((h) => new Date(Math.floor((now - h * HOUR_MS) / HOUR_MS) * HOUR_MS).toISOString());
  await sql`INSERT INTO video_hourly (video_id, hour, views, sessions, watch_time_sec)
            SELECT ${videoId}, h, ${views}, ${views}, ${views * 60} FROM unnest(${hours}::timestamptz[]) AS h
            ON CONFLICT (video_id, hour) DO UPDATE SET views = EXCLUDED.views, watch_time_sec = EXCLUDED.watch_time_sec`.execute(db);
}

export const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);

/**
 * Runs the ranking job on the app's database and cache (the periodic one may run beside it:
 * both compute the same lists from the same data), then reads `path` until `check` holds.
 */
export async function rankAndRead(app: TestApp, path: string, check: (body: any) => boolean, token?: string) {
  const job = createRankingJob({ db: app.platform.database.db, cache: app.platform.cache, log: createLogger('silent'), retentionDays: 90 });
  let last: any;
  for (let i = 0; i < 20; i++) {
    await job.run();
    const r = await app.api('GET', path, { token });
    if (r.status !== 200) throw new Error(`${path}: ${r.status} ${JSON.stringify(r.body)}`);
    last = r.body;
    if (check(last)) return last;
  }
  return last;
}
