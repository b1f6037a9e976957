import { AppError } from '../../platform/errors.js';

/**
 * Stable error codes for uploads we refuse. Each is a 422 (the request was well formed, the file
 * is not something we can turn into a video) and is permanent: retrying the same bytes cannot
 * succeed, so the job queue must not retry them (see `isPermanentFailure`).
 */
export const INPUT_ERROR_CODES = [
  'INPUT_EMPTY',
  'INPUT_NOT_A_VIDEO',
  'INPUT_UNSUPPORTED_CODEC',
  'INPUT_CORRUPT',
  'INPUT_TOO_LONG',
  'INPUT_RESOLUTION_TOO_LARGE',
  'INPUT_SPARSE_FRAMES',
  'INPUT_OVER_BUDGET',
] as const;

export type InputErrorCode = (typeof INPUT_ERROR_CODES)[number];

const ACCEPTED_HINT = 'Upload an MP4, MOV, MKV, WebM or AVI file.';

/** Build a 422 AppError for a refused input. */
export function inputError(code: InputErrorCode, message: string, details?: Record<string, unknown>): AppError {
  return new AppError(code, 422, message, details);
}

export const notAVideo = (detected: string) =>
  inputError(
    'INPUT_NOT_A_VIDEO',
    `This file is not a video we can read (detected: ${detected}). ${ACCEPTED_HINT}`,
    { detected },
  );

export const emptyInput = () => inputError('INPUT_EMPTY', `The file is empty (0 bytes). ${ACCEPTED_HINT}`);

export const corruptInput = (why: string) =>
  inputError(
    'INPUT_CORRUPT',
    `The file is truncated or corrupt (${why}). Check that the upload finished, or export the video again.`,
  );

/**
 * Failures found while encoding that the same bytes would meet again: the encode wrote more than
 * its ladder can hold (see output-size.ts). Retrying would only spend the compute three times.
 */
const PERMANENT_ENCODE_CODES = ['TRANSCODE_OUTPUT_TOO_LARGE'];

/**
 * True when retrying cannot help: the input itself was refused, or encoding it ran into a bound
 * the same bytes would hit again. Anything else (ffmpeg crashed, scratch disk full, the worker
 * was killed, a probe timed out on a busy machine, an encode ran past its time limit:
 * TRANSCODE_TIMEOUT) may succeed next time.
 *
 * @example if (isPermanentFailure(err)) await markFailed(job, err.message); else throw err;
 */
export function isPermanentFailure(err: unknown): err is AppError {
  return (
    err instanceof AppError &&
    ((INPUT_ERROR_CODES as readonly string[]).includes(err.code) || PERMANENT_ENCODE_CODES.includes(err.code))
  );
}
