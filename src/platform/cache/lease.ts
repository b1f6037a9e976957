import { randomUUID } from 'node:crypto';
import type { CacheLease } from './port.js';

/**
 * A lease is stored in the key it reserves, in place of a value (so deleting or setting the key
 * revokes it with no second key, which also keeps Redis Cluster scripts on one slot). JSON text
 * never starts with `#`, so a lease can never be mistaken for a cached value, nor the reverse.
 */
const LEASE_MARK = '#lease:';

/** A fresh, unguessable lease (a random UUID: two readers never hold equal leases). */
export const newLease = (): CacheLease => `${LEASE_MARK}${randomUUID()}` as CacheLease;

/** Whether the stored text is a lease rather than a JSON value. */
export const isLease = (stored: string): boolean => stored.startsWith(LEASE_MARK);
