import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { LRUCache } from 'lru-cache';
import type { HttpServer } from '../../platform/http/server.js';
import { isAppError } from '../../platform/errors.js';
import { readClientHints } from './rendition-choice.js';
import { NEGATIVE_CACHE_SEC } from './edge-config.js';
import { playAnswer, playbackSerializer } from './play-routes.js';
import type { ReadyPlayback } from './service.js';
import { isSharedAnswer, type PlayAnswers, type SharedAnswer } from './play-answers.js';
import { INIT_SEGMENT, MEDIA_PLAYLIST, segmentFile } from '../media-layout/index.js';

const WATCH_PATH = /^\/watch\/([A-Za-z0-9_-]{11})\/?(?:\?.*)?$/;

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

/** The inline element carrying the play answer; `json` is serialised JSON, made safe for a <script> here (no `</script>`, no `<!--`). */
const inlineAnswer = (status: number, json: string) =>
  `<script id="kinema-play" type="application/json" data-status="${status}">${json.replace(/</g, '\\u003c')}</script>`;

/**
 * index.html cut where the play answer and the preload hints go: before the first <script>, as the
 * inlined boot script (web/src/boot/fast-start.ts) reads the answer while the page is still
 * parsing, so it must already be in the DOM by then; and the earlier the preload hints, the
 * earlier their downloads start.
 */
function cutIndex(indexHtml: string): [string, string] {
  const at = indexHtml.indexOf('<script');
  if (at < 0) {
    const head = indexHtml.indexOf('</head>');
    return head < 0 ? [indexHtml, ''] : [indexHtml.slice(0, head), indexHtml.slice(head)];
  }
  return [indexHtml.slice(0, at), `\n    ${indexHtml.slice(at)}`];
}

/**
 * The watch page's first response carries its play answer inline (no extra round trip before the
 * player can start) plus preload hints for the first media requests.
 */
export function renderWatchPage(indexHtml: string, answer: { status: number; body: unknown }): string {
  const links = answer.status === 200 ? preloadLinks(answer.body as ReadyPlayback) : [];
  const [before, after] = cutIndex(indexHtml);
  return `${before}${links.join('')}${inlineAnswer(answer.status, JSON.stringify(answer.body))}${after}`;
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

/** Pages kept per process: a few hundred KB for hundreds of hot videos. */
const PAGE_CACHE_BYTES = 16 * 1024 * 1024;

/**
 * `GET /watch/:id`: index.html with the play answer inlined (see renderWatchPage). For a shared
 * answer (a ready public or unlisted video, play-answers.ts) the page is built from the cached
 * template: the part before the answer (index.html and the preload hints) once per template, and
 * for anonymous viewers the whole page once per template and rung, with an ETag.
 */
export function registerWatchPage(app: HttpServer, answers: PlayAnswers, indexHtmlPath: string, opts: { edgePageTtlSec: number }) {
  const indexHtml = readFileSync(indexHtmlPath, 'utf8');
  const [indexBefore, indexAfter] = cutIndex(indexHtml);
  // A new build of the web app changes every page: part of every ETag.
  const indexTag = createHash('sha1').update(indexHtml).digest('base64url').slice(0, 8);
  const heads = new LRUCache<string, string>({ maxSize: PAGE_CACHE_BYTES, sizeCalculation: (h) => h.length + 64 });
  // Kept encoded: a page is ~15 KB, and a string would be encoded to UTF-8 again on every send.
  const pages = new LRUCache<string, Buffer>({ maxSize: PAGE_CACHE_BYTES, sizeCalculation: (h) => h.length + 64 });

  /** index.html up to the answer, with the template's preload hints (the same for every viewer). */
  function headOf(a: SharedAnswer): string {
    let head = heads.get(a.template.tag);
    if (head === undefined) {
      head = indexBefore + preloadLinks(JSON.parse(a.json) as ReadyPlayback).join('');
      heads.set(a.template.tag, head);
    }
    return head;
  }
  const sharedPage = (a: SharedAnswer) => headOf(a) + inlineAnswer(200, a.json) + indexAfter;

  app.get('/watch/:id', { schema: { hide: true } }, async (req, reply) => {
    const id = (req.params as { id: string }).id;
    let answer: { status: number; body: unknown };
    if (!WATCH_PATH.test(req.url)) {
      answer = { status: 404, body: { error: { code: 'VIDEO_NOT_FOUND', message: `No video with id "${id.slice(0, 40)}": video ids are 11 characters of letters, digits, - and _. Check the link.` } } };
    } else {
      try {
        const result = await answers.answer(id, req.principal, readClientHints(req.headers, {}), playbackSerializer(reply));
        if (isSharedAnswer(result)) {
          if (!result.etag) return reply.type('text/html').header('cache-control', 'no-store').send(sharedPage(result));
          // Anonymous: the same page for everyone with these hints. A browser may keep it, but
          // asks each time (a write may have changed it); our own cache tiers keep it briefly
          // (edgePageTtlSec: a page they answer records no play event here).
          const etag = `"${indexTag}.${result.etag.slice(1)}`;
          reply.type('text/html').header('cache-control', 'private, no-cache').header('etag', etag);
          const edgeTtl = edgePageTtlSec(false, 200, opts.edgePageTtlSec);
          if (edgeTtl > 0) reply.header(EDGE_TTL_HEADER, String(edgeTtl));
          if (req.headers['if-none-match'] === etag) return reply.status(304).send();
          let page = pages.get(etag);
          if (page === undefined) pages.set(etag, (page = Buffer.from(sharedPage(result))));
          return reply.send(page);
        }
        answer = playAnswer(result);
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
