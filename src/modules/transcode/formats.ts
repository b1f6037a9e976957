/**
 * The allowlists. Everything not listed here is refused before ffmpeg decodes a single frame:
 * uploads are hostile, and every demuxer and decoder is attack surface.
 */

/**
 * Containers we accept, keyed by the `format_name` ffprobe reports, mapped to the demuxer we force
 * with `-f` when transcoding (the first name of the list that ffmpeg accepts as a demuxer).
 * Forcing the demuxer means ffmpeg cannot re-probe the bytes as something else (a playlist, a
 * concat list) between validation and transcoding.
 *
 * Not accepted, on purpose: `hls`, `dash`, `concat` and `image2` open other files or URLs named
 * inside the upload; raw image formats (`png_pipe`, `jpeg_pipe`, …) are not videos.
 * `asf` (WMV), `ogg` (Theora) and `dv` are accepted: old but real camera and screen-recorder
 * formats whose demuxers never follow references.
 */
export const ACCEPTED_CONTAINERS: Readonly<Record<string, string>> = {
  'mov,mp4,m4a,3gp,3g2,mj2': 'mov',
  'matroska,webm': 'matroska',
  avi: 'avi',
  mpegts: 'mpegts',
  flv: 'flv',
  mpeg: 'mpeg',
  asf: 'asf',
  ogg: 'ogg',
  // Raw DV as MiniDV camcorders and capture tools (dvgrab) write it: fixed-size frames, no index.
  dv: 'dv',
};

/**
 * Demuxers ffprobe may use at all (`-format_whitelist`): the accepted ones plus harmless still-
 * image and audio-only demuxers, so we can tell a creator "this is a PNG" instead of "unreadable".
 * None of these opens another file or URL. Anything else fails to open, with no parsing beyond
 * the probe.
 */
export const PROBE_FORMAT_WHITELIST = [
  ...Object.values(ACCEPTED_CONTAINERS),
  'png_pipe', 'jpeg_pipe', 'webp_pipe', 'gif', 'bmp_pipe', 'tiff_pipe', 'svg_pipe',
  'mp3', 'wav', 'flac', 'aac',
].join(',');

/**
 * Video codecs we decode. `mjpeg` only counts in a video container (AVI/MOV/MKV from cameras);
 * a lone JPEG is caught earlier as `jpeg_pipe`. Image codecs (png, bmp, gif…) are refused even
 * inside a video container: they are cover art or slideshows, not video.
 */
export const ACCEPTED_VIDEO_CODECS = new Set([
  'h264', 'hevc', 'vp8', 'vp9', 'av1', 'mpeg4', 'mpeg2video', 'mpeg1video', 'prores',
  'theora', 'dnxhd', 'mjpeg', 'vc1', 'wmv3', 'h263', 'flv1', 'msmpeg4v3',
  // Camcorder and editing intermediates: DV (MiniDV, DVCPRO) and GoPro CineForm (`cfhd`).
  // DNxHD/DNxHR report `dnxhd`, every ProRes flavour (4444 with alpha too) `prores`.
  'dvvideo', 'cfhd',
]);

/** Human names for the error message when the detected format is not a video container. */
export const FRIENDLY_ACCEPTED = 'MP4, MOV, MKV, WebM or AVI';
