/**
 * Offline evaluation of recommendations, the leave-last-out way: a generated watch log
 * (watch-log.ts) is loaded into a fresh embedded database (PGlite, as `kinema start` runs), each
 * viewer's last watch is held out, the ranking job runs on the rest, and then for every viewer
 * the platform's own recommender (the service behind GET /api/v1/recommendations, its SQL and
 * cache included) ranks the whole catalogue. Printed beside it, from the same log:
 * - popularity: the most watched videos the viewer has not watched;
 * - PeerTube's strategy: videos sharing a tag with the viewer's last watch, newest first (then
 *   the newest others).
 * HR@10: share of viewers whose held-out video is in their top 10; NDCG@10: 1/log2(1 + rank) of it.
 * Full-catalogue ranking, no sampled negatives (Krichene & Rendle, KDD 2020: sampled metrics can
 * reverse the order of recommenders).
 *
 *   npx tsx bench/recommendations/run.ts [--videos 2000] [--viewers 1000] [--channels 200] [--seed 11] [--engine pglite|postgres]
 *
 * Takes a few minutes on the embedded engine (2 shared cores): loading, one job, one
 * recommendation per viewer.
 */
import { parseArgs } from 'node:util';
import { sql } from 'kysely';
import { openDatabase } from '../../src/platform/db/index.js';
import { createCache } from '../../src/platform/cache/index.js';
import { createLogger } from '../../src/platform/log.js';
import { createRankingJob, createRankingService } from '../../src/modules/discovery/index.js';
import { WEIGHTS } from '../../src/modules/discovery/related.js';
import { createTestDatabase } from '../../test/support/databases.js';
import { generateWatchLog, type LogWatch } from './watch-log.js';

const { values } = parseArgs({
  options: {
    videos: { type: 'string', default: '2000' },
    viewers: { type: 'string', default: '1000' },
    channels: { type: 'string', default: '200' },
    seed: { type: 'string', default: '11' },
    engine: { type: 'string', default: 'pglite' },
    // Also rank with co-visitation alone and with content alone (the blend's weights zeroed).
    ablation: { type: 'boolean', default: false },
  },
});
const K = 10;
const DURATION_SEC = 300;
const now = Date.now();
const log = generateWatchLog({ videos: Number(values.videos), viewers: Number(values.viewers), channels: Number(values.channels), seed: Number(values.seed), now });

const handle = values.engine === 'postgres' ? await createTestDatabase('postgres') : await openDatabase({});
if (values.engine !== 'postgres') await handle.migrate();
const db = handle.db;
const started = performance.now();

// Load: accounts, videos, and the training watches as the engagement batch hook writes them
// (a counted view event and a finished watch history entry).
const users = [...log.channels, ...log.viewers];
await sql`INSERT INTO users (user_id, username, email, password_hash)
          SELECT u, u, u || '@bench.test', 'x' FROM unnest(${users}::text[]) AS u`.execute(db);
for (let i = 0; i < log.videos.length; i += 500) {
  const chunk = log.videos.slice(i, i + 500);
  await sql`INSERT INTO videos (video_id, user_id, title, tags, visibility, status, duration, created_at)
            SELECT v.id, v.owner, v.title, ARRAY(SELECT jsonb_array_elements_text(v.tags)), 'public', 'ready', ${DURATION_SEC}, v.created
              FROM unnest(${chunk.map((v) => v.videoId)}::text[], ${chunk.map((v) => v.userId)}::text[], ${chunk.map((v) => v.title)}::text[],
                          ${chunk.map((v) => JSON.stringify(v.tags))}::jsonb[], ${chunk.map((v) => new Date(now - v.ageDays * 86400_000).toISOString())}::timestamptz[])
                   AS v(id, owner, title, tags, created)`.execute(db);
}
const heldOut = new Map<string, string>();
const training: LogWatch[] = [];
for (const [viewer, list] of log.watches) {
  if (list.length < 2) continue;
  heldOut.set(viewer, list[list.length - 1]!.videoId);
  training.push(...list.slice(0, -1));
}
for (let i = 0; i < training.length; i += 2000) {
  const chunk = training.slice(i, i + 2000);
  const cols = [chunk.map((w) => w.userId), chunk.map((w) => w.videoId), chunk.map((w) => w.at.toISOString())];
  await sql`INSERT INTO events (type, video_id, user_id, session_id, occurred_at)
            SELECT 'view', v, u, 'bench', t FROM unnest(${cols[0]}::text[], ${cols[1]}::text[], ${cols[2]}::timestamptz[]) AS w(u, v, t)`.execute(db);
  await sql`INSERT INTO watch_history (user_id, bucket, video_id, watched_at, progress_seconds)
            SELECT u, date_trunc('month', t AT TIME ZONE 'UTC')::date, v, t, ${DURATION_SEC} FROM unnest(${cols[0]}::text[], ${cols[1]}::text[], ${cols[2]}::timestamptz[]) AS w(u, v, t)`.execute(db);
}
const popularity = new Map<string, number>();
for (const w of training) popularity.set(w.videoId, (popularity.get(w.videoId) ?? 0) + 1);
await sql`UPDATE videos SET view_count = p.n FROM unnest(${[...popularity.keys()]}::text[], ${[...popularity.values()]}::int[]) AS p(id, n) WHERE video_id = p.id`.execute(db);
const loadedMs = performance.now() - started;

