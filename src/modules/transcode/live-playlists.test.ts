import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { finishMediaPlaylist, liveMediaPlaylist, playlistDirs, readGrowingPlaylist } from './live-playlists.js';
import type { LadderPlan } from './types.js';

// What ffmpeg 5.1's hls muxer writes with `-hls_playlist_type event` after its second segment.
const EVENT = ['#EXTM3U', '#EXT-X-VERSION:7', '#EXT-X-TARGETDURATION:2', '#EXT-X-MEDIA-SEQUENCE:1', '#EXT-X-PLAYLIST-TYPE:EVENT',
  '#EXT-X-INDEPENDENT-SEGMENTS', '#EXT-X-MAP:URI="init.mp4"', '#EXTINF:2.000000,', 'seg_00001.m4s', '#EXTINF:2.000000,', 'seg_00002.m4s', ''].join('\n');

test('a growing playlist starts viewers at the beginning, once', () => {
  const live = liveMediaPlaylist(EVENT);
  assert.match(live, /^#EXTM3U\n#EXT-X-START:TIME-OFFSET=0,PRECISE=YES\n#EXT-X-VERSION:7/);
  assert.equal(liveMediaPlaylist(live), live);
  assert.ok(live.endsWith('seg_00002.m4s\n'), 'segments and their order are ffmpeg\'s');
});

test('reads what ffmpeg closed so far: nothing before its first segment, complete at ENDLIST', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'kinema-live-'));
  try {
    await mkdir(join(dir, '720p'));
    assert.deepEqual(await readGrowingPlaylist(dir, '720p'), { dir: '720p', text: '', segments: [], isComplete: false });
    await writeFile(join(dir, '720p', 'index.m3u8'), EVENT);
    const growing = await readGrowingPlaylist(dir, '720p');
    assert.deepEqual(growing.segments.map((s) => s.uri), ['seg_00001.m4s', 'seg_00002.m4s']);
    assert.equal(growing.isComplete, false);
    await writeFile(join(dir, '720p', 'index.m3u8'), `${EVENT}#EXT-X-ENDLIST\n`);
    assert.equal((await readGrowingPlaylist(dir, '720p')).isComplete, true);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('the finished EVENT playlist becomes VOD in place, through a renamed temp file', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'kinema-live-'));
  try {
    const path = join(dir, 'index.m3u8');
    await writeFile(path, `${EVENT}#EXT-X-ENDLIST\n`);
    await finishMediaPlaylist(path);
    const vod = await readFile(path, 'utf8');
    assert.match(vod, /^#EXT-X-PLAYLIST-TYPE:VOD$/m);
    assert.doesNotMatch(vod, /EVENT/);
    assert.equal(vod.replace('VOD', 'EVENT'), `${EVENT}#EXT-X-ENDLIST\n`);
    assert.deepEqual(await readdir(dir), ['index.m3u8'], 'no temp file left behind');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('every rung and audio rendition has a playlist to publish; a silent source has no audio', () => {
  const rung = { width: 1280, height: 720, frameRate: { num: 30, den: 1, fps: 30 }, maxrateKbps: 3000, bufsizeKbps: 6000 };
  const plan: LadderPlan = { rungs: [{ ...rung, label: '720p' }, { ...rung, label: '144p', isCellular: true }], gopFrames: 60, segmentSec: 2, audioBitrateKbps: 128, cellularAudioBitrateKbps: 48 };
  assert.deepEqual(playlistDirs(plan, true), ['720p', '144p', 'audio', 'audio-cellular']);
  assert.deepEqual(playlistDirs(plan, false), ['720p', '144p']);
  assert.deepEqual(playlistDirs({ ...plan, cellularAudioBitrateKbps: undefined }, true), ['720p', '144p', 'audio']);
});
