import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { tempDir } from '../../../test/fixtures/media.js';
import { openOutputDir, OutputDirRefused } from './output-dir.js';

/** Writes files (path → text) under `dir`, making folders as needed. */
async function plant(dir: string, files: Record<string, string>) {
  for (const [path, text] of Object.entries(files)) {
    await mkdir(join(dir, path, '..'), { recursive: true });
    await writeFile(join(dir, path), text);
  }
}

const ladder = (rungs: string[]) =>
  Object.fromEntries([['master.m3u8', rungs.join(',')], ...rungs.map((r) => [`${r}/index.m3u8`, r])]) as Record<string, string>;

describe('kinema transcode --out', () => {
  let root = '';
  let cleanup = async () => {};
  before(async () => ({ dir: root, cleanup } = await tempDir('kinema-out-')));
  after(() => cleanup());

  test('a new directory gets exactly what the run wrote', async () => {
    const out = join(root, 'new');
    const dir = await openOutputDir(out, { force: false });
    await plant(dir.stagingDir, ladder(['360p', '180p']));
    await dir.commit();
    assert.deepEqual((await readdir(out)).sort(), ['180p', '360p', 'master.m3u8']);
  });

  test('a non-empty directory is refused without --force, and left alone', async () => {
    const out = join(root, 'full');
    await plant(out, ladder(['180p']));
    await assert.rejects(openOutputDir(out, { force: false }), (err: Error) => {
      assert.ok(err instanceof OutputDirRefused);
      assert.equal(err.message, `${out} is not empty; pass --force to replace its contents`);
      return true;
    });
    assert.deepEqual((await readdir(out)).sort(), ['180p', 'master.m3u8']);
  });

  test('--force replaces an earlier ladder with more rungs: no stale rung survives', async () => {
    const out = join(root, 'shrink');
    await plant(out, { ...ladder(['1080p', '720p', '480p', '360p']), '.kinema-partial-deadbeef/720p/seg_00001.m4s': 'from a killed run' });
    const dir = await openOutputDir(out, { force: true });
    await plant(dir.stagingDir, ladder(['180p']));
    await dir.commit();
    assert.deepEqual((await readdir(out)).sort(), ['180p', 'master.m3u8']);
    assert.equal(await readFile(join(out, 'master.m3u8'), 'utf8'), '180p');
  });

  test('--force does not empty a directory that holds no ladder', async () => {
    const home = join(root, 'home');
    await plant(home, { 'notes.txt': 'mine' });
    await assert.rejects(openOutputDir(home, { force: true }), /holds no earlier ladder \(no master\.m3u8\), so --force will not empty it/);
    assert.deepEqual(await readdir(home), ['notes.txt']);
  });

  test('discarding leaves an earlier ladder whole, and removes a directory the run created', async () => {
    const out = join(root, 'keep');
    await plant(out, ladder(['360p']));
    const dir = await openOutputDir(out, { force: true });
    await plant(dir.stagingDir, ladder(['180p']));
    await dir.discard();
    assert.deepEqual((await readdir(out)).sort(), ['360p', 'master.m3u8']);

    const fresh = join(root, 'fresh');
    await (await openOutputDir(fresh, { force: false })).discard();
    assert.equal(existsSync(fresh), false);
  });

  test('a file is not an output directory', async () => {
    const file = join(root, 'a-file');
    await writeFile(file, 'x');
    await assert.rejects(openOutputDir(file, { force: true }), /a-file is not a directory/);
  });
});