const cache = createCache({ kind: 'memory', maxEntries: 100_000 });
const jobStart = performance.now();
await createRankingJob({ db, cache, log: createLogger('silent'), retentionDays: 90 }).run(new Date(now));
const jobMs = performance.now() - jobStart;
const ranking = createRankingService({ db, cache });

// Baselines, from the same training log.
const byPopularity = [...popularity.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([id]) => id);
const newest = [...log.videos].sort((a, b) => a.ageDays - b.ageDays);
const videoById = new Map(log.videos.map((v) => [v.videoId, v]));
const seenBy = new Map<string, Set<string>>();
for (const w of training) (seenBy.get(w.userId) ?? seenBy.set(w.userId, new Set()).get(w.userId)!).add(w.videoId);

function peertube(viewer: string): string[] {
  const list = log.watches.get(viewer)!;
  const last = videoById.get(list[list.length - 2]!.videoId)!;
  const seen = seenBy.get(viewer)!;
  const tags = new Set(last.tags);
  const sharing = newest.filter((v) => v.tags.some((t) => tags.has(t)) && !seen.has(v.videoId));
  const rest = newest.filter((v) => !seen.has(v.videoId) && !sharing.includes(v));
  return [...sharing, ...rest].slice(0, K).map((v) => v.videoId);
}

const totals = { kinema: { hr: 0, ndcg: 0 }, popularity: { hr: 0, ndcg: 0 }, peertube: { hr: 0, ndcg: 0 } };
const score = (t: { hr: number; ndcg: number }, list: string[], target: string) => {
  const rank = list.slice(0, K).indexOf(target);
  if (rank >= 0) {
    t.hr++;
    t.ndcg += 1 / Math.log2(rank + 2);
  }
};
const recStart = performance.now();
for (const [viewer, target] of heldOut) {
  const seen = seenBy.get(viewer)!;
  score(totals.kinema, (await ranking.recommend(viewer, K)).map((v) => v.videoId), target);
  score(totals.popularity, byPopularity.filter((id) => !seen.has(id)).slice(0, K), target);
  score(totals.peertube, peertube(viewer), target);
}
const recMs = performance.now() - recStart;
const n = heldOut.size;
// Again for 200 viewers, related lists cached (a minute in production) but personal lists not.
const again = [...heldOut.keys()].slice(0, 200);
const warmStart = performance.now();
for (const viewer of again) {
  const list = log.watches.get(viewer)!;
  await cache.del(`recs:${viewer}:${list[list.length - 2]!.at.getTime()}`);
  await ranking.recommend(viewer, K);
}
const warmMs = performance.now() - warmStart;
const row = (name: string, t: { hr: number; ndcg: number }) =>
  `| ${name} | ${(t.hr / n).toFixed(3)} | ${(t.ndcg / n).toFixed(3)} | ${(t.hr / totals.popularity.hr).toFixed(2)}x |`;
console.log(`${log.videos.length} videos, ${log.channels.length} channels, ${n} viewers, ${training.length} training watches (${values.engine}); full-catalogue ranking, K = ${K}`);
console.log('| recommender | HR@10 | NDCG@10 | HR vs popularity |');
console.log('|---|---:|---:|---:|');
console.log(row('Kinema (GET /recommendations)', totals.kinema));
console.log(row('popularity (most watched, unseen)', totals.popularity));
console.log(row('PeerTube (shares a tag with the last watch, newest first)', totals.peertube));
if (values.ablation) {
  for (const [name, zero] of [['co-visitation only', 'content'], ['content only', 'covisit']] as const) {
    const saved = WEIGHTS[zero];
    WEIGHTS[zero] = 0;
    const alone = createRankingService({ db, cache: createCache({ kind: 'memory', maxEntries: 100_000 }) });
    const t = { hr: 0, ndcg: 0 };
    for (const [viewer, target] of heldOut) score(t, (await alone.recommend(viewer, K)).map((v) => v.videoId), target);
    console.log(row(`Kinema, ${name}`, t));
    WEIGHTS[zero] = saved;
  }
}
console.log(`load ${(loadedMs / 1000).toFixed(1)} s; ranking job ${(jobMs / 1000).toFixed(1)} s; recommendations ${(recMs / n).toFixed(1)} ms per viewer `
  + `(first call, related lists filling the cache), ${(warmMs / again.length).toFixed(1)} ms per viewer with related lists cached`);
await handle.close();
