import { AppError } from '../errors.js';
import { assertSafeKey, type ByteRange } from './port.js';

/**
 * Throws unless `prefix` is `''` or a safe key, optionally ending in `/` (`media/abc/`).
 * Prefixes follow S3 semantics: `media/a` also matches `media/ab/…`, so callers that mean a
 * folder end the prefix with `/`.
 */
export function assertSafePrefix(prefix: string): void {
  if (prefix === '') return;
  assertSafeKey(prefix.endsWith('/') ? prefix.slice(0, -1) : prefix);
}

/**
 * Like {@link assertSafePrefix} but also refuses `''`: deleting "everything" is never what a
 * caller means, and on S3 it would empty a bucket that may be shared with other tools.
 */
export function assertDeletablePrefix(prefix: string): void {
  if (prefix === '') throw new Error('deletePrefix needs a non-empty prefix (refusing to delete every object).');
  assertSafePrefix(prefix);
}

/** Lexical order by UTF-8 bytes, the order S3 lists keys in (JS `sort()` compares UTF-16 units). */
export function compareKeys(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/** The error both adapters throw for a range that starts past the end of the object (HTTP 416). */
export function rangeNotSatisfiable(key: string, range: ByteRange, sizeBytes?: number): AppError {
  const size = sizeBytes === undefined ? '' : ` (object is ${sizeBytes} bytes)`;
  return new AppError(
    'RANGE_NOT_SATISFIABLE',
    416,
    `Range ${range.start}-${range.end} is outside "${key}"${size}.`,
    sizeBytes === undefined ? undefined : { sizeBytes },
  );
}

/** Rejects malformed ranges before any I/O; a range past the end is checked by each adapter. */
export function assertValidRange(range: ByteRange): void {
  if (
    !Number.isSafeInteger(range.start) ||
    !Number.isSafeInteger(range.end) ||
    range.start < 0 ||
    range.end < range.start
  ) {
    throw new AppError('INVALID_RANGE', 400, `Invalid byte range ${range.start}-${range.end}.`);
  }
}

/** The error `withLocalFile` throws for an absent key (callers expect the object to exist). */
export function objectNotFound(key: string): AppError {
  return new AppError('OBJECT_NOT_FOUND', 404, `No stored object "${key}".`);
}
