import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError, notFound } from '../../platform/errors.js';
import type { HttpServer } from '../../platform/http/server.js';
import { contentTypeFor, type ObjectInfo, type ObjectStore, type OpenObject } from '../../platform/storage/index.js';
import { ifRangeAllows, isNotModified, resolveRange, type RangeResult } from './http-range.js';
import { parseMediaPath } from './media-path.js';
import type { DeliveryService, MediaGrant } from './service.js';

// Players on other origins (embeds, hls.js on a CDN page) read lengths and ranges; nothing here
// uses cookies, so `*` is safe — the URL itself (a public path, or a signed one) is the grant.
const CORS_HEADERS = {
  'access-control-allow-origin': '*',
  'access-control-expose-headers': 'Content-Length, Content-Range, Accept-Ranges, ETag, Last-Modified',
};
const PREFLIGHT_HEADERS = {
  ...CORS_HEADERS,
  'access-control-allow-methods': 'GET, HEAD, OPTIONS',
  'access-control-allow-headers': 'Range, If-None-Match, If-Modified-Since, If-Range',
  'access-control-max-age': '86400',
};

const MEDIA_HELMET = { crossOriginResourcePolicy: { policy: 'cross-origin' as const } };

const mediaNotFound = () => notFound('MEDIA_NOT_FOUND', 'No such media file.');

function setObjectHeaders(reply: FastifyReply, info: ObjectInfo, grant: MediaGrant) {
  if (grant.edgeExpiresSec !== undefined) reply.header('x-accel-expires', String(grant.edgeExpiresSec));
  reply.header('cache-control', grant.cacheControl).header('accept-ranges', 'bytes').header('last-modified', info.lastModified.toUTCString());
  if (info.etag) reply.header('etag', info.etag);
  reply.type(contentTypeFor(info.key));
}

/** Which part of the object to send, after conditionals; sends 304 / throws 416 itself. */
function planResponse(req: FastifyRequest, reply: FastifyReply, info: ObjectInfo): RangeResult | 'not-modified' {
  const h = req.headers;
  if (isNotModified({ 'if-none-match': h['if-none-match'], 'if-modified-since': h['if-modified-since'] }, info.etag, info.lastModified)) return 'not-modified';
  const ifRange = typeof h['if-range'] === 'string' ? h['if-range'] : undefined;
  const range = ifRangeAllows(ifRange, info.etag, info.lastModified) ? resolveRange(h.range, info.sizeBytes) : { kind: 'full' as const };
  if (range.kind === 'unsatisfiable') {
    reply.header('content-range', `bytes */${info.sizeBytes}`).header('cache-control', 'no-store');
    throw new AppError('RANGE_NOT_SATISFIABLE', 416, `The requested range is outside the file (${info.sizeBytes} bytes).`);
  }
  return range;
}

/**
 * One open, one fstat and one positioned read into a Buffer, whole file or Range alike (the bytes
 * of a Range cost what the whole file's do): what the local store allows. Conditionals are decided
 * on the opened file's own metadata, so they describe the bytes sent.
 */
async function serveOpened(req: FastifyRequest, reply: FastifyReply, grant: MediaGrant, opened: OpenObject | null) {
  if (!opened) throw mediaNotFound();
  try {
    setObjectHeaders(reply, opened.info, grant);
    const plan = planResponse(req, reply, opened.info);
    if (plan === 'not-modified') return reply.status(304).send();
    const range = plan.kind === 'partial' ? { start: plan.start, end: plan.end } : undefined;
    if (range) reply.status(206).header('content-range', `bytes ${range.start}-${range.end}/${opened.info.sizeBytes}`);
    reply.header('content-length', range ? range.end - range.start + 1 : opened.info.sizeBytes);
    if (req.method === 'HEAD') return reply.send();
    return reply.send(await opened.read(range));
  } finally {
    await opened.close();
  }
}

/**
 * The embedded origin: `GET|HEAD|OPTIONS /media/*` streamed from the object store with the
 * headers an HLS player and an edge cache need (type, length, validators, ranges, CORS, caching).
 * Access decisions (current version only, tokens for private videos) come from the delivery
 * service; this file only speaks HTTP.
 */
export function registerOriginRoutes(app: HttpServer, delivery: DeliveryService, store: ObjectStore) {
  app.route({
    method: ['GET', 'HEAD'],
    url: '/media/*',
    schema: { hide: true },
    // Posters and storyboards shown by pages on other sites (embeds) load without CORS (no-cors
    // <img>, CSS backgrounds): a same-origin resource policy would block them. The URL is the grant.
    helmet: MEDIA_HELMET,
    handler: async (req, reply) => {
      reply.headers(CORS_HEADERS);
      // Errors must not be cached by an edge for the year a segment would be.
      reply.header('cache-control', 'no-store');
      const path = parseMediaPath(req.raw.url ?? '');
      if (!path) throw mediaNotFound();
      const grant = await delivery.authorizeMedia(path);
      if (store.open) return serveOpened(req, reply, grant, await store.open(grant.key));
      const h = req.headers;
      const isPlainGet = req.method === 'GET' && !h.range && !h['if-none-match'] && !h['if-modified-since'];
      if (isPlainGet) {
        // The common case (a player fetching a segment) costs one store call, not head + get.
        const got = await store.get(grant.key);
        if (!got) throw mediaNotFound();
        setObjectHeaders(reply, got.info, grant);
        return reply.status(200).header('content-length', got.info.sizeBytes).send(got.body);
      }
      const info = await store.head(grant.key);
      if (!info) throw mediaNotFound();
      setObjectHeaders(reply, info, grant);
      const plan = planResponse(req, reply, info);
      if (plan === 'not-modified') return reply.status(304).send();
      const range = plan.kind === 'partial' ? { start: plan.start, end: plan.end } : undefined;
      if (range) reply.status(206).header('content-range', `bytes ${range.start}-${range.end}/${info.sizeBytes}`);
      reply.header('content-length', range ? range.end - range.start + 1 : info.sizeBytes);
      if (req.method === 'HEAD') return reply.send();
      const got = await store.get(grant.key, range);
      if (!got) throw mediaNotFound();
      return reply.send(got.body);
    },
  });

  app.options('/media/*', { schema: { hide: true }, helmet: MEDIA_HELMET }, async (_req, reply) => reply.status(204).headers(PREFLIGHT_HEADERS).send());
}
