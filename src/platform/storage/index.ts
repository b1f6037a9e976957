/**
 * Object storage: the ObjectStore port and its two adapters, a local directory (one machine) and
 * any S3-compatible service (scale-out). app.ts picks one with `createObjectStore`.
 */
import { createLocalStore, type LocalObjectStore, type LocalStoreOptions } from './local.js';
import { createS3Store, type S3ObjectStore, type S3StoreOptions } from './s3.js';

export type { ByteRange, ObjectInfo, ObjectStore, OpenObject } from './port.js';
export { assertSafeKey } from './port.js';
export { assertSafePrefix } from './keys.js';
export { contentTypeFor } from './content-type.js';
export { createLocalStore, type LocalObjectStore, type LocalStoreOptions } from './local.js';
export { createS3Store, type S3ObjectStore, type S3StoreOptions } from './s3.js';

/** Which adapter to build, with its settings. */
export type ObjectStoreOptions = ({ kind: 'local' } & LocalStoreOptions) | ({ kind: 's3' } & S3StoreOptions);

/**
 * Builds the configured object store.
 *
 * @example
 * const store = createObjectStore(config.s3
 *   ? { kind: 's3', ...config.s3, log }
 *   : { kind: 'local', rootDir: join(config.dataDir, 'objects') });
 */
export function createObjectStore(opts: { kind: 'local' } & LocalStoreOptions): LocalObjectStore;
export function createObjectStore(opts: { kind: 's3' } & S3StoreOptions): S3ObjectStore;
export function createObjectStore(opts: ObjectStoreOptions): LocalObjectStore | S3ObjectStore;
export function createObjectStore(opts: ObjectStoreOptions): LocalObjectStore | S3ObjectStore {
  switch (opts.kind) {
    case 'local':
      return createLocalStore({ rootDir: opts.rootDir });
    case 's3': {
      const { kind: _kind, ...s3 } = opts;
      return createS3Store(s3);
    }
  }
}
