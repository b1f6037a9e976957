import { createReadStream, createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { makeScratchDir } from '../scratch.js';
import { tmpdir } from 'node:os';
import { extname, join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  CopyObjectCommand,
  CreateBucketCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  S3Client,
  S3ServiceException,
  type StorageClass,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import type { Logger } from '../log.js';
import { contentTypeFor } from './content-type.js';
import { assertDeletablePrefix, assertSafePrefix, assertValidRange, compareKeys, objectNotFound, rangeNotSatisfiable } from './keys.js';
import { assertSafeKey, type ByteRange, type ColdTierStore, type ObjectInfo } from './port.js';
import { forEachLimited, listFilesRecursive } from './walk.js';

export interface S3StoreOptions {
  /** Custom endpoint for S3-compatible servers (MinIO, Ceph RGW, R2, s3rver); omit for AWS. */
  endpoint?: string;
  bucket: string;
  region: string;
  /** Omit both to use the SDK's default credential chain (env, profile, instance role). */
  accessKeyId?: string;
  secretAccessKey?: string;
  /** `http://host/bucket/key` instead of `http://bucket.host/key`; most self-hosted servers want it. */
  forcePathStyle?: boolean;
  /**
   * Where `withLocalFile` downloads objects (default: the OS temp dir). Kinema passes a folder in
   * DATA_DIR, whose leftovers after a crash the worker sweeps at start (platform/scratch.ts).
   */
  tempDir?: string;
  /**
   * When the SDK adds CRC checksums. Since @aws-sdk/client-s3 3.729 the default is
   * `WHEN_SUPPORTED`: every upload carries `x-amz-checksum-*` headers and streams of unknown length
   * are sent `aws-chunked` with a trailing checksum (`STREAMING-UNSIGNED-PAYLOAD-TRAILER`), which
   * many S3-compatible servers (s3rver, older MinIO/Ceph) reject or store corrupted.
   * `WHEN_REQUIRED` restores the pre-3.729 behaviour. Default: `WHEN_REQUIRED` with a custom
   * `endpoint`, the SDK default (`WHEN_SUPPORTED`) on AWS itself.
   */
  checksums?: 'WHEN_SUPPORTED' | 'WHEN_REQUIRED';
  /** Largest object `copy` copies server-side (S3's CopyObject limit, 5 GiB); larger ones stream. */
  copyObjectLimitBytes?: number;
  /**
   * The storage class `moveToColdTier` puts objects in (`S3_COLD_STORAGE_CLASS`): GLACIER_IR by
   * default ($0.004 per GB-month against STANDARD's $0.023 on AWS, still read in milliseconds).
   */
  coldStorageClass?: string;
  log: Logger;
}

/** S3 adapter: the ObjectStore port, a cold tier (a storage class), and bucket setup for dev and test. */
export interface S3ObjectStore extends ColdTierStore {
  readonly bucket: string;
  /** Creates the bucket when it does not exist (dev/test setups; production buckets are provisioned). */
  ensureBucket(): Promise<void>;
}

/**
 * Multipart upload sizing. lib-storage buffers at most queueSize × partSize per upload (32 MiB
 * here), and putDirectory runs PUT_DIRECTORY_CONCURRENCY uploads, so memory stays bounded
 * (≤ 128 MiB) whatever the file sizes. 8 MiB parts keep a 50 GiB original under the 10 000-part cap
 * (lib-storage raises the part size itself when it knows the length).
 */
const PART_SIZE_BYTES = 8 * 1024 * 1024;
const QUEUE_SIZE = 4;
const PUT_DIRECTORY_CONCURRENCY = 4;
/** DeleteObjects accepts at most 1000 keys per request (S3 API reference). */
const DELETE_BATCH = 1000;

function statusOf(err: unknown): number | undefined {
  return err instanceof S3ServiceException ? err.$metadata.httpStatusCode : undefined;
}
const isNotFound = (err: unknown) =>
  statusOf(err) === 404 || ['NotFound', 'NoSuchKey'].includes((err as { name?: string }).name ?? '');

/**
 * Guards against servers that send more than the requested range. s3rver reads `bytes=0-0` as
 * "from 0 to the end" (it tests `end || Infinity`), which would break an origin's Content-Length;
 * real S3 never does this, so the wrapper only exists when a server over-delivers.
 */
function exactRange(body: Readable, range: ByteRange, servedStart: number, servedEnd: number): Readable {
  if (servedStart !== range.start) {
    body.destroy();
    throw new Error(`S3 server answered range ${range.start}-${range.end} with ${servedStart}-${servedEnd}.`);
  }
  if (servedEnd <= range.end) return body;
  async function* firstBytes(n: number): AsyncGenerator<Buffer> {
    let left = n;
    try {
      for await (const chunk of body) {
        const buf = chunk as Buffer;
        if (buf.length >= left) {
          yield buf.subarray(0, left);
          return;
        }
        left -= buf.length;
        yield buf;
      }
    } finally {
      body.destroy(); // stop downloading the bytes nobody asked for
    }
  }
  return Readable.from(firstBytes(range.end - range.start + 1), { objectMode: false });
}

/**
 * Object store on any S3-compatible service. Bodies are streamed both ways: uploads go through
 * lib-storage's multipart `Upload`, downloads hand back the HTTP response stream.
 *
 * @example
 * const store = createS3Store({ endpoint: 'http://127.0.0.1:9000', bucket: 'kinema',
 *   region: 'us-east-1', forcePathStyle: true, log });
 */
export function createS3Store(opts: S3StoreOptions): S3ObjectStore {
  const { bucket, log } = opts;
  const copyObjectLimit = opts.copyObjectLimitBytes ?? 5 * 1024 ** 3;
  const checksums = opts.checksums ?? (opts.endpoint ? 'WHEN_REQUIRED' : 'WHEN_SUPPORTED');
  const client = new S3Client({
    region: opts.region,
    endpoint: opts.endpoint,
    forcePathStyle: opts.forcePathStyle,
    credentials:
      opts.accessKeyId && opts.secretAccessKey
        ? { accessKeyId: opts.accessKeyId, secretAccessKey: opts.secretAccessKey }
        : undefined,
    requestChecksumCalculation: checksums,
    responseChecksumValidation: checksums,
  });

  async function upload(key: string, body: Readable, contentType: string | undefined, storageClass?: StorageClass): Promise<void> {
    assertSafeKey(key);
    const params = { Bucket: bucket, Key: key, Body: body, ContentType: contentType ?? contentTypeFor(key), StorageClass: storageClass };
    // leavePartsOnError false (default): a failed multipart upload is aborted, so S3 does not keep
    // (and bill) orphaned parts. S3 makes the object visible only on completion: atomic by design.
    await new Upload({ client, params, partSize: PART_SIZE_BYTES, queueSize: QUEUE_SIZE }).done();
  }

  async function* keysUnder(prefix: string): AsyncGenerator<string[]> {
    let token: string | undefined;
    do {
      const page = await client.send(
        new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix === '' ? undefined : prefix, ContinuationToken: token }),
      );
      yield (page.Contents ?? []).flatMap((o) => (o.Key === undefined ? [] : [o.Key]));
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  }

  const coldClass = (opts.coldStorageClass ?? 'GLACIER_IR') as StorageClass;
  /** S3 leaves the storage class out of HEAD for STANDARD. */
  const storageClassOf = async (key: string) => {
    try {
      const res = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
      return res.StorageClass ?? 'STANDARD';
    } catch (err) {
      if (isNotFound(err)) return null;
      throw err;
    }
  };

  const store: S3ObjectStore = {
    bucket,
    coldTierName: `S3 storage class ${coldClass}`,

    async moveToColdTier(key) {
      assertSafeKey(key);
      const current = await storageClassOf(key);
      if (current === null) return 'missing';
      if (current === coldClass) return 'already-cold';
      const info = (await store.head(key))!;
      if (info.sizeBytes <= copyObjectLimit) {
        // A copy onto itself with a new storage class: what an S3 lifecycle transition does, on
        // the server, without the bytes leaving it. REPLACE (with the same content type) because
        // some S3-compatible servers refuse a self-copy that keeps the metadata.
        await client.send(new CopyObjectCommand({
          Bucket: bucket, Key: key, CopySource: `${bucket}/${encodeURIComponent(key).replace(/%2F/g, '/')}`,
          StorageClass: coldClass, MetadataDirective: 'REPLACE', ContentType: contentTypeFor(key),
        }));
      } else {
        // Past CopyObject's 5 GiB: stream it back into the same key; S3 swaps it in on completion.
        const got = await store.get(key);
        if (!got) return 'missing';
        await upload(key, got.body, undefined, coldClass);
      }
      return 'moved';
    },

    async tierOf(key) {
      assertSafeKey(key);
      const c = await storageClassOf(key);
      return c === null ? null : c === coldClass ? 'cold' : 'hot';
    },

    async put(key, body, putOpts) {
      await upload(key, body, putOpts?.contentType);
    },

    async putFile(key, filePath, putOpts) {
      assertSafeKey(key);
      await upload(key, createReadStream(filePath), putOpts?.contentType);
    },

    async get(key, range) {
      assertSafeKey(key);
      if (range) assertValidRange(range);
      try {
        const res = await client.send(
          new GetObjectCommand({ Bucket: bucket, Key: key, Range: range ? `bytes=${range.start}-${range.end}` : undefined }),
        );
        // In Node the SDK body is the http.IncomingMessage (a Readable): streamed, never buffered.
        let body = res.Body as Readable;
        // Content-Range is `bytes a-b/total`; the object's size is the total, not this response's.
        const served = /^bytes (\d+)-(\d+)\/(\d+)$/.exec(res.ContentRange ?? '');
        if (range && served) body = exactRange(body, range, Number(served[1]), Number(served[2]));
        const info: ObjectInfo = {
          key,
          sizeBytes: served ? Number(served[3]) : (res.ContentLength ?? 0),
          lastModified: res.LastModified ?? new Date(0),
          etag: res.ETag ?? '',
        };
        return { info, body };
      } catch (err) {
        if (isNotFound(err)) return null;
        if (range && statusOf(err) === 416) throw rangeNotSatisfiable(key, range);
        throw err;
      }
    },

    async head(key) {
      assertSafeKey(key);
      try {
        const res = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
        return { key, sizeBytes: res.ContentLength ?? 0, lastModified: res.LastModified ?? new Date(0), etag: res.ETag ?? '' };
      } catch (err) {
        if (isNotFound(err)) return null; // HEAD has no body, so the SDK names it NotFound
        throw err;
      }
    },

    async list(prefix) {
      assertSafePrefix(prefix);
      const keys: string[] = [];
      for await (const page of keysUnder(prefix)) keys.push(...page);
      // S3 already returns UTF-8 byte order; sorting again costs little and protects against
      // compatible servers that do not.
      return keys.sort(compareKeys);
    },

    async delete(key) {
      assertSafeKey(key);
      await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
    },

    async deletePrefix(prefix) {
      assertDeletablePrefix(prefix);
      let batch: string[] = [];
      const flush = async () => {
        if (batch.length === 0) return;
        const res = await client.send(
          new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: batch.map((Key) => ({ Key })), Quiet: true } }),
        );
        batch = [];
        const failed = res.Errors ?? [];
        if (failed.length > 0) {
          throw new Error(`deletePrefix ${prefix}: ${failed.length} keys not deleted, e.g. ${failed[0]?.Key}: ${failed[0]?.Message}`);
        }
      };
      for await (const page of keysUnder(prefix)) {
        for (const key of page) {
          batch.push(key);
          if (batch.length === DELETE_BATCH) await flush();
        }
      }
      await flush();
    },

    async copy(fromKey, toKey) {
      assertSafeKey(fromKey);
      assertSafeKey(toKey);
      const info = await store.head(fromKey);
      if (!info) throw objectNotFound(fromKey);
      if (info.sizeBytes <= copyObjectLimit) {
        await client.send(new CopyObjectCommand({ Bucket: bucket, Key: toKey, CopySource: `${bucket}/${encodeURIComponent(fromKey).replace(/%2F/g, '/')}`, ContentType: contentTypeFor(toKey), MetadataDirective: 'REPLACE' }));
        return;
      }
      // CopyObject stops at 5 GiB; past that, stream it through a multipart upload (bounded
      // memory: lib-storage holds queueSize parts at most). UploadPartCopy would avoid the
      // round trip but is not implemented by every S3-compatible server.
      const got = await store.get(fromKey);
      if (!got) throw objectNotFound(fromKey);
      await upload(toKey, got.body, undefined);
    },

    async withLocalFile(key, fn) {
      assertSafeKey(key);
      const dir = await makeScratchDir(opts.tempDir ?? tmpdir(), 's3');
      try {
        const got = await store.get(key);
        if (!got) throw objectNotFound(key);
        // Keep the extension: ffmpeg and friends sniff formats partly from the file name.
        const path = join(dir, `object${extname(key)}`);
        await pipeline(got.body, createWriteStream(path));
        return await fn(path);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    },

    async putDirectory(localDir, prefix) {
      assertSafePrefix(prefix);
      const base = prefix === '' || prefix.endsWith('/') ? prefix : `${prefix}/`;
      const files = await listFilesRecursive(localDir);
      await forEachLimited(files, PUT_DIRECTORY_CONCURRENCY, (rel) => store.putFile(base + rel, join(localDir, rel)));
      log.debug({ bucket, prefix: base, files: files.length }, 'uploaded directory');
      return files.length;
    },

    async ensureBucket() {
      try {
        await client.send(new HeadBucketCommand({ Bucket: bucket }));
        return;
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
      try {
        await client.send(new CreateBucketCommand({ Bucket: bucket }));
        log.info({ bucket }, 'created bucket');
      } catch (err) {
        // Another process created it between our HEAD and CREATE: that is the state we wanted.
        if ((err as { name?: string }).name !== 'BucketAlreadyOwnedByYou') throw err;
      }
    },

    async close() {
      client.destroy();
    },
  };
  return store;
}
