import { sql } from 'kysely';
import type { Db } from '../../platform/db/index.js';
import type { Logger } from '../../platform/log.js';
import { BEACON_EVENT, VIEW_EVENT, type BeaconProps } from './event-types.js';
import { dropExpiredPartitions, ensurePartitions } from './partitions.js';
import { coveredPoints, RETENTION_POINTS } from './played-ranges.js';
import { addSession, emptyTotals, type QoeTotals } from './qoe.js';

export const ROLLUP_QUEUE = 'analytics-rollup';
export const ROLLUP_QUEUE_SETTINGS = { retryLimit: 2, retryDelaySec: 10, retryBackoff: false, expireInSec: 600 };
const HOUR_MS = 3_600_000;
/** Hours before the last run that each run computes again (late beacons, sessions still going). */
const RECOMPUTE_HOURS = 2;
/** How far past its start a session's beacons are read for its final totals. */
const SESSION_SPAN_MS = 3 * HOUR_MS;
/** Hours computed per pass when catching up, so memory stays bounded after a long stop. */
const CHUNK_HOURS = 6;
/** view_marks older than this are swept: they only ever decide the next hour (and sessions are shorter). */
const VIEW_MARK_KEEP_MS = 24 * HOUR_MS;
const STATE = 'hourly';

const floorHour = (t: number) => Math.floor(t / HOUR_MS) * HOUR_MS;

interface SessionRow {
  videoId: string;
  props: BeaconProps;
  startedAt: Date;
  duration: number | null;
}

/**
 * The periodic analytics job: keeps daily partitions ahead and drops expired ones, sweeps old
 * view marks, and recomputes the rollups by video and hour (video_hourly) and by QoE dimension and
 * hour (qoe_hourly) from the raw events. Each session is attributed to the hour it started and
 * summed from its last beacon (beacons carry running totals). Idempotent: a run recomputes whole
 * hours and upserts them, so a retried or overlapping run writes the same rows.
 * @example const rollup = createRollup({ db, log, retentionDays: 90 }); await rollup.run();
 */
