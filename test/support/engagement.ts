import { replyGenerationKey } from '../../src/platform/http/reply-cache.js';
import { randomBytes } from 'node:crypto';
import { videoCacheKeys } from '../../src/modules/catalog/index.js';
import type { TestApp } from './app.js';

export const CHROME_UA = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';
export const FIREFOX_UA = 'Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0';

export const newSession = () => randomBytes(12).toString('hex');

/** Sends one watch beacon over HTTP, as the player does. */
export async function beacon(app: TestApp, videoId: string, body: Record<string, unknown>, opts: { token?: string; ua?: string | null; forwardedFor?: string; contentType?: string } = {}) {
  const headers: Record<string, string> = { 'content-type': opts.contentType ?? 'application/json' };
  if (opts.ua !== null) headers['user-agent'] = opts.ua ?? CHROME_UA;
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  if (opts.forwardedFor) headers['x-forwarded-for'] = opts.forwardedFor;
  const res = await fetch(`${app.url}/api/v1/videos/${videoId}/progress`, { method: 'POST', headers, body: typeof body === 'string' ? body : JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

/** Gives a video another duration (the view and resume rules read it), as a longer upload would have. */
export async function setDuration(app: TestApp, videoId: string, durationSec: number) {
  await app.platform.database.db.updateTable('videos').set({ duration: durationSec }).where('videoId', '=', videoId).execute();
  await app.platform.cache.del(...videoCacheKeys(videoId), replyGenerationKey('listings'));
}

export async function viewCountInDb(app: TestApp, videoId: string): Promise<number> {
  const row = await app.platform.database.db.selectFrom('videos').select('viewCount').where('videoId', '=', videoId).executeTakeFirstOrThrow();
  return Number(row.viewCount);
}

/** Events of a video of one type, written so far. */
export async function eventCount(app: TestApp, videoId: string, type: string): Promise<number> {
  const row = await app.platform.database.db.selectFrom('events').select((eb) => eb.fn.countAll().as('n')).where('videoId', '=', videoId).where('type', '=', type).executeTakeFirstOrThrow();
  return Number(row.n);
}
