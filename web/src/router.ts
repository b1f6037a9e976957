import { pathRegex } from './page-paths.js';

/**
 * A tiny client-side router: path patterns with `:params`, lazily loaded page modules,
 * same-origin link interception and history navigation. Each page gets an AbortSignal that
 * fires when the visitor leaves it, so players, polls and uploads listeners stop with the page.
 */

export interface PageContext {
  params: Record<string, string>;
  query: URLSearchParams;
  /** The <main> element the page renders into. */
  outlet: HTMLElement;
  /** Aborted when the visitor navigates away. */
  signal: AbortSignal;
}

export interface PageModule {
  render(ctx: PageContext): void | Promise<void>;
}

export interface Route {
  path: string;
  load: () => Promise<PageModule>;
}

interface CompiledRoute extends Route {
  regex: RegExp;
  names: string[];
}

function compile(route: Route): CompiledRoute {
  return { ...route, ...pathRegex(route.path) };
}

export interface Router {
  start(): void;
  navigate(url: string, opts?: { replace?: boolean }): void;
}

export function createRouter(routes: Route[], notFound: Route['load'], outlet: HTMLElement, onNavigate?: (path: string) => void): Router {
  const compiled = routes.map(compile);
  let current: AbortController | undefined;
  let isFirstRender = true;

  function match(pathname: string): { load: Route['load']; params: Record<string, string> } {
    for (const route of compiled) {
      const m = route.regex.exec(pathname);
      if (m) return { load: route.load, params: Object.fromEntries(route.names.map((n, i) => [n, decodeURIComponent(m[i + 1] ?? '')])) };
    }
    return { load: notFound, params: {} };
  }

  async function render(): Promise<void> {
    current?.abort();
    const controller = new AbortController();
    current = controller;
    const { pathname, search } = window.location;
    onNavigate?.(pathname);
    const { load, params } = match(pathname);
    const page = await load();
    if (controller.signal.aborted) return;
    outlet.replaceChildren();
    outlet.removeAttribute('aria-busy');
    await page.render({ params, query: new URLSearchParams(search), outlet, signal: controller.signal });
    if (!isFirstRender && !controller.signal.aborted) {
      // Move focus to the new page's heading so keyboard and screen-reader users start there.
      window.scrollTo(0, 0);
      const heading = outlet.querySelector<HTMLElement>('h1') ?? outlet;
      if (!heading.hasAttribute('tabindex')) heading.tabIndex = -1;
      heading.focus({ preventScroll: true });
    }
    isFirstRender = false;
  }

  function navigate(url: string, opts: { replace?: boolean } = {}): void {
    if (opts.replace) history.replaceState(null, '', url);
    else history.pushState(null, '', url);
    void render();
  }

  function onClick(event: MouseEvent): void {
    if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    const anchor = (event.target as Element | null)?.closest?.('a');
    if (!anchor || anchor.target || anchor.hasAttribute('download') || anchor.origin !== location.origin) return;
    const href = anchor.getAttribute('href');
    if (!href || href.startsWith('#') || anchor.pathname.startsWith('/api/') || anchor.pathname.startsWith('/media/')) return;
    event.preventDefault();
    if (anchor.pathname + anchor.search !== location.pathname + location.search) navigate(anchor.pathname + anchor.search);
  }

  return {
    start() {
      document.addEventListener('click', onClick);
      window.addEventListener('popstate', () => void render());
      void render();
    },
    navigate,
  };
}