export function createRollup(deps: { db: Db; log: Logger; retentionDays: number; now?: () => Date }) {
  const now = deps.now ?? (() => new Date());

  async function rollWindow(from: number, to: number, until: number) {
    const { rows: sessions } = await sql<SessionRow>`
      SELECT s.video_id, s.props, s.started_at, v.duration FROM (
        SELECT DISTINCT ON (video_id, session_id) video_id, props,
               min(occurred_at) OVER (PARTITION BY video_id, session_id) AS started_at
          FROM events
         WHERE type = ${BEACON_EVENT} AND occurred_at >= ${new Date(from - SESSION_SPAN_MS)} AND occurred_at < ${new Date(Math.min(to + SESSION_SPAN_MS, until))}
           AND NOT (props ? 'bot')
         ORDER BY video_id, session_id, occurred_at DESC) s
      LEFT JOIN videos v ON v.video_id = s.video_id
      WHERE s.started_at >= ${new Date(from)} AND s.started_at < ${new Date(to)}`.execute(deps.db);
    const { rows: views } = await sql<{ videoId: string; hour: Date; n: number }>`
      SELECT video_id, date_trunc('hour', occurred_at) AS hour, count(*)::int AS n FROM events
       WHERE type = ${VIEW_EVENT} AND occurred_at >= ${new Date(from)} AND occurred_at < ${new Date(Math.min(to, until))}
       GROUP BY 1, 2`.execute(deps.db);

    const perVideo = new Map<string, { videoId: string; hour: number; views: number; sessions: number; watchTimeSec: number; retention: number[]; qoe: QoeTotals }>();
    const videoRow = (videoId: string, hour: number) => {
      const key = `${videoId}|${hour}`;
      let row = perVideo.get(key);
      if (!row) perVideo.set(key, (row = { videoId, hour, views: 0, sessions: 0, watchTimeSec: 0, retention: new Array(RETENTION_POINTS.length).fill(0), qoe: emptyTotals() }));
      return row;
    };
    const perDim = new Map<string, { hour: number; dim: string; key: string; qoe: QoeTotals }>();
    const dimRow = (hour: number, dim: string, key: string) => {
      const k = `${hour}|${dim}|${key}`;
      let row = perDim.get(k);
      if (!row) perDim.set(k, (row = { hour, dim, key, qoe: emptyTotals() }));
      return row.qoe;
    };

    for (const v of views) videoRow(v.videoId, new Date(v.hour).getTime()).views += Number(v.n);
    for (const s of sessions) {
      const hour = floorHour(new Date(s.startedAt).getTime());
      const p = s.props;
      const q = p.qoe ?? {};
      const row = videoRow(s.videoId, hour);
      addSession(row.qoe, q, p.u);
      // The owner watching their own video is not audience: no watch time, no retention.
      if (!p.owner) {
        row.sessions++;
        row.watchTimeSec += p.u;
        if (s.duration && p.played.length) coveredPoints(p.played, s.duration).forEach((hit, i) => void (hit && row.retention[i]!++));
      }
      const rung = [...(q.renditions ?? [])].sort((a, b) => b.playedMs - a.playedMs)[0];
      for (const [dim, key] of [['all', '*'], ['browser', p.browser], ['edge', p.edge], ['rung', rung ? String(rung.height) : 'unknown']] as const) {
        addSession(dimRow(hour, dim, key), q, p.u);
      }
    }

    const videoRows = [...perVideo.values()];
    if (videoRows.length) {
      await sql`INSERT INTO video_hourly (video_id, hour, views, sessions, watch_time_sec, retention, qoe)
        SELECT v.video_id, v.hour, v.views, v.sessions, v.watch_time_sec, ARRAY(SELECT jsonb_array_elements_text(v.retention)::int), v.qoe
          FROM unnest(${videoRows.map((r) => r.videoId)}::text[], ${videoRows.map((r) => new Date(r.hour).toISOString())}::timestamptz[],
                      ${videoRows.map((r) => r.views)}::int[], ${videoRows.map((r) => r.sessions)}::int[], ${videoRows.map((r) => r.watchTimeSec)}::float8[],
                      ${videoRows.map((r) => JSON.stringify(r.retention))}::jsonb[], ${videoRows.map((r) => JSON.stringify(r.qoe))}::jsonb[])
               AS v(video_id, hour, views, sessions, watch_time_sec, retention, qoe)
        ON CONFLICT (video_id, hour) DO UPDATE SET views = EXCLUDED.views, sessions = EXCLUDED.sessions,
          watch_time_sec = EXCLUDED.watch_time_sec, retention = EXCLUDED.retention, qoe = EXCLUDED.qoe`.execute(deps.db);
    }
    const dimRows = [...perDim.values()];
    if (dimRows.length) {
      await sql`INSERT INTO qoe_hourly (hour, dim, key, qoe)
        SELECT * FROM unnest(${dimRows.map((r) => new Date(r.hour).toISOString())}::timestamptz[], ${dimRows.map((r) => r.dim)}::text[],
                             ${dimRows.map((r) => r.key)}::text[], ${dimRows.map((r) => JSON.stringify(r.qoe))}::jsonb[])
        ON CONFLICT (hour, dim, key) DO UPDATE SET qoe = EXCLUDED.qoe`.execute(deps.db);
    }
    return sessions.length;
  }

  return {
    /** One run: partitions, sweeps, then every hour since the last run (less RECOMPUTE_HOURS). */
    async run(): Promise<{ sessions: number; partitionsCreated: string[]; partitionsDropped: string[]; doneThrough: Date }> {
      const at = now();
      const partitionsCreated = await ensurePartitions(deps.db, at);
      const partitionsDropped = await dropExpiredPartitions(deps.db, deps.retentionDays, at);
      await deps.db.deleteFrom('viewMarks').where('countedAt', '<', new Date(at.getTime() - VIEW_MARK_KEEP_MS)).execute();

      const state = await deps.db.selectFrom('rollupState').select('doneThrough').where('name', '=', STATE).executeTakeFirst();
      const oldest = at.getTime() - deps.retentionDays * 24 * HOUR_MS;
      const last = state ? new Date(state.doneThrough).getTime() : at.getTime() - 24 * HOUR_MS;
      let from = floorHour(Math.max(oldest, Math.min(last, at.getTime()) - RECOMPUTE_HOURS * HOUR_MS));
      let sessions = 0;
      while (from <= at.getTime()) {
        const to = Math.min(from + CHUNK_HOURS * HOUR_MS, floorHour(at.getTime()) + HOUR_MS);
        // Views stamped after `at` are left to the live count (figures.ts) until the next run.
        sessions += await rollWindow(from, to, at.getTime());
        from = to;
      }
      await sql`INSERT INTO rollup_state (name, done_through) VALUES (${STATE}, ${at})
                ON CONFLICT (name) DO UPDATE SET done_through = GREATEST(rollup_state.done_through, EXCLUDED.done_through)`.execute(deps.db);
      if (partitionsCreated.length || partitionsDropped.length) deps.log.info({ partitionsCreated, partitionsDropped }, 'analytics partitions changed');
      return { sessions, partitionsCreated, partitionsDropped, doneThrough: at };
    },
  };
}

export type Rollup = ReturnType<typeof createRollup>;
