import { open } from 'node:fs/promises';

/**
 * Looks at the first bytes of an upload for things that must never reach a media demuxer and
 * deserve a precise message: HLS/DASH playlists, ffconcat lists, SDP files, plain text. Reading
 * 4 KiB is enough (and never the whole file). ffprobe's `-format_whitelist` is the real security
 * boundary; this only names what was uploaded.
 */

const HEAD_BYTES = 4096;

/** What the head of the file looks like: a known non-video kind, 'empty', or undefined. */
export async function sniffNonMedia(path: string): Promise<string | undefined> {
  const head = await readHead(path);
  return head.length === 0 ? 'empty' : classifyHead(head);
}

/** The first 4 KiB of a file (fewer if it is shorter). */
export async function readHead(path: string): Promise<Buffer> {
  const handle = await open(path, 'r');
  try {
    const buf = Buffer.alloc(HEAD_BYTES);
    const { bytesRead } = await handle.read(buf, 0, HEAD_BYTES, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

/** Classify the head bytes of a file. Exported for unit tests. */
export function classifyHead(head: Buffer): string | undefined {
  const image = imageKind(head);
  if (image) return image;
  const text = head.toString('latin1').replace(/^\uFEFF|^\xEF\xBB\xBF/, '').trimStart();
  if (text.startsWith('#EXTM3U')) return 'hls playlist';
  if (text.startsWith('ffconcat')) return 'ffconcat list';
  if (/^<\?xml[\s\S]*<MPD/i.test(text) || text.startsWith('<MPD')) return 'dash manifest';
  if (/^v=0\r?\n/.test(text)) return 'sdp';
  if (isText(head)) return 'text';
  return undefined;
}

/**
 * Still images, named like ffprobe names their demuxers. Caught here because with a `.jpg` name
 * ffprobe picks the `image2` demuxer, which the whitelist refuses with a vaguer error.
 */
function imageKind(head: Buffer): string | undefined {
  const starts = (bytes: number[], at = 0) => bytes.every((b, i) => head[at + i] === b);
  if (starts([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'png_pipe';
  if (starts([0xff, 0xd8, 0xff])) return 'jpeg_pipe';
  if (head.subarray(0, 4).toString('latin1') === 'GIF8') return 'gif';
  if (head.subarray(0, 4).toString('latin1') === 'RIFF' && head.subarray(8, 12).toString('latin1') === 'WEBP') return 'webp_pipe';
  if (starts([0x42, 0x4d]) && head.length >= 26 && head.readUInt32LE(14) >= 12 && head.readUInt32LE(14) <= 124) return 'bmp_pipe';
  return undefined;
}

/**
 * True if the file starts like an ISO BMFF (MP4/MOV) file: a box type we know at offset 4.
 * Tells "an MP4 whose index is missing" (corrupt) from "bytes that are not media at all".
 */
export function looksLikeIsoBmff(head: Buffer): boolean {
  return ['ftyp', 'moov', 'mdat', 'free', 'wide', 'skip', 'pnot', 'uuid'].includes(head.subarray(4, 8).toString('latin1'));
}

/** No control bytes other than tab/newline/carriage return/form feed: a text file, not media. */
function isText(head: Buffer): boolean {
  for (const byte of head) {
    if (byte < 0x09 || (byte > 0x0d && byte < 0x20) || byte === 0x7f) return false;
  }
  return true;
}
