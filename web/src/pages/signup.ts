import { api } from '../api.js';
import { authForm } from '../components/auth-form.js';
import { formField, textInput } from '../components/form-field.js';
import { showToast } from '../components/toast.js';
import { h } from '../dom.js';
import { navigate, safeNext, setTitle } from '../navigation.js';
import type { PageContext } from '../router.js';
import { setUser } from '../session.js';

/** Create an account; the server sets the session cookie, so we are signed in right after. */
export function render({ outlet, query }: PageContext): void {
  setTitle('Sign up');
  const next = safeNext(query);
  const username = textInput({ name: 'username', autocomplete: 'username', required: true, minlength: 3, maxlength: 32, pattern: '[A-Za-z0-9][A-Za-z0-9_.\\-]*', autocapitalize: 'none', spellcheck: 'false' });
  const email = textInput({ name: 'email', type: 'email', autocomplete: 'email', required: true, maxlength: 254 });
  const password = textInput({ name: 'password', type: 'password', autocomplete: 'new-password', required: true, minlength: 8, maxlength: 200 });
  outlet.append(authForm({
    title: 'Create your account',
    intro: 'Upload videos and share them with a link.',
    submitLabel: 'Sign up',
    busyLabel: 'Creating account…',
    fields: [
      formField('Username', username, '3–32 letters, digits, _ . or -'),
      formField('Email', email),
      formField('Password', password, 'At least 8 characters'),
    ],
    footer: h('p', { class: 'auth-switch' }, 'Already have an account? ', h('a', { href: `/login?next=${encodeURIComponent(next)}` }, 'Log in')),
    async onSubmit() {
      const { user } = await api.signup({ username: username.value.trim(), email: email.value.trim(), password: password.value });
      setUser(user);
      showToast(`Welcome to Kinema, ${user.username}!`);
      navigate(next, { replace: true });
    },
  }));
}
