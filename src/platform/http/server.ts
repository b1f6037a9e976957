import Fastify, { LogController, type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import swagger from '@fastify/swagger';
import cookie from '@fastify/cookie';
import { randomUUID } from 'node:crypto';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { isAppError } from '../errors.js';
import type { Logger } from '../log.js';
import type { Metrics } from '../metrics.js';
import { isDependencyOutage, OUTAGE_RETRY_AFTER_SEC, outageSource, type Outages } from '../outage.js';
import type { ErrorObject } from 'ajv';
import { createSchemaCompiler, describeValidation } from './validation.js';
import { registerSecurityHeaders, type SecurityHeaderOptions } from './security-headers.js';

export type HttpServer = FastifyInstance<any, any, any, any, TypeBoxTypeProvider>;

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * The route streams a long body (tus uploads, which may take hours): the whole-request
     * deadline does not apply to it, only the idle timeout (no byte for `idleSec`).
     */
    streamedBody?: boolean;
  }
}

/**
 * How long a client may hold a connection without making progress (issue 9: connections that
 * trickled bytes were never timed out, so a few hundred slow-loris sockets could tie the api up).
 */
export interface HttpTimeouts {
  /** The whole request header must arrive within this (Node's headersTimeout; 408, then closed). */
  headersSec: number;
  /** Once its header arrived, a request's body must arrive within this; uploads excepted. */
  requestSec: number;
  /**
   * No byte received or sent for this long closes the connection (a socket idle timeout). The only
   * limit on an upload's body: a slow but steady upload of hours is never cut, a stalled one is.
   */
  idleSec: number;
}

/** Above nginx's and most load balancers' upstream keep-alive (60 s), so the proxy closes first. */
const KEEP_ALIVE_MS = 72_000;

export interface HttpServerOptions {
  log: Logger;
  metrics: Metrics;
  /** Largest JSON body accepted; uploads go through tus, never through JSON. */
  bodyLimitBytes?: number;
  /** The configured address, for the OpenAPI document; unset, the document names its own origin. */
  publicUrl?: string;
  /** Answers unmatched GETs outside /api (the web app's client-side routes); false = 404. */
  fallback?: (req: FastifyRequest, reply: FastifyReply) => Promise<boolean>;
  /**
   * Proxies (addresses/CIDRs) whose X-Forwarded-For sets `req.ip`; empty or unset: the socket's
   * peer is the client and the header is ignored.
   */
  trustProxy?: string[];
  /** Where requests that met an outage report it (once per outage, not once per request). */
  outages?: Outages;
  timeouts?: HttpTimeouts;
  /** CSP, Referrer-Policy, nosniff and the rest (see security-headers.ts). */
  securityHeaders: SecurityHeaderOptions;
}

const DEFAULT_TIMEOUTS: HttpTimeouts = { headersSec: 20, requestSec: 60, idleSec: 60 };

/**
 * The whole-request deadline for bodies other than uploads. Node's own requestTimeout applies to
 * every request of the server alike, and would cut a long upload, so it is off and this per-route
 * deadline stands in for it.
 */
function enforceRequestDeadline(app: HttpServer, requestMs: number) {
  app.addHook('onRequest', async (req, reply) => {
    if (req.routeOptions.config?.streamedBody || req.raw.complete) return;
    const timer = setTimeout(() => {
      if (!req.raw.complete) req.raw.socket?.destroy();
    }, requestMs);
    timer.unref();
    reply.raw.once('close', () => clearTimeout(timer));
  });
}

/** Fastify's own error codes mapped to ours, so clients see one error vocabulary. */
function describeFastifyError(err: FastifyError): { status: number; code: string; message: string } | undefined {
  if (err.validation) {
    return { status: 400, code: 'VALIDATION_FAILED', message: describeValidation(err.validation as ErrorObject[], err.validationContext) };
  }
  switch (err.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return { status: 413, code: 'BODY_TOO_LARGE', message: 'The request body is too large. Upload video files through the tus endpoint, not as JSON.' };
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return { status: 415, code: 'UNSUPPORTED_MEDIA_TYPE', message: 'Send JSON with Content-Type: application/json.' };
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return { status: 400, code: 'INVALID_JSON', message: 'The request body is not valid JSON.' };
  }
  if (err instanceof SyntaxError && err.statusCode === 400) return { status: 400, code: 'INVALID_JSON', message: 'The request body is not valid JSON.' };
  if (err.statusCode === 429) return { status: 429, code: 'RATE_LIMITED', message: err.message };
  return undefined;
}

/**
 * The HTTP base every module mounts its routes on: schema validation, one error shape
 * `{error: {code, message}}`, security headers, request metrics, cookies and the OpenAPI
 * document. The document is public on purpose: it describes the routes of an open-source server
 * (the same as its source code), lists no hidden route and no setting, and API clients and
 * people need it; GitLab and PeerTube publish theirs too.
 */
