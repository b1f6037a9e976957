/**
 * The ObjectStore contract: one list of behaviours every adapter must pass (local disk, S3).
 * A test file calls `describeObjectStoreContract` once per adapter. Each test works under its
 * own random prefix, so tests can run alone and in any order against one store.
 */
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { ObjectStore } from '../../src/platform/storage/port.js';
import { pseudoRandomSlice, pseudoRandomStream, readSmall, sha256Of } from './byte-streams.js';
import { tempDir, waitFor } from './services.js';

export interface ObjectStoreHarness {
  store: ObjectStore;
  /** True when withLocalFile hands over the stored file itself rather than a temp copy. */
  handsRealFile: boolean;
  teardown(): Promise<void>;
}

/** 12 MiB: more than one 8 MiB multipart part on S3, and far more than a stream's buffer. */
const BIG_BYTES = 12 * 1024 * 1024;

const text = (s: string) => Readable.from([Buffer.from(s)]);
async function bytesOf(body: Buffer | Readable): Promise<Buffer> {
  return Buffer.isBuffer(body) ? body : readSmall(body);
}
async function getText(store: ObjectStore, key: string, range?: { start: number; end: number }): Promise<string | null> {
  const got = await store.get(key, range);
  return got ? (await readSmall(got.body)).toString() : null;
}

