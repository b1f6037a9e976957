import { api, type ApiError } from '../api.js';
import { h } from '../dom.js';
import { loadSession } from '../session.js';
import type { SubscriptionState } from '../types.js';
import { signInDialog } from './sign-in-required.js';
import { showToast } from './toast.js';

export interface SubscribeOptions {
  username: string;
  /** From the channel answer; null when the page was loaded signed out. */
  subscribed: boolean | null;
  /** Told the server's new state (with its subscriber count) after each change. */
  onChange?: (state: SubscriptionState) => void;
}

/**
 * Subscribe / Subscribed (press again to unsubscribe), a toggle button (aria-pressed). Signed-out
 * viewers get a "log in to subscribe" prompt; a channel's own owner gets no button (the caller
 * leaves it out). The server's answer is the truth: the button changes once it has answered.
 */
export function subscribeButton(opts: SubscribeOptions): HTMLButtonElement {
  let subscribed = opts.subscribed === true;
  const button = h('button', { type: 'button', class: 'btn subscribe-btn', 'data-testid': 'subscribe' });

  function paint(): void {
    button.textContent = subscribed ? 'Subscribed' : 'Subscribe';
    button.className = `btn subscribe-btn ${subscribed ? 'btn-secondary' : 'btn-primary'}`;
    button.setAttribute('aria-pressed', String(subscribed));
    button.title = subscribed ? `Unsubscribe from ${opts.username}` : `Subscribe to ${opts.username}: their new videos appear in your feed`;
  }

  button.addEventListener('click', async () => {
    if (!(await loadSession())) {
      signInDialog(`Subscribe to ${opts.username}?`, 'Log in to subscribe: new videos from the channels you follow appear on your home page and in Subscriptions.');
      return;
    }
    button.disabled = true;
    try {
      const state = subscribed ? await api.unsubscribe(opts.username) : await api.subscribe(opts.username);
      subscribed = state.subscribed;
      showToast(subscribed ? `Subscribed to ${opts.username}.` : `Unsubscribed from ${opts.username}.`);
      opts.onChange?.(state);
    } catch (err) {
      showToast((err as ApiError).message, 'error');
    } finally {
      button.disabled = false;
      paint();
    }
  });
  paint();
  return button;
}
