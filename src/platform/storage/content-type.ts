import { extname } from 'node:path';

/**
 * Content types for what Kinema stores. HLS types follow RFC 8216 §4 and Apple's HLS authoring
 * spec (`video/iso.segment` for CMAF fragments, as in `mp4 mime` registrations).
 */
const TYPES: Record<string, string> = {
  '.m3u8': 'application/vnd.apple.mpegurl',
  '.m4s': 'video/iso.segment',
  '.mp4': 'video/mp4',
  '.m4a': 'audio/mp4',
  '.vtt': 'text/vtt',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.png': 'image/png',
  '.webp': 'image/webp',
  '.json': 'application/json',
  '.txt': 'text/plain; charset=utf-8',
};

/** Guesses a content type from a key or file name; `application/octet-stream` when unknown. */
export function contentTypeFor(name: string): string {
  return TYPES[extname(name).toLowerCase()] ?? 'application/octet-stream';
}
