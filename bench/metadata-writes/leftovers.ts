/**
 * Cleanup for runs that died without reaching their `finally`. `npx tsx` gives its child 30 ms to
 * acknowledge Ctrl-C, then SIGKILLs it (tsx 4.x relaySignalToChild), and a child busy encoding
 * batches often misses that. So the database and the temp dir carry the pid, and each run removes
 * those whose process is gone.
 */
import { readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DatabaseHandle } from '../../src/platform/db/index.js';
import { isAlive } from '../../src/platform/db/dir-lock.js';

const DB_PREFIX = 'kinema_bench_writes_';
const DIR_PREFIX = 'kinema-bench-writes-';

/** `kinema_bench_writes_<pid>_<time>`: unique, a valid identifier, and it says whose it is. */
export const benchDatabaseName = () => `${DB_PREFIX}${process.pid}_${Date.now().toString(36)}`;
/** Prefix for mkdtemp. */
export const benchTempPrefix = () => join(tmpdir(), `${DIR_PREFIX}${process.pid}-`);


const ownerOf = (name: string, prefix: string) => Number(/^(\d+)[_-]/.exec(name.slice(prefix.length))?.[1] ?? 0);

/**
 * Drops leftover bench databases and temp dirs whose process is dead. Databases only on a local
 * server: on a remote one a pid says nothing about whether that run is still going.
 */
export async function sweepLeftovers(admin: DatabaseHandle, url: string): Promise<void> {
  if (['127.0.0.1', 'localhost', '[::1]'].includes(new URL(url).hostname)) {
    const { rows } = await admin.sql.query<{ datname: string }>(
      `SELECT datname FROM pg_database WHERE starts_with(datname, '${DB_PREFIX}')`,
    );
    for (const { datname } of rows) {
      const pid = ownerOf(datname, DB_PREFIX);
      if (pid === 0 || isAlive(pid)) continue;
      await admin.sql.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
      console.log(`Dropped ${datname}, left by a killed run.`);
    }
  }
  for (const name of await readdir(tmpdir())) {
    const pid = name.startsWith(DIR_PREFIX) ? ownerOf(name, DIR_PREFIX) : 0;
    if (pid === 0 || isAlive(pid)) continue;
    await rm(join(tmpdir(), name), { recursive: true, force: true });
    console.log(`Removed ${join(tmpdir(), name)}, left by a killed run.`);
  }
}
