import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { randomBytes } from 'node:crypto';
import { startTestApp, signUp, type TestApp } from './support/app.js';
import { startS3Server, tempDir, type S3Server } from './support/services.js';
import { createVideo } from './support/delivery.js';
import { readSmall } from './support/byte-streams.js';
import { makeClip } from './fixtures/media.js';
import { createStorageLifecycle, s3LifecycleRules } from '../src/modules/operations/index.js';
import { hasColdTier } from '../src/platform/storage/index.js';
import { probeMedia } from '../src/modules/transcode/index.js';
import { originalKey } from '../src/modules/media-layout/index.js';
import { createLogger } from '../src/platform/log.js';
import { loadConfig, ConfigError } from '../src/config.js';

/** A video whose original (a real clip) reached the store `daysAgo` days ago. */
async function storedOriginal(app: TestApp, token: string, clip: Buffer, daysAgo: number): Promise<string> {
  const id = await createVideo(app, token, 'public');
  await app.platform.store.put(originalKey(id), Readable.from([clip]));
  await app.platform.database.db.updateTable('videos')
    .set({ originalStoredAt: new Date(Date.now() - daysAgo * 86_400_000) }).where('videoId', '=', id).execute();
  return id;
}

function lifecycleSuite(name: string, setup: () => Promise<{ app: TestApp; hotFileOf?: (key: string) => string; coldFileOf?: (key: string) => string; close?: () => Promise<void> }>) {
  describe(`storage lifecycle on ${name}`, () => {
    let env: Awaited<ReturnType<typeof setup>>;
    let clip: Buffer;
    before(async () => {
      env = await setup();
      const { readFile } = await import('node:fs/promises');
      clip = await readFile(await makeClip(await tempDir('kinema-lifecycle-clip-'), { width: 160, height: 90, durationSec: 1 }));
    });
    after(async () => {
      await env.app.close();
      await env.close?.();
    });

    test('originals older than COLD_AFTER_DAYS move to the cold tier once; newer ones stay; a cold original still reads and probes', async () => {
      const { app } = env;
      const store = app.platform.store;
      assert.ok(hasColdTier(store));
      const u = await signUp(app, 'tiers');
      const old = await storedOriginal(app, u.token, clip, 40);
      const recent = await storedOriginal(app, u.token, clip, 10);
      const unstored = await createVideo(app, u.token, 'public');
      const lifecycle = createStorageLifecycle({ db: app.platform.database.db, store, log: createLogger('silent'), coldAfterDays: 30 });

      const first = await lifecycle.run();
      assert.equal(first.movedToCold, 1);
      assert.equal(await store.tierOf(originalKey(old)), 'cold');
      assert.equal(await store.tierOf(originalKey(recent)), 'hot');
      assert.equal(await store.tierOf(originalKey(unstored)), null);
      if (env.hotFileOf) assert.equal(existsSync(env.hotFileOf(originalKey(old))), false, 'gone from the hot volume');
      if (env.coldFileOf) assert.equal(existsSync(env.coldFileOf(originalKey(old))), true, 'on the cold volume');
      const row = await app.platform.database.db.selectFrom('videos').select(['originalColdAt']).where('videoId', '=', old).executeTakeFirstOrThrow();
      assert.ok(row.originalColdAt);

      // Reads of a cold original: the bytes, its listing, and ffprobe through withLocalFile (what
      // a re-encode does).
      const got = await store.get(originalKey(old));
      assert.ok(got);
      assert.ok((await readSmall(got.body)).equals(clip));
      assert.deepEqual(await store.list(`originals/${old}/`), [originalKey(old)]);
      const probed = await store.withLocalFile(originalKey(old), (path) => probeMedia(path));
      assert.equal(probed.streams.find((s) => s.codec_type === 'video')?.width, 160);

      const second = await lifecycle.run();
      assert.deepEqual(second, { movedToCold: 0, alreadyCold: 0, missing: 0 }, 'a pass reads only originals still hot');

      // Deleting the video's originals removes the cold copy too.
      await store.deletePrefix(`originals/${old}/`);
      assert.equal(await store.tierOf(originalKey(old)), null);
      if (env.coldFileOf) assert.equal(existsSync(env.coldFileOf(originalKey(old))), false);
    });

    test('a new original written over a cold one is hot again', async () => {
      const store = env.app.platform.store;
      assert.ok(hasColdTier(store));
      const key = `originals/rewrite-${randomBytes(4).toString('hex')}/source`;
      await store.put(key, Readable.from([Buffer.from('first')]));
      assert.equal(await store.moveToColdTier(key), 'moved');
      assert.equal(await store.moveToColdTier(key), 'already-cold');
      await store.put(key, Readable.from([Buffer.from('second')]));
      assert.equal(await store.tierOf(key), 'hot');
      assert.equal((await readSmall((await store.get(key))!.body)).toString(), 'second');
      assert.equal(await store.moveToColdTier(`originals/none-${randomBytes(4).toString('hex')}/source`), 'missing');
    });
  });
}

