import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { packageRoot } from '../src/platform/paths.js';
import { tempDir } from './support/services.js';

const kinema = (args: string[], env: Record<string, string>) =>
  spawnSync(process.execPath, [join(packageRoot, 'bin', 'kinema'), ...args], {
    encoding: 'utf8',
    env: { ...process.env, KINEMA_FROM_SOURCE: '1', LOG_LEVEL: 'silent', ...env },
    timeout: 60_000,
  });

test('a bad setting stops start-up with one line naming the variable', async () => {
  const r = kinema(['start'], { DATA_DIR: await tempDir('kinema-cli-'), PORT: 'eighty' });
  assert.equal(r.status, 1);
  assert.equal(r.stderr.trim().split('\n').filter((l) => !/AWS SDK|node >=22|upgrade|a\.co|trace-warnings|^$|updates/.test(l)).length, 1, r.stderr);
  assert.match(r.stderr, /PORT="eighty" is invalid/);
});

test('a worker without ffmpeg refuses to start and says how to install it', async () => {
  // An empty PATH: node itself is started by its absolute path.
  const r = kinema(['worker'], { DATA_DIR: await tempDir('kinema-cli-'), PATH: await tempDir('kinema-empty-path-') });
  assert.equal(r.status, 1);
  assert.match(r.stderr, /ffmpeg is not installed or not on PATH.*apt-get install ffmpeg/);
});

test('kinema help lists the commands', () => {
  const r = kinema(['help'], {});
  assert.equal(r.status, 0);
  for (const cmd of ['start', 'api', 'worker', 'migrate', 'transcode', 'edge-config']) assert.match(r.stdout, new RegExp(`\\n  ${cmd}\\b`));
});
