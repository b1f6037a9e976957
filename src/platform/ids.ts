import { randomBytes } from 'node:crypto';

/**
 * A short, URL-safe, unguessable id (11 characters from 64 random bits, like YouTube's).
 * Unguessable matters: unlisted videos are protected only by their id.
 */
export function newId(): string {
  return randomBytes(8).toString('base64url');
}

/** Ids we hand out: 11 base64url characters. Used by schemas to reject junk early. */
export const ID_PATTERN = '^[A-Za-z0-9_-]{11}$';
