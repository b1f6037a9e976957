import { AppError } from '../../platform/errors.js';
import { freeBytes } from '../../platform/disk-space.js';

const human = (bytes: number) => (bytes >= 1024 ** 3 ? `${(bytes / 1024 ** 3).toFixed(1)} GiB` : `${Math.ceil(bytes / 1024 ** 2)} MiB`);

/**
 * Refuses an upload of `needBytes` onto `dir` that would leave less than `reserveBytes` free,
 * with 507 and what to do, before the client sends a byte: a disk filled by one upload would
 * fail every other upload, the running encodes and, on one machine, the database.
 */
export async function assertRoomFor(dir: string, needBytes: number, reserveBytes: number): Promise<void> {
  const free = await freeBytes(dir);
  if (free - needBytes >= reserveBytes) return;
  throw new AppError(
    'INSUFFICIENT_STORAGE',
    507,
    `The server has no room for this file right now (${human(needBytes)} needed, ${human(Math.max(0, free - reserveBytes))} available). ` +
      'Try again later; if it keeps happening, tell the site operator (their disk is nearly full).',
    { neededBytes: needBytes, availableBytes: Math.max(0, free - reserveBytes) },
  );
}

/** The error a full disk mid-upload is answered with (the partial upload is removed to free it). */
export const DISK_FULL_BODY = JSON.stringify({
  error: { code: 'INSUFFICIENT_STORAGE', message: 'The server ran out of disk space while storing this upload, and removed what it had received. Try again later; if it keeps happening, tell the site operator.' },
});
