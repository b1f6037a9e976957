/**
 * The web app's pages, by path. The router draws them; the web build also writes the list to
 * dist/web/page-paths.json, so the server answers 200 for these paths and 404 (with the app's
 * "not found" page) for any other. Pure data and one pure function: vite.config.ts imports it.
 */
export const PAGE_PATHS = {
  home: '/',
  watch: '/watch/:id',
  upload: '/upload',
  login: '/login',
  signup: '/signup',
  myVideos: '/me/videos',
  history: '/me/history',
  subscriptions: '/me/subscriptions',
  search: '/search',
  channel: '/c/:username',
  channelAnalytics: '/me/analytics',
  videoAnalytics: '/me/analytics/:id',
  adminQoe: '/admin/qoe',
} as const;

/** A path pattern with `:params` as a regex over `location.pathname` (params captured in order). */
export function pathRegex(path: string): { regex: RegExp; names: string[] } {
  const names: string[] = [];
  const source = path.replace(/\/:([a-zA-Z]+)/g, (_m, name: string) => {
    names.push(name);
    return '/([^/]+)';
  });
  return { regex: new RegExp(`^${source}/?$`), names };
}
