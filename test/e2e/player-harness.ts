import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import fastifyStatic from '@fastify/static';
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import type { Browser, Page } from 'playwright-core';
import { until } from '../support/poll.js';

/**
 * A bare page for the independent players (hls.js, Shaka Player), each from its own compiled
 * build, beside a ladder served as files under /media/ (with Range: I-frame playlists need byte
 * ranges). What the players tests share: the ladder, not the web app, is under test.
 */

const require = createRequire(import.meta.url);
const BUILDS: Record<string, string> = {
  'shaka.js': require.resolve('shaka-player/dist/shaka-player.compiled.js'),
  'hls.js': require.resolve('hls.js/dist/hls.min.js'),
};

const PAGE = `<!doctype html><meta charset="utf-8"><title>players</title>
<video id="v" muted playsinline width="640" height="360"></video>`;

export interface PlayerHarness {
  server: FastifyInstance;
  base: string;
  /** A new page with the player's build loaded (`hls.js` or `shaka.js`), and its uncaught errors. */
  openPage(browser: Browser, script: 'hls.js' | 'shaka.js', timeoutMs: number): Promise<{ page: Page; errors: string[] }>;
}

/** Serves `ladderDir` under /media/ and the players' page; `onRequest` sees every request first. */
export async function servePlayers(ladderDir: string, onRequest: (req: FastifyRequest) => void): Promise<PlayerHarness> {
  const server = Fastify();
  server.addHook('onRequest', async (req) => onRequest(req));
  // @fastify/static answers Range requests (206), which I-frame byte ranges need.
  await server.register(fastifyStatic, { root: ladderDir, prefix: '/media/' });
  server.get('/', (_req, reply) => reply.type('text/html').send(PAGE));
  for (const [name, path] of Object.entries(BUILDS)) server.get(`/${name}`, async (_req, reply) => reply.type('text/javascript').send(await readFile(path)));
  const base = await server.listen({ host: '127.0.0.1', port: 0 });
  return {
    server,
    base,
    async openPage(browser, script, timeoutMs) {
      const page = await browser.newPage();
      page.setDefaultTimeout(timeoutMs);
      const errors: string[] = [];
      page.on('pageerror', (err) => errors.push(err.message));
      await page.goto(`${base}/`);
      await page.addScriptTag({ url: `/${script}` });
      return { page, errors };
    },
  };
}

/** Until the page's video has played past `sec` (it is playing, not stalled). */
export const playedPast = (page: Page, sec: number, timeoutMs: number) =>
  until(() => page.evaluate((s) => (document.getElementById('v') as HTMLVideoElement).currentTime > s, sec), `playback past ${sec} s`, timeoutMs);

/**
 * hls.js on the page's video with the master playlist (not capped to the player's size, so every
 * rung is reachable); `window.hls` is the instance, `window.fatal` its fatal errors.
 */
export function startHlsJs(page: Page): Promise<void> {
  return page.evaluate(() => {
    const w = window as any;
    w.fatal = [];
    const hls = new w.Hls({ capLevelToPlayerSize: false });
    w.hls = hls;
    hls.on(w.Hls.Events.ERROR, (_e: unknown, data: any) => data.fatal && w.fatal.push(`${data.type} ${data.details}`));
    hls.loadSource('/media/master.m3u8');
    hls.attachMedia(document.getElementById('v'));
    hls.on(w.Hls.Events.MANIFEST_PARSED, () => (document.getElementById('v') as HTMLVideoElement).play());
  });
}

/** Shaka Player on the page's video with the master playlist; `window.player`, `window.errors`. */
export function startShaka(page: Page): Promise<void> {
  return page.evaluate(async () => {
    const w = window as any;
    w.shaka.polyfill.installAll();
    w.errors = [];
    const player = new w.shaka.Player();
    w.player = player;
    player.addEventListener('error', (e: any) => w.errors.push(`${e.detail?.code} ${e.detail?.message ?? ''}`));
    await player.attach(document.getElementById('v'));
    await player.load('/media/master.m3u8');
    await (document.getElementById('v') as HTMLVideoElement).play();
  });
}
