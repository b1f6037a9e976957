/**
 * The cache-aside race on video rows, interleaved by hand on the real PostgreSQL server: a reader
 * misses the cache and reads the row, then (held at a barrier) waits while a writer commits a
 * change and invalidates, then tries to cache the row it read. Before leases, that put the old
 * row back for an hour: a video just made private stayed public (and its media served without a
 * token), a deleted one stayed visible. Runs on the in-process LRU and on Redis, where reader and
 * writer have separate clients like two api processes.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { KyselyPlugin, PluginTransformQueryArgs, PluginTransformResultArgs, QueryResult, RootOperationNode, UnknownRow } from 'kysely';
import { createCatalogService, videoCacheKey, type CatalogService } from '../src/modules/catalog/index.js';
import { createCache, type Cache } from '../src/platform/cache/index.js';
import type { DatabaseHandle } from '../src/platform/db/index.js';
import type { RequestPrincipal } from '../src/platform/http/auth.js';
import { createLogger } from '../src/platform/log.js';
import { createObjectStore } from '../src/platform/storage/index.js';
import { createTestDatabase } from './support/databases.js';
import { ensureRedis, tempDir } from './support/services.js';

const log = createLogger('silent');

/**
 * Holds the result of the next query at a barrier: the query has run (its snapshot is taken, the
 * row it saw is fixed) but the caller does not get the rows until `release()`.
 */
class ResultBarrier implements KyselyPlugin {
  private armed: { reached: () => void; released: Promise<void> } | undefined;

  holdNext(): { reached: Promise<void>; release: () => void } {
    let reached!: () => void;
    let release!: () => void;
    const reachedP = new Promise<void>((r) => (reached = r));
    const released = new Promise<void>((r) => (release = r));
    this.armed = { reached, released };
    return { reached: reachedP, release };
  }

  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    return args.node;
  }

  async transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    const gate = this.armed;
    if (gate) {
      this.armed = undefined;
      gate.reached();
      await gate.released;
    }
    return args.result;
  }
}

interface Adapter {
  name: string;
  /** Two caches over one store: the reader's and the writer's (the same object in-process). */
  open(): Promise<{ reader: Cache; writer: Cache; close(): Promise<void> }>;
}

const adapters: Adapter[] = [
  {
    name: 'memory (LRU)',
    async open() {
      const cache = createCache({ kind: 'memory', maxEntries: 1000 });
      return { reader: cache, writer: cache, close: () => cache.close() };
    },
  },
  {
    name: 'redis, two clients',
    async open() {
      await ensureRedis();
      const keyPrefix = `kinema-test:${randomUUID()}:`;
      const reader = createCache({ kind: 'redis', url: 'redis://127.0.0.1:6379', keyPrefix, log });
      const writer = createCache({ kind: 'redis', url: 'redis://127.0.0.1:6379', keyPrefix, log });
      return { reader, writer, close: async () => void (await Promise.all([reader.close(), writer.close()])) };
    },
  },
];

for (const adapter of adapters) {
  describe(`catalog cache race on postgres, ${adapter.name}`, () => {
    let handle: DatabaseHandle;
    let caches: Awaited<ReturnType<Adapter['open']>>;
    let reader: CatalogService;
    let writer: CatalogService;
    const barrier = new ResultBarrier();
    const owner: RequestPrincipal = { userId: `u-${randomBytes(4).toString('hex')}`, username: 'racer', role: 'user' };

    before(async () => {
      handle = await createTestDatabase('postgres');
      caches = await adapter.open();
      const store = createObjectStore({ kind: 'local', rootDir: await tempDir('kinema-race-') });
      await handle.db.insertInto('users').values({ userId: owner.userId, username: owner.username, email: `${owner.userId}@example.test`, passwordHash: 'x' }).execute();
      reader = createCatalogService({ db: handle.db.withPlugin(barrier), cache: caches.reader, store, log });
      writer = createCatalogService({ db: handle.db, cache: caches.writer, store, log });
    });
    after(async () => {
      await caches?.close();
      await handle?.close();
    });

    /** A public video with nothing cached for it, as after its entry expired. */
    async function uncachedPublicVideo(): Promise<string> {
      const video = await writer.create(owner, { title: 'race', visibility: 'public' });
      await writer.invalidate(video.videoId);
      return video.videoId;
    }

    /** Starts `reader.load` and returns once its database read has run but not yet returned. */
    async function readerHeldAfterItsRead(videoId: string) {
      const gate = barrier.holdNext();
      const loading = reader.load(videoId);
      await gate.reached;
      return {
        async finish() {
          gate.release();
          return loading;
        },
      };
    }

    test('a reader that read a public row cannot cache it after the owner made the video private', async () => {
      const videoId = await uncachedPublicVideo();
      const held = await readerHeldAfterItsRead(videoId);
      await writer.update(videoId, owner, { visibility: 'private' }); // commit, invalidate, reload
      const seen = await held.finish();
      assert.equal(seen?.visibility, 'public', 'the reader read before the change (the interleaving happened)');

      assert.equal((await reader.load(videoId))?.visibility, 'private');
      assert.equal((await writer.load(videoId))?.visibility, 'private');
      await assert.rejects(reader.getVisible(videoId, null), { code: 'VIDEO_NOT_FOUND' });
    });

    test('with an invalidation that does not refill (the lifecycle\'s), the old row is not cached either', async () => {
      const videoId = await uncachedPublicVideo();
      const held = await readerHeldAfterItsRead(videoId);
      await handle.db.updateTable('videos').set({ visibility: 'private' }).where('videoId', '=', videoId).execute();
      await writer.invalidate(videoId);
      assert.equal((await held.finish())?.visibility, 'public');

      assert.equal(await caches.reader.get(videoCacheKey(videoId)), undefined, 'nothing cached from before the change');
      assert.equal((await reader.load(videoId))?.visibility, 'private');
      assert.equal((await caches.writer.get<{ visibility: string }>(videoCacheKey(videoId)))?.visibility, 'private', 'the fresh row is what got cached');
    });

    test('a reader that read a row before it was deleted cannot bring the video back', async () => {
      const videoId = await uncachedPublicVideo();
      const held = await readerHeldAfterItsRead(videoId);
      await writer.remove(videoId, owner);
      assert.ok(await held.finish(), 'the reader read the row before the delete');

      assert.equal(await reader.load(videoId), undefined);
      await assert.rejects(reader.getVisible(videoId, null), { code: 'VIDEO_NOT_FOUND' });
    });
  });
}
