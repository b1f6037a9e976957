/**
 * Pre-warming the cache tiers (`kinema edge-prewarm`, run off-peak or on a trend spike by cron or
 * a systemd timer): for the trending videos, fetch through the shields and then each edge the
 * master playlist, the lowest two rungs' playlists and init segments, and their first 30 s of
 * segments — what a player needs to start — within a byte budget per run.
 *
 * The list is `GET /api/v1/trending` (discovery), filled up with the catalog's most-viewed public
 * videos. `/play` is never called: it would count a view per video.
 */
export interface PrewarmOptions {
  /** The api's base URL (e.g. http://api1:8080). */
  apiBase: string;
  /** Tier base URLs, shields first (an edge then fills from a warm shield). */
  tiers: string[];
  /** Bytes fetched through all tiers together at most. */
  budgetBytes: number;
  /** Videos taken from the top of the list. */
  videos: number;
  /** Seconds of each rung to load; default 30. */
  firstSec?: number;
}

export interface PrewarmReport {
  videos: number;
  /** Objects a tier did not have and now holds (answered MISS). */
  warmed: number;
  /** Objects a tier already held (answered HIT). */
  alreadyWarm: number;
  bytes: number;
  /** True when the budget ended the run before the list did. */
  budgetSpent: boolean;
}

const PREFIX = /\/media\/([A-Za-z0-9_-]{11})\/([A-Za-z0-9_-][A-Za-z0-9._-]*)\//;

/** Media prefixes (`/media/{id}/{version}/`) of the videos to warm, most wanted first. */
async function trendingPrefixes(apiBase: string, count: number): Promise<string[]> {
  // Trending first (its limit is 1–50), then the most-viewed public videos to fill up: a new
  // instance's trending list is short or empty until its ranking job has seen views.
  const lists = [`${apiBase}/api/v1/trending?limit=${Math.min(count, 50)}`, `${apiBase}/api/v1/videos?sort=popular&limit=${Math.min(count, 100)}`];
  const prefixes = new Set<string>();
  for (const url of lists) {
    if (prefixes.size >= count) break;
    const r = await fetch(url);
    if (r.status === 404) continue; // an api without the discovery ranking
    if (!r.ok) throw new Error(`the api answered ${r.status} for ${url}`);
    const body = (await r.json()) as { items?: { posterUrl?: string | null; visibility?: string }[] };
    for (const item of body.items ?? []) {
      // Only public media is cached; the poster URL names the published version.
      const m = item.visibility === 'public' && item.posterUrl ? PREFIX.exec(item.posterUrl) : null;
      if (m) prefixes.add(`/media/${m[1]}/${m[2]}/`);
    }
  }
  return [...prefixes].slice(0, count);
}

/** The objects a player needs to start `prefix`: master, lowest two rungs, their first seconds. */
async function startupObjects(base: string, prefix: string, firstSec: number): Promise<string[]> {
  const master = await fetch(`${base}${prefix}master.m3u8`).then((r) => (r.ok ? r.text() : ''));
  const lines = master.split('\n').map((l) => l.trim());
  const rungs: { bandwidth: number; uri: string }[] = [];
  lines.forEach((l, i) => {
    const bw = /^#EXT-X-STREAM-INF:.*\bBANDWIDTH=(\d+)/.exec(l);
    const uri = lines[i + 1];
    if (bw && uri && !uri.startsWith('#')) rungs.push({ bandwidth: Number(bw[1]), uri });
  });
  const objects = [`${prefix}master.m3u8`];
  for (const rung of rungs.sort((a, b) => a.bandwidth - b.bandwidth).slice(0, 2)) {
    const dir = rung.uri.includes('/') ? rung.uri.slice(0, rung.uri.lastIndexOf('/') + 1) : '';
    objects.push(`${prefix}${rung.uri}`);
    const playlist = await fetch(`${base}${prefix}${rung.uri}`).then((r) => (r.ok ? r.text() : ''));
    let seconds = 0;
    let duration = 0;
    for (const l of playlist.split('\n').map((x) => x.trim())) {
      const map = /^#EXT-X-MAP:URI="([^"]+)"/.exec(l);
      if (map) objects.push(`${prefix}${dir}${map[1]}`);
      const inf = /^#EXTINF:([\d.]+)/.exec(l);
      if (inf) duration = Number(inf[1]);
      else if (l && !l.startsWith('#')) {
        if (seconds >= firstSec) break;
        objects.push(`${prefix}${dir}${l}`);
        seconds += duration;
      }
    }
  }
  return objects;
}

/** Warms every tier with the trending videos' start-up objects, within the budget. */
export async function prewarmTiers(o: PrewarmOptions): Promise<PrewarmReport> {
  const report: PrewarmReport = { videos: 0, warmed: 0, alreadyWarm: 0, bytes: 0, budgetSpent: false };
  const firstTier = o.tiers[0];
  if (!firstTier) return report;
  for (const prefix of await trendingPrefixes(o.apiBase, o.videos)) {
    const objects = await startupObjects(firstTier, prefix, o.firstSec ?? 30);
    report.videos++;
    for (const tier of o.tiers) {
      for (const path of objects) {
        if (report.bytes >= o.budgetBytes) {
          report.budgetSpent = true;
          return report;
        }
        const r = await fetch(`${tier}${path}`);
        report.bytes += (await r.arrayBuffer()).byteLength;
        const status = r.headers.get('x-cache-status');
        if (status === 'HIT') report.alreadyWarm++;
        else if (r.ok) report.warmed++;
      }
    }
  }
  return report;
}