lifecycleSuite('local disk (COLD_DIR)', async () => {
  const dataDir = await tempDir('kinema-lifecycle-hot-');
  const coldDir = await tempDir('kinema-lifecycle-cold-');
  const app = await startTestApp({ env: { DATA_DIR: dataDir, COLD_DIR: coldDir, COLD_AFTER_DAYS: '30' } });
  return { app, hotFileOf: (key) => join(dataDir, 'objects', key), coldFileOf: (key) => join(coldDir, key) };
});

let s3: S3Server | undefined;
lifecycleSuite('the S3 server (storage class)', async () => {
  s3 = await startS3Server();
  // s3rver knows the storage classes of its time, not GLACIER_IR: STANDARD_IA stands in for it.
  const app = await startTestApp({
    env: {
      S3_ENDPOINT: s3.endpoint, S3_BUCKET: s3.bucket, S3_REGION: s3.region, S3_ACCESS_KEY_ID: s3.accessKeyId,
      S3_SECRET_ACCESS_KEY: s3.secretAccessKey, S3_FORCE_PATH_STYLE: 'true', S3_COLD_STORAGE_CLASS: 'STANDARD_IA', COLD_AFTER_DAYS: '30',
    },
  });
  return { app, close: () => s3!.stop() };
});

test('the lifecycle settings: a cold tier is required, GLACIER-class storage that needs a restore is refused, and the S3 rule', () => {
  assert.throws(() => loadConfig({ COLD_AFTER_DAYS: '30' }), (e: Error) => e instanceof ConfigError && /COLD_DIR/.test(e.message));
  assert.throws(() => loadConfig({ S3_BUCKET: 'b', S3_COLD_STORAGE_CLASS: 'GLACIER' }), (e: Error) => e instanceof ConfigError && /restore/.test(e.message));
  assert.throws(() => loadConfig({ S3_BUCKET: 'b', COLD_DIR: '/mnt/cold' }), ConfigError);
  assert.equal(loadConfig({ S3_BUCKET: 'b' }).s3?.coldStorageClass, 'GLACIER_IR');
  assert.deepEqual(s3LifecycleRules({ coldAfterDays: 30, storageClass: 'GLACIER_IR' }), {
    Rules: [{ ID: 'kinema-originals-to-cold-tier', Status: 'Enabled', Filter: { Prefix: 'originals/' }, Transitions: [{ Days: 30, StorageClass: 'GLACIER_IR' }] }],
  });
});

test('kinema lifecycle: prints the S3 rule, runs a pass (and a dry run) on the embedded engine, and asks for something to do', async () => {
  const { spawnSync } = await import('node:child_process');
  const { packageRoot } = await import('../src/platform/paths.js');
  const run = (args: string[]) => spawnSync(process.execPath, [join(packageRoot, 'bin', 'kinema'), 'lifecycle', ...args], {
    encoding: 'utf8', timeout: 120_000, env: { ...process.env, KINEMA_FROM_SOURCE: '1', LOG_LEVEL: 'silent', METRICS_LISTEN: 'off' },
  });
  const rules = run(['--print-s3-rules', '--cold-after-days', '45', '--s3-bucket', 'media']);
  assert.equal(rules.status, 0, rules.stderr);
  assert.deepEqual(JSON.parse(rules.stdout).Rules[0].Transitions, [{ Days: 45, StorageClass: 'GLACIER_IR' }]);
  const pass = run(['--cold-after-days', '30', '--cold-dir', await tempDir('kinema-cli-cold-'), '--data-dir', await tempDir('kinema-cli-data-')]);
  assert.equal(pass.status, 0, pass.stderr);
  assert.match(pass.stdout, /^Originals moved to the cold tier: 0 \(already cold: 0, gone: 0\)\.$/m);
  assert.match(pass.stdout, /^Renditions above 720p: none removed: the play rollup has not run in the last day/m, 'a new instance has no play data to judge by');
  const dry = run(['--dry-run', '--cold-after-days', '30', '--cold-dir', await tempDir('kinema-cli-cold-'), '--data-dir', await tempDir('kinema-cli-data-')]);
  assert.equal(dry.status, 0, dry.stderr);
  assert.match(dry.stdout, /^Originals that would move to the cold tier: 0\.$/m);
  const missing = run(['--data-dir', await tempDir('kinema-cli-data-'), '--prune-after-days', '0']);
  assert.equal(missing.status, 2);
  assert.match(missing.stderr, /COLD_AFTER_DAYS/);
});
