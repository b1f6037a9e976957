import { readFileSync } from 'node:fs';
import type { HttpServer } from '../../platform/http/server.js';
import { isAppError } from '../../platform/errors.js';
import { readClientHints } from './rendition-choice.js';
import { NEGATIVE_CACHE_SEC } from './edge-config.js';
import { playAnswer } from './play-routes.js';
import type { DeliveryService, ReadyPlayback } from './service.js';
import { INIT_SEGMENT, MEDIA_PLAYLIST, segmentFile } from '../media-layout/index.js';

const WATCH_PATH = /^\/watch\/([A-Za-z0-9_-]{11})\/?(?:\?.*)?$/;

/** JSON that is safe inside a <script> element (no `</script>`, no `<!--`). */
const scriptSafeJson = (value: unknown) => JSON.stringify(value).replace(/</g, '\\u003c');
const attr = (s: string) => s.replace(/&/g, '&amp;').replace(/"/g, '&quot;');

/**
 * Preload hints for everything the player fetches before its first frame: the master, the
 * lowest rung's and the audio playlists, their init segments and first media segments (the
 * web app starts a first visit on the lowest rung). They download while the page's scripts do.
 * File names come from the media layout module.
 */
export function preloadLinks(p: ReadyPlayback): string[] {
  // The web app never starts on the cellular rung (below 240p, its own audio group): see
  // web/src/boot/fast-start.ts startRendition.
  const byBandwidth = [...p.renditions].sort((a, b) => a.bandwidth - b.bandwidth);
  const lowest = byBandwidth.find((r) => Math.min(r.width, r.height) >= 240) ?? byBandwidth[0];
  const rungPlaylists = [lowest?.url, p.audioUrl].filter((u): u is string => !!u);
  // Tokens of signed URLs live in the path, so siblings are a plain file-name swap.
  const sibling = (playlist: string, file: string) => playlist.slice(0, playlist.length - MEDIA_PLAYLIST.length) + file;
  const hrefs = [
    p.hlsManifest,
    ...rungPlaylists,
    ...rungPlaylists.map((u) => sibling(u, INIT_SEGMENT)),
    ...rungPlaylists.map((u) => sibling(u, segmentFile(1))),
  ];
  return hrefs.map((href) => `<link rel="preload" as="fetch" crossorigin href="${attr(href)}">`);
}

/**
 * The watch page's first response carries its play answer inline (no extra round trip before the
 * player can start) plus preload hints for the first media requests.
 */
export function renderWatchPage(indexHtml: string, answer: { status: number; body: unknown }): string {
  const links = answer.status === 200 ? preloadLinks(answer.body as ReadyPlayback) : [];
  const inline = `<script id="kinema-play" type="application/json" data-status="${answer.status}">${scriptSafeJson(answer.body)}</script>`;
  // Before the first <script>: the inlined boot script (web/src/boot/fast-start.ts) reads the
  // answer while the page is still parsing, so it must already be in the DOM by then; and the
  // earlier the preload hints, the earlier their downloads start.
  const at = indexHtml.indexOf('<script');
  return at < 0
    ? indexHtml.replace('</head>', `${links.join('')}${inline}</head>`)
    : `${indexHtml.slice(0, at)}${links.join('')}${inline}\n    ${indexHtml.slice(at)}`;
}

/**
 * How long the cache tiers keep a watch page (nginx's `X-Accel-Expires`, which nginx reads and
 * never passes on to browsers; edge-config.ts). A signed-out viewer's page is the same for every
 * signed-out viewer with the same client hints (the tiers key on them): public and unlisted
 * videos only (private ones answer 404 to them), no resume point, no signed URLs. Kept
 * `pageTtlSec` (EDGE_PAGE_TTL_SEC, 30 s by default), so a far origin is off the first frame's
 * path for the viewers of a popular video; a takedown purges it at once (edge-purge.ts), and a
 * 404 is kept like a purged segment's. Signed-in pages: never (the tiers also skip their cache
 * for any request with a session).
 */
export function edgePageTtlSec(signedIn: boolean, status: number, pageTtlSec: number): number {
  if (signedIn || pageTtlSec === 0) return 0;
  if (status === 200) return pageTtlSec;
  if (status === 404) return Math.min(pageTtlSec, NEGATIVE_CACHE_SEC);
  return 0;
}

const EDGE_TTL_HEADER = 'x-accel-expires';

/** `GET /watch/:id`: index.html with the play answer inlined (see renderWatchPage). */
export function registerWatchPage(app: HttpServer, delivery: DeliveryService, indexHtmlPath: string, opts: { edgePageTtlSec: number }) {
  const indexHtml = readFileSync(indexHtmlPath, 'utf8');
  app.get('/watch/:id', { schema: { hide: true } }, async (req, reply) => {
    const id = (req.params as { id: string }).id;
    let answer: { status: number; body: unknown };
    if (!WATCH_PATH.test(req.url)) {
      answer = { status: 404, body: { error: { code: 'VIDEO_NOT_FOUND', message: `No video with id "${id.slice(0, 40)}": video ids are 11 characters of letters, digits, - and _. Check the link.` } } };
    } else {
      try {
        answer = playAnswer(await delivery.play(id, req.principal, readClientHints(req.headers, {})));
      } catch (err) {
        if (!isAppError(err)) throw err;
        answer = { status: err.status, body: { error: { code: err.code, message: err.message } } };
      }
    }
    // Browsers never keep it (a signed-in viewer's page carries their resume point and signed
    // URLs). The cache tiers may keep a signed-out viewer's page briefly (see edgePageTtlSec).
    // The page draws "not found" for a 404 answer, and says so in its status too (crawlers, link checkers).
    const edgeTtl = edgePageTtlSec(req.principal !== null, answer.status, opts.edgePageTtlSec);
    if (edgeTtl > 0) reply.header(EDGE_TTL_HEADER, String(edgeTtl));
    return reply.status(answer.status === 404 ? 404 : 200).type('text/html').header('cache-control', 'no-store').send(renderWatchPage(indexHtml, answer));
  });
}
