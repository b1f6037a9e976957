/**
 * Object storage: the ObjectStore port and its two adapters, a local directory (one machine) and
 * any S3-compatible service (scale-out). app.ts picks one with `createObjectStore`.
 */
import { createLocalStore, type LocalObjectStore, type LocalStoreOptions } from './local.js';
import { createS3Store, type S3ObjectStore, type S3StoreOptions } from './s3.js';

import { createTieredLocalStore } from './local-tiered.js';

export type { ByteRange, ColdTierStore, ObjectInfo, ObjectStore, OpenObject, StorageTier } from './port.js';
export { assertSafeKey, hasColdTier } from './port.js';
export { createTieredLocalStore } from './local-tiered.js';
export { assertSafePrefix } from './keys.js';
export { contentTypeFor } from './content-type.js';
export { forEachLimited, listFilesRecursive } from './walk.js';
export { createLocalStore, type LocalObjectStore, type LocalStoreOptions } from './local.js';
export { createS3Store, type S3ObjectStore, type S3StoreOptions } from './s3.js';

/** Which adapter to build, with its settings. */
export type ObjectStoreOptions = ({ kind: 'local'; coldDir?: string } & LocalStoreOptions) | ({ kind: 's3' } & S3StoreOptions);

/**
 * Builds the configured object store.
 *
 * @example
 * const store = createObjectStore(config.s3
 *   ? { kind: 's3', ...config.s3, log }
 *   : { kind: 'local', rootDir: join(config.dataDir, 'objects') });
 */
export function createObjectStore(opts: { kind: 'local'; coldDir?: string } & LocalStoreOptions): LocalObjectStore;
export function createObjectStore(opts: { kind: 's3' } & S3StoreOptions): S3ObjectStore;
export function createObjectStore(opts: ObjectStoreOptions): LocalObjectStore | S3ObjectStore;
export function createObjectStore(opts: ObjectStoreOptions): LocalObjectStore | S3ObjectStore {
  switch (opts.kind) {
    case 'local': {
      const hot = createLocalStore({ rootDir: opts.rootDir });
      // COLD_DIR: a second directory (another, cheaper volume) for the cold tier.
      return opts.coldDir ? createTieredLocalStore(hot, createLocalStore({ rootDir: opts.coldDir })) : hot;
    }
    case 's3': {
      const { kind: _kind, ...s3 } = opts;
      return createS3Store(s3);
    }
  }
}
