import { ApiError } from '../api.js';
import { h } from '../dom.js';
import { formError } from './form-field.js';

export interface AuthFormOptions {
  title: string;
  intro: string;
  submitLabel: string;
  busyLabel: string;
  fields: HTMLElement[];
  footer: HTMLElement;
  /** Runs on submit; a thrown ApiError's message is shown above the button. */
  onSubmit: () => Promise<void>;
}

/** The card shared by sign-up and log-in: heading, fields, error line, submit button, footer link. */
export function authForm(opts: AuthFormOptions): HTMLElement {
  const error = formError();
  const submit = h('button', { type: 'submit', class: 'btn btn-primary btn-block' }, opts.submitLabel);
  const form = h('form', { class: 'auth-form', novalidate: false }, ...opts.fields, error.element, submit);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    error.show(null);
    submit.disabled = true;
    submit.textContent = opts.busyLabel;
    try {
      await opts.onSubmit();
    } catch (err) {
      error.show(err instanceof ApiError ? err.message : 'Something went wrong. Try again.');
      if (!(err instanceof ApiError)) console.error(err);
    } finally {
      submit.disabled = false;
      submit.textContent = opts.submitLabel;
    }
  });
  return h('div', { class: 'page page-narrow' },
    h('div', { class: 'card auth-card' },
      h('h1', { class: 'page-title' }, opts.title),
      h('p', { class: 'muted' }, opts.intro),
      form,
      opts.footer,
    ),
  );
}
