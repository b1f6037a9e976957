import { randomUUID } from 'node:crypto';
import { createWriteStream, type BigIntStats } from 'node:fs';
import { copyFile, link, mkdir, open, readdir, rename, rm, rmdir, stat, unlink, type FileHandle } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { assertDeletablePrefix, assertSafePrefix, assertValidRange, compareKeys, objectNotFound, rangeNotSatisfiable } from './keys.js';
import { assertSafeKey, type ObjectInfo, type ObjectStore } from './port.js';
import { forEachLimited, listFilesRecursive } from './walk.js';

export interface LocalStoreOptions {
  /** Directory holding the objects (`DATA_DIR/objects`); created on first write. */
  rootDir: string;
}

/** The local adapter adds housekeeping that only makes sense on a filesystem. */
export interface LocalObjectStore extends ObjectStore {
  readonly rootDir: string;
  /** Removes temp files left by crashed writers; returns how many were removed. */
  sweepTempFiles(olderThanMs?: number): Promise<number>;
}

/**
 * Writes land here first and are renamed into place. It sits under rootDir so the rename never
 * crosses a filesystem (rename is atomic only within one), and in one place so list() skips it
 * with a single check and a sweep can clean it. Keys may not start with this segment.
 */
const TEMP_DIR = '.kinema-tmp';
/** Parallel file copies in putDirectory: enough to overlap I/O, few enough to not exhaust fds. */
const PUT_DIRECTORY_CONCURRENCY = 4;
/** A temp file older than this cannot belong to a live writer (segments take seconds to copy). */
const DEFAULT_SWEEP_AGE_MS = 60 * 60 * 1000;

/**
 * ETag from inode + size + mtime in nanoseconds, quoted as HTTP wants it. Every put renames a new
 * file into place, so an overwrite changes the inode even when size and mtime tick collide; the
 * validator only repeats if the filesystem reuses an inode AND the size and mtime match to the
 * nanosecond — good enough for If-None-Match / If-Range, without hashing whole videos.
 */
function etagOf(st: BigIntStats): string {
  return `"${st.ino.toString(16)}-${st.size.toString(16)}-${st.mtimeNs.toString(16)}"`;
}

/**
 * Up to this size an object is read into one Buffer (one positioned read, one socket write) instead
 * of streamed in 64 KB chunks: HLS segments are a few hundred KB to a few MB (bench/origin).
 */
const MAX_BUFFERED_READ_BYTES = 8 * 1024 * 1024;

/** `length` bytes at `position`, fewer only if the file is shorter than its stat said. */
async function readFully(handle: FileHandle, position: number, length: number): Promise<Buffer> {
  const buf = Buffer.allocUnsafe(length);
  let done = 0;
  while (done < length) {
    const { bytesRead } = await handle.read(buf, done, length - done, position + done);
    if (bytesRead === 0) break;
    done += bytesRead;
  }
  return done === length ? buf : buf.subarray(0, done);
}

function infoOf(key: string, st: BigIntStats): ObjectInfo {
  return { key, sizeBytes: Number(st.size), lastModified: new Date(Number(st.mtimeMs)), etag: etagOf(st) };
}

const isMissing = (err: unknown) => ['ENOENT', 'ENOTDIR'].includes((err as NodeJS.ErrnoException).code ?? '');

/**
 * Object store on a local directory: key `media/a/b.m4s` is the file `rootDir/media/a/b.m4s`.
 * Writes go to a temp file, are fsynced, then renamed into place, so a reader sees either the
 * old object or the complete new one, never a prefix; a crash leaves only a temp file.
 * Content types are not stored (the origin derives them from the key's extension).
 *
 * Limitation: a key cannot be both an object and a "folder" (`a` and `a/b`), which S3 allows;
 * Kinema's layout never does that.
 *
 * @example const store = createLocalStore({ rootDir: join(dataDir, 'objects') });
 */
