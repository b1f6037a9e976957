import { test } from 'node:test';
import assert from 'node:assert/strict';
import { masterWithout } from '../transcode/index.js';
import { removedDirsOf } from './rendition-pruning.js';

test('removing a rung removes its codec twins too (LADDER_CODECS), and nothing that only starts alike', () => {
  const dirs = removedDirsOf([{ playlist: '1080p/index.m3u8' }]);
  assert.deepEqual([...dirs].sort(), ['1080p', '1080p-av1', '1080p-hevc']);
  const master = [
    '#EXTM3U',
    '#EXT-X-STREAM-INF:BANDWIDTH=5000000,CODECS="avc1.640028,mp4a.40.2",RESOLUTION=1920x1080',
    '1080p/index.m3u8',
    '#EXT-X-STREAM-INF:BANDWIDTH=2500000,CODECS="avc1.64001f,mp4a.40.2",RESOLUTION=1280x720',
    '720p/index.m3u8',
    '#EXT-X-STREAM-INF:BANDWIDTH=3000000,CODECS="hvc1.1.6.L120.90,mp4a.40.2",RESOLUTION=1920x1080',
    '1080p-hevc/index.m3u8',
    '#EXT-X-I-FRAME-STREAM-INF:BANDWIDTH=400000,CODECS="av01.0.08M.08",RESOLUTION=1920x1080,URI="1080p-av1/iframes.m3u8"',
    '#EXT-X-STREAM-INF:BANDWIDTH=1500000,CODECS="hvc1.1.6.L93.90,mp4a.40.2",RESOLUTION=1280x720',
    '720p-hevc/index.m3u8',
    '',
  ].join('\n');
  const pruned = masterWithout(master, dirs);
  assert.doesNotMatch(pruned, /1080p/);
  assert.match(pruned, /^720p\/index\.m3u8$/m);
  assert.match(pruned, /^720p-hevc\/index\.m3u8$/m);
});
