import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { readOrCreateSecret } from './secret-file.js';

test('a generated key is 64 hex characters in a private file, and the same on every read', async () => {
  const file = join(await mkdtemp(join(tmpdir(), 'kinema-secret-')), 'media-signing.secret');
  const key = readOrCreateSecret(file);
  assert.match(key, /^[0-9a-f]{64}$/);
  assert.equal(readOrCreateSecret(file), key);
  assert.equal((await stat(file)).mode & 0o777, 0o600);
});

test('an empty or short key file (a crash while writing, a full disk) stops start-up instead of signing with it', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'kinema-secret-'));
  for (const content of ['', '\n', 'short-key']) {
    const file = join(dir, `k${content.length}`);
    await writeFile(file, content);
    assert.throws(() => readOrCreateSecret(file), /at least 32 needed\). Delete the file/);
  }
});

test('processes starting together all use one complete key, and leave no temp files', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'kinema-secret-'));
  const file = join(dir, 'media-signing.secret');
  const script = `import { readOrCreateSecret } from ${JSON.stringify(pathToFileURL(join(import.meta.dirname, 'secret-file.ts')).href)};
    process.stdout.write(readOrCreateSecret(${JSON.stringify(file)}));`;
  const keys = await Promise.all(Array.from({ length: 8 }, () => new Promise<string>((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.once('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`exit ${code}`))));
  })));
  assert.equal(new Set(keys).size, 1, 'one key for all');
  assert.match(keys[0]!, /^[0-9a-f]{64}$/);
  assert.deepEqual(await readdir(dir), ['media-signing.secret']);
});