export function createLocalStore({ rootDir }: LocalStoreOptions): LocalObjectStore {
  const root = resolve(rootDir);
  const tempRoot = join(root, TEMP_DIR);

  function pathFor(key: string): string {
    assertSafeKey(key);
    if (key === TEMP_DIR || key.startsWith(`${TEMP_DIR}/`)) throw new Error(`Unsafe object key: ${JSON.stringify(key)} (reserved)`);
    const abs = resolve(root, ...key.split('/'));
    // assertSafeKey already forbids `..`; this is the belt to its braces (and catches a bad root).
    if (!abs.startsWith(root + sep)) throw new Error(`Unsafe object key: ${JSON.stringify(key)} (escapes the store)`);
    return abs;
  }

  /** Removes now-empty directories from `dir` up to (not including) the root; best effort. */
  async function pruneEmptyDirs(dir: string): Promise<void> {
    for (let d = dir; d.startsWith(root + sep); d = dirname(d)) {
      try {
        await rmdir(d);
      } catch {
        return; // not empty, already gone or busy: pruning is cosmetic, the objects are intact
      }
    }
  }

  async function writeAtomically(key: string, write: (tempPath: string) => Promise<void>): Promise<void> {
    const dest = pathFor(key);
    await mkdir(tempRoot, { recursive: true });
    const temp = join(tempRoot, `${randomUUID()}.part`);
    try {
      await write(temp);
      // A concurrent deletePrefix/prune may remove the parent between mkdir and rename: retry.
      for (let attempt = 1; ; attempt++) {
        await mkdir(dirname(dest), { recursive: true });
        try {
          await rename(temp, dest);
          return;
        } catch (err) {
          if (!isMissing(err) || attempt >= 3) throw err;
        }
      }
    } catch (err) {
      await rm(temp, { force: true });
      throw err;
    }
  }

  /** fsync before rename so a power cut cannot leave a renamed-but-empty file (ext4 delalloc). */
  async function syncFile(path: string): Promise<void> {
    const handle = await open(path, 'r+');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  }

  const store: LocalObjectStore = {
    rootDir: root,

    async put(key, body: Readable) {
      await writeAtomically(key, (temp) => pipeline(body, createWriteStream(temp, { flags: 'wx', flush: true })));
    },

    async putFile(key, filePath) {
      await writeAtomically(key, async (temp) => {
        await copyFile(filePath, temp);
        await syncFile(temp);
      });
    },

    async get(key, range) {
      const path = pathFor(key);
      if (range) assertValidRange(range);
      let handle;
      try {
        handle = await open(path, 'r');
      } catch (err) {
        if (isMissing(err)) return null;
        throw err;
      }
      try {
        // Stat the open descriptor, not the path: info and body then describe the same file even
        // if a put renames a new version into place meanwhile.
        const st = await handle.stat({ bigint: true });
        if (!st.isFile()) {
          await handle.close();
          return null;
        }
        const info = infoOf(key, st);
        if (range && range.start >= info.sizeBytes) throw rangeNotSatisfiable(key, range, info.sizeBytes);
        const body = range
          ? handle.createReadStream({ start: range.start, end: Math.min(range.end, info.sizeBytes - 1) })
          : handle.createReadStream();
        return { info, body };
      } catch (err) {
        await handle.close();
        throw err;
      }
    },

    async open(key) {
      let handle: FileHandle;
      try {
        handle = await open(pathFor(key), 'r');
      } catch (err) {
        if (isMissing(err)) return null;
        throw err;
      }
      let info: ObjectInfo;
      try {
        const st = await handle.stat({ bigint: true });
        if (!st.isFile()) {
          await handle.close();
          return null;
        }
        info = infoOf(key, st);
      } catch (err) {
        await handle.close();
        throw err;
      }
      let isClosed = false;
      const close = async () => {
        if (isClosed) return;
        isClosed = true;
        await handle.close();
      };
      return {
        info,
        close,
        async read(range) {
          const start = range?.start ?? 0;
          const end = range ? Math.min(range.end, info.sizeBytes - 1) : info.sizeBytes - 1;
          const length = Math.max(0, end - start + 1);
          if (length > MAX_BUFFERED_READ_BYTES) {
            isClosed = true; // the stream closes the descriptor when it ends or fails
            return handle.createReadStream({ start, end });
          }
          try {
            return await readFully(handle, start, length);
          } finally {
            await close();
          }
        },
      };
    },

    async head(key) {
      try {
        const st = await stat(pathFor(key), { bigint: true });
        return st.isFile() ? infoOf(key, st) : null;
      } catch (err) {
        if (isMissing(err)) return null;
        throw err;
      }
    },

    async list(prefix) {
      assertSafePrefix(prefix);
      // Walk only the deepest directory the prefix names: `media/a` → `media/`, `media/a/` → `media/a/`.
      const dirRel = prefix.slice(0, prefix.lastIndexOf('/') + 1);
      const files = await listFilesRecursive(join(root, dirRel), (rel) => dirRel === '' && rel === TEMP_DIR);
      return files
        .map((rel) => dirRel + rel)
        .filter((key) => key.startsWith(prefix))
        .sort(compareKeys);
    },

    async delete(key) {
      const path = pathFor(key);
      try {
        await unlink(path);
      } catch (err) {
        // EISDIR: the key names a "folder", which is not an object, so there is nothing to delete.
        if (isMissing(err) || (err as NodeJS.ErrnoException).code === 'EISDIR') return;
        throw err;
      }
      await pruneEmptyDirs(dirname(path));
    },

    async deletePrefix(prefix) {
      assertDeletablePrefix(prefix);
      // S3 semantics: `media/a` removes `media/a/…` and `media/ab/…`, so remove every entry of the
      // parent directory whose name starts with the last segment of the prefix.
      const cut = prefix.lastIndexOf('/') + 1;
      const parent = join(root, prefix.slice(0, cut));
      const namePrefix = prefix.slice(cut);
      let names: string[];
      try {
        names = namePrefix === '' ? [''] : (await readdir(parent)).filter((n) => n.startsWith(namePrefix));
      } catch (err) {
        if (isMissing(err)) return;
        throw err;
      }
      for (const name of names) {
        if (parent === root && name === TEMP_DIR) continue;
        // maxRetries: a concurrent put may add a file while the tree is being removed (ENOTEMPTY).
        await rm(join(parent, name), { recursive: true, force: true, maxRetries: 3 });
      }
      await pruneEmptyDirs(namePrefix === '' ? dirname(parent) : parent);
    },

    async copy(fromKey, toKey) {
      const from = pathFor(fromKey);
      if (!(await store.head(fromKey))) throw objectNotFound(fromKey);
      // A hard link: the filesystem's server-side copy, no bytes written. Safe because no object
      // is ever changed in place (every write renames a new inode into place), so the two keys
      // can never diverge by a write to one of them; deleting either leaves the other whole.
      // Filesystems without hard links (EPERM, ENOTSUP) get a real copy.
      try {
        await writeAtomically(toKey, (temp) => link(from, temp));
      } catch (err) {
        if (!['EPERM', 'ENOTSUP', 'EXDEV', 'EMLINK'].includes((err as NodeJS.ErrnoException).code ?? '')) throw err;
        await store.putFile(toKey, from);
      }
    },

    async withLocalFile(key, fn) {
      const path = pathFor(key);
      if (!(await store.head(key))) throw objectNotFound(key);
      // The real file, no copy: an overwrite renames a new inode into place, so a reader that has
      // it open (ffmpeg) keeps reading the old version consistently.
      return fn(path);
    },

    async putDirectory(localDir, prefix) {
      assertSafePrefix(prefix);
      const base = prefix === '' || prefix.endsWith('/') ? prefix : `${prefix}/`;
      const files = await listFilesRecursive(localDir);
      await forEachLimited(files, PUT_DIRECTORY_CONCURRENCY, (rel) => store.putFile(base + rel, join(localDir, rel)));
      return files.length;
    },

    async sweepTempFiles(olderThanMs = DEFAULT_SWEEP_AGE_MS) {
      let names: string[];
      try {
        names = await readdir(tempRoot);
      } catch (err) {
        if (isMissing(err)) return 0;
        throw err;
      }
      let removed = 0;
      for (const name of names) {
        const path = join(tempRoot, name);
        const st = await stat(path).catch(() => null); // vanished: its writer just renamed it
        if (st && Date.now() - st.mtimeMs >= olderThanMs) {
          await rm(path, { force: true, recursive: true });
          removed++;
        }
      }
      return removed;
    },

    async close() {
      // No handles are kept between calls; get() streams close their own descriptors.
    },
  };
  return store;
}
