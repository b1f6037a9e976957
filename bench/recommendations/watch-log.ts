import { seededRandom } from '../support/seeded-random.js';

/**
 * A generated watch log with the structure real ones have: videos in topics (a tag each, words
 * of their own in titles) and, inside each topic, series that people watch together but that no
 * tag names; channels that stay in one or two topics; a popularity skew (Zipf); viewers with two
 * or three tastes, who watch in sessions, each session in one taste and mostly one series, with
 * some noise from the most popular videos overall.
 */

const TOPICS = ['baking', 'guitar', 'gardening', 'astronomy', 'woodwork', 'running', 'chess', 'sailing', 'pottery', 'cycling',
  'photography', 'birding', 'climbing', 'knitting', 'coffee', 'drones', 'fishing', 'origami', 'skating', 'welding'];
const SYLLABLES = ['ka', 'ro', 'mi', 'tu', 'le', 'sa', 'no', 'vi', 'de', 'pa', 'gu', 'fe', 'lo', 'ri', 'ba', 'zu'];
const GENERIC_TAGS = ['tutorial', 'review', 'vlog', 'beginner', 'live', 'howto'];
const SERIES_PER_TOPIC = 6;

export interface LogVideo {
  videoId: string;
  userId: string;
  title: string;
  tags: string[];
  topic: number;
  series: number;
  /** Popularity weight (Zipf within its topic, times a topic weight). */
  weight: number;
  ageDays: number;
}

export interface LogWatch {
  userId: string;
  videoId: string;
  at: Date;
}

export interface WatchLog {
  channels: string[];
  viewers: string[];
  videos: LogVideo[];
  /** Each viewer's watches, oldest first. */
  watches: Map<string, LogWatch[]>;
}

function pickWeighted<T>(rand: () => number, items: T[], weight: (t: T) => number, total?: number): T {
  const sum = total ?? items.reduce((s, t) => s + weight(t), 0);
  let r = rand() * sum;
  for (const t of items) if ((r -= weight(t)) <= 0) return t;
  return items[items.length - 1]!;
}

export function generateWatchLog(opts: { videos: number; viewers: number; channels: number; seed: number; now: number }): WatchLog {
  const rand = seededRandom(opts.seed);
  const word = () => Array.from({ length: 2 + Math.floor(rand() * 2) }, () => SYLLABLES[Math.floor(rand() * SYLLABLES.length)]).join('');
  const vocab = TOPICS.map(() => Array.from({ length: 10 }, word));
  const channels = Array.from({ length: opts.channels }, (_, i) => `ch${i}`);
  const channelTopics = channels.map(() => [Math.floor(rand() * TOPICS.length), Math.floor(rand() * TOPICS.length)]);
  const topicWeight = TOPICS.map((_, i) => 1 / (i + 1) ** 0.5);

  const videos: LogVideo[] = [];
  const perTopic: LogVideo[][] = TOPICS.map(() => []);
  for (let i = 0; i < opts.videos; i++) {
    const c = Math.floor(rand() * channels.length);
    const topic = channelTopics[c]![rand() < 0.8 ? 0 : 1]!;
    const rank = perTopic[topic]!.length + 1;
    const words = vocab[topic]!;
    const title = `${words[Math.floor(rand() * words.length)]} ${words[Math.floor(rand() * words.length)]} ${word()}`;
    const tags = [TOPICS[topic]!];
    if (rand() < 0.5) tags.push(GENERIC_TAGS[Math.floor(rand() * GENERIC_TAGS.length)]!);
    if (rand() < 0.2) tags.push(TOPICS[Math.floor(rand() * TOPICS.length)]!);
    const v: LogVideo = {
      videoId: `v${String(i).padStart(10, '0')}`, userId: channels[c]!, title, tags: [...new Set(tags)], topic,
      series: Math.floor(rand() * SERIES_PER_TOPIC), weight: topicWeight[topic]! / rank ** 0.9, ageDays: rand() * 365,
    };
    videos.push(v);
    perTopic[topic]!.push(v);
  }
  const globalTotal = videos.reduce((s, v) => s + v.weight, 0);

  const viewers = Array.from({ length: opts.viewers }, (_, i) => `viewer${i}`);
  const watches = new Map<string, LogWatch[]>();
  for (const viewer of viewers) {
    const tastes = Array.from({ length: 2 + Math.floor(rand() * 2) }, () => pickWeighted(rand, TOPICS.map((_, i) => i), (t) => topicWeight[t]!));
    const seen = new Set<string>();
    const list: LogWatch[] = [];
    const sessions = 2 + Math.floor(rand() * 4);
    let t = opts.now - 30 * 86400_000 + rand() * 5 * 86400_000;
    for (let s = 0; s < sessions; s++) {
      const topic = tastes[Math.floor(rand() * tastes.length)]!;
      const series = Math.floor(rand() * SERIES_PER_TOPIC);
      const pool = perTopic[topic]!;
      const n = 3 + Math.floor(rand() * 4);
      for (let k = 0; k < n; k++) {
        let v: LogVideo;
        let tries = 0;
        do {
          const r = rand();
          const inSeries = pool.filter((x) => x.series === series);
          v = r < 0.1 ? pickWeighted(rand, videos, (x) => x.weight, globalTotal)
            : r < 0.75 && inSeries.length ? pickWeighted(rand, inSeries, (x) => x.weight)
            : pickWeighted(rand, pool, (x) => x.weight);
        } while (seen.has(v.videoId) && ++tries < 20);
        if (seen.has(v.videoId)) continue;
        seen.add(v.videoId);
        list.push({ userId: viewer, videoId: v.videoId, at: new Date(t) });
        t += (8 + rand() * 15) * 60_000;
      }
      t += (1 + rand() * 3) * 86400_000;
    }
    watches.set(viewer, list);
  }
  return { channels, viewers, videos, watches };
}
