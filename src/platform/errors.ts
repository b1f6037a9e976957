/**
 * One error family for the whole platform. An AppError carries a stable `code` clients can
 * switch on, the HTTP status it maps to, and a message a person can act on. Anything that is not
 * an AppError reaching the HTTP layer is a bug: it becomes a 500 with a logged id and no details.
 *
 * @example throw new AppError('VIDEO_NOT_FOUND', 404, 'No video with id "abc". Check the link.')
 */
export class AppError extends Error {
  constructor(
    readonly code: string,
    readonly status: number,
    message: string,
    /** Extra fields merged into the JSON error body (e.g. `retryAfterSec`). */
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'AppError';
  }
}

export const isAppError = (err: unknown): err is AppError => err instanceof AppError;

export const notFound = (code: string, message: string) => new AppError(code, 404, message);
export const badRequest = (code: string, message: string) => new AppError(code, 400, message);
export const unauthorized = (message = 'Sign in first: send a Bearer token or the session cookie.') =>
  new AppError('UNAUTHENTICATED', 401, message);
export const forbidden = (message: string) => new AppError('FORBIDDEN', 403, message);
export const conflict = (code: string, message: string) => new AppError(code, 409, message);
