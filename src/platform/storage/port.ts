import type { Readable } from 'node:stream';

/** Metadata of one stored object. */
export interface ObjectInfo {
  key: string;
  sizeBytes: number;
  lastModified: Date;
  /** Strong validator for conditional requests; stable while the object is unchanged. */
  etag: string;
}

/** An object opened by `ObjectStore.open`. */
export interface OpenObject {
  info: ObjectInfo;
  /**
   * The object's bytes, or the inclusive `range` of them (already checked against the size). Up to
   * a few MB come back as one Buffer, read with one positioned read and written with one write;
   * larger ones as a stream. Either way the object is closed once its bytes are handed over.
   */
  read(range?: ByteRange): Promise<Buffer | Readable>;
  /** Closes the object without reading it (a 304, a HEAD); does nothing after `read`. */
  close(): Promise<void>;
}

/** An inclusive byte range, as in HTTP `Range: bytes=start-end`. */
export interface ByteRange {
  start: number;
  end: number;
}

/**
 * The object store port: a flat key space of immutable-ish blobs (`originals/…`, `media/…`).
 * Keys use `/` separators and never start with `/` or contain `..`; adapters reject such keys.
 * Every method streams: nothing here may hold a whole object in memory.
 */
export interface ObjectStore {
  /** Stores a stream under `key`, replacing any previous object. Visible only once complete. */
  put(key: string, body: Readable, opts?: { contentType?: string }): Promise<void>;
  /** Stores a local file under `key` (multipart on S3). */
  putFile(key: string, filePath: string, opts?: { contentType?: string }): Promise<void>;
  /** Streams an object, or the inclusive `range` of it. Returns null when the key is absent. */
  get(key: string, range?: ByteRange): Promise<{ info: ObjectInfo; body: Readable } | null>;
  /** Metadata without the body, or null when the key is absent. */
  head(key: string): Promise<ObjectInfo | null>;
  /**
   * Opens an object for serving: its metadata, then (after conditionals are decided) its bytes,
   * both from the same file. Only where that is cheap (local disk); the origin uses it when present.
   */
  open?(key: string): Promise<OpenObject | null>;
  /**
   * Copies one object to another key inside the store (server-side where the engine can).
   * Throws OBJECT_NOT_FOUND when `fromKey` is absent.
   */
  copy(fromKey: string, toKey: string): Promise<void>;
  /** Keys under a prefix (e.g. `media/abc/`), in lexical order. */
  list(prefix: string): Promise<string[]>;
  /** Deletes one key; absent keys are fine. */
  delete(key: string): Promise<void>;
  /** Deletes every key under a prefix. */
  deletePrefix(prefix: string): Promise<void>;
  /**
   * Hands `fn` a local file path holding the object (the real file on disk; a temp copy for S3,
   * removed afterwards, even when `fn` throws). This is how ffmpeg reads stored objects.
   */
  withLocalFile<T>(key: string, fn: (filePath: string) => Promise<T>): Promise<T>;
  /** Uploads every file under a local directory to `prefix` (e.g. a finished HLS ladder). */
  putDirectory(localDir: string, prefix: string): Promise<number>;
  /** Releases clients/handles. */
  close(): Promise<void>;
}

/** Throws when a key could escape the store's namespace. Adapters call this on every key. */
export function assertSafeKey(key: string): void {
  if (
    key.length === 0 ||
    key.length > 1024 ||
    key.startsWith('/') ||
    key.includes('\\') ||
    key.includes('\0') ||
    key.split('/').some((part) => part === '' || part === '.' || part === '..')
  ) {
    throw new Error(`Unsafe object key: ${JSON.stringify(key)}`);
  }
}

/** Where an object's bytes live: the regular tier, or the cheaper one for data read rarely. */
export type StorageTier = 'hot' | 'cold';

/**
 * A store with a cold tier (S3: a cheaper storage class such as GLACIER_IR; local disk: COLD_DIR,
 * on another volume). Every read of the port keeps working on a cold object, at the cold tier's
 * price and speed; a new put of the key makes it hot again.
 */
export interface ColdTierStore extends ObjectStore {
  /** Where cold objects go, for logs (`S3 storage class GLACIER_IR`, `COLD_DIR /mnt/cold`). */
  readonly coldTierName: string;
  /** Moves `key` to the cold tier. 'missing' when there is no such object; idempotent. */
  moveToColdTier(key: string): Promise<'moved' | 'already-cold' | 'missing'>;
  tierOf(key: string): Promise<StorageTier | null>;
}

export const hasColdTier = (store: ObjectStore): store is ColdTierStore => typeof (store as Partial<ColdTierStore>).moveToColdTier === 'function';
