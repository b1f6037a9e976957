import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createCache } from '../../platform/cache/index.js';
import { createLogger } from '../../platform/log.js';
import { createRenditionRestore } from './rendition-restore.js';

/**
 * The viewer trigger's limits, on the real in-process cache (the Redis adapter passes the same
 * contract suite). The queue is the one stand-in: a list of what would have been queued.
 */
function viewerTrigger(perHour: number) {
  const queued: string[] = [];
  const restore = createRenditionRestore({
    catalog: { getOwned: async () => { throw new Error('not used'); } },
    lifecycle: { currentVersion: async () => undefined },
    store: { head: async () => null },
    cache: createCache({ kind: 'memory', maxEntries: 1000 }),
    log: createLogger('silent'),
    queueRestore: async (videoId) => void queued.push(videoId),
    viewerRestoresPerHour: perHour,
  });
  return { restore, queued };
}

test('a video asked for by many viewers is queued once per hour', async () => {
  const { restore, queued } = viewerTrigger(20);
  for (let i = 0; i < 50; i++) await restore.askedByViewer('video-a');
  await restore.askedByViewer('video-b');
  assert.deepEqual(queued, ['video-a', 'video-b']);
});

test('viewers cannot start more restores an hour than RESTORES_PER_HOUR, whatever they ask for', async () => {
  const { restore, queued } = viewerTrigger(3);
  for (let i = 0; i < 10; i++) await restore.askedByViewer(`video-${i}`);
  assert.equal(queued.length, 3);
});

test('a failing queue never reaches the viewer', async () => {
  const restore = createRenditionRestore({
    catalog: { getOwned: async () => { throw new Error('not used'); } },
    lifecycle: { currentVersion: async () => undefined },
    store: { head: async () => null },
    cache: createCache({ kind: 'memory', maxEntries: 10 }),
    log: createLogger('silent'),
    queueRestore: async () => { throw new Error('database down'); },
    viewerRestoresPerHour: 5,
  });
  await restore.askedByViewer('video-x');
});
