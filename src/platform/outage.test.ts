import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { writeFile } from 'node:fs/promises';
import { lookup } from 'node:dns/promises';
import pg from 'pg';
import pino from 'pino';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { createOutageLog, isDependencyOutage, isDiskFull, outageSource, retryThroughOutage } from './outage.js';
import { freePort } from '../../test/support/services.js';

/** The error a real call made, for classifying what engines really throw. */
const errorOf = async (fn: () => Promise<unknown>) => fn().then(() => assert.fail('expected an error'), (err: unknown) => err);

test('what real engines throw when they are away counts as an outage; what a bad request throws does not', async () => {
  const closed = await freePort();
  const refused = await errorOf(async () => {
    const c = new pg.Client({ connectionString: `postgres://x@127.0.0.1:${closed}/x`, connectionTimeoutMillis: 2000 });
    try {
      await c.connect();
    } finally {
      await c.end().catch(() => undefined);
    }
  });
  assert.ok(isDependencyOutage(refused), 'PostgreSQL not listening');
  assert.equal(outageSource(refused), 'database');

  const s3 = new S3Client({ endpoint: `http://127.0.0.1:${closed}`, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: 'a', secretAccessKey: 'b' }, maxAttempts: 1 });
  const s3Down = await errorOf(() => s3.send(new GetObjectCommand({ Bucket: 'b', Key: 'k' })));
  assert.ok(isDependencyOutage(s3Down), 'S3 endpoint not listening');
  assert.equal(outageSource(s3Down), 'storage');

  const dns = await errorOf(() => lookup('no-such-host.invalid'));
  assert.ok(isDependencyOutage(dns), `a name that does not resolve (${(dns as { code?: string }).code})`);

  // A real PostgreSQL refusing a statement is the request's fault, not an outage.
  const c = new pg.Client({ connectionString: process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres' });
  await c.connect();
  try {
    assert.equal(isDependencyOutage(await errorOf(() => c.query('SELECT * FROM no_such_table'))), false);
    assert.equal(isDependencyOutage(await errorOf(() => c.query('SELECT 1/0'))), false);
  } finally {
    await c.end();
  }
  assert.equal(isDependencyOutage(new TypeError('x is undefined')), false);
});

test('a full disk is recognised from the error code and from ffmpeg\'s quoted stderr', async () => {
  const full = await errorOf(() => writeFile('/dev/full', 'x'));
  assert.ok(isDiskFull(full), 'ENOSPC from a real write to /dev/full');
  assert.ok(isDiskFull({ message: 'Transcoding failed', details: { stderr: 'av_interleaved_write_frame(): No space left on device' } }));
  assert.equal(isDiskFull(new Error('Invalid data found when processing input')), false);
});

test('one warning when an outage starts and one when it ends, however many failures between', () => {
  const lines: { msg: string; outageSec?: number }[] = [];
  const log = pino({ level: 'warn' }, new Writable({ write: (chunk, _enc, done) => (lines.push(JSON.parse(String(chunk))), done()) }));
  const outage = createOutageLog(log, 'database');
  const err = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
  for (let i = 0; i < 50; i++) outage.failed(err);
  assert.equal(outage.down, true);
  assert.equal(outage.downWithin(0), true);
  outage.ok();
  outage.ok();
  assert.deepEqual(lines.map((l) => l.msg), [
    'database is unreachable; work that needs it waits and retries until it is back',
    'database is reachable again',
  ]);
  assert.equal(outage.down, false);
  assert.equal(outage.downWithin(60_000), true, 'just recovered: still within a minute of the outage');
});

test('retryThroughOutage waits out an outage, and gives up on anything else at once', async () => {
  let calls = 0;
  const value = await retryThroughOutage(async () => {
    calls++;
    if (calls < 3) throw Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    return 'published';
  });
  assert.equal(value, 'published');
  assert.equal(calls, 3);

  let tries = 0;
  await assert.rejects(retryThroughOutage(async () => {
    tries++;
    throw new Error('a bad row');
  }), /a bad row/);
  assert.equal(tries, 1, 'no retry of an error that is not an outage');

  const abort = new AbortController();
  setTimeout(() => abort.abort(), 300);
  await assert.rejects(retryThroughOutage(async () => {
    throw Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
  }, { signal: abort.signal }), /ECONNREFUSED/, 'an abort ends the wait');
});
