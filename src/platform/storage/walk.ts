import { readdir } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Lists every regular file under `dir` as `/`-separated paths relative to it. Symlinks are
 * skipped on purpose: following them could upload (or list) files from outside the directory.
 */
export async function listFilesRecursive(dir: string, skip?: (relPath: string) => boolean): Promise<string[]> {
  const out: string[] = [];
  async function visit(abs: string, rel: string): Promise<void> {
    let entries;
    try {
      entries = await readdir(abs, { withFileTypes: true });
    } catch (err) {
      // A directory removed while we walk (deletePrefix racing a list) simply has no files.
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw err;
    }
    for (const entry of entries) {
      const childRel = rel === '' ? entry.name : `${rel}/${entry.name}`;
      if (skip?.(childRel)) continue;
      if (entry.isDirectory()) await visit(join(abs, entry.name), childRel);
      else if (entry.isFile()) out.push(childRel);
    }
  }
  await visit(dir, '');
  return out;
}

/** Runs `fn` over `items` with at most `limit` in flight; rejects on the first failure. */
export async function forEachLimited<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failed = false;
  async function lane(): Promise<void> {
    while (!failed && next < items.length) {
      const item = items[next++] as T;
      try {
        await fn(item);
      } catch (err) {
        failed = true; // stop the other lanes from starting new work
        throw err;
      }
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
}
