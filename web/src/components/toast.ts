import { h } from '../dom.js';

/** A short message in the polite live region at the bottom of the screen ("Video deleted"). */
export function showToast(message: string, kind: 'info' | 'error' = 'info', timeoutMs = 4000): void {
  const region = document.getElementById('toasts');
  if (!region) return;
  const toast = h('div', { class: `toast toast-${kind}` }, message);
  region.appendChild(toast);
  setTimeout(() => toast.remove(), timeoutMs);
}
