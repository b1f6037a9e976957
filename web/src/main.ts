import './styles/app.css';
import { mountSiteHeader } from './components/site-header.js';
import { useRouter } from './navigation.js';
import { createRouter, type Route } from './router.js';
import { PAGE_PATHS } from './page-paths.js';
import { loadSession } from './session.js';

/**
 * Boots the app: the header, the session and the router. Pages are separate chunks, loaded on
 * first visit. On watch URLs, boot/fast-start.ts (inlined into index.html) has already sent the
 * play request, preloaded the watch chunk and started fetching the first media.
 */
const routes: Route[] = [
  { path: PAGE_PATHS.home, load: () => import('./pages/home.js') },
  { path: PAGE_PATHS.watch, load: () => import('./pages/watch.js') },
  { path: PAGE_PATHS.upload, load: () => import('./pages/upload.js') },
  { path: PAGE_PATHS.login, load: () => import('./pages/login.js') },
  { path: PAGE_PATHS.signup, load: () => import('./pages/signup.js') },
  { path: PAGE_PATHS.myVideos, load: () => import('./pages/my-videos.js') },
  { path: PAGE_PATHS.history, load: () => import('./pages/history.js') },
  { path: PAGE_PATHS.subscriptions, load: () => import('./pages/subscriptions.js') },
  { path: PAGE_PATHS.search, load: () => import('./pages/search.js') },
  { path: PAGE_PATHS.channel, load: () => import('./pages/channel.js') },
  { path: PAGE_PATHS.channelAnalytics, load: () => import('./pages/analytics.js') },
  { path: PAGE_PATHS.videoAnalytics, load: () => import('./pages/analytics.js') },
  { path: PAGE_PATHS.adminQoe, load: () => import('./pages/admin-qoe.js') },
];
const notFound = () => import('./pages/not-found.js');

// For bench/ttff's `--breakdown`: when the entry chunk ran.
performance.mark('kinema:entry');
const outlet = document.getElementById('main')!;
const header = document.getElementById('site-header')!;

const router = createRouter(routes, notFound, outlet, (path) => header.dispatchEvent(new CustomEvent('navigate', { detail: path })));
useRouter(router);
mountSiteHeader(header);
router.start();
void loadSession();
