import { createServer, type Server } from 'node:http';

/**
 * A synthetic media origin for the CDN benches: `/media/{video}/v1/{file}` answers `sizeOf(path)`
 * bytes after `delayMs` (the object store's first-byte time), with the origin's real cache
 * headers, and counts what it served. Standing in for the api so the benches measure the tiers,
 * not Kinema's origin code (test/edge-tiers.test.ts runs the tiers in front of the real one).
 */
export interface SyntheticOrigin {
  host: string;
  /** Requests answered per path since the start (or the last reset). */
  fetches: Map<string, number>;
  bytes(): number;
  reset(): void;
  close(): Promise<void>;
}

export async function startSyntheticOrigin(opts: { sizeOf: (path: string) => number; delayMs?: number }): Promise<SyntheticOrigin> {
  const fetches = new Map<string, number>();
  let bytes = 0;
  const chunk = Buffer.alloc(64 * 1024, 0x4b);
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0]!;
    fetches.set(path, (fetches.get(path) ?? 0) + 1);
    const size = opts.sizeOf(path);
    const send = () => {
      res.writeHead(200, { 'content-type': 'video/iso.segment', 'content-length': size, 'cache-control': 'public, max-age=31536000, immutable' });
      let left = size;
      const write = () => {
        while (left > 0) {
          const n = Math.min(left, chunk.length);
          left -= n;
          bytes += n;
          if (!res.write(n === chunk.length ? chunk : chunk.subarray(0, n))) return void res.once('drain', write);
        }
        res.end();
      };
      write();
    };
    if (opts.delayMs) setTimeout(send, opts.delayMs);
    else send();
  });
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    host: `127.0.0.1:${(server.address() as { port: number }).port}`,
    fetches,
    bytes: () => bytes,
    reset() {
      fetches.clear();
      bytes = 0;
    },
    close: () => new Promise((r) => { server.closeAllConnections(); server.close(() => r()); }),
  };
}

/** Percentile (nearest rank) of a list of numbers. */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}
