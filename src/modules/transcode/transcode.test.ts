import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readdir, readFile, stat, truncate, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  decodeErrors,
  probeVideo,
  readSegments,
  readVariants,
  segmentStartsWithKeyframe,
} from '../../../test/fixtures/hls-checks.js';
import { ffmpeg, ffprobeJson, makeClip, tempDir } from '../../../test/fixtures/media.js';
import { isPermanentFailure } from './input-errors.js';
import { transcodeFile } from './transcode-file.js';
import type { Rendition } from './types.js';

describe('transcodeFile (real ffmpeg)', () => {
  let dir = '';
  let cleanup = async () => {};
  before(async () => ({ dir, cleanup } = await tempDir()));
  after(() => cleanup());

  test('turns an mp4 with audio into a playable HLS ladder with aligned keyframes', async () => {
    const clip = await makeClip(dir, { width: 640, height: 360, durationSec: 9 });
    const out = join(dir, 'ladder');
    const progress: number[] = [];
    const result = await transcodeFile(clip, out, { onProgress: (p) => progress.push(p) });

    assert.deepEqual(result.renditions.map((r) => `${r.label} ${r.width}x${r.height}`), ['360p 640x360', '240p 426x240', '144p 256x144']);
    assert.equal(result.hasAudio, true);
    assert.ok(Math.abs(result.durationSec - 9) < 0.2);
    assert.deepEqual([progress.at(-1), [...progress].sort((a, b) => a - b)], [100, progress]);

    const master = await readFile(join(out, 'master.m3u8'), 'utf8');
    assert.match(master, /^#EXTM3U\n/);
    assert.match(master, /#EXT-X-INDEPENDENT-SEGMENTS/);
    assert.match(master, /#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="audio",.*URI="audio\/index\.m3u8"/);
    assert.match(master, /#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="audio-cellular",NAME="Default",.*URI="audio-cellular\/index\.m3u8"/);
    const variants = await readVariants(join(out, 'master.m3u8'));
    assert.equal(variants.length, 3);
    for (const v of variants) {
      const group = v.uri === '144p/index.m3u8' ? 'audio-cellular' : 'audio';
      assert.match(v.attrs, new RegExp(`BANDWIDTH=\\d+,AVERAGE-BANDWIDTH=\\d+,CODECS="avc1\\.64[0-9a-f]{4},mp4a\\.40\\.2",RESOLUTION=\\d+x\\d+,FRAME-RATE=30\\.000,AUDIO="${group}"`));
      assert.match(v.uri, /^\d+p\/index\.m3u8$/);
    }

    const segmentLists: string[] = [];
    for (const r of result.renditions) {
      const playlist = join(out, r.playlist);
      const text = await readFile(playlist, 'utf8');
      assert.doesNotMatch(text, /^(\/|[a-z]+:)/m, 'media playlist URIs must be relative');
      assert.equal(await decodeErrors(playlist), '');
      const stream = await probeVideo(playlist);
      assert.deepEqual([stream.width, stream.height, stream.pix_fmt, stream.codec_name], [r.width, r.height, 'yuv420p', 'h264']);
      const segments = await readSegments(playlist);
      assert.ok(segments.length >= 2);
      segmentLists.push(segments.map((s) => s.durationSec.toFixed(3)).join(' '));
      for (const s of segments) {
        assert.ok(await segmentStartsWithKeyframe(join(out, r.label), s.uri, dir), `${r.label}/${s.uri} starts without a keyframe`);
      }
    }
    assert.equal(new Set(segmentLists).size, 1, `segment durations differ across rungs: ${segmentLists.join(' | ')}`);

    // BANDWIDTH is the peak segment bitrate and AVERAGE-BANDWIDTH the mean (RFC 8216 §4.3.4.2),
    // video plus audio, measured from the files the encoder wrote (the encoder is capped CRF, so
    // the table's ceilings say nothing about them). Apple: peak within 2x of the average.
    const audioRates = {
      audio: await segmentBitrates(join(out, 'audio', 'index.m3u8')),
      'audio-cellular': await segmentBitrates(join(out, 'audio-cellular', 'index.m3u8')),
    };
    for (const v of variants) {
      const videoRate = await segmentBitrates(join(out, v.uri));
      const audioRate = v.attrs.includes('AUDIO="audio-cellular"') ? audioRates['audio-cellular'] : audioRates.audio;
      const attr = (name: string) => Number(new RegExp(`(?:^|,)${name}=(\\d+)`).exec(v.attrs)?.[1]);
      const [bandwidth, average] = [attr('BANDWIDTH'), attr('AVERAGE-BANDWIDTH')];
      assert.ok(Math.abs(bandwidth - (videoRate.peak + audioRate.peak)) <= 2, `${v.uri}: BANDWIDTH ${bandwidth} vs measured ${videoRate.peak + audioRate.peak}`);
      assert.ok(Math.abs(average - (videoRate.average + audioRate.average)) <= 2, `${v.uri}: AVERAGE-BANDWIDTH ${average} vs measured ${videoRate.average + audioRate.average}`);
      assert.ok(average <= bandwidth && bandwidth <= 2 * average, `${v.uri}: peak ${bandwidth} not within 2x of average ${average}`);
    }
    // Apple HLS authoring spec: one variant at or under 192 kbit/s in total, for cellular.
    const cellular = variants.find((v) => v.uri === '144p/index.m3u8');
    assert.ok(cellular && Number(/(?:^|,)BANDWIDTH=(\d+)/.exec(cellular.attrs)?.[1]) <= 192_000, `cellular variant: ${cellular?.attrs}`);
    await assertIframePlaylists(out, master, result.renditions, dir);

    assert.equal(await decodeErrors(join(out, 'audio', 'index.m3u8')), '');
    const audio = await ffprobeJson(['-select_streams', 'a:0', '-show_streams', join(out, 'audio', 'index.m3u8')]);
    assert.deepEqual([audio.streams[0].codec_name, audio.streams[0].channels], ['aac', 2]);

    const poster = await ffprobeJson(['-show_streams', join(out, result.poster)]);
    assert.deepEqual([poster.streams[0].width, poster.streams[0].height], [640, 360]);
    const sprite = await ffprobeJson(['-show_streams', join(out, result.storyboardImage)]);
    assert.deepEqual([sprite.streams[0].width, sprite.streams[0].height], [9 * 160, 90]);
    const vtt = await readFile(join(out, result.storyboardVtt), 'utf8');
    assert.match(vtt, /^WEBVTT\n\n00:00:00\.000 --> 00:00:01\.000\nstoryboard\.jpg#xywh=0,0,160,90\n/);
    assert.equal(vtt.match(/#xywh=/g)?.length, 9);
  });

  test('a source without audio produces a ladder with no audio group', async () => {
    const clip = await makeClip(dir, { durationSec: 2, hasAudio: false, name: 'silent.mp4' });
    const out = join(dir, 'silent');
    const result = await transcodeFile(clip, out);
    const master = await readFile(join(out, 'master.m3u8'), 'utf8');
    assert.equal(result.hasAudio, false);
    assert.doesNotMatch(master, /EXT-X-MEDIA|AUDIO=|mp4a/);
    assert.equal(existsSync(join(out, 'audio')), false);
    assert.match(result.renditions[0]?.codecs ?? '', /^avc1\.[0-9a-f]{6}$/);
  });

  test('a portrait source comes out portrait', async () => {
    const clip = await makeClip(dir, { width: 180, height: 320, durationSec: 2, name: 'portrait.mp4' });
    const result = await transcodeFile(clip, join(dir, 'portrait'));
    assert.deepEqual(result.renditions.map((r) => `${r.label} ${r.width}x${r.height}`), ['180p 180x320']);
    const stream = await probeVideo(join(dir, 'portrait', '180p', 'index.m3u8'));
    assert.deepEqual([stream.width, stream.height], [180, 320]);
  });

  test('a rotated source (landscape pixels, rotate=90) comes out in display orientation, rotated once', async () => {
    const pixels = await makeClip(dir, { width: 320, height: 180, durationSec: 2, name: 'pixels.mp4' });
    const rotated = join(dir, 'rotated.mp4');
    // ffmpeg 5.1 has no -display_rotation; on stream copy the mov muxer turns this tag into a display matrix.
    await ffmpeg(['-i', pixels, '-c', 'copy', '-metadata:s:v:0', 'rotate=90', rotated]);
    const result = await transcodeFile(rotated, join(dir, 'rotated'));
    assert.deepEqual(result.renditions.map((r) => `${r.width}x${r.height}`), ['180x320']);
    const stream = await probeVideo(join(dir, 'rotated', '180p', 'index.m3u8'));
    assert.deepEqual([stream.width, stream.height], [180, 320]);
    const rotation = (stream.side_data_list ?? []).find((d: { rotation?: number }) => d.rotation)?.rotation ?? stream.tags?.rotate;
    assert.equal(rotation, undefined, 'the output must not carry a second rotation');
  });

  test('odd dimensions become even', async () => {
    const clip = await makeClip(dir, { width: 321, height: 181, durationSec: 2, name: 'odd.mp4' });
    const result = await transcodeFile(clip, join(dir, 'odd'));
    assert.deepEqual(result.renditions.map((r) => `${r.width}x${r.height}`), ['320x180']);
    assert.equal(await decodeErrors(join(dir, 'odd', '180p', 'index.m3u8')), '');
  });

  test('a 10-bit source comes out 8-bit yuv420p', async () => {
    const clip = await makeClip(dir, {
      durationSec: 2,
      name: 'ten-bit.mp4',
      videoArgs: ['-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p10le'],
    });
    const result = await transcodeFile(clip, join(dir, 'ten-bit'));
    const stream = await probeVideo(join(dir, 'ten-bit', result.renditions[0]!.playlist));
    assert.deepEqual([stream.pix_fmt, stream.profile], ['yuv420p', 'High']);
  });

  test('an HDR (PQ, BT.2020) source is tone-mapped to SDR BT.709', async () => {
    const clip = await makeClip(dir, {
      durationSec: 2,
      name: 'hdr.mp4',
      videoArgs: ['-c:v', 'libx265', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p10le', '-x265-params', 'log-level=error',
        '-color_primaries', 'bt2020', '-color_trc', 'smpte2084', '-colorspace', 'bt2020nc'],
    });
    const result = await transcodeFile(clip, join(dir, 'hdr'));
    const stream = await probeVideo(join(dir, 'hdr', result.renditions[0]!.playlist));
    assert.equal(stream.pix_fmt, 'yuv420p');
    assert.notEqual(stream.color_transfer, 'smpte2084');
  });

  test('an interlaced source comes out progressive', async () => {
    const clip = await makeClip(dir, {
      durationSec: 2,
      name: 'interlaced.mp4',
      videoArgs: ['-c:v', 'libx264', '-preset', 'ultrafast', '-flags', '+ildct+ilme', '-x264-params', 'tff=1'],
    });
    const source = await ffprobeJson(['-select_streams', 'v:0', '-show_streams', clip]);
    assert.equal(source.streams[0].field_order, 'tt', 'fixture should be interlaced');
    const result = await transcodeFile(clip, join(dir, 'interlaced'));
    const stream = await probeVideo(join(dir, 'interlaced', result.renditions[0]!.playlist));
    assert.ok(['progressive', undefined].includes(stream.field_order), `field_order ${stream.field_order}`);
  });

  test('an mp4 truncated after its index (faststart) is rejected as corrupt', async () => {
    const clip = await makeClip(dir, {
      durationSec: 6,
      name: 'faststart.mp4',
      videoArgs: ['-c:v', 'libx264', '-preset', 'ultrafast', '-movflags', '+faststart'],
    });
    await truncate(clip, Math.floor((await stat(clip)).size / 2));
    await assert.rejects(transcodeFile(clip, join(dir, 'faststart')), (err: unknown) => {
      assert.ok(isPermanentFailure(err), String(err));
      assert.equal(err.code, 'INPUT_CORRUPT');
      assert.match(err.message, /truncated or corrupt/);
      return true;
    });
  });

  test('aborting kills ffmpeg and rejects', async () => {
    const clip = await makeClip(dir, { width: 640, height: 360, durationSec: 30, hasAudio: false, name: 'long.mp4' });
    const out = join(dir, 'aborted');
    const controller = new AbortController();
    await assert.rejects(
      transcodeFile(clip, out, { signal: controller.signal, onProgress: (p) => p < 100 && controller.abort() }),
      (err: Error & { code?: string }) => err.code === 'TRANSCODE_ABORTED',
    );
    assert.equal(await ffmpegProcessesWriting(out), 0, 'ffmpeg is still running');
  });
});

/**
 * Every rung has an I-frame playlist in the master (CODECS video only, its RESOLUTION, measured
 * BANDWIDTH), whose byte ranges each cut a keyframe out of the rung's own segments: init + that
 * range is an MP4 whose first video packet ffprobe flags as a keyframe.
 */
async function assertIframePlaylists(out: string, master: string, renditions: Rendition[], scratch: string): Promise<void> {
  const iframeLines = master.split('\n').filter((l) => l.startsWith('#EXT-X-I-FRAME-STREAM-INF:'));
  assert.equal(iframeLines.length, renditions.length);
  for (const r of renditions) {
    const line = iframeLines.find((l) => l.includes(`URI="${r.label}/iframes.m3u8"`));
    assert.ok(line, `no I-frame playlist for ${r.label}`);
    assert.match(line, new RegExp(`BANDWIDTH=\\d+,AVERAGE-BANDWIDTH=\\d+,CODECS="${r.codecs.split(',')[0]}",RESOLUTION=${r.width}x${r.height},`));
    const text = await readFile(join(out, r.label, 'iframes.m3u8'), 'utf8');
    assert.match(text, /#EXT-X-I-FRAMES-ONLY\n#EXT-X-MAP:URI="init\.mp4"\n/);
    assert.match(text, /#EXT-X-ENDLIST\n$/);
    const ranges = [...text.matchAll(/#EXTINF:([\d.]+),\n#EXT-X-BYTERANGE:(\d+)@(\d+)\n(seg_\d+\.m4s)\n/g)];
    assert.equal(ranges.length, (await readSegments(join(out, r.playlist))).length);
    const sized: Array<{ bits: number; sec: number }> = [];
    for (const [, duration, length, offset, uri] of ranges) {
      const segment = await readFile(join(out, r.label, uri!));
      const [start, size] = [Number(offset), Number(length)];
      assert.ok(start + size <= segment.length && size < segment.length, `${r.label} ${uri}: range ${size}@${start} of ${segment.length}`);
      assert.equal(segment.toString('latin1', start + 4, start + 8), 'moof');
      const file = join(scratch, `iframe-${r.label}-${uri}.mp4`);
      await writeFile(file, Buffer.concat([await readFile(join(out, r.label, 'init.mp4')), segment.subarray(start, start + size)]));
      const probe = await ffprobeJson(['-v', 'quiet', '-select_streams', 'v:0', '-show_entries', 'packet=flags,size', '-read_intervals', '%+#1', file]);
      assert.match(String(probe.packets?.[0]?.flags), /^K/, `${r.label} ${uri}: the range does not start with a keyframe`);
      sized.push({ bits: size * 8, sec: Number(duration) });
    }
    const target = Number(/#EXT-X-TARGETDURATION:(\d+)/.exec(text)?.[1]);
    assert.match(line, new RegExp(`BANDWIDTH=${Math.ceil(runPeak(sized, target))},`));
  }
}

/** Processes whose command line mentions `outDir` (only our ffmpeg would). */
async function ffmpegProcessesWriting(outDir: string): Promise<number> {
  let count = 0;
  for (const pid of await readdir('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      const cmd = await readFile(`/proc/${pid}/cmdline`, 'utf8');
      const state = (await readFile(`/proc/${pid}/stat`, 'utf8')).split(' ')[2];
      if (cmd.includes(outDir) && state !== 'Z') count++;
    } catch {
      // The process exited between readdir and readFile: it is not running, which is the point.
    }
  }
  return count;
}

/**
 * Peak and mean bitrate (bit/s) of a media playlist's segments, from their sizes on disk. The peak
 * is RFC 8216's: the highest rate of any run of consecutive segments lasting 0.5–1.5 target durations.
 */
async function segmentBitrates(playlistPath: string): Promise<{ peak: number; average: number }> {
  const dir = dirname(playlistPath);
  const target = Number(/#EXT-X-TARGETDURATION:(\d+)/.exec(await readFile(playlistPath, 'utf8'))?.[1]);
  const sized: Array<{ bits: number; sec: number }> = [];
  for (const s of await readSegments(playlistPath)) sized.push({ bits: (await stat(join(dir, s.uri))).size * 8, sec: s.durationSec });
  return { peak: runPeak(sized, target), average: sum(sized, 'bits') / sum(sized, 'sec') };
}

function runPeak(items: Array<{ bits: number; sec: number }>, target: number): number {
  let peak = 0;
  for (let i = 0; i < items.length; i++) {
    for (let j = i + 1; j <= items.length; j++) {
      const run = items.slice(i, j);
      const sec = sum(run, 'sec');
      if (sec >= 0.5 * target && sec <= 1.5 * target) peak = Math.max(peak, sum(run, 'bits') / sec);
    }
  }
  return peak;
}

const sum = <K extends string>(items: Array<Record<K, number>>, key: K) => items.reduce((total, item) => total + item[key], 0);
