/**
 * How the ranking job is sized: one run of each half on a generated instance on the local
 * PostgreSQL, beside the same run on a tenth of the data (the ratio says how it grows).
 * - trending: `--videos` listed videos, `--active` of them with an hourly rollup row for every
 *   hour of the last 10 days (what computeTrending reads each minute);
 * - co-visitation: `--viewers` signed-in viewers with 20 earlier views each, then one minute of
 *   `--views-per-min` new views (what one incremental run adds).
 *
 *   npx tsx bench/recommendations/job-size.ts [--videos 100000] [--active 10000] [--viewers 20000] [--views-per-min 2000]
 */
import { parseArgs } from 'node:util';
import pg from 'pg';
import { sql } from 'kysely';
import { createTestDatabase } from '../../test/support/databases.js';
import { updateCovisitation } from '../../src/modules/discovery/covisitation.js';
import { computeTrending } from '../../src/modules/discovery/trending.js';

const { values } = parseArgs({
  options: {
    videos: { type: 'string', default: '100000' },
    active: { type: 'string', default: '10000' },
    viewers: { type: 'string', default: '20000' },
    'views-per-min': { type: 'string', default: '2000' },
  },
});

async function measure(scale: number) {
  const videos = Math.round(Number(values.videos) * scale);
  const active = Math.round(Number(values.active) * scale);
  const viewers = Math.round(Number(values.viewers) * scale);
  const perMin = Math.round(Number(values['views-per-min']) * scale);
  const handle = await createTestDatabase('postgres');
  const db = handle.db;
  // Generation runs longer than the api's statement timeout: a session of its own, without one.
  const gen = new pg.Client({ connectionString: handle.url });
  await gen.connect();
  await gen.query('SET statement_timeout = 0');
  const run = (q: string, params: unknown[] = []) => gen.query(q, params);
  try {
    const now = new Date();
    await run(`INSERT INTO users (user_id, username, email, password_hash) SELECT 'u' || i, 'u' || i, 'u' || i || '@b.test', 'x' FROM generate_series(1, $1::int) i`, [viewers]);
    // The search triggers are not what is measured here.
    await run('ALTER TABLE videos DISABLE TRIGGER USER');
    await run(`INSERT INTO videos (video_id, user_id, title, visibility, status, duration, view_count, created_at)
              SELECT 'v' || i, 'u' || (1 + i % $2::int), 'video ' || i, 'public', 'ready', 300, (random() * 100000)::int, $3::timestamptz - make_interval(days => (i % 400))
                FROM generate_series(1, $1::int) i`, [videos, viewers, now]);
    await run('ALTER TABLE videos ENABLE TRIGGER USER');
    await run(`INSERT INTO video_hourly (video_id, hour, views, sessions, watch_time_sec)
              SELECT 'v' || i, date_trunc('hour', $2::timestamptz) - make_interval(hours => h), (random() * 50)::int, 1, random() * 3000
                FROM generate_series(1, $1::int) i, generate_series(0, 239) h`, [active, now]);
    // History: 20 views each, an hour apart over the last 20 hours (all within the co-visitation window); then a minute of new views.
    await run(`INSERT INTO covisit_marks (user_id, video_id, watched_at)
              SELECT 'u' || u, 'v' || (1 + (u * 37 + k * 7919) % $2::int), $3::timestamptz - make_interval(mins => 60 * k - 30)
                FROM generate_series(1, $1::int) u, generate_series(1, 20) k ON CONFLICT DO NOTHING`, [viewers, active, now]);
    await run('ANALYZE');
    await run(`INSERT INTO ranking_state (name, done_through) VALUES ('covisitation', $1)`, [new Date(now.getTime() - 60_000)]);
    await run(`INSERT INTO events (type, video_id, user_id, session_id, occurred_at)
              SELECT 'view', 'v' || (1 + (i * 104729) % $2::int), 'u' || (1 + i % $3::int), 's', $4::timestamptz - make_interval(secs => random() * 59)
                FROM generate_series(1, $1::int) i`, [perMin, active, viewers, now]);
    let t = performance.now();
    await computeTrending(db, now);
    const trendingMs = performance.now() - t;
    t = performance.now();
    const { newViews } = await updateCovisitation(db, now, 90);
    const covisitMs = performance.now() - t;
    const size = await sql<{ hourly: string; pairs: string }>`SELECT pg_size_pretty(pg_total_relation_size('video_hourly')) AS hourly, pg_size_pretty(pg_total_relation_size('covisit_pairs')) AS pairs`.execute(db);
    return { videos, active, hourlyRows: active * 240, viewers, perMin, newViews, trendingMs, covisitMs, ...size.rows[0]! };
  } finally {
    await gen.end();
    await handle.close();
  }
}

const small = await measure(0.1);
const full = await measure(1);
for (const r of [small, full]) {
  console.log(`${r.videos} videos, ${r.active} active (${r.hourlyRows} hourly rows, ${r.hourly}): trending ${r.trendingMs.toFixed(0)} ms | `
    + `${r.viewers} viewers x 20 earlier views, ${r.newViews} new views in the minute: co-visitation ${r.covisitMs.toFixed(0)} ms (pairs table ${r.pairs} after)`);
}
console.log(`ratio full / tenth: trending ${(full.trendingMs / small.trendingMs).toFixed(1)}x, co-visitation ${(full.covisitMs / small.covisitMs).toFixed(1)}x`);
