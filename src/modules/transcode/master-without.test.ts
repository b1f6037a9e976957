import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderMasterPlaylist } from './master-playlist.js';
import { masterWithout } from './master-without.js';

const variant = (h: number, bps: number) => ({
  playlist: `${h}p/index.m3u8`, bandwidthBps: bps, averageBandwidthBps: bps - 1000, codecs: 'avc1.64001f,mp4a.40.2',
  width: Math.round((h * 16) / 9), height: h, frameRate: 30, audioGroup: 'audio',
});

test('removes the variants and I-frame playlists of the rungs named, and keeps every other line as written', () => {
  const variants = [variant(1080, 5_000_000), variant(720, 2_800_000), variant(360, 800_000)];
  const iframes = variants.map((v) => ({ ...v, playlist: v.playlist.replace('index', 'iframes'), codecs: 'avc1.64001f' }));
  const full = renderMasterPlaylist(variants, [{ groupId: 'audio', playlist: 'audio/index.m3u8' }], iframes);
  const pruned = masterWithout(full, new Set(['1080p']));
  assert.doesNotMatch(pruned, /1080p\//);
  assert.doesNotMatch(pruned, /RESOLUTION=1920x1080/);
  assert.equal(pruned, renderMasterPlaylist(variants.slice(1), [{ groupId: 'audio', playlist: 'audio/index.m3u8' }], iframes.slice(1)));
  // A folder that merely starts with a removed name stays.
  assert.match(masterWithout(full.replaceAll('360p/', '1080p-low/'), new Set(['1080p'])), /1080p-low\/index\.m3u8/);
  assert.equal(masterWithout(full, new Set()), full);
});
