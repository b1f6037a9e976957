import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';

/** Total size of the files under `dir` (recursively), skipping top-level entries named in `skip`. */
export async function dirBytes(dir: string, skip: string[] = []): Promise<number> {
  let total = 0;
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (skip.includes(entry.name)) continue;
    const p = join(dir, entry.name);
    total += entry.isDirectory() ? await dirBytes(p) : (await stat(p)).size;
  }
  return total;
}
