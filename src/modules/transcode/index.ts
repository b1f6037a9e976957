/**
 * Transcode module: turns an uploaded file into a streamable CMAF HLS ladder (plus poster and
 * storyboard) after refusing anything that is not a video we can safely decode.
 * Used by the worker's transcode job handler and by `kinema transcode`.
 */
export { probeMedia, type ProbeOptions } from './probe.js';
export { validateSource, DEFAULT_MAX_DURATION_SEC } from './validate.js';
export { isPermanentFailure, INPUT_ERROR_CODES, type InputErrorCode } from './input-errors.js';
export { planLadder } from './ladder.js';
export { transcodeToHls, type TranscodeInput, type TranscodeOptions } from './transcode-hls.js';
export { transcodeFile, type TranscodeFileOptions } from './transcode-file.js';
export { liveMediaPlaylist, playlistDirs, readGrowingPlaylist, renderLiveMaster, type GrowingPlaylist } from './live-playlists.js';
export {
  encodeTimeLimitSec,
  DEFAULT_MAX_ENCODE_GIGAPIXELS,
  longestEncodeTimeLimitSec,
  HEAVIEST_LEGAL_SOURCE,
  type EncodeWorkSource,
} from './encode-limits.js';
export { runTranscodeCommand } from './cli-command.js';
export { masterWithout, rungDirOf } from './master-without.js';
export { assertCodecEncodersAvailable, codecRungLabel, parseLadderCodecs, VIDEO_CODECS, type VideoCodec } from './codecs.js';
export { assertTranscodeToolsAvailable } from './tools-check.js';
export type {
  FrameRate,
  HlsOutput,
  LadderPlan,
  LadderRung,
  ProbeResult,
  Rendition,
  SourceLimits,
  ValidatedSource,
} from './types.js';
