import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHashGate } from './hash-gate.js';

/** Work the test finishes when it wants to. */
function job() {
  let finish!: () => void;
  const done = new Promise<void>((r) => (finish = r));
  return { finish, started: false, run: () => done };
}

test('runs at most maxRunning at once, queues maxWaiting in order, refuses the rest with 503 and Retry-After', async () => {
  const gate = createHashGate({ maxRunning: 1, maxWaiting: 2, retryAfterSec: 7 });
  const jobs = Array.from({ length: 5 }, job);
  const order: number[] = [];
  const outcomes = jobs.map((j, i) =>
    gate.run(() => (order.push(i), j.run())).then(
      () => 'done',
      (err: { code: string; status: number; details: { retryAfterSec: number } }) => `${err.code} ${err.status} ${err.details.retryAfterSec}`,
    ),
  );
  assert.equal(gate.running, 1);
  assert.equal(gate.waiting, 2);
  assert.deepEqual(await Promise.all([outcomes[3], outcomes[4]]), ['SIGNIN_BUSY 503 7', 'SIGNIN_BUSY 503 7']);
  jobs[0]!.finish();
  await outcomes[0];
  jobs[1]!.finish();
  await outcomes[1];
  jobs[2]!.finish();
  assert.deepEqual(await Promise.all(outcomes), ['done', 'done', 'done', 'SIGNIN_BUSY 503 7', 'SIGNIN_BUSY 503 7']);
  assert.deepEqual(order, [0, 1, 2], 'waiting hashes run first come, first served');
  assert.equal(gate.running, 0);
  assert.equal(gate.waiting, 0);
});

test('a failed hash frees its slot', async () => {
  const gate = createHashGate({ maxRunning: 1, maxWaiting: 1 });
  await assert.rejects(gate.run(() => Promise.reject(new Error('boom'))), /boom/);
  assert.equal(await gate.run(async () => 42), 42);
  assert.equal(gate.running, 0);
});
