import { chmodSync, lstatSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from './log.js';

/** Nobody but the process's own user may read or enter what Kinema writes. */
export const PRIVATE_UMASK = 0o077;

/**
 * Makes DATA_DIR private before anything is written there: created 0700 (an existing one is
 * tightened to 0700 when this user owns it), and the process umask set to 077, so every file and
 * directory created afterwards — by this process and by the ffmpeg it starts — is 0600 / 0700:
 * the embedded database, unfinished uploads, the object store (originals of private videos
 * included), scratch files, the signing key. The process is the only reader of all of them, media
 * served to the public included (it streams them itself). One umask instead of a mode on every
 * create call, because PGlite, @tus/file-store and ffmpeg create files no caller passes a mode to.
 * PostgreSQL holds its own data directory to the same 0700 (it refuses to start otherwise).
 */
export function preparePrivateDataDir(dataDir: string, log?: Logger): void {
  process.umask(PRIVATE_UMASK);
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const st = statSync(dataDir);
  const owned = typeof process.getuid !== 'function' || st.uid === process.getuid();
  if ((st.mode & 0o077) !== 0 && owned) {
    chmodSync(dataDir, 0o700);
    log?.info({ dataDir, was: (st.mode & 0o777).toString(8) }, 'DATA_DIR was readable by other users: made it 0700');
  }
}

/**
 * Removes group and other permissions from every file and directory under `dir`. For the
 * embedded database: PGlite (Emscripten's file system over node:fs) sets the modes of the files
 * it unpacks at first start (0666) and of a few it writes later (0644) itself, past the umask.
 * Run after opening it and after closing it; files it creates in between sit in 0700 directories
 * (PostgreSQL's own mkdir mode), which no other user can enter.
 */
export function makeTreePrivate(dir: string): void {
  const visit = (path: string) => {
    let st;
    try {
      st = lstatSync(path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return; // removed meanwhile (a temp file)
      throw err;
    }
    if (st.isSymbolicLink()) return;
    if (st.mode & 0o077) chmodSync(path, st.mode & 0o700);
    if (st.isDirectory()) for (const name of readdirSync(path)) visit(join(path, name));
  };
  visit(dir);
}