/** Registers the contract suite for one adapter; `setup` runs once before its tests. */
export function describeObjectStoreContract(name: string, setup: () => Promise<ObjectStoreHarness>): void {
  describe(`ObjectStore contract: ${name}`, () => {
    let h: ObjectStoreHarness;
    let store: ObjectStore;
    const prefix = () => `t-${randomUUID()}/`;
    before(async () => {
      h = await setup();
      store = h.store;
    });
    after(() => h?.teardown());

    test('round-trips a multi-MiB streamed body byte for byte', async () => {
      const key = `${prefix()}originals/source`;
      await store.put(key, pseudoRandomStream(key, BIG_BYTES), { contentType: 'video/mp4' });
      const got = await store.get(key);
      assert.ok(got);
      assert.equal(got.info.sizeBytes, BIG_BYTES);
      assert.equal(await sha256Of(got.body), await sha256Of(pseudoRandomStream(key, BIG_BYTES)));
      const mid = 8 * 1024 * 1024; // S3 part boundary: a range across it must still be exact
      const across = await store.get(key, { start: mid - 10, end: mid + 9 });
      assert.ok(across);
      assert.deepEqual(await readSmall(across.body), await pseudoRandomSlice(key, mid - 10, mid + 9));
    });

    test('serves the first byte, the last byte and a middle range, reporting the full size', async () => {
      const key = `${prefix()}seg.m4s`;
      await store.put(key, text('0123456789'));
      assert.equal(await getText(store, key, { start: 0, end: 0 }), '0');
      assert.equal(await getText(store, key, { start: 9, end: 9 }), '9');
      assert.equal(await getText(store, key, { start: 3, end: 6 }), '3456');
      const got = await store.get(key, { start: 3, end: 6 });
      assert.equal(got?.info.sizeBytes, 10);
      got?.body.destroy();
    });

    test('clamps a range that ends past the object to its last byte', async () => {
      const key = `${prefix()}seg.m4s`;
      await store.put(key, text('0123456789'));
      assert.equal(await getText(store, key, { start: 7, end: 1000 }), '789');
    });

    test('rejects a range that starts past the end with RANGE_NOT_SATISFIABLE', async () => {
      const key = `${prefix()}seg.m4s`;
      await store.put(key, text('0123456789'));
      await assert.rejects(store.get(key, { start: 10, end: 20 }), { code: 'RANGE_NOT_SATISFIABLE', status: 416 });
      await assert.rejects(store.get(key, { start: 5, end: 4 }), { code: 'INVALID_RANGE' });
    });

    test('head reports size, modification time and a quoted etag that changes on overwrite', async () => {
      const key = `${prefix()}master.m3u8`;
      const before = Date.now();
      await store.put(key, text('#EXTM3U\n'));
      const first = await store.head(key);
      assert.ok(first);
      assert.equal(first.key, key);
      assert.equal(first.sizeBytes, 8);
      assert.match(first.etag, /^"[^"]+"$/);
      assert.ok(Math.abs(first.lastModified.getTime() - before) < 60_000, 'lastModified is about now');
      assert.equal((await store.head(key))?.etag, first.etag, 'stable while unchanged');
      await store.put(key, text('#EXTM3U\n#A\n'));
      assert.notEqual((await store.head(key))?.etag, first.etag);
    });

    test('open (where offered) reads the same bytes and ranges as get, and null for an absent key', async (t) => {
      if (!store.open) return t.skip('this adapter has no open');
      const key = `${prefix()}opened`;
      await store.put(key, text('0123456789'));
      const whole = await store.open(key);
      assert.ok(whole);
      assert.equal(whole.info.sizeBytes, 10);
      assert.equal((await bytesOf(await whole.read())).toString(), '0123456789');
      const part = await store.open(key);
      assert.ok(part);
      assert.equal((await bytesOf(await part.read({ start: 3, end: 5 }))).toString(), '345');
      assert.equal(await store.open(`${prefix()}absent`), null);
    });

    test('returns null for absent keys and deletes them without error', async () => {
      const key = `${prefix()}missing`;
      assert.equal(await store.get(key), null);
      assert.equal(await store.get(key, { start: 0, end: 1 }), null);
      assert.equal(await store.head(key), null);
      await store.delete(key);
    });

    test('lists keys under a prefix in lexical order', async () => {
      const p = prefix();
      const keys = [`${p}b/2`, `${p}a`, `${p}b/10`, `${p}B`, `${p}a-z`, `${p}b/1`];
      for (const key of keys) await store.put(key, text(key));
      assert.deepEqual(await store.list(p), [...keys].sort());
      assert.deepEqual(await store.list(`${p}zzz/`), []);
    });

    test('keeps media/a/ and media/ab/ apart in list and deletePrefix', async () => {
      const p = prefix();
      await store.put(`${p}media/a/x`, text('a'));
      await store.put(`${p}media/ab/y`, text('ab'));
      assert.deepEqual(await store.list(`${p}media/a/`), [`${p}media/a/x`]);
      assert.deepEqual(await store.list(`${p}media/a`), [`${p}media/a/x`, `${p}media/ab/y`]);
      await store.deletePrefix(`${p}media/a/`);
      assert.deepEqual(await store.list(`${p}media/`), [`${p}media/ab/y`]);
      assert.equal(await getText(store, `${p}media/ab/y`), 'ab');
    });

    test('overwrites an object with a new body', async () => {
      const key = `${prefix()}k`;
      await store.put(key, text('first version, longer'));
      await store.put(key, text('second'));
      assert.equal(await getText(store, key), 'second');
      assert.equal((await store.head(key))?.sizeBytes, 6);
    });

    test('delete removes only the given key', async () => {
      const p = prefix();
      await store.put(`${p}one`, text('1'));
      await store.put(`${p}two`, text('2'));
      await store.delete(`${p}one`);
      assert.equal(await store.head(`${p}one`), null);
      assert.deepEqual(await store.list(p), [`${p}two`]);
    });

    test('deletePrefix removes every key under the prefix, nested ones included', async () => {
      const p = prefix();
      for (const k of ['v1/master.m3u8', 'v1/720p/init.mp4', 'v1/720p/seg_00001.m4s', 'v2/master.m3u8']) {
        await store.put(`${p}${k}`, text(k));
      }
      await store.deletePrefix(`${p}v1/`);
      assert.deepEqual(await store.list(p), [`${p}v2/master.m3u8`]);
      await store.deletePrefix(`${p}nothing-here/`);
      await assert.rejects(store.deletePrefix(''), /non-empty prefix/);
    });

    test('putFile stores a local file', async () => {
      const dir = await tempDir();
      const file = join(dir, 'in.bin');
      await writeFile(file, 'from disk');
      const key = `${prefix()}source`;
      await store.putFile(key, file, { contentType: 'application/octet-stream' });
      assert.equal(await getText(store, key), 'from disk');
    });

    test('copy duplicates an object under another key and refuses an absent source', async () => {
      const p = prefix();
      await store.put(`${p}src`, pseudoRandomStream('copy-seed', BIG_BYTES));
      await store.copy(`${p}src`, `${p}dst/copy`);
      const got = await store.get(`${p}dst/copy`);
      assert.ok(got);
      assert.equal(await sha256Of(got.body), await sha256Of(pseudoRandomStream('copy-seed', BIG_BYTES)));
      assert.ok(await store.head(`${p}src`), 'the source stays');
      await assert.rejects(store.copy(`${p}absent`, `${p}x`), (err: { code?: string }) => err.code === 'OBJECT_NOT_FOUND');
    });

    test('a copy is independent of its source: overwriting or deleting the source leaves it whole', async () => {
      // Local disk copies by hard link: this is what makes that safe.
      const p = prefix();
      await store.put(`${p}a`, text('first bytes'));
      await store.copy(`${p}a`, `${p}b`);
      await store.put(`${p}a`, text('other'));
      assert.equal(await getText(store, `${p}b`), 'first bytes');
      await store.delete(`${p}a`);
      assert.equal(await store.head(`${p}a`), null);
      assert.equal(await getText(store, `${p}b`), 'first bytes');
    });

    test('withLocalFile hands fn a readable path holding the object', async () => {
      const key = `${prefix()}originals/source.mp4`;
      await store.put(key, text('video bytes'));
      const content = await store.withLocalFile(key, (path) => readFile(path, 'utf8'));
      assert.equal(content, 'video bytes');
      await assert.rejects(store.withLocalFile(`${prefix()}absent`, async () => 1), { code: 'OBJECT_NOT_FOUND' });
    });

    test('withLocalFile cleans up its temp copy even when fn throws', async () => {
      const key = `${prefix()}source`;
      await store.put(key, text('abc'));
      let seenPath = '';
      await assert.rejects(
        store.withLocalFile(key, async (path) => {
          seenPath = path;
          throw new Error('ffmpeg failed');
        }),
        /ffmpeg failed/,
      );
      assert.notEqual(seenPath, '');
      // The stored file itself must survive; a temp copy must be gone.
      assert.equal(existsSync(seenPath), h.handsRealFile);
      assert.equal(await getText(store, key), 'abc');
    });

    test('putDirectory uploads every nested file under the prefix and counts them', async () => {
      const dir = await tempDir();
      await mkdir(join(dir, '720p'), { recursive: true });
      await writeFile(join(dir, 'master.m3u8'), '#EXTM3U\n');
      await writeFile(join(dir, '720p', 'index.m3u8'), '#EXTM3U\n#720\n');
      await writeFile(join(dir, '720p', 'seg_00001.m4s'), 'segment');
      const p = `${prefix()}media/v1`;
      assert.equal(await store.putDirectory(dir, p), 3);
      assert.deepEqual(await store.list(`${p}/`), [`${p}/720p/index.m3u8`, `${p}/720p/seg_00001.m4s`, `${p}/master.m3u8`]);
      assert.equal(await getText(store, `${p}/720p/seg_00001.m4s`), 'segment');
    });

    test('rejects unsafe keys and prefixes before touching storage', async () => {
      for (const bad of ['../x', '/abs', 'a//b', 'a/./b', 'a/../b', '', 'a\\b', 'a/']) {
        await assert.rejects(store.put(bad, text('x')), /Unsafe object key/, `put ${bad}`);
        await assert.rejects(store.get(bad), /Unsafe object key/, `get ${bad}`);
        await assert.rejects(store.head(bad), /Unsafe object key/, `head ${bad}`);
        await assert.rejects(store.delete(bad), /Unsafe object key/, `delete ${bad}`);
      }
      for (const bad of ['../', '/abs/', 'a//', '..']) {
        await assert.rejects(store.list(bad), /Unsafe object key/, `list ${bad}`);
        await assert.rejects(store.deletePrefix(bad), /Unsafe object key/, `deletePrefix ${bad}`);
      }
    });

    test('a concurrent reader sees the old object, never a partial new one', async () => {
      const key = `${prefix()}playlist.m3u8`;
      const old = 'old complete version';
      await store.put(key, text(old));
      const body = new PassThrough();
      const putting = store.put(key, body);
      body.write(Buffer.alloc(64 * 1024, 'n'));
      assert.ok(await waitFor(() => body.readableLength === 0), 'the store consumed the first half');
      assert.equal(await getText(store, key), old);
      assert.equal((await store.head(key))?.sizeBytes, old.length);
      assert.deepEqual(await store.list(key), [key], 'no temp or partial key is listed');
      body.end(Buffer.alloc(64 * 1024, 'm'));
      await putting;
      assert.equal((await store.head(key))?.sizeBytes, 128 * 1024);
    });

    test('a failed put leaves the previous object intact and lists nothing new', async () => {
      const p = prefix();
      await store.put(`${p}k`, text('intact'));
      const body = new PassThrough();
      const putting = store.put(`${p}k`, body);
      body.write(Buffer.alloc(32 * 1024, 'x'));
      assert.ok(await waitFor(() => body.readableLength === 0));
      body.destroy(new Error('client went away'));
      await assert.rejects(putting);
      assert.equal(await getText(store, `${p}k`), 'intact');
      assert.deepEqual(await store.list(p), [`${p}k`]);
    });
  });
}
