import { open } from 'node:fs/promises';

/**
 * Finds where each movie fragment of a CMAF segment starts and where its first sample (the
 * keyframe a segment starts with) ends, by walking the ISO BMFF boxes (ISO/IEC 14496-12 §8.8):
 * `moof` → `traf` → `tfhd` + `trun`. Reads only the head of each fragment (the `moof`), never the
 * media data. What the I-frame playlists are built from.
 */

export interface FragmentKeyframe {
  /** Byte offset of the `moof` in the segment file. */
  moofOffset: number;
  /** Byte offset just past the first sample's data (inside the `mdat` that follows). */
  firstSampleEnd: number;
  /** The first sample is a sync sample (an IDR frame for H.264). */
  isSync: boolean;
}

const BOX_HEADER = 8;
/** Enough for styp + sidx + a moof of a 4 s fragment at 60 fps (~1.5 KB); longer ones are read again. */
const HEAD_BYTES = 64 * 1024;

// tfhd flags (§8.8.7)
const TFHD_BASE_DATA_OFFSET = 0x000001;
const TFHD_SAMPLE_DESCRIPTION_INDEX = 0x000002;
const TFHD_DEFAULT_DURATION = 0x000008;
const TFHD_DEFAULT_SIZE = 0x000010;
const TFHD_DEFAULT_FLAGS = 0x000020;
// trun flags (§8.8.8)
const TRUN_DATA_OFFSET = 0x000001;
const TRUN_FIRST_SAMPLE_FLAGS = 0x000004;
const TRUN_SAMPLE_DURATION = 0x000100;
const TRUN_SAMPLE_SIZE = 0x000200;
const TRUN_SAMPLE_FLAGS = 0x000400;
/** sample_is_non_sync_sample in the sample flags (§8.8.3.1). */
const NON_SYNC_SAMPLE = 0x00010000;

interface Box {
  type: string;
  start: number;
  size: number;
}

/** Top-level boxes in `buf` (sizes may run past it: only headers are needed). */
function* boxes(buf: Buffer, from: number, to: number): Generator<Box> {
  let at = from;
  while (at + BOX_HEADER <= to) {
    let size = buf.readUInt32BE(at);
    const type = buf.toString('latin1', at + 4, at + 8);
    if (size === 1) {
      if (at + 16 > buf.length) return;
      size = Number(buf.readBigUInt64BE(at + 8));
    } else if (size === 0) size = to - at; // "extends to the end of the file"
    if (size < BOX_HEADER) throw new Error(`malformed ${type} box at ${at}`);
    yield { type, start: at, size };
    at += size;
  }
}

function child(buf: Buffer, parent: Box, type: string): Box | undefined {
  for (const box of boxes(buf, parent.start + BOX_HEADER, parent.start + parent.size)) if (box.type === type) return box;
  return undefined;
}

/**
 * The keyframe of one `moof` (given fully in `buf` at `moof.start`), with offsets relative to
 * `base` (the file offset of `buf[0]`).
 */
function readFragment(buf: Buffer, moof: Box, base: number): FragmentKeyframe {
  const traf = child(buf, moof, 'traf');
  const tfhd = traf && child(buf, traf, 'tfhd');
  const trun = traf && child(buf, traf, 'trun');
  if (!traf || !tfhd || !trun) throw new Error(`moof at ${base + moof.start} has no traf/tfhd/trun`);

  const tfhdFlags = buf.readUInt32BE(tfhd.start + BOX_HEADER) & 0xffffff;
  let at = tfhd.start + BOX_HEADER + 8; // version+flags, track_ID
  let baseDataOffset = base + moof.start; // default-base-is-moof, and the default for the first traf
  if (tfhdFlags & TFHD_BASE_DATA_OFFSET) {
    baseDataOffset = Number(buf.readBigUInt64BE(at));
    at += 8;
  }
  if (tfhdFlags & TFHD_SAMPLE_DESCRIPTION_INDEX) at += 4;
  if (tfhdFlags & TFHD_DEFAULT_DURATION) at += 4;
  const defaultSize = tfhdFlags & TFHD_DEFAULT_SIZE ? buf.readUInt32BE(at) : undefined;
  if (tfhdFlags & TFHD_DEFAULT_SIZE) at += 4;
  const defaultFlags = tfhdFlags & TFHD_DEFAULT_FLAGS ? buf.readUInt32BE(at) : undefined;

  const trunFlags = buf.readUInt32BE(trun.start + BOX_HEADER) & 0xffffff;
  at = trun.start + BOX_HEADER + 4;
  const sampleCount = buf.readUInt32BE(at);
  at += 4;
  if (sampleCount === 0) throw new Error(`empty trun at ${base + trun.start}`);
  if (!(trunFlags & TRUN_DATA_OFFSET)) throw new Error(`trun at ${base + trun.start} has no data offset`);
  const dataStart = baseDataOffset + buf.readInt32BE(at);
  at += 4;
  let flags = defaultFlags;
  if (trunFlags & TRUN_FIRST_SAMPLE_FLAGS) {
    flags = buf.readUInt32BE(at);
    at += 4;
  }
  // The first sample's entry: [duration] [size] [flags] [composition offset].
  if (trunFlags & TRUN_SAMPLE_DURATION) at += 4;
  const size = trunFlags & TRUN_SAMPLE_SIZE ? buf.readUInt32BE(at) : defaultSize;
  if (trunFlags & TRUN_SAMPLE_SIZE) at += 4;
  if (trunFlags & TRUN_SAMPLE_FLAGS && !(trunFlags & TRUN_FIRST_SAMPLE_FLAGS)) flags = buf.readUInt32BE(at);
  if (size === undefined) throw new Error(`trun at ${base + trun.start} gives no sample size`);
  return { moofOffset: base + moof.start, firstSampleEnd: dataStart + size, isSync: flags !== undefined && (flags & NON_SYNC_SAMPLE) === 0 };
}

/**
 * Every movie fragment of a CMAF segment file with its first sample's extent, in file order.
 *
 * @example
 * const [first] = await readFragmentKeyframes('720p/seg_00001.m4s');
 * // EXT-X-BYTERANGE:${first.firstSampleEnd - first.moofOffset}@${first.moofOffset}
 */
export async function readFragmentKeyframes(path: string): Promise<FragmentKeyframe[]> {
  const handle = await open(path, 'r');
  try {
    const fileSize = (await handle.stat()).size;
    const found: FragmentKeyframe[] = [];
    let offset = 0;
    while (offset + BOX_HEADER <= fileSize) {
      const head = Buffer.alloc(Math.min(HEAD_BYTES, fileSize - offset));
      await handle.read(head, 0, head.length, offset);
      const box = boxes(head, 0, head.length).next().value;
      if (!box) break;
      if (box.type === 'moof') {
        const moof = box.size <= head.length ? head : Buffer.alloc(box.size);
        if (moof !== head) await handle.read(moof, 0, box.size, offset);
        found.push(readFragment(moof, { ...box, start: 0 }, offset));
      }
      offset += box.size;
    }
    return found;
  } finally {
    await handle.close();
  }
}
