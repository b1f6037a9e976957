import { randomBytes } from 'node:crypto';
import { request } from 'node:http';
import { join } from 'node:path';
import { createCatalogService, createLifecycle, type Lifecycle } from '../../src/modules/catalog/index.js';
import { createLogger } from '../../src/platform/log.js';
import { transcodeFile, type HlsOutput } from '../../src/modules/transcode/index.js';
import type { TestApp } from './app.js';
import { tempDir } from './services.js';
import { makeClip } from '../fixtures/media.js';

/**
 * Shared set-up of the delivery suites: a real ladder (ffmpeg on a 2-second 160x90 clip, made
 * once per test process) published for a video the way the transcode worker does it, and raw
 * HTTP for paths `fetch` would normalise.
 */

let ladder: Promise<{ dir: string; out: HlsOutput }> | undefined;

/** The transcoded test ladder (built on first use, then shared by every video of the file). */
export function testLadder(): Promise<{ dir: string; out: HlsOutput }> {
  ladder ??= (async () => {
    const work = await tempDir('kinema-delivery-');
    const clip = await makeClip(work, { width: 160, height: 90, durationSec: 2, rate: 15 });
    const dir = join(work, 'out');
    return { dir, out: await transcodeFile(clip, dir) };
  })();
  return ladder;
}

/**
 * A Lifecycle on the app's own database whose changes invalidate the app's caches through the
 * catalog's own `invalidate` (the row, the answers derived from it, the cached lists), as the
 * app's lifecycle does.
 */
export function lifecycleOf(app: TestApp): Lifecycle {
  const { database, cache, store } = app.platform;
  const catalog = createCatalogService({ db: database.db, cache, store, log: createLogger('silent') });
  return createLifecycle(database.db, catalog.invalidate);
}

export async function createVideo(app: TestApp, token: string, visibility: 'public' | 'unlisted' | 'private', title = `clip ${randomBytes(3).toString('hex')}`): Promise<string> {
  const r = await app.api('POST', '/api/v1/videos', { token, body: { title, visibility } });
  if (r.status !== 201) throw new Error(`create failed: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body.id;
}

/** Uploaded → processing, as ingest and the worker would move it. Returns the attempt's lease token. */
export async function startProcessing(app: TestApp, videoId: string): Promise<string> {
  const lifecycle = lifecycleOf(app);
  await lifecycle.markUploaded(videoId, { filename: 'clip.mp4', sizeBytes: 1 }, async () => undefined);
  // A ready video is re-encoded only after an operator sends it back (as a reprocess would).
  await app.platform.database.db.updateTable('videos').set({ status: 'uploaded' }).where('videoId', '=', videoId).where('status', '=', 'ready').execute();
  const lease = await lifecycle.markProcessing(videoId, `job-${randomBytes(4).toString('hex')}`);
  if (!lease) throw new Error('markProcessing refused');
  return lease;
}

/** Stores the ladder under a fresh version and publishes it (the worker's last two steps). */
export async function publishLadder(app: TestApp, videoId: string, lease?: string): Promise<{ version: string; prefix: string }> {
  const { dir, out } = await testLadder();
  const job = lease ?? (await startProcessing(app, videoId));
  const version = `v${randomBytes(4).toString('hex')}`;
  const prefix = `media/${videoId}/${version}/`;
  await app.platform.store.putDirectory(dir, prefix);
  const ok = await lifecycleOf(app).publish(videoId, job, {
    version, prefix, masterPath: out.master, renditions: out.renditions, hasAudio: out.hasAudio,
    posterPath: out.poster, storyboardPath: out.storyboardVtt, duration: out.durationSec,
  }, { width: out.renditions[0]!.width, height: out.renditions[0]!.height });
  if (!ok) throw new Error('publish refused');
  return { version, prefix };
}

/** A ready video with a published ladder. */
export async function readyVideo(app: TestApp, token: string, visibility: 'public' | 'unlisted' | 'private') {
  const id = await createVideo(app, token, visibility);
  return { id, ...(await publishLadder(app, id)) };
}

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** One request with the path sent byte for byte (no `..` folding, no re-encoding). */
export function rawRequest(baseUrl: string, method: string, path: string, headers: Record<string, string> = {}): Promise<RawResponse> {
  const { hostname, port } = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const req = request({ host: hostname, port, method, path, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

/** URIs a playlist references: media lines and `URI="…"` attributes (EXT-X-MAP, EXT-X-MEDIA). */
export function playlistUris(text: string): string[] {
  const uris: string[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line) continue;
    if (!line.startsWith('#')) uris.push(line);
    else for (const m of line.matchAll(/URI="([^"]+)"/g)) uris.push(m[1]!);
  }
  return uris;
}
