import { api } from '../api.js';
import { authForm } from '../components/auth-form.js';
import { formField, textInput } from '../components/form-field.js';
import { h } from '../dom.js';
import { navigate, safeNext, setTitle } from '../navigation.js';
import type { PageContext } from '../router.js';
import { setUser } from '../session.js';

/** Sign in with username or email; returns to `?next=` (e.g. the upload page that sent us here). */
export function render({ outlet, query }: PageContext): void {
  setTitle('Log in');
  const next = safeNext(query);
  const username = textInput({ name: 'username', autocomplete: 'username', required: true, autocapitalize: 'none', spellcheck: 'false' });
  const password = textInput({ name: 'password', type: 'password', autocomplete: 'current-password', required: true });
  outlet.append(authForm({
    title: 'Log in',
    intro: 'Welcome back.',
    submitLabel: 'Log in',
    busyLabel: 'Logging in…',
    fields: [formField('Username or email', username), formField('Password', password)],
    footer: h('p', { class: 'auth-switch' }, 'New to Kinema? ', h('a', { href: `/signup?next=${encodeURIComponent(next)}` }, 'Create an account')),
    async onSubmit() {
      const { user } = await api.login({ username: username.value.trim(), password: password.value });
      setUser(user);
      navigate(next, { replace: true });
    },
  }));
}
