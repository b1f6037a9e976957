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

/** `/login?next=/upload`: only same-site paths, so a crafted link cannot send people elsewhere. */
export function safeNext(query: URLSearchParams, fallback = '/'): string {
  const next = query.get('next');
  return next && next.startsWith('/') && !next.startsWith('//') ? next : fallback;
}

/** Tab title: "Page · Kinema". */
export function setTitle(title?: string): void {
  document.title = title ? `${title} · Kinema` : 'Kinema';
}
