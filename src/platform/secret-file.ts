import { closeSync, fsyncSync, linkSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { randomBytes } from 'node:crypto';

/** Shorter keys are refused: a 32-character key is the least an HMAC-SHA256 signing key should be. */
export const MIN_SECRET_LENGTH = 32;

/**
 * The secret stored in `file`, generated (32 random bytes, hex) if the file does not exist.
 *
 * Creation is atomic: the key is written and synced to a private temp file, then hard-linked to
 * its name, which fails if another process got there first. So a crash, a full disk or a second
 * process starting at the same moment never sees an empty or half-written key (an empty key would
 * make every signed URL forgeable). A file that is nevertheless too short stops start-up.
 */
export function readOrCreateSecret(file: string): string {
  const temp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  const fd = openSync(temp, 'wx', 0o600);
  try {
    writeSync(fd, randomBytes(32).toString('hex'));
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    linkSync(temp, file);
  } catch (err) {
    // EEXIST: generated earlier, or by a process starting beside us; either way, use that one.
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  } finally {
    unlinkSync(temp);
  }
  const secret = readFileSync(file, 'utf8').trim();
  if (secret.length < MIN_SECRET_LENGTH) {
    throw new Error(`${file} holds a key of ${secret.length} characters (at least ${MIN_SECRET_LENGTH} needed). Delete the file to generate a new key (signed media links issued so far stop working), or set MEDIA_SIGNING_SECRET.`);
  }
  return secret;
}
