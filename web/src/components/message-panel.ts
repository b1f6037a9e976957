import { h, type Child } from '../dom.js';

export interface MessagePanelOptions {
  title: string;
  body?: Child;
  /** Adds a "Try again" button. */
  onRetry?: () => void;
  actions?: Child;
  tone?: 'info' | 'error';
}

/** Empty, error and "not found" states: a heading, a sentence and what to do next. */
export function messagePanel(opts: MessagePanelOptions): HTMLElement {
  return h('section', { class: `message-panel message-${opts.tone ?? 'info'}`, role: opts.tone === 'error' ? 'alert' : null },
    h('h2', { class: 'message-title' }, opts.title),
    opts.body !== undefined && h('p', { class: 'message-body' }, opts.body),
    (opts.onRetry || opts.actions) && h('div', { class: 'message-actions' },
      opts.onRetry && h('button', { type: 'button', class: 'btn btn-primary', onclick: opts.onRetry }, 'Try again'),
      opts.actions,
    ),
  );
}
