import { test } from 'node:test';
import assert from 'node:assert/strict';
import { playedRanges, QoeTracker } from '../web/src/player/qoe.js';

/** The tracker on a hand-driven clock: what each event sequence must report, Mux's definitions. */
function tracked() {
  let nowMs = 1_000;
  const tracker = new QoeTracker(() => nowMs);
  return { tracker, advance: (ms: number) => void (nowMs += ms) };
}

const P360 = { height: 360, bitrateKbps: 900 };
const P240 = { height: 240, bitrateKbps: 400 };

test('startup time runs from the play request to the first moving frame, not to the page load', () => {
  const { tracker, advance } = tracked();
  advance(5_000); // the viewer looks at the resume choice first
  tracker.playRequested();
  advance(420);
  tracker.playheadMoved();
  advance(3_000);
  tracker.playheadMoved();
  const r = tracker.report();
  assert.equal(r.startupMs, 420);
  assert.equal(r.watchMs, 3_420, 'watch time includes startup, from the play request on');
  assert.equal(r.exitedBeforeStart, undefined);
});

test('leaving before the first moving frame is an exit before start; leaving after it is not', () => {
  const early = tracked();
  early.tracker.playRequested();
  early.advance(2_000);
  assert.equal(early.tracker.report(true).exitedBeforeStart, true);
  assert.equal(early.tracker.report(false).exitedBeforeStart, undefined, 'only when the page goes away');
  assert.equal(early.tracker.report(false).startupMs, undefined, 'no startup time before a moving frame');

  const late = tracked();
  late.tracker.playRequested();
  late.advance(300);
  late.tracker.playheadMoved();
  assert.equal(late.tracker.report(true).exitedBeforeStart, undefined);

  const never = tracked();
  assert.equal(never.tracker.report(true).exitedBeforeStart, undefined, 'no play request, no exit before start');
});

test('a stall after startup counts as rebuffering until the playhead moves again', () => {
  const { tracker, advance } = tracked();
  tracker.playRequested();
  tracker.stalled(); // before the first frame: startup, not a rebuffer
  advance(500);
  tracker.playheadMoved();
  advance(4_000);
  tracker.stalled();
  tracker.stalled(); // `waiting` and hls.js's stall error for the same stall
  advance(1_500);
  tracker.playheadMoved();
  advance(4_000);
  tracker.playheadMoved();
  const r = tracker.report();
  assert.equal(r.rebufferCount, 1);
  assert.equal(r.rebufferMs, 1_500);
  assert.equal(r.watchMs, 10_000);
});

test('waiting after a seek is the seek, not a rebuffer; only the viewer\'s seeks are counted and timed', () => {
  const { tracker, advance } = tracked();
  tracker.seeked(false); // the player positions at the resume point
  advance(300);
  tracker.playRequested();
  advance(200);
  tracker.playheadMoved();
  tracker.seeked(true);
  tracker.stalled();
  advance(800);
  tracker.playheadMoved();
  tracker.paused();
  tracker.seeked(true);
  advance(50);
  tracker.seekLandedPaused();
  const r = tracker.report();
  assert.equal(r.seekCount, 2);
  assert.equal(r.seekMs, 850);
  assert.equal(r.rebufferCount, 0);
  assert.equal(r.rebufferMs, 0);
});

test('paused time is not watch time', () => {
  const { tracker, advance } = tracked();
  tracker.playRequested();
  advance(100);
  tracker.playheadMoved();
  advance(900);
  tracker.paused();
  advance(60_000);
  tracker.playRequested();
  advance(1_000);
  tracker.playheadMoved();
  assert.equal(tracker.report().watchMs, 2_000);
});

test('a fatal error is the failure, once, and is never also an exit before start', () => {
  const { tracker, advance } = tracked();
  tracker.playRequested();
  advance(100);
  tracker.failed('networkError', 'manifestLoadError');
  tracker.failed('mediaError', 'bufferAppendError');
  const r = tracker.report(true);
  assert.deepEqual(r.fatalError, { type: 'networkError', details: 'manifestLoadError' });
  assert.equal(r.exitedBeforeStart, undefined);
});

test('playing time is split by the rung on screen; the player size goes along for the upscaling figure', () => {
  const { tracker, advance } = tracked();
  assert.equal(tracker.report().playerHeight, undefined, 'no size before one is known');
  tracker.playerResized(1280, 720);
  tracker.renditionChanged(P240);
  tracker.playRequested();
  advance(100);
  tracker.playheadMoved();
  advance(1_000);
  tracker.renditionChanged(P360);
  advance(3_000);
  tracker.paused();
  advance(5_000);
  const r = tracker.report();
  assert.deepEqual(r.renditions, [{ height: 240, bitrateKbps: 400, playedMs: 1_000 }, { height: 360, bitrateKbps: 900, playedMs: 3_000 }]);
  assert.equal(r.playerWidth, 1280);
  assert.equal(r.playerHeight, 720);
});

test('a rung without a known bitrate (native HLS) is left out, the beacon requires one', () => {
  const { tracker, advance } = tracked();
  tracker.renditionChanged({ height: 720, bitrateKbps: 0 });
  tracker.playRequested();
  tracker.playheadMoved();
  advance(1_000);
  assert.deepEqual(tracker.report().renditions, []);
});

test('played ranges are sent as [start, end] pairs in tenths of a second, empty ones dropped', () => {
  const ranges = [[0, 12.345], [30.04, 30.04], [40.06, 52.5]];
  const played = { length: ranges.length, start: (i: number) => ranges[i]![0]!, end: (i: number) => ranges[i]![1]! };
  assert.deepEqual(playedRanges(played), [[0, 12.3], [40.1, 52.5]]);
});
