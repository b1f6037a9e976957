import { createHash } from 'node:crypto';
import helmet, { type HelmetOptions } from 'helmet';
import type { FastifyInstance } from 'fastify';
// The per-route `helmet` option (an object merged over the global policy, or false for none)
// keeps the type @fastify/helmet gives it; the headers themselves are computed here, once.
import type {} from '@fastify/helmet';

export interface SecurityHeaderOptions {
  /** `'sha256-…'` sources of the inline scripts the pages may run (see inlineScriptHashes). */
  inlineScripts: string[];
  /**
   * Origins besides the page's own that the app talks to: MEDIA_BASE_URL (an edge or CDN the
   * player fetches playlists, segments, posters and storyboards from) and PUBLIC_URL (where
   * uploads go). Unset settings mean same-origin URLs, covered by 'self'.
   */
  otherOrigins: string[];
  /** PUBLIC_URL is https: ask for HTTPS sub-requests and send HSTS. */
  https: boolean;
}

// An executable inline script: no src, and no type or a JavaScript one. A JSON data block
// (`<script type="application/json">`, the watch page's inlined play answer) is never run, so
// CSP does not apply to it and it needs no hash.
const INLINE_SCRIPT = /<script(\s[^>]*)?>([\s\S]*?)<\/script>/gi;
const SCRIPT_TYPES = ['', 'module', 'text/javascript', 'application/javascript'];
function isExecutable(attrs: string): boolean {
  const type = /\stype\s*=\s*["']?([^"'\s>]*)/i.exec(attrs)?.[1] ?? '';
  return !/\ssrc\s*=/i.test(attrs) && SCRIPT_TYPES.includes(type.toLowerCase());
}

/**
 * CSP hash sources of the executable inline scripts in `html`: SHA-256 of the exact text between
 * `<script>` and `</script>` as served (CSP 3, "hash-source"). Computed from the built page at
 * start-up, so a rebuilt boot script (web/src/boot/) can never be out of step with the policy.
 */
export function inlineScriptHashes(html: string): string[] {
  const hashes = new Set<string>();
  for (const [, attrs = '', body = ''] of html.matchAll(INLINE_SCRIPT)) {
    if (isExecutable(attrs)) hashes.add(`'sha256-${createHash('sha256').update(body, 'utf8').digest('base64')}'`);
  }
  return [...hashes];
}

/**
 * The security headers of every response, by @fastify/helmet. The policy is written out in full
 * (no helmet defaults merged in) so what a page may do is readable here:
 * - scripts only from this origin plus the inline boot script by hash: no 'unsafe-inline', no
 *   eval, no script in attributes;
 * - `blob:` for the warm-up Worker of the boot script and for MSE (`video.src` is a blob: URL);
 * - media, posters and playlists also from MEDIA_BASE_URL's origin;
 * - no plugins, no <base> or form targets elsewhere, framed only by this site (there is no embed
 *   page; X-Frame-Options SAMEORIGIN says the same to old browsers);
 * - Referrer-Policy strict-origin-when-cross-origin (browsers' and YouTube's choice): other sites
 *   see only the origin, never a watch or edit URL;
 * - nosniff, so a media or JSON response is never run as a script or page.
 * Media routes widen Cross-Origin-Resource-Policy for players on other sites (origin-routes.ts).
 */
export async function registerSecurityHeaders(app: FastifyInstance<any, any, any, any, any>, opts: SecurityHeaderOptions): Promise<void> {
  const global = securityPolicy(opts);
  const globalHeaders = headersOf(global);
  // The policy never depends on the request, so each route's headers are computed once, when it is
  // added, instead of by helmet on every request (@fastify/helmet rebuilds them per request: about
  // 5 % of a cache-hit /play's CPU, bench/http).
  app.addHook('onRoute', (route) => {
    const own = route.helmet;
    const headers = own === undefined ? globalHeaders : own === false ? {} : headersOf({ ...global, ...own } as HelmetOptions);
    route.config = Object.assign(route.config ?? Object.create(null), { securityHeaders: headers });
  });
  app.addHook('onRequest', (req, reply, done) => {
    // Unmatched URLs (404s, the web app's fallback) have no route config: the global policy.
    reply.headers((req.routeOptions.config as { securityHeaders?: Record<string, string> }).securityHeaders ?? globalHeaders);
    done();
  });
}

function securityPolicy(opts: SecurityHeaderOptions): HelmetOptions {
  const self = ["'self'"];
  const withOthers = [...self, ...opts.otherOrigins];
  return {
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        'default-src': self,
        'script-src': [...self, ...opts.inlineScripts],
        'script-src-attr': ["'none'"],
        'style-src': self,
        'img-src': [...withOthers, 'data:', 'blob:'],
        'media-src': [...withOthers, 'blob:'],
        'connect-src': withOthers,
        'worker-src': [...self, 'blob:'],
        'font-src': self,
        'object-src': ["'none'"],
        'base-uri': self,
        'form-action': self,
        'frame-ancestors': self,
        ...(opts.https ? { 'upgrade-insecure-requests': [] } : {}),
      },
    },
    referrerPolicy: { policy: 'strict-origin-when-cross-origin' },
    // Over plain http browsers ignore HSTS; over https a year, this host only (the operator's other
    // subdomains are not ours to pin).
    strictTransportSecurity: opts.https ? { maxAge: 31_536_000, includeSubDomains: false } : false,
  };
}

/** The headers helmet sets for `options`, captured by running its middleware once. */
function headersOf(options: HelmetOptions): Record<string, string> {
  const headers: Record<string, string> = {};
  const res = {
    setHeader: (name: string, value: string | number | readonly string[]) => void (headers[name.toLowerCase()] = String(value)),
    removeHeader: (name: string) => void delete headers[name.toLowerCase()],
  };
  let failure: unknown;
  helmet(options)({} as never, res as never, (err?: unknown) => void (failure = err));
  if (failure) throw failure;
  return headers;
}

/** The origin of a configured URL, for a CSP source list; undefined when unset. */
export const originOf = (url: string | undefined) => (url ? new URL(url).origin : undefined);
