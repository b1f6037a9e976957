import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';

/**
 * Scratch space that outlives nothing: every temporary directory a process makes under a shared
 * folder carries its host and pid (`{host}.{pid}-{tag}-XXXXXX`), so the next process to start
 * can tell the leftovers of a killed one (SIGKILL, OOM, power loss skip every `finally`) from the
 * live work of a neighbour sharing the same DATA_DIR, and remove only the former.
 */

const OWN_HOST = hostname().replace(/[^A-Za-z0-9_-]/g, '_');
const NAME = /^([A-Za-z0-9_-]+)\.(\d+)-/;

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** A fresh scratch directory under `parent`, named for this process. */
export async function makeScratchDir(parent: string, tag: string): Promise<string> {
  await mkdir(parent, { recursive: true, mode: 0o700 });
  return mkdtemp(join(parent, `${OWN_HOST}.${process.pid}-${tag}-`));
}

/**
 * Removes scratch directories under `parent` left by dead processes of this host. Entries of
 * other hosts (a shared volume) and of live processes are kept. Returns what was removed.
 */
export async function sweepDeadScratch(parent: string): Promise<string[]> {
  const names = await readdir(parent).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return [] as string[];
    throw err;
  });
  const removed: string[] = [];
  for (const name of names) {
    const m = NAME.exec(name);
    if (!m || m[1] !== OWN_HOST) continue;
    const pid = Number(m[2]);
    if (pid === process.pid || isAlive(pid)) continue;
    await rm(join(parent, name), { recursive: true, force: true });
    removed.push(name);
  }
  return removed;
}
