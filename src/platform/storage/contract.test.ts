/**
 * Runs the shared ObjectStore contract (test/support/object-store-contract.ts) against the local
 * adapter and the S3 adapter on an in-process s3rver, plus the few adapter-specific behaviours.
 */
import { randomUUID } from 'node:crypto';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { createLogger } from '../log.js';
import { createObjectStore, type LocalObjectStore, type S3ObjectStore } from './index.js';
import { describeObjectStoreContract } from '../../../test/support/object-store-contract.js';
import { startS3Server, tempDir, type S3Server } from '../../../test/support/services.js';

const log = createLogger('silent');

describeObjectStoreContract('local', async () => {
  const store = createObjectStore({ kind: 'local', rootDir: await tempDir() });
  return { store, handsRealFile: true, teardown: () => store.close() };
});

describeObjectStoreContract('local with a cold tier (COLD_DIR)', async () => {
  const store = createObjectStore({ kind: 'local', rootDir: await tempDir(), coldDir: await tempDir() });
  return { store, handsRealFile: true, teardown: () => store.close() };
});

describeObjectStoreContract('s3 (s3rver)', async () => {
  const server = await startS3Server();
  const store = createObjectStore({ kind: 's3', ...server, forcePathStyle: true, log });
  return {
    store,
    handsRealFile: false,
    async teardown() {
      await store.close();
      await server.stop();
    },
  };
});

describe('local store specifics', () => {
  let store: LocalObjectStore;
  before(async () => {
    store = createObjectStore({ kind: 'local', rootDir: await tempDir() });
  });

  test('ignores temp files left by a crashed writer, and sweeps them', async () => {
    await store.put('media/v/a', Readable.from(['a']));
    const leftover = join(store.rootDir, '.kinema-tmp', `${randomUUID()}.part`);
    await writeFile(leftover, 'half a segment');
    assert.deepEqual(await store.list(''), ['media/v/a']);
    assert.equal(await store.sweepTempFiles(60_000), 0, 'recent temp files may belong to a live writer');
    assert.equal(await store.sweepTempFiles(0), 1);
    assert.deepEqual(await readdir(join(store.rootDir, '.kinema-tmp')), []);
  });

  test('refuses keys inside its reserved temp directory', async () => {
    await assert.rejects(store.put('.kinema-tmp/x', Readable.from(['x'])), /reserved/);
  });

  test('treats a folder as absent rather than as an object', async () => {
    await mkdir(join(store.rootDir, 'folder', 'inner'), { recursive: true });
    assert.equal(await store.get('folder'), null);
    assert.equal(await store.head('folder'), null);
    await store.delete('folder');
  });
});

describe('s3 store specifics', () => {
  let server: S3Server;
  let store: S3ObjectStore;
  let raw: S3Client;
  before(async () => {
    server = await startS3Server();
    store = createObjectStore({ kind: 's3', ...server, forcePathStyle: true, log });
    raw = new S3Client({ endpoint: server.endpoint, region: server.region, forcePathStyle: true, credentials: server });
  });
  after(async () => {
    raw.destroy();
    await store.close();
    await server.stop();
  });

  test('sets the given content type, or one derived from the key', async () => {
    await store.put('media/v/1/master.m3u8', Readable.from(['#EXTM3U\n']));
    await store.put('originals/v/source', Readable.from(['x']), { contentType: 'video/quicktime' });
    const head = (Key: string) => raw.send(new HeadObjectCommand({ Bucket: server.bucket, Key }));
    assert.equal((await head('media/v/1/master.m3u8')).ContentType, 'application/vnd.apple.mpegurl');
    assert.equal((await head('originals/v/source')).ContentType, 'video/quicktime');
  });

  test('deletePrefix and list page through more than one listing page', async () => {
    // s3rver pages at 1000 keys like S3, so 1003 keys exercise ContinuationToken and two batches.
    const prefix = `many-${randomUUID()}/`;
    const dir = await tempDir();
    await Promise.all(Array.from({ length: 1003 }, (_, i) => writeFile(join(dir, `k${String(i).padStart(4, '0')}`), '')));
    assert.equal(await store.putDirectory(dir, prefix), 1003);
    const keys = await store.list(prefix);
    assert.equal(keys.length, 1003);
    assert.equal(keys[1002], `${prefix}k1002`);
    await store.deletePrefix(prefix);
    assert.deepEqual(await store.list(prefix), []);
  });

  test('copy streams objects above the server-side copy limit through a multipart upload', async () => {
    const small = createObjectStore({ kind: 's3', ...server, forcePathStyle: true, log, copyObjectLimitBytes: 1024 });
    const key = `big-${randomUUID()}`;
    await store.put(key, Readable.from([Buffer.alloc(9 * 1024 * 1024, 3)]));
    await small.copy(key, `${key}-copy`);
    assert.equal((await store.head(`${key}-copy`))?.sizeBytes, 9 * 1024 * 1024);
    await small.close();
  });

  test('ensureBucket creates a missing bucket and accepts an existing one', async () => {
    const other = createObjectStore({ kind: 's3', ...server, bucket: `b-${randomUUID().slice(0, 8)}`, forcePathStyle: true, log });
    try {
      await other.ensureBucket();
      await other.ensureBucket();
      await other.put('k', Readable.from(['v']));
      assert.equal((await other.head('k'))?.sizeBytes, 1);
    } finally {
      await other.close();
    }
  });
});
