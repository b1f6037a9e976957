import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';

export interface DirLock {
  release(): void;
}

/** Whether a process with this pid exists (ours or someone else's). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to someone else, so the lock is held.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Takes an exclusive lock file holding our pid (O_EXCL, so two starting processes cannot both
 * win). A lock left by a dead process is taken over; a live holder makes this throw a message
 * that tells the operator what to do.
 */
export function acquireDirLock(lockPath: string, what: string): DirLock {
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = openSync(lockPath, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      let released = false;
      const release = () => {
        if (released) return;
        released = true;
        try {
          if (readFileSync(lockPath, 'utf8') === String(process.pid)) unlinkSync(lockPath);
        } catch {
          // Already gone (e.g. DATA_DIR removed by a test): nothing left to release.
        }
      };
      process.once('exit', release);
      return { release };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const holder = Number(readFileSync(lockPath, 'utf8').trim());
      if (Number.isInteger(holder) && holder > 0 && holder !== process.pid && isAlive(holder)) {
        throw new Error(
          `${what} in ${lockPath.replace(/\/[^/]+$/, '')} is in use by process ${holder}. ` +
            'The embedded database serves one process only: stop that process, use another DATA_DIR, ' +
            'or set DATABASE_URL to a PostgreSQL server to run several processes.',
        );
      }
      try {
        unlinkSync(lockPath); // stale: its process is gone
      } catch {
        // Another process removed it first; loop and race for the O_EXCL create.
      }
    }
  }
  throw new Error(`Could not lock ${lockPath}; another process keeps taking it.`);
}
