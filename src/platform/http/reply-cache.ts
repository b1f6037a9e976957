import { createHash, randomBytes } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { LRUCache } from 'lru-cache';
import type { Cache } from '../cache/port.js';

/** One cached answer: its serialised JSON, kept as UTF-8 bytes (a string would be encoded again on every send), and a strong validator of it. */
interface CachedBody {
  etag: string;
  json: Buffer;
}

export interface ReplyCacheOptions {
  /** The cache port; holds only the generation, so every process sees an invalidation at once. */
  cache: Cache;
  /** Names the family of answers one `invalidate` drops (e.g. `listings`). */
  family: string;
  /** How long one body may serve (it is dropped sooner by `invalidate`). */
  ttlSec: number;
  /** Upper bound on the bytes of bodies kept in this process. */
  maxBytes?: number;
}

/** The cache key of a family's generation, for test helpers that write rows behind the services' backs. */
export const replyGenerationKey = (family: string) => `reply-gen:${family}`;

/**
 * Serialised JSON answers of hot public reads (listings, channel pages, search), kept per process
 * and keyed by a generation that lives in the cache port. A write bumps the generation (a fresh
 * random value), so every process stops using every body of the family at once, on the memory
 * cache and on Redis alike; a body is never refilled under a newer generation than the one read
 * before its database query, so it can never outlive the write it predates. A hit costs one cache
 * read (the generation) and no serialisation; `If-None-Match` with the body's ETag gets a 304.
 *
 * @example
 * const listings = createReplyCache({ cache, family: 'listings', ttlSec: 60 });
 * return listings.send(req, reply, req.url, () => loadPage());
 * // after a write has committed:
 * await listings.invalidate();
 */
export function createReplyCache(opts: ReplyCacheOptions) {
  const genKey = replyGenerationKey(opts.family);
  const bodies = new LRUCache<string, CachedBody>({
    maxSize: opts.maxBytes ?? 32 * 1024 * 1024,
    sizeCalculation: (b) => b.json.length + b.etag.length + 64,
    ttl: opts.ttlSec * 1000,
  });
  const newGeneration = () => randomBytes(9).toString('base64url');

  async function generation(): Promise<string> {
    const current = await opts.cache.get<string>(genKey);
    if (current) return current;
    // Two processes starting a generation at once each pick one: the loser's bodies only miss.
    const fresh = newGeneration();
    await opts.cache.set(genKey, fresh, 86_400);
    return fresh;
  }

  return {
    /**
     * Answers from the cached body for `key` (a route's URL), or builds the payload, serialises it
     * with the route's own response schema and keeps it. Only for answers the same for everyone
     * who gets them: callers use it for anonymous requests.
     */
    async send(req: FastifyRequest, reply: FastifyReply, key: string, build: () => Promise<unknown>): Promise<FastifyReply> {
      const bodyKey = `${await generation()}\n${key}`;
      let body = bodies.get(bodyKey);
      if (!body) {
        // The route's compiled response serializer: the same fields and formats as an uncached answer.
        const json = Buffer.from(String(reply.serialize(await build())));
        body = { json, etag: `"${createHash('sha1').update(json).digest('base64url').slice(0, 22)}"` };
        bodies.set(bodyKey, body);
      }
      reply.header('etag', body.etag);
      if (req.headers['if-none-match'] === body.etag) return reply.status(304).send();
      return reply.type('application/json; charset=utf-8').send(body.json);
    },

    /** Call after a write that changes any answer of the family has committed. */
    async invalidate(): Promise<void> {
      await opts.cache.set(genKey, newGeneration(), 86_400);
    },
  };
}

export type ReplyCache = ReturnType<typeof createReplyCache>;
