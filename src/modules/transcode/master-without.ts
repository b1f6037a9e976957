/**
 * A master playlist without some of its rungs: what a ladder whose unplayed top rungs were removed
 * publishes. It edits the published text rather than rendering a new one, so every tag the
 * encoder wrote for the rungs that stay (codecs, measured bandwidths, audio groups, order) stays
 * byte for byte. A rung is a folder of the version (`1080p/index.m3u8`, `1080p/iframes.m3u8`);
 * every variant, I-frame variant or rendition whose URI lies in a removed folder goes.
 * @example masterWithout(text, new Set(['1080p']))
 */
export function masterWithout(master: string, removedDirs: ReadonlySet<string>): string {
  const isRemoved = (uri: string) => removedDirs.has(uri.split('/', 1)[0] ?? '');
  const lines = master.split('\n');
  const out: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.startsWith('#EXT-X-STREAM-INF:')) {
      // RFC 8216 §4.3.4.2: the URI line follows the tag (blank lines and comments may not intervene
      // in what we write, but skip them anyway).
      let j = i + 1;
      while (j < lines.length && (lines[j]!.trim() === '' || lines[j]!.startsWith('#'))) j++;
      if (j < lines.length && isRemoved(lines[j]!.trim())) {
        i = j;
        continue;
      }
    } else if (line.startsWith('#EXT-X-I-FRAME-STREAM-INF:') || line.startsWith('#EXT-X-MEDIA:')) {
      const uri = /URI="([^"]*)"/.exec(line)?.[1];
      if (uri !== undefined && isRemoved(uri)) continue;
    }
    out.push(line);
  }
  return out.join('\n');
}

/** The version folder a rung's playlist lives in (`1080p/index.m3u8` → `1080p`). */
export const rungDirOf = (playlist: string) => playlist.split('/', 1)[0] ?? playlist;