export async function createHttpServer(opts: HttpServerOptions): Promise<HttpServer> {
  const timeouts = opts.timeouts ?? DEFAULT_TIMEOUTS;
  const headersMs = timeouts.headersSec * 1000;
  const app = Fastify({
    connectionTimeout: timeouts.idleSec * 1000,
    keepAliveTimeout: KEEP_ALIVE_MS,
    // Off for the whole server (see enforceRequestDeadline); Node still bounds the header.
    requestTimeout: 0,
    http: {
      headersTimeout: headersMs,
      requestTimeout: 0,
      // Node checks header deadlines on this interval (30 s by default, which would let a
      // slow-loris header live up to 30 s past its limit).
      connectionsCheckingInterval: Math.min(5000, Math.max(250, headersMs / 4)),
    },
    loggerInstance: opts.log,
    bodyLimit: opts.bodyLimitBytes ?? 256 * 1024,
    genReqId: () => randomUUID(),
    // Request lines would be most of the log (media segments); metrics count requests instead.
    logController: new LogController({ disableRequestLogging: true }),
    // Never `true`: that believes X-Forwarded-For from anyone, so a client would choose its own
    // req.ip and every per-address limit with it. Only the listed proxies (proxy-addr) are believed,
    // as GitLab's trusted_proxies and PeerTube's trust_proxy do.
    trustProxy: opts.trustProxy?.length ? opts.trustProxy : false,
    return503OnClosing: true,
    routerOptions: { ignoreTrailingSlash: true },
    // Malformed URLs (e.g. a bad %-escape) are refused by the router before any route runs; give
    // them the same JSON error shape as everything else.
    frameworkErrors: (err, _req, reply) => {
      (reply as FastifyReply).status(400).send({ error: { code: 'BAD_URL', message: `The URL is malformed (${err.message}).` } });
    },
  }).withTypeProvider<TypeBoxTypeProvider>();
  app.setValidatorCompiler(createSchemaCompiler());
  enforceRequestDeadline(app, timeouts.requestSec * 1000);
  await registerSecurityHeaders(app, opts.securityHeaders);
  await app.register(cookie);
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'Kinema API', version: '1', description: 'Video upload, transcoding, playback and discovery.' },
      // OpenAPI 3.1: a relative server URL is resolved against where the document was fetched.
      servers: [{ url: opts.publicUrl ?? '/' }],
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer' },
          cookie: { type: 'apiKey', in: 'cookie', name: 'kinema_session', description: 'Set by sign-in. Named `__Host-kinema_session` over HTTPS.' },
        },
      },
    },
  });

  app.addHook('onResponse', async (req, reply) => {
    const route = req.routeOptions.url ?? 'unmatched';
    opts.metrics.httpRequests.inc({ method: req.method, route, status: reply.statusCode });
    opts.metrics.httpDuration.observe({ method: req.method, route }, reply.elapsedTime / 1000);
    // 503s are outages and overload, reported once by what noticed them, not once per request.
    if (reply.statusCode >= 500 && reply.statusCode !== 503) req.log.warn({ status: reply.statusCode, url: req.url }, 'request failed');
  });

  app.setErrorHandler((err: FastifyError, req, reply) => {
    if (isAppError(err)) {
      if (err.details?.retryAfterSec) reply.header('retry-after', String(err.details.retryAfterSec));
      return reply.status(err.status).send({ error: { code: err.code, message: err.message, ...err.details } });
    }
    if (isDependencyOutage(err)) {
      // The database or object store is away: an honest, retryable answer, never a 500.
      const source = outageSource(err);
      opts.outages?.[source].failed(err);
      reply.header('retry-after', String(OUTAGE_RETRY_AFTER_SEC));
      const what = source === 'storage' ? 'object storage' : 'database';
      return reply.status(503).send({
        error: { code: 'DEPENDENCY_UNAVAILABLE', message: `The ${what} is unreachable right now, so this request was not carried out. Try again in a few seconds.`, dependency: what, retryAfterSec: OUTAGE_RETRY_AFTER_SEC },
      });
    }
    const known = describeFastifyError(err);
    if (known) return reply.status(known.status).send({ error: { code: known.code, message: known.message } });
    req.log.error({ err, reqId: req.id }, 'unhandled error');
    return reply.status(500).send({
      error: { code: 'INTERNAL', message: `Something went wrong on our side. If it keeps happening, report error id ${req.id}.` },
    });
  });

  app.setNotFoundHandler(async (req, reply) => {
    if (opts.fallback && (req.method === 'GET' || req.method === 'HEAD') && !req.url.startsWith('/api/') && (await opts.fallback(req, reply))) return reply;
    return reply.status(404).send({ error: { code: 'NOT_FOUND', message: `No route ${req.method} ${req.url.split('?')[0]}. See /api/v1/openapi.json.` } });
  });

  app.get('/api/v1/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  return app;
}
