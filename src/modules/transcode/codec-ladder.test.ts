import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFile, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { decodeErrors, probeVideo, readSegments, readVariants, segmentStartsWithKeyframe } from '../../../test/fixtures/hls-checks.js';
import { makeClip, tempDir } from '../../../test/fixtures/media.js';
import { runTranscodeCommand } from './cli-command.js';
import type { VideoCodec } from './codecs.js';
import { transcodeFile } from './transcode-file.js';

const encoders = spawnSync('ffmpeg', ['-hide_banner', '-encoders'], { encoding: 'utf8' }).stdout ?? '';
const hasEncoder = (name: string) => new RegExp(`^\\s*V\\S*\\s+${name}\\s`, 'm').test(encoders);
const codecs: VideoCodec[] = ['h264', ...(hasEncoder('libx265') ? ['hevc' as const] : []), ...(hasEncoder('libsvtav1') ? ['av1' as const] : [])];

describe(`LADDER_CODECS=${codecs.join(',')} (real ffmpeg)`, { skip: codecs.length === 1 && 'this ffmpeg has neither libx265 nor libsvtav1' }, () => {
  let dir = '';
  let cleanup = async () => {};
  before(async () => ({ dir, cleanup } = await tempDir('kinema-codecs-')));
  after(() => cleanup());

  test('one pass writes HEVC and AV1 twins of the regular rungs, listed with CODECS from the real encode and measured bandwidths', async () => {
    // 8 s: two 4 s segments per rung, so keyframe alignment across codecs is checked at a boundary.
    const clip = await makeClip(dir, { width: 426, height: 240, durationSec: 8 });
    const out = join(dir, 'ladder');
    const result = await transcodeFile(clip, out, { codecs });

    // The catalog's ladder stays H.264 (what every player decodes); the twins are listed apart.
    assert.deepEqual(result.renditions.map((r) => r.label), ['240p', '144p']);
    const extras = codecs.filter((c) => c !== 'h264');
    assert.deepEqual(result.codecRenditions.map((r) => `${r.label} ${r.codec} ${r.width}x${r.height}`), extras.map((c) => `240p-${c} ${c} 426x240`));

    const variants = await readVariants(join(out, 'master.m3u8'));
    assert.deepEqual(variants.map((v) => v.uri), ['240p/index.m3u8', '144p/index.m3u8', ...extras.map((c) => `240p-${c}/index.m3u8`)]);
    assert.match(variants[0]!.attrs, /CODECS="avc1\./, 'players start on H.264');

    const audio = await segmentBitrates(join(out, 'audio', 'index.m3u8'));
    const h264Segments = (await readSegments(join(out, '240p', 'index.m3u8'))).map((s) => s.durationSec.toFixed(3)).join(' ');
    for (const codec of extras) {
      const label = `240p-${codec}`;
      const playlist = join(out, label, 'index.m3u8');
      const variant = variants.find((v) => v.uri === `${label}/index.m3u8`)!;
      const attr = (name: string) => new RegExp(`(?:^|,)${name}=("[^"]*"|[^,]*)`).exec(variant.attrs)?.[1];

      // The segments hold what the CODECS attribute says, as ffprobe reads them.
      const stream = await probeVideo(playlist);
      assert.deepEqual([stream.width, stream.height, stream.pix_fmt], [426, 240, 'yuv420p']);
      if (codec === 'hevc') {
        assert.deepEqual([stream.codec_name, stream.codec_tag_string, stream.profile], ['hevc', 'hvc1', 'Main']);
        assert.equal(attr('CODECS'), `"hvc1.1.6.L${stream.level}.90,mp4a.40.2"`);
      } else {
        assert.deepEqual([stream.codec_name, stream.codec_tag_string, stream.profile], ['av1', 'av01', 'Main']);
        assert.equal(attr('CODECS'), `"av01.0.${String(stream.level).padStart(2, '0')}M.08,mp4a.40.2"`);
      }
      assert.equal(attr('RESOLUTION'), '426x240');
      assert.equal(attr('AUDIO'), '"audio"');
      assert.equal(await decodeErrors(playlist), '');

      // Same segment boundaries as the H.264 rungs, each starting on a keyframe: players switch
      // between codecs' variants (or at least between rungs of one codec) at any boundary.
      const segments = await readSegments(playlist);
      assert.equal(segments.map((s) => s.durationSec.toFixed(3)).join(' '), h264Segments);
      for (const s of segments) assert.ok(await segmentStartsWithKeyframe(join(out, label), s.uri, dir), `${label}/${s.uri} starts without a keyframe`);

      // BANDWIDTH: the peak segment bit rate; AVERAGE-BANDWIDTH: the mean; video plus audio, from the files.
      const video = await segmentBitrates(playlist);
      assert.ok(Math.abs(Number(attr('BANDWIDTH')) - (video.peak + audio.peak)) <= 2, `${label}: ${variant.attrs} vs peak ${video.peak + audio.peak}`);
      assert.ok(Math.abs(Number(attr('AVERAGE-BANDWIDTH')) - (video.average + audio.average)) <= 2, `${label}: ${variant.attrs} vs average ${video.average + audio.average}`);
      const rendition = result.codecRenditions.find((r) => r.label === label)!;
      assert.equal(`"${rendition.codecs}"`, attr('CODECS'));

      // A trick-play playlist per twin too, in its own codec.
      const master = await readFile(join(out, 'master.m3u8'), 'utf8');
      assert.match(master, new RegExp(`#EXT-X-I-FRAME-STREAM-INF:.*CODECS="${rendition.codecs.split(',')[0]!.replaceAll('.', '\\.')}".*URI="${label}/iframes\\.m3u8"`));
    }
  });

  test('kinema transcode --codecs refuses what it cannot encode before touching the input', async () => {
    const chunks: string[] = [];
    const stderr = { write: (s: string) => chunks.push(s) } as unknown as NodeJS.WriteStream;
    const code = await runTranscodeCommand(['/nonexistent.mp4', '--out', join(dir, 'never'), '--codecs', 'h264,vp9'], { stderr });
    assert.equal(code, 2);
    assert.match(chunks.join(''), /--codecs="h264,vp9" is invalid: "vp9" is not a codec/);
  });
});

/** Peak (RFC 8216: runs of segments lasting 0.5–1.5 target durations) and mean bit rate of a media playlist. */
async function segmentBitrates(playlistPath: string): Promise<{ peak: number; average: number }> {
  const text = await readFile(playlistPath, 'utf8');
  const target = Number(/#EXT-X-TARGETDURATION:(\d+)/.exec(text)?.[1]);
  const sized: Array<{ bits: number; sec: number }> = [];
  for (const s of await readSegments(playlistPath)) sized.push({ bits: (await stat(join(dirname(playlistPath), s.uri))).size * 8, sec: s.durationSec });
  let peak = 0;
  for (let i = 0; i < sized.length; i++) {
    let [bits, sec] = [0, 0];
    for (let j = i; j < sized.length && sec + sized[j]!.sec <= 1.5 * target; j++) {
      bits += sized[j]!.bits;
      sec += sized[j]!.sec;
      if (sec >= 0.5 * target) peak = Math.max(peak, bits / sec);
    }
  }
  const total = sized.reduce((t, s) => t + s.bits, 0) / sized.reduce((t, s) => t + s.sec, 0);
  return { peak: peak || total, average: total };
}
