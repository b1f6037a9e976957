import type { FastifyRequest } from 'fastify';
import { AppError, forbidden, unauthorized } from '../errors.js';

/** Who made a request. Set by the identity module's hook; null for anonymous requests. */
export interface RequestPrincipal {
  userId: string;
  username: string;
  role: 'user' | 'admin';
}

declare module 'fastify' {
  interface FastifyRequest {
    principal: RequestPrincipal | null;
  }
}

/** The session cookie's name on plain http; HTTPS uses `__Host-` before it (modules/identity/session-cookie.ts). */
export const SESSION_COOKIE = 'kinema_session';

type Security = { [scheme: string]: string[] }[];

/**
 * The OpenAPI `security` of routes only a signed-in caller may use. It is also what the auth hook
 * enforces: anonymous calls to such a route get 401 before their input is validated, so a client
 * is told to sign in before being told about a missing field.
 */
export const SIGNED_IN: Security = [{ bearer: [] }, { cookie: [] }];

/** Whether a route's schema demands a signed-in caller (`security` without the anonymous `{}`). */
export function requiresSignIn(schema: { security?: readonly { readonly [scheme: string]: readonly string[] }[] } | undefined): boolean {
  const security = schema?.security;
  return !!security && security.length > 0 && !security.some((s) => Object.keys(s).length === 0);
}

/** The caller, or a 401 telling them to sign in. */
export function requireUser(req: FastifyRequest): RequestPrincipal {
  if (!req.principal) throw unauthorized();
  return req.principal;
}

/** Owners and admins may change a resource; everyone else gets a 403. */
export function assertOwnerOrAdmin(principal: RequestPrincipal, ownerId: string, what = 'this video'): void {
  if (principal.userId !== ownerId && principal.role !== 'admin') {
    throw forbidden(`Only the owner of ${what} or an admin can do that.`);
  }
}

/** Reads a bearer token, falling back to the session cookie's value. `bearer` tells which one. */
export function readToken(req: FastifyRequest, cookieValue: (req: FastifyRequest) => string | undefined): { token: string; bearer: boolean } | undefined {
  const header = req.headers.authorization;
  if (header !== undefined) {
    const match = /^Bearer\s+([A-Za-z0-9_-]{16,128})\s*$/i.exec(header);
    if (!match) throw new AppError('INVALID_TOKEN', 401, 'The Authorization header must be "Bearer <token>" with a token from /api/v1/auth/login.');
    return { token: match[1]!, bearer: true };
  }
  const cookie = cookieValue(req);
  return cookie ? { token: cookie, bearer: false } : undefined;
}
