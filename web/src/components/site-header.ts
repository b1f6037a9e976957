import { api } from '../api.js';
import { h, icon, replaceChildren } from '../dom.js';
import { navigate } from '../navigation.js';
import { currentUser, onSessionChange, setUser } from '../session.js';
import { channelPath } from './channel-link.js';
import { createSearchBox } from './search-box.js';
import { showToast } from './toast.js';

/**
 * The bar on every page: brand, search, navigation and the account area (sign in / sign up, or
 * My videos + sign out). Re-renders when the session changes; marks the current page.
 */
export function mountSiteHeader(root: HTMLElement): void {
  let path = location.pathname;
  // One search box for the page's life: re-rendering the bar must not drop what is being typed.
  const search = createSearchBox();
  const syncSearch = () => search.setQuery(path === '/search' ? (new URLSearchParams(location.search).get('q') ?? '') : '');
  syncSearch();

  const link = (href: string, label: string, cls = 'nav-link') =>
    h('a', { href, class: cls, 'aria-current': path === href ? 'page' : null }, label);

  async function logout(): Promise<void> {
    try {
      await api.logout();
    } catch (err) {
      showToast((err as Error).message, 'error');
      return;
    }
    setUser(null);
    showToast('You are signed out.');
    navigate('/');
  }

  // Built once; only the navigation is redrawn (moving the search box would take its focus away).
  const nav = h('nav', { class: 'site-nav', 'aria-label': 'Main' });
  replaceChildren(root,
    h('div', { class: 'header-inner' },
      h('a', { href: '/', class: 'brand', 'aria-label': 'Kinema home' }, h('span', { class: 'brand-mark', 'aria-hidden': 'true' }, icon('play')), h('span', { class: 'brand-name' }, 'Kinema')),
      search.element,
      nav,
    ),
  );

  function render(): void {
    const user = currentUser();
    const account = user
      ? [
          link('/me/videos', 'My videos'),
          link('/me/subscriptions', 'Subscriptions'),
          link('/me/history', 'History'),
          link('/me/analytics', 'Analytics'),
          h('a', { href: channelPath(user.username), class: 'nav-user', title: `Your channel (signed in as ${user.username})`, 'aria-current': path === channelPath(user.username) ? 'page' : null }, h('span', { class: 'avatar', 'aria-hidden': 'true' }, user.username.slice(0, 1).toUpperCase()), h('span', { class: 'nav-username' }, user.username)),
          h('button', { type: 'button', class: 'btn btn-ghost', onclick: () => void logout() }, 'Log out'),
        ]
      : [link('/login', 'Log in'), h('a', { href: '/signup', class: 'btn btn-secondary', 'aria-current': path === '/signup' ? 'page' : null }, 'Sign up')];
    replaceChildren(nav,
      h('a', { href: '/upload', class: 'btn btn-primary btn-upload', 'aria-current': path === '/upload' ? 'page' : null }, icon('upload'), h('span', {}, 'Upload')),
      account,
    );
  }

  root.addEventListener('navigate', (e) => {
    path = (e as CustomEvent<string>).detail;
    syncSearch();
    render();
  });
  onSessionChange(render);
  render();
}
