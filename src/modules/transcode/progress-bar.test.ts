import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createProgressBar } from './progress-bar.js';

/** A stand-in for process.stderr that records what is written (a TTY or a log file). */
function stream(isTTY: boolean) {
  const writes: string[] = [];
  return { writes, stream: { isTTY, write: (s: string) => writes.push(s) > 0 } as unknown as NodeJS.WriteStream };
}

describe('createProgressBar', () => {
  test('on a terminal the bar is drawn at 0% at once, then redrawn with tenths of a percent', () => {
    const out = stream(true);
    let nowMs = 0;
    const bar = createProgressBar({ durationSec: 43200, stream: out.stream, now: () => nowMs });
    assert.equal(out.writes.length, 1);
    assert.match(out.writes[0]!, /^\r\[\.{30}\]   0\.0% 0\.0x ETA --:--/);
    nowMs = 10_000;
    bar.update(0.05);
    bar.update(0.12);
    assert.match(out.writes[2]!, /^\r\[\.{30}\]   0\.1% 5\.2x ETA /);
    bar.done();
    assert.equal(out.writes.at(-1), '\n');
  });

  test('in a log file: a line at the start and one per 10%, fractions included', () => {
    const out = stream(false);
    const bar = createProgressBar({ durationSec: 100, stream: out.stream, now: () => 0 });
    for (const p of [0.3, 4.9, 9.99, 10.01, 15, 33.3, 99.9, 100]) bar.update(p);
    bar.done();
    assert.deepEqual(out.writes.map((w) => w.split('%')[0]!.replace(/ +/g, ' ')), ['transcode 0.0', 'transcode 10.0', 'transcode 33.3', 'transcode 99.9', 'transcode 100.0']);
  });
});
