import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mediaPathFor, parseMediaPath } from './media-path.js';

const ID = 'AbCdEfGhIjK';

describe('parseMediaPath', () => {
  test('plain and signed paths map to keys under the version prefix', () => {
    assert.deepEqual(parseMediaPath(`/media/${ID}/v1/720p/seg_00001.m4s?x=1`), {
      videoId: ID, version: 'v1', file: '720p/seg_00001.m4s', prefix: `media/${ID}/v1/`, key: `media/${ID}/v1/720p/seg_00001.m4s`, token: undefined,
    });
    const signed = parseMediaPath(`/media/s/1767225600.${'a'.repeat(43)}/${ID}/v1/master.m3u8`);
    assert.equal(signed?.token, `1767225600.${'a'.repeat(43)}`);
    assert.equal(signed?.key, `media/${ID}/v1/master.m3u8`);
  });

  test('refuses traversal, encodings, backslashes, empty segments, NUL and short paths', () => {
    const bad = [
      `/media/${ID}/v1/../../originals/${ID}/source`,
      `/media/${ID}/v1/%2e%2e/%2e%2e/originals/${ID}/source`,
      `/media/${ID}/v1/..%2f..%2foriginals`,
      `/media/${ID}/v1/720p\\..\\..\\x`,
      `/media/${ID}//v1/master.m3u8`,
      `/media/${ID}/v1/master.m3u8%00.jpg`,
      `/media/${ID}/v1/.hidden`,
      `/media/${ID}/v1/`,
      `/media/${ID}/v1`,
      '/media/short/v1/master.m3u8',
      `/media/s/${ID}/v1/master.m3u8`,
      `/originals/${ID}/source`,
      `/media/${ID}/v1/${'a'.repeat(600)}`,
    ];
    for (const url of bad) assert.equal(parseMediaPath(url), undefined, url);
  });

  test('mediaPathFor is the inverse', () => {
    const prefix = `media/${ID}/v1/`;
    assert.equal(mediaPathFor(prefix, '720p/index.m3u8'), `/media/${ID}/v1/720p/index.m3u8`);
    assert.equal(parseMediaPath(mediaPathFor(prefix, 'thumbs/poster.jpg', '5.tok'))?.key, `${prefix}thumbs/poster.jpg`);
  });
});
