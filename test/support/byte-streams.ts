/**
 * Deterministic pseudorandom byte streams for storage tests: multi-MiB bodies that neither the
 * store nor the test ever holds in memory. AES-256-CTR over zeros is a fast keyed PRNG, so the
 * same seed regenerates the same bytes to hash or slice for comparison.
 */
import { createCipheriv, createHash } from 'node:crypto';
import { Readable } from 'node:stream';

const CHUNK_BYTES = 64 * 1024;

/** A Readable producing `sizeBytes` pseudorandom bytes derived from `seed`, chunk by chunk. */
export function pseudoRandomStream(seed: string, sizeBytes: number): Readable {
  const cipher = createCipheriv('aes-256-ctr', createHash('sha256').update(seed).digest(), Buffer.alloc(16));
  const zeros = Buffer.alloc(CHUNK_BYTES);
  let left = sizeBytes;
  return new Readable({
    read() {
      if (left === 0) {
        this.push(null);
        return;
      }
      const n = Math.min(left, CHUNK_BYTES);
      left -= n;
      this.push(cipher.update(zeros.subarray(0, n)));
    },
  });
}

/** Hex sha256 of everything a stream yields, consumed chunk by chunk. */
export async function sha256Of(stream: Readable): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of stream) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** The inclusive byte range `start..end` of `pseudoRandomStream(seed, …)`, by regenerating it. */
export async function pseudoRandomSlice(seed: string, start: number, end: number): Promise<Buffer> {
  const parts: Buffer[] = [];
  let offset = 0;
  for await (const chunk of pseudoRandomStream(seed, end + 1)) {
    const buf = chunk as Buffer;
    if (offset + buf.length > start) parts.push(buf.subarray(Math.max(0, start - offset)));
    offset += buf.length;
  }
  return Buffer.concat(parts);
}

/** Reads a (small) stream into one Buffer; for ranges and fixtures only, never big bodies. */
export async function readSmall(stream: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const chunk of stream) parts.push(chunk as Buffer);
  return Buffer.concat(parts);
}
