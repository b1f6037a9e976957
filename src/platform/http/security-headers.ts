import { createHash } from 'node:crypto';
import helmet from '@fastify/helmet';
import type { FastifyInstance } from 'fastify';

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
  const self = ["'self'"];
  const withOthers = [...self, ...opts.otherOrigins];
  await app.register(helmet, {
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
  });
}

/** The origin of a configured URL, for a CSP source list; undefined when unset. */
export const originOf = (url: string | undefined) => (url ? new URL(url).origin : undefined);
