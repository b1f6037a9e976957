import { spawnSync } from 'node:child_process';
import { statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

/**
 * Whether nginx's worker processes will be able to write an edge's cache directory. nginx started
 * as root runs its workers as `user` (default `nobody`); when they cannot write the cache (a 0700
 * directory owned by root, say) nginx still starts and every request is a MISS, with one `[crit]`
 * line per request in its error log. `kinema edge-config` checks this before printing a config.
 *
 * Returns undefined when the workers can write it (or nginx will create it), else a sentence an
 * operator can act on.
 * @example cacheDirProblem('/var/cache/kinema-edge', 'www-data')
 */
export function cacheDirProblem(cacheDir: string, configuredUser: string | undefined): string | undefined {
  const asRoot = process.getuid?.() === 0;
  // Not root: nginx cannot switch users, the workers run as whoever starts it (assumed: us).
  const user = asRoot ? (configuredUser ?? 'nobody') : undefined;
  const who = user ? idOf(user) : { uid: process.getuid?.() ?? 0, gids: process.getgroups?.() ?? [] };
  if (!who) return `the nginx user "${user}" does not exist on this machine (choose another with --user)`;
  if (who.uid === 0) return undefined;
  const path = resolve(cacheDir);
  let existing = path;
  while (!exists(existing)) existing = dirname(existing);
  // Every directory on the way must let the user through (x); the cache itself also needs w.
  // A missing cache directory is created by the nginx master and handed to the worker user.
  for (let dir = existing; ; dir = dirname(dir)) {
    const st = statSync(dir);
    const need = dir === path ? 0o3 : 0o1;
    if (!allows(st, who, need)) {
      const what = dir === path ? 'write to' : 'enter';
      const owner = user ?? 'the user running nginx';
      return `nginx's workers (running as ${owner}) cannot ${what} ${dir} (mode ${(st.mode & 0o777).toString(8)}, owner uid ${st.uid}): every request would be a cache MISS. Fix: chown -R ${user ?? '<nginx user>'} ${path}${dir === path ? '' : ` and chmod o+x ${dir}`}, or pass --user with the directory's owner`;
    }
    if (dir === dirname(dir)) return undefined;
  }
}

function exists(p: string): boolean {
  try {
    statSync(p);
    return true;
  } catch {
    return false; // absent (or unreadable, which the walk up then reports)
  }
}

function idOf(user: string): { uid: number; gids: number[] } | undefined {
  const uid = spawnSync('id', ['-u', user], { encoding: 'utf8' });
  const gids = spawnSync('id', ['-G', user], { encoding: 'utf8' });
  if (uid.status !== 0 || gids.status !== 0) return undefined;
  return { uid: Number(uid.stdout.trim()), gids: gids.stdout.trim().split(/\s+/).map(Number) };
}

/** POSIX permission check of `need` (bits of rwx: 1 = x, 2 = w) for a user on a file's stat. */
function allows(st: { mode: number; uid: number; gid: number }, who: { uid: number; gids: number[] }, need: number): boolean {
  const bits = st.uid === who.uid ? (st.mode >> 6) & 7 : who.gids.includes(st.gid) ? (st.mode >> 3) & 7 : st.mode & 7;
  return (bits & need) === need;
}
