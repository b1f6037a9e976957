import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeScratchDir, sweepDeadScratch } from './scratch.js';

/** The pid of a process that has exited (and been reaped): nobody holds it now. */
async function deadPid(): Promise<number> {
  const child = spawn('true');
  await new Promise((r) => child.once('exit', r));
  return child.pid!;
}

test('removes the scratch of dead processes of this host, keeps live ones and other hosts\'', async () => {
  const parent = await mkdtemp(join(tmpdir(), 'kinema-scratch-'));
  const host = hostname().replace(/[^A-Za-z0-9_-]/g, '_');
  const sleeper = spawn('sleep', ['60']);
  try {
    const dead = join(parent, `${host}.${await deadPid()}-job-abc123`);
    const live = join(parent, `${host}.${sleeper.pid}-job-def456`);
    const otherHost = join(parent, `elsewhere.${await deadPid()}-job-ghi789`);
    const unrelated = join(parent, 'notes');
    for (const d of [dead, live, otherHost, unrelated]) await mkdir(join(d, 'out'), { recursive: true });
    const mine = await makeScratchDir(parent, 'job');

    const removed = await sweepDeadScratch(parent);

    assert.deepEqual(removed, [dead.slice(parent.length + 1)]);
    assert.equal(existsSync(dead), false);
    for (const kept of [live, otherHost, unrelated, mine]) assert.ok(existsSync(kept), `${kept} kept`);
    assert.equal((await readdir(parent)).length, 4);
  } finally {
    sleeper.kill();
  }
});

test('a missing folder is nothing to sweep', async () => {
  assert.deepEqual(await sweepDeadScratch(join(tmpdir(), `kinema-none-${process.pid}-${Date.now()}`)), []);
});
