import { api, ApiError } from './api.js';
import type { User } from './types.js';

/**
 * Who is signed in, as far as the page knows. Loaded once from GET /me at start-up and updated
 * on login/signup/logout; listeners (the header) re-render on change.
 */
type Listener = (user: User | null) => void;

let current: User | null = null;
let loaded: Promise<User | null> | undefined;
const listeners = new Set<Listener>();

export function currentUser(): User | null {
  return current;
}

/** Resolves once GET /me has answered (null when signed out or unreachable). */
export function loadSession(): Promise<User | null> {
  loaded ??= api.me().then(
    (user) => setUser(user),
    (err: unknown) => {
      // 401 is the normal signed-out answer; a network error also leaves us signed out
      // (pages that need an account say so and offer to sign in).
      if (!(err instanceof ApiError)) console.error(err);
      return setUser(null);
    },
  );
  return loaded;
}

export function setUser(user: User | null): User | null {
  current = user;
  // Later loadSession() calls answer with what we now know, not the answer from start-up.
  loaded = Promise.resolve(user);
  for (const listener of listeners) listener(user);
  return user;
}

export function onSessionChange(listener: Listener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}
