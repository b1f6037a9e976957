// Media layout: the one place that spells where a video's bytes live in the object store and
// what the files of a ladder are called. Ingest, transcode, catalog and delivery all ask here.
//
//   originals/{videoId}/source                      the upload, as received
//   media/{videoId}/{version}/master.m3u8            master playlist
//   media/{videoId}/{version}/{rung}/index.m3u8      media playlist per rung (and audio/, audio-cellular/)
//   media/{videoId}/{version}/{rung}/iframes.m3u8    I-frame playlist per rung (byte ranges into its segments)
//   media/{videoId}/{version}/{rung}/init.mp4        CMAF init segment
//   media/{videoId}/{version}/{rung}/seg_00001.m4s   CMAF media segments
//   media/{videoId}/{version}/thumbs/…               poster, storyboard sprite + WebVTT
//
// Everything under a version prefix is immutable once published: a re-encode writes a new version.

/** Key of a video's original upload. */
export const originalKey = (videoId: string) => `originals/${videoId}/source`;

/** Prefix of everything kept of a video's original (a folder: ends in `/`). */
export const originalsPrefix = (videoId: string) => `originals/${videoId}/`;

/** Prefix of every version of a video's media. */
export const mediaPrefix = (videoId: string) => `media/${videoId}/`;

/** Prefix of one immutable version: `media/{videoId}/{version}/`. */
export const versionPrefix = (videoId: string, version: string) => `media/${videoId}/${version}/`;

/** The version a key under {@link mediaPrefix} belongs to, or undefined for other keys. */
export function versionOfKey(videoId: string, key: string): string | undefined {
  const prefix = mediaPrefix(videoId);
  if (!key.startsWith(prefix)) return undefined;
  const version = key.slice(prefix.length).split('/', 1)[0];
  return version || undefined;
}

/** File names inside a version. */
export const MASTER_PLAYLIST = 'master.m3u8';
export const MEDIA_PLAYLIST = 'index.m3u8';
export const INIT_SEGMENT = 'init.mp4';
/** The ffmpeg pattern of media segment names, numbered from 1. */
export const SEGMENT_PATTERN = 'seg_%05d.m4s';
export const AUDIO_DIR = 'audio';
/** The low-rate audio rendition of the cellular variant (its own audio group). */
export const CELLULAR_AUDIO_DIR = 'audio-cellular';
/** Per rung: the I-frame playlist (trick play), byte ranges into the rung's own segments. */
export const IFRAME_PLAYLIST = 'iframes.m3u8';
export const THUMBS_DIR = 'thumbs';
export const POSTER_FILE = `${THUMBS_DIR}/poster.jpg`;
export const STORYBOARD_IMAGE = `${THUMBS_DIR}/storyboard.jpg`;
export const STORYBOARD_VTT = `${THUMBS_DIR}/storyboard.vtt`;

/** Name of media segment `n` (1-based), e.g. `seg_00001.m4s`. */
export const segmentFile = (n: number) => `seg_${String(n).padStart(5, '0')}.m4s`;

/** Media playlist of a rung (or of the audio group), relative to the version. */
export const rungPlaylist = (rung: string) => `${rung}/${MEDIA_PLAYLIST}`;

/** I-frame playlist of a rung, relative to the version. */
export const rungIframePlaylist = (rung: string) => `${rung}/${IFRAME_PLAYLIST}`;

/** A fresh, sortable, unguessable version name: `v{time base36}{6 hex}`. */
export function newVersionName(nowMs: number, random: string): string {
  return `v${nowMs.toString(36)}${random}`;
}
