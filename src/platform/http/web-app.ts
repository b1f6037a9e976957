import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyReply, FastifyRequest } from 'fastify';

/** Written by the web build (web/vite.config.ts) from web/src/page-paths.ts: one regex source per page. */
export const PAGE_PATHS_FILE = 'page-paths.json';

/**
 * The answer for GETs no route matched, outside /api: the web app's index.html, whose client-side
 * router draws the page. Paths the app has a page for answer 200; any other path 404 with the
 * same index.html, which draws the app's "not found" page — so people see a real page and
 * crawlers, link checkers and monitors see the real status. A missing asset (a stale hashed chunk
 * name) or media file is a plain JSON 404, not HTML a browser would refuse as a script.
 */
export function webAppFallback(webDir: string): (req: FastifyRequest, reply: FastifyReply) => Promise<boolean> {
  const indexHtml = readFileSync(join(webDir, 'index.html'), 'utf8');
  const listFile = join(webDir, PAGE_PATHS_FILE);
  // A build from before the list existed: every path is a page, as it used to be.
  const pages = existsSync(listFile) ? (JSON.parse(readFileSync(listFile, 'utf8')) as string[]).map((source) => new RegExp(source)) : [/^/];
  return async (req, reply) => {
    const pathname = req.url.split('?')[0]!;
    if (pathname.startsWith('/assets/') || pathname.startsWith('/media/')) return false;
    const isPage = pages.some((page) => page.test(pathname));
    await reply.status(isPage ? 200 : 404).type('text/html').header('cache-control', 'no-cache').send(indexHtml);
    return true;
  };
}
