import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { CREATOR_FORMATS, makeCreatorFormat } from '../../../test/fixtures/creator-formats.js';
import { decodeErrors, probeVideo } from '../../../test/fixtures/hls-checks.js';
import { ffprobeJson, tempDir } from '../../../test/fixtures/media.js';
import { probeMedia } from './probe.js';
import { transcodeFile } from './transcode-file.js';
import { validateSource } from './validate.js';

/**
 * The limits against hostile media must not turn away what creators really upload: camcorder,
 * broadcast and editing formats, phone VFR video, surround sound. Each is made with real ffmpeg,
 * validated, and transcoded to a ladder that decodes cleanly.
 */
describe('creator formats (real ffmpeg)', () => {
  let dir = '';
  let cleanup = async () => {};
  before(async () => ({ dir, cleanup } = await tempDir('kinema-formats-')));
  after(() => cleanup());

  for (const format of CREATOR_FORMATS) {
    test(`${format.name} validates and becomes a playable ladder`, async () => {
      const path = await makeCreatorFormat(dir, format);
      const source = validateSource(await probeMedia(path));
      assert.equal(source.videoCodec, format.codec);
      assert.equal(source.hasAudio, format.hasAudio);

      const out = join(dir, `${format.file}-hls`);
      const result = await transcodeFile(path, out);
      assert.ok(result.renditions.length >= 1);
      for (const r of result.renditions) {
        assert.equal(await decodeErrors(join(out, r.playlist)), '', `${r.label} does not decode cleanly`);
      }
      const top = result.renditions[0]!;
      const stream = await probeVideo(join(out, top.playlist));
      assert.deepEqual([stream.codec_name, stream.pix_fmt, stream.width, stream.height], ['h264', 'yuv420p', top.width, top.height]);
      if (format.hasAudio) {
        const audio = join(out, 'audio', 'index.m3u8');
        assert.equal(await decodeErrors(audio), '');
        const stream = (await ffprobeJson(['-select_streams', 'a:0', '-show_streams', audio])).streams[0];
        // 5.1 sources are downmixed: the ladder's one audio rendition is stereo AAC for every player.
        assert.deepEqual([stream.codec_name, stream.channels], ['aac', 2]);
      }
    });
  }

  test('anamorphic DV is planned at its display size, VFR phone video at its own average rate', async () => {
    const made = (file: string) => makeCreatorFormat(join(dir, 'again'), CREATOR_FORMATS.find((f) => f.file === file)!);
    await mkdir(join(dir, 'again'), { recursive: true });
    const dv = validateSource(await probeMedia(await made('camcorder.dv')));
    assert.equal(dv.sampleAspectRatio.toFixed(3), (8 / 9).toFixed(3));
    assert.deepEqual([dv.width, dv.height], [640, 480]);
    const phone = validateSource(await probeMedia(await made('phone-vfr.mp4')));
    // Planned at its own average rate (45 frames in ~2 s), so the ladder copies no frames in.
    assert.ok(phone.frameRate.fps > 20 && phone.frameRate.fps < 30, `fps ${phone.frameRate.fps}`);
  });
});
