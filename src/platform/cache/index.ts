/**
 * Caching: the Cache port and its adapters, an in-process LRU (one machine) and Redis/Valkey
 * (many api processes). app.ts picks one with `createCache`.
 */
import type { Cache } from './port.js';
import { createMemoryCache, type MemoryCacheOptions } from './memory.js';
import { createRedisCache, type RedisCacheOptions } from './redis.js';

export type { Cache, CacheLease, LeasedRead } from './port.js';
export { createMemoryCache, type MemoryCacheOptions } from './memory.js';
export { createRedisCache, type RedisCacheOptions } from './redis.js';

/** Which adapter to build, with its settings. */
export type CacheOptions = ({ kind: 'memory' } & MemoryCacheOptions) | ({ kind: 'redis' } & RedisCacheOptions);

/**
 * Builds the configured cache.
 *
 * @example
 * const cache = createCache(config.redisUrl
 *   ? { kind: 'redis', url: config.redisUrl, keyPrefix: 'kinema:', log }
 *   : { kind: 'memory', maxEntries: 10_000 });
 */
export function createCache(opts: CacheOptions): Cache {
  switch (opts.kind) {
    case 'memory':
      return createMemoryCache({ maxEntries: opts.maxEntries, maxTtlSec: opts.maxTtlSec });
    case 'redis': {
      const { kind: _kind, ...redis } = opts;
      return createRedisCache(redis);
    }
  }
}
