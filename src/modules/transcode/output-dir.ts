import { randomUUID } from 'node:crypto';
import { mkdir, readdir, rename, rm, rmdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { MASTER_PLAYLIST } from '../media-layout/index.js';

/** Prefix of the work directory inside --out; one left by a killed run is ours to remove. */
const STAGING_PREFIX = '.kinema-partial-';

/** Why --out cannot be used; the CLI turns it into a usage error (exit 2, nothing written). */
export class OutputDirRefused extends Error {}

export interface OutputDir {
  /** Where the transcoder writes: a fresh directory inside the output directory. */
  stagingDir: string;
  /** Replace the output directory's contents with the staging directory's. */
  commit(): Promise<void>;
  /** Drop the staging directory (and the output directory, if this run created it). */
  discard(): Promise<void>;
}

/**
 * Claims `outDir` for `kinema transcode`. A new or empty directory is used as is. A non-empty one
 * is refused unless `force`, and even then only if it holds an earlier ladder (a master.m3u8):
 * `--out ~ --force` must not empty a home directory.
 *
 * The ladder is written to a staging directory first and replaces the old contents only once it
 * is complete, so a rejected or failed run leaves the earlier ladder whole, and a run with fewer
 * rungs than the last one leaves none of the old rung directories behind.
 *
 * @example
 * const out = await openOutputDir('hls/', { force: true });
 * try { await transcodeFile(input, out.stagingDir); await out.commit(); } catch (e) { await out.discard(); throw e; }
 */
export async function openOutputDir(outDir: string, opts: { force: boolean }): Promise<OutputDir> {
  const existing = await stat(outDir).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return undefined;
    throw err;
  });
  if (existing && !existing.isDirectory()) throw new OutputDirRefused(`${outDir} is not a directory`);
  const entries = existing ? (await readdir(outDir)).filter((name) => !name.startsWith(STAGING_PREFIX)) : [];
  if (entries.length > 0 && !opts.force) throw new OutputDirRefused(`${outDir} is not empty; pass --force to replace its contents`);
  if (entries.length > 0 && !entries.includes(MASTER_PLAYLIST)) {
    throw new OutputDirRefused(`${outDir} is not empty and holds no earlier ladder (no ${MASTER_PLAYLIST}), so --force will not empty it; choose a new or empty directory`);
  }

  await mkdir(outDir, { recursive: true });
  const stagingDir = join(outDir, `${STAGING_PREFIX}${randomUUID().slice(0, 8)}`);
  await mkdir(stagingDir);
  const removeOthers = async () => {
    for (const name of await readdir(outDir)) {
      if (join(outDir, name) !== stagingDir) await rm(join(outDir, name), { recursive: true, force: true });
    }
  };
  return {
    stagingDir,
    async commit() {
      // Also removes staging directories of killed runs: they are never a complete ladder.
      await removeOthers();
      for (const name of await readdir(stagingDir)) await rename(join(stagingDir, name), join(outDir, name));
      await rmdir(stagingDir);
    },
    async discard() {
      await rm(stagingDir, { recursive: true, force: true });
      if (!existing) {
        // Only if still empty: whatever someone else put there since is not ours to delete.
        await rmdir(outDir).catch((err: NodeJS.ErrnoException) => {
          if (err.code !== 'ENOTEMPTY' && err.code !== 'ENOENT') throw err;
        });
      }
    },
  };
}
