import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSchemaCompiler } from '../src/platform/http/validation.js';
import { ProgressBody } from '../src/modules/engagement/schemas.js';
import { QoeTracker } from '../web/src/player/qoe.js';
import { beaconBody, newSessionId } from '../web/src/player/watch-beacon.js';

/**
 * The web player's beacons against the server's own validator for `POST /videos/:id/progress`
 * (the schema the route compiles): a beacon the server would refuse with 400 is a beacon lost.
 */
const validate = createSchemaCompiler()({ schema: ProgressBody, httpPart: 'body', method: 'POST', url: '/api/v1/videos/:id/progress' }) as unknown as ((v: unknown) => boolean) & { errors?: unknown };

function accepted(body: unknown): void {
  const ok = validate(body);
  assert.ok(ok, `refused: ${JSON.stringify(validate.errors)} for ${JSON.stringify(body)}`);
}

test('session ids are what the beacon accepts, and differ', () => {
  const ids = new Set(Array.from({ length: 50 }, newSessionId));
  assert.equal(ids.size, 50);
  for (const id of ids) assert.match(id, /^[A-Za-z0-9_-]{8,64}$/);
});

test('a playing session\'s beacon, with every QoE field filled, is accepted', () => {
  let now = 0;
  const tracker = new QoeTracker(() => now);
  tracker.playerResized(2560, 1440);
  tracker.renditionChanged({ height: 360, bitrateKbps: 900 });
  tracker.playRequested();
  now += 640;
  tracker.playheadMoved();
  now += 5_000;
  tracker.stalled();
  now += 1_200;
  tracker.playheadMoved();
  tracker.seeked(true);
  now += 300;
  tracker.playheadMoved();
  tracker.failed('networkError', 'fragLoadError');
  const body = beaconBody(newSessionId(), 75.25, [[0, 12.3], [40.1, 75.2]], 'paused', tracker.report(), 'cdn.example.com:8443');
  accepted(body);
  assert.equal((body.qoe as { edgeHost: string }).edgeHost, 'cdn.example.com:8443');
  assert.equal(body.positionSec, 75.3);
});

test('the page-hide beacon of a viewer who left before the first frame is accepted', () => {
  let now = 0;
  const tracker = new QoeTracker(() => now);
  tracker.playRequested();
  now += 2_000;
  accepted(beaconBody(newSessionId(), 0, [], 'left', tracker.report(true)));
});

test('a position past the schema\'s bound is clamped, not refused', () => {
  const tracker = new QoeTracker(() => 0);
  accepted(beaconBody(newSessionId(), 100_000, [[0, 1]], 'ended', tracker.report()));
});
