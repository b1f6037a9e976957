/**
 * The Kinema side of bench/http: one api process (what `kinema api` runs, plus the embedded
 * engines), seeded with a creator, a viewer and a few dozen ready public videos with a real
 * ladder, then it prints one JSON line saying what to load and waits to be killed.
 *
 *   node --import tsx bench/http/kinema-server.ts [--engine pglite|postgres] [--redis redis://127.0.0.1:6379]
 *
 * Run by bench/http/run.ts; a child process of its own so the load generator does not share its
 * event loop (and so `--cpu-prof` profiles only the server).
 */
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { Session } from 'node:inspector';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { signUp, startTestApp } from '../../test/support/app.js';
import { createVideo, publishLadder } from '../../test/support/delivery.js';

const { values } = parseArgs({ options: { engine: { type: 'string', default: 'pglite' }, redis: { type: 'string' }, videos: { type: 'string', default: '30' } } });
const engine = values.engine === 'postgres' ? 'postgres' : 'pglite';
const env: Record<string, string> = values.redis ? { REDIS_URL: values.redis, REDIS_KEY_PREFIX: `bench-http-${randomBytes(4).toString('hex')}:` } : {};
const app = await startTestApp({ engine, env });

const creator = await signUp(app, 'creator');
const viewer = await signUp(app, 'viewer');
const WORDS = ['sunset', 'harbour', 'mountain', 'river', 'city', 'forest', 'kitchen', 'guitar'];
const ids: string[] = [];
for (let i = 0; i < Number(values.videos); i++) {
  const title = `${WORDS[i % WORDS.length]} walk ${i} ${WORDS[(i * 3 + 1) % WORDS.length]}`;
  const id = await createVideo(app, creator.token, 'public', title);
  await publishLadder(app, id);
  ids.push(id);
}
const played = ids[0]!;
// The signed-in viewer has watched a third of it, so /play answers with a resume point.
const beacon = await app.api('POST', `/api/v1/videos/${played}/progress`, {
  token: viewer.token,
  body: { sessionId: `bench-${randomBytes(6).toString('hex')}`, positionSec: 0.7, played: [[0, 0.7]], state: 'paused' },
});

console.log(JSON.stringify({
  url: app.url,
  pid: process.pid,
  engine: app.platform.database.engine,
  cache: values.redis ? 'redis' : 'memory',
  beaconStatus: beacon.status,
  targets: [
    { name: '/play (anonymous)', path: `/api/v1/videos/${played}/play` },
    { name: '/play (signed in)', path: `/api/v1/videos/${played}/play`, headers: { authorization: `Bearer ${viewer.token}` } },
    { name: 'listing /videos', path: '/api/v1/videos' },
    { name: 'channel listing', path: `/api/v1/channels/${creator.username}` },
    { name: 'search', path: '/api/v1/search?q=sunset' },
    { name: 'watch page HTML', path: `/watch/${played}` },
    { name: '/health', path: '/health' },
  ],
}));

// --profile: the load generator sends SIGUSR2 once seeding and warm-up are over, so the profile
// holds the load alone; it is written when the process is told to stop.
const profileDir = process.env.BENCH_PROFILE_DIR;
const session = profileDir ? new Session() : undefined;
if (session) {
  session.connect();
  process.once('SIGUSR2', () => session.post('Profiler.enable', () => session.post('Profiler.start')));
}
async function writeProfile() {
  if (!session) return;
  const profile = await new Promise<unknown>((resolve, reject) => session.post('Profiler.stop', (err, r) => (err ? reject(err) : resolve(r.profile))));
  await writeFile(join(profileDir!, `kinema-${Date.now()}.cpuprofile`), JSON.stringify(profile));
}

const stop = async () => {
  await writeProfile().catch((err: unknown) => console.error('profile not written:', err));
  await app.close();
  process.exit(0);
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
