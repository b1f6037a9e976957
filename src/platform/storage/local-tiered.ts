import type { Readable } from 'node:stream';
import type { LocalObjectStore } from './local.js';
import type { ColdTierStore, StorageTier } from './port.js';
import { compareKeys } from './keys.js';

/**
 * Two local stores as one with a cold tier: `hot` (DATA_DIR/objects) and `cold` (COLD_DIR, on a
 * cheaper, slower volume). A key lives in one of them; reads look in hot first, then cold;
 * writes go to hot and drop a cold copy of the same key, deletes remove both.
 * @example createTieredLocalStore(createLocalStore({ rootDir: hot }), createLocalStore({ rootDir: cold }))
 */
export function createTieredLocalStore(hot: LocalObjectStore, cold: LocalObjectStore): LocalObjectStore & ColdTierStore {
  /** Reads from whichever tier holds the key: hot while a move is half done (both exist). */
  const holder = async (key: string) => ((await hot.head(key)) ? hot : (await cold.head(key)) ? cold : undefined);
  const written = async <T>(key: string, write: Promise<T>) => {
    const r = await write;
    await cold.delete(key);
    return r;
  };

  const store: LocalObjectStore & ColdTierStore = {
    rootDir: hot.rootDir,
    coldTierName: `COLD_DIR ${cold.rootDir}`,
    put: (key, body: Readable, opts) => written(key, hot.put(key, body, opts)),
    putFile: (key, filePath, opts) => written(key, hot.putFile(key, filePath, opts)),
    async get(key, range) {
      return (await hot.get(key, range)) ?? cold.get(key, range);
    },
    async head(key) {
      return (await hot.head(key)) ?? cold.head(key);
    },
    // The origin's one-read path (media is always hot; an original may be cold).
    async open(key) {
      return (await hot.open?.(key)) ?? (await cold.open?.(key)) ?? null;
    },
    async copy(fromKey, toKey) {
      const from = (await holder(fromKey)) ?? hot;
      // Within the hot volume the adapter links; from the cold one the bytes come back hot.
      if (from === hot) await written(toKey, hot.copy(fromKey, toKey));
      else await from.withLocalFile(fromKey, (path) => store.putFile(toKey, path));
    },
    async list(prefix) {
      const keys = new Set([...(await hot.list(prefix)), ...(await cold.list(prefix))]);
      return [...keys].sort(compareKeys);
    },
    async delete(key) {
      await hot.delete(key);
      await cold.delete(key);
    },
    async deletePrefix(prefix) {
      await hot.deletePrefix(prefix);
      await cold.deletePrefix(prefix);
    },
    async withLocalFile(key, fn) {
      return ((await holder(key)) ?? hot).withLocalFile(key, fn);
    },
    putDirectory: (localDir, prefix) => hot.putDirectory(localDir, prefix),
    async sweepTempFiles(olderThanMs) {
      return (await hot.sweepTempFiles(olderThanMs)) + (await cold.sweepTempFiles(olderThanMs));
    },
    async moveToColdTier(key) {
      if (!(await hot.head(key))) return (await cold.head(key)) ? 'already-cold' : 'missing';
      // Copy (fsynced, renamed into place), then remove the hot file: a reader finds the object
      // in one tier or the other at every moment, and one that has the hot file open keeps it.
      await hot.withLocalFile(key, (path) => cold.putFile(key, path));
      await hot.delete(key);
      return 'moved';
    },
    async tierOf(key): Promise<StorageTier | null> {
      return (await hot.head(key)) ? 'hot' : (await cold.head(key)) ? 'cold' : null;
    },
    async close() {
      await hot.close();
      await cold.close();
    },
  };
  return store;
}
