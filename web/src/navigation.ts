import type { Router } from './router.js';

/** The one router of the page, for code that navigates after an action (login, upload, delete). */
let router: Router | undefined;

export function useRouter(r: Router): void {
  router = r;
}

export function navigate(url: string, opts?: { replace?: boolean }): void {
  if (router) router.navigate(url, opts);
  else location.assign(url);
}

/** Path + query of the current page, for "come back here after signing in" links. */
export function currentPath(): string {
  return location.pathname + location.search;
}

/**
 * `/login?next=/upload`: only paths of this site, so a crafted link cannot send people elsewhere.
 * Judged the way the browser will resolve it (`/\\evil.com`, `/%09/evil.com` and friends are
 * other hosts to a URL parser, not paths), by comparing origins after parsing.
 */
export function safeNext(query: URLSearchParams, fallback = '/', origin = location.origin): string {
  const next = query.get('next');
  if (!next || !next.startsWith('/')) return fallback;
  let url: URL;
  try {
    url = new URL(next, origin);
  } catch {
    return fallback;
  }
  return url.origin === origin ? url.pathname + url.search + url.hash : fallback;
}

/** Tab title: "Page · Kinema". */
export function setTitle(title?: string): void {
  document.title = title ? `${title} · Kinema` : 'Kinema';
}
