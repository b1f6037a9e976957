// Kinema signed-media token check for an nginx edge (njs). It verifies, without a database, the
// tokens the play API puts in private media URLs (docs/DELIVERY.md, "Signed URLs"), so forged or
// expired links are refused at the edge and never reach an origin.
// nginx.conf: `env MEDIA_SIGNING_SECRET;` (main context), `js_import kinema from <this file>;`
// and `js_set $kinema_token kinema.check;`; `kinema edge-config --verify-tokens` writes that.
import crypto from 'crypto';

const SEGMENT = /^[A-Za-z0-9_-][A-Za-z0-9._-]*$/;
const SIGNED = /^\/media\/s\/([0-9]{1,12})\.([A-Za-z0-9_-]{43})\/([A-Za-z0-9_-]{11})\/([^/]+)\/(.+)$/;

/** "ok" | "forbidden" | "not_found" for the raw request path (not nginx's normalised $uri). */
function check(r) {
  const m = SIGNED.exec(r.variables.request_uri.split('?')[0]);
  if (!m || !SEGMENT.test(m[4]) || !m[5].split('/').every((s) => SEGMENT.test(s))) return 'not_found';
  const prefix = `media/${m[3]}/${m[4]}/`;
  const sig = crypto.createHmac('sha256', process.env.MEDIA_SIGNING_SECRET).update(`${m[1]}:${prefix}`).digest('base64url');
  // Constant time, like the origin: the comparison must not leak how much of a forgery matched.
  let diff = sig.length ^ m[2].length;
  for (let i = 0; i < sig.length; i++) diff |= sig.charCodeAt(i) ^ m[2].charCodeAt(i);
  if (diff !== 0) return 'forbidden';
  return Number(m[1]) > Date.now() / 1000 ? 'ok' : 'forbidden';
}

export default { check };
