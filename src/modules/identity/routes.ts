import { Type } from '@sinclair/typebox';
import type { HttpServer } from '../../platform/http/server.js';
import { readToken, requireUser, requiresSignIn, SIGNED_IN } from '../../platform/http/auth.js';
import { unauthorized } from '../../platform/errors.js';
import { responses } from '../../platform/http/schemas.js';
import { LoginBody, SessionReply, SignupBody, User } from './schemas.js';
import type { IdentityService, UserRecord } from './service.js';
import type { SessionCookie } from './session-cookie.js';

export const toUserJson = (u: UserRecord, withEmail = false) => ({
  id: u.userId,
  username: u.username,
  ...(withEmail ? { email: u.email } : {}),
  role: u.role,
  createdAt: u.createdAt.toISOString(),
});

/**
 * Resolves the caller on every API request: a bad bearer token is an error (the client meant to
 * authenticate), while a stale cookie is dropped so a signed-out browser still sees public pages.
 * Routes declaring `security: SIGNED_IN` refuse anonymous callers here, in onRequest: before the
 * body is parsed or validated, so "sign in first" comes before any complaint about the input.
 */
export function registerAuthHook(app: HttpServer, identity: IdentityService, cookie: SessionCookie) {
  app.decorateRequest('principal', null);
  app.addHook('onRequest', async (req, reply) => {
    // The API, and the watch page, whose first response carries the play answer.
    if (!req.url.startsWith('/api/') && !req.url.startsWith('/watch/')) return;
    const found = readToken(req, cookie.read);
    if (found) {
      const principal = await identity.authenticate(found.token);
      if (principal) req.principal = principal;
      else if (found.bearer) throw unauthorized('That token is unknown, expired or signed out. Sign in again to get a new one.');
      else cookie.clear(req, reply);
    }
    if (!req.principal && requiresSignIn(req.routeOptions.schema)) throw unauthorized();
  });
}

export function registerIdentityRoutes(app: HttpServer, identity: IdentityService, cookie: SessionCookie) {
  app.post('/api/v1/auth/signup', {
    schema: { tags: ['auth'], summary: 'Create an account', body: SignupBody, response: responses({ 201: SessionReply }, [400, 403, 409, 429, 503]) },
  }, async (req, reply) => {
    const { user, token, expiresAt } = await identity.signup(req.body, req.ip);
    cookie.set(req, reply, token);
    return reply.status(201).send({ user: toUserJson(user, true), token, expiresAt: expiresAt.toISOString() });
  });

  app.post('/api/v1/auth/login', {
    schema: { tags: ['auth'], summary: 'Sign in with username (or email) and password', body: LoginBody, response: responses({ 200: SessionReply }, [400, 401, 429, 503]) },
  }, async (req, reply) => {
    const { user, token, expiresAt } = await identity.login(req.body, req.ip);
    cookie.set(req, reply, token);
    return { user: toUserJson(user, true), token, expiresAt: expiresAt.toISOString() };
  });

  app.post('/api/v1/auth/logout', {
    schema: { tags: ['auth'], summary: 'Revoke the current session token', response: responses({ 204: Type.Null() }, [401]) },
  }, async (req, reply) => {
    const found = readToken(req, cookie.read);
    if (found) await identity.logout(found.token);
    cookie.clear(req, reply);
    return reply.status(204).send();
  });

  app.get('/api/v1/me', {
    schema: { tags: ['auth'], summary: 'The signed-in account', security: SIGNED_IN, response: responses({ 200: User }, [401]) },
  }, async (req) => {
    const principal = requireUser(req);
    const user = await identity.findUser(principal.userId);
    if (!user) throw unauthorized();
    return toUserJson(user, true);
  });
}
