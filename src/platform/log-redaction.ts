/**
 * Credentials that travel in URLs, removed from every log line before it is written. A signed
 * media URL (`/media/s/{exp}.{sig}/{videoId}/…`, src/modules/delivery/signed-url.ts) is a bearer
 * grant to a private video for hours: anyone who reads the log could replay it. The expiry is
 * kept (it explains a 403 and grants nothing); whatever else fills the segment goes, valid or not.
 * The nginx edge rewrites its access log the same way (src/modules/delivery/edge-config.ts).
 */
const SIGNED_MEDIA_SEGMENT = /(\/media\/s\/)(\d{1,12}\.)?[^/?#\s"\\]+/g;

export const REDACTED = 'REDACTED';

/**
 * @example redactUrlCredentials('/media/s/1767225600.Xy-z_/AbCdEfGhIjK/v1/master.m3u8')
 *   // '/media/s/1767225600.REDACTED/AbCdEfGhIjK/v1/master.m3u8'
 */
export function redactUrlCredentials(text: string): string {
  // Most lines hold no media URL at all: skip the regex for them.
  if (!text.includes('/media/s/')) return text;
  return text.replace(SIGNED_MEDIA_SEGMENT, `$1$2${REDACTED}`);
}
