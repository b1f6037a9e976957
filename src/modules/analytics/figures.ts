import { sql } from 'kysely';
import type { Db } from '../../platform/db/index.js';
import { BEACON_EVENT, VIEW_EVENT } from './event-types.js';
import { RETENTION_POINTS } from './played-ranges.js';
import { emptyTotals, mergeTotals, qoeFigures, type QoeTotals } from './qoe.js';
import type { Qoe, VideoAnalytics } from './schemas.js';

const DAY_MS = 86_400_000;
/** Mux's real-time dashboard: a viewer with a heartbeat in the last 30 s is watching now. */
export const WATCHING_NOW_SEC = 30;

const dayOf = (t: Date | string) => new Date(t).toISOString().slice(0, 10);

/**
 * What the analytics endpoints read: the hourly rollups for the period, plus views counted since
 * the last rollup run straight from the raw events (so a creator's view count never lags).
 */
export function createAnalyticsFigures(deps: { db: Db; now?: () => Date }) {
  const now = deps.now ?? (() => new Date());
  const db = deps.db;

  const doneThrough = async () =>
    (await db.selectFrom('rollupState').select('doneThrough').where('name', '=', 'hourly').executeTakeFirst())?.doneThrough ?? null;

  /** Distinct sessions with a beacon in the last 30 s whose last beacon was not "left". */
  async function watchingNow(videoIds?: string[]): Promise<number> {
    if (videoIds && !videoIds.length) return 0;
    const since = new Date(now().getTime() - WATCHING_NOW_SEC * 1000);
    const { rows } = await sql<{ n: number }>`
      SELECT count(*)::int AS n FROM (
        SELECT DISTINCT ON (video_id, session_id) props->>'state' AS state FROM events
         WHERE type = ${BEACON_EVENT} AND occurred_at >= ${since} AND NOT (props ? 'bot')
           ${videoIds ? sql`AND video_id IN (${sql.join(videoIds)})` : sql``}
         ORDER BY video_id, session_id, occurred_at DESC) s
      WHERE s.state IS DISTINCT FROM 'left'`.execute(db);
    return Number(rows[0]?.n ?? 0);
  }

  /** The figures of a set of videos (one video, or a creator's channel) over the last `days`. */
  async function figuresFor(videoIds: string[], days: number): Promise<VideoAnalytics & { perVideo: Map<string, { views: number; watchTimeSec: number }> }> {
    const start = new Date(Math.floor(now().getTime() / DAY_MS) * DAY_MS - (days - 1) * DAY_MS);
    const through = await doneThrough();
    const hourly = videoIds.length
      ? await db.selectFrom('videoHourly').selectAll().where('videoId', 'in', videoIds).where('hour', '>=', start).execute()
      : [];
    const live = videoIds.length
      ? (await sql<{ videoId: string; day: string; n: number }>`
          SELECT video_id, to_char(occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day, count(*)::int AS n FROM events
           WHERE type = ${VIEW_EVENT} AND video_id IN (${sql.join(videoIds)}) AND occurred_at >= ${through && through > start ? through : start}
           GROUP BY 1, 2`.execute(db)).rows
      : [];
    const likes = videoIds.length
      ? Number((await db.selectFrom('videos').select((eb) => eb.fn.sum<number>('likeCount').as('n')).where('videoId', 'in', videoIds).executeTakeFirst())?.n ?? 0)
      : 0;

    const timeline = new Map<string, { date: string; views: number; watchTimeSec: number }>();
    for (let t = start.getTime(); t <= now().getTime(); t += DAY_MS) timeline.set(dayOf(new Date(t)), { date: dayOf(new Date(t)), views: 0, watchTimeSec: 0 });
    const perVideo = new Map<string, { views: number; watchTimeSec: number }>();
    const per = (id: string) => perVideo.get(id) ?? perVideo.set(id, { views: 0, watchTimeSec: 0 }).get(id)!;
    let qoe: QoeTotals = emptyTotals();
    const retention = new Array<number>(RETENTION_POINTS.length).fill(0);
    let sessions = 0;
    for (const h of hourly) {
      const day = timeline.get(dayOf(h.hour));
      if (day) {
        day.views += h.views;
        day.watchTimeSec += h.watchTimeSec;
      }
      per(h.videoId).views += h.views;
      per(h.videoId).watchTimeSec += h.watchTimeSec;
      qoe = mergeTotals(qoe, h.qoe as Partial<QoeTotals>);
      sessions += h.sessions;
      h.retention.forEach((n, i) => (retention[i]! += n));
    }
    for (const l of live) {
      const day = timeline.get(l.day);
      if (day) day.views += Number(l.n);
      per(l.videoId).views += Number(l.n);
    }
    const days_ = [...timeline.values()].map((d) => ({ ...d, watchTimeSec: Math.round(d.watchTimeSec) }));
    const views = days_.reduce((a, d) => a + d.views, 0);
    const watchTimeSec = Math.round([...timeline.values()].reduce((a, d) => a + d.watchTimeSec, 0));
    return {
      views,
      watchTimeSec,
      avgViewDurationSec: views > 0 ? Math.round(watchTimeSec / views) : null,
      likes,
      timeline: days_,
      retention: sessions > 0 ? RETENTION_POINTS.map((atPercent, i) => ({ atPercent, audiencePercent: Math.round((1000 * retention[i]!) / sessions) / 10 })) : [],
      qoe: qoeFigures(qoe),
      watchingNow: await watchingNow(videoIds),
      updatedThrough: through ? new Date(through).toISOString() : null,
      perVideo,
    };
  }

  return {
    watchingNow,

    async video(videoId: string, days: number): Promise<VideoAnalytics> {
      const { perVideo: _, ...figures } = await figuresFor([videoId], days);
      return figures;
    },

    async channel(userId: string, days: number) {
      const videos = await db.selectFrom('videos').select(['videoId', 'title']).where('userId', '=', userId).execute();
      const { perVideo, ...figures } = await figuresFor(videos.map((v) => v.videoId), days);
      const titles = new Map(videos.map((v) => [v.videoId, v.title]));
      const topVideos = [...perVideo.entries()]
        .map(([id, f]) => ({ id, title: titles.get(id) ?? '', views: f.views, watchTimeSec: Math.round(f.watchTimeSec) }))
        .sort((a, b) => b.views - a.views || b.watchTimeSec - a.watchTimeSec)
        .slice(0, 10);
      return { ...figures, retention: [], topVideos };
    },

    /** The instance's QoE over the last `days`, by dimension and by hour. */
    async instance(days: number) {
      const start = new Date(Math.floor(now().getTime() / DAY_MS) * DAY_MS - (days - 1) * DAY_MS);
      const rows = await db.selectFrom('qoeHourly').selectAll().where('hour', '>=', start).orderBy('hour').execute();
      const groups = new Map<string, QoeTotals>();
      for (const r of rows) {
        const k = `${r.dim}\u0000${r.key}`;
        groups.set(k, mergeTotals(groups.get(k) ?? emptyTotals(), r.qoe as Partial<QoeTotals>));
      }
      const by = (dim: string): Array<{ key: string; qoe: Qoe }> =>
        [...groups.entries()].filter(([k]) => k.startsWith(`${dim}\u0000`))
          .map(([k, t]) => ({ key: k.slice(dim.length + 1), qoe: qoeFigures(t) }))
          .sort((a, b) => b.qoe.sessions - a.qoe.sessions);
      const through = await doneThrough();
      return {
        concurrentViewers: await watchingNow(),
        overall: qoeFigures(groups.get('all\u0000*') ?? emptyTotals()),
        byBrowser: by('browser').map((g) => ({ browser: g.key, ...g.qoe })),
        byRung: by('rung').filter((g) => g.key !== 'unknown').map((g) => ({ height: Number(g.key), ...g.qoe })).sort((a, b) => b.height - a.height),
        byEdge: by('edge').map((g) => ({ edge: g.key, ...g.qoe })),
        timeline: rows.filter((r) => r.dim === 'all').map((r) => ({ hour: new Date(r.hour).toISOString(), ...qoeFigures(mergeTotals(emptyTotals(), r.qoe as Partial<QoeTotals>)) })),
        updatedThrough: through ? new Date(through).toISOString() : null,
      };
    },
  };
}

export type AnalyticsFigures = ReturnType<typeof createAnalyticsFigures>;
