import type { FastifyReply, FastifyRequest } from 'fastify';
import { SESSION_COOKIE } from '../../platform/http/auth.js';
import { SESSION_TTL_SEC } from './service.js';

/**
 * The session cookie's name on HTTPS. A `__Host-` cookie is accepted by browsers only with
 * Secure, Path=/ and no Domain, so no sibling subdomain and no plain-http page can set or
 * overwrite it (cookie tossing, session fixation): RFC 6265bis, "Cookie Name Prefixes".
 */
export const HTTPS_SESSION_COOKIE = `__Host-${SESSION_COOKIE}`;

/**
 * Names, sets and clears the session cookie. Over HTTPS — PUBLIC_URL is https, or this request
 * arrived over TLS (directly, or per X-Forwarded-Proto from a TRUST_PROXY proxy) — it is
 * `__Host-kinema_session`, Secure; on plain http (http://localhost, a LAN address) it is
 * `kinema_session`, since browsers refuse Secure cookies over http there. Always HttpOnly (no
 * script reads it) and SameSite=Lax (no cross-site POST carries it). Only the name for the
 * request's scheme is read: a plain-named cookie on an HTTPS request could have been planted.
 */
export function createSessionCookie(opts: { httpsSite: boolean }) {
  const isHttps = (req: FastifyRequest) => opts.httpsSite || req.protocol === 'https';
  const nameFor = (req: FastifyRequest) => (isHttps(req) ? HTTPS_SESSION_COOKIE : SESSION_COOKIE);
  return {
    nameFor,
    read: (req: FastifyRequest): string | undefined => req.cookies?.[nameFor(req)],
    set(req: FastifyRequest, reply: FastifyReply, token: string) {
      reply.setCookie(nameFor(req), token, { path: '/', httpOnly: true, sameSite: 'lax', secure: isHttps(req), maxAge: SESSION_TTL_SEC });
    },
    clear(req: FastifyRequest, reply: FastifyReply) {
      reply.clearCookie(nameFor(req), { path: '/', httpOnly: true, sameSite: 'lax', secure: isHttps(req) });
    },
  };
}

export type SessionCookie = ReturnType<typeof createSessionCookie>;
