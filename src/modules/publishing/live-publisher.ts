import { Readable } from 'node:stream';
import { join } from 'node:path';
import type { Logger } from '../../platform/log.js';
import { forEachLimited, listFilesRecursive, type ObjectStore } from '../../platform/storage/index.js';
import type { LivePlayback } from '../catalog/index.js';
import { INIT_SEGMENT, MASTER_PLAYLIST, MEDIA_PLAYLIST } from '../media-layout/index.js';
import { liveMediaPlaylist, playlistDirs, readGrowingPlaylist, renderLiveMaster, type LadderPlan, type ValidatedSource } from '../transcode/index.js';

/**
 * Publishes a ladder while ffmpeg still encodes it, so a video is watchable seconds after its
 * upload, whatever its length. Every `pollMs` it reads the EVENT playlists ffmpeg rewrites after
 * each closed segment, uploads what they list (init segment, then segments) under the attempt's
 * version prefix, and only then the playlist itself: a viewer never gets a URI whose object is not
 * complete in the store. Once every rung and audio rendition has a segment, it writes a master
 * playlist (bitrate ceilings in place of measured rates) and reports the version playable.
 * `finish` uploads the rest once the encode is done, media playlists after their segments and the
 * master last, over the growing ones at the same keys.
 */

export interface LivePublisherOptions {
  store: ObjectStore;
  log: Logger;
  /** Where ffmpeg writes the ladder (local scratch). */
  outDir: string;
  /** Object key prefix of the attempt's version: `media/{videoId}/{version}/`. */
  prefix: string;
  /** Every rung has its first segment in the store: record it. False: the attempt lost its video. */
  onPlayable: (live: Omit<LivePlayback, 'version'>) => Promise<boolean>;
  pollMs?: number;
}

const UPLOAD_CONCURRENCY = 4;

export function createLivePublisher(opts: LivePublisherOptions) {
  const pollMs = opts.pollMs ?? 500;
  const uploaded = new Set<string>();
  const publishedText = new Map<string, string>();
  let timer: NodeJS.Timeout | undefined;
  let inFlight: Promise<void> | undefined;
  let stopped = false;
  let isPlayable = false;
  let failures = 0;

  const putFile = async (rel: string) => {
    await opts.store.putFile(opts.prefix + rel, join(opts.outDir, rel));
    uploaded.add(rel);
  };
  const putText = (rel: string, text: string) => opts.store.put(opts.prefix + rel, Readable.from([Buffer.from(text)]));

  /** One pass: each folder's new segments, then its playlist; the master once all have begun. */
  async function tick(plan: LadderPlan, source: ValidatedSource): Promise<void> {
    const dirs = playlistDirs(plan, source.hasAudio);
    let begun = 0;
    for (const dir of dirs) {
      const growing = await readGrowingPlaylist(opts.outDir, dir);
      if (growing.segments.length === 0) continue;
      const files = [`${dir}/${INIT_SEGMENT}`, ...growing.segments.map((s) => `${dir}/${s.uri}`)].filter((rel) => !uploaded.has(rel));
      // In order: a failure leaves a prefix of the list uploaded, and the playlist waits for the rest.
      for (const rel of files) await putFile(rel);
      if (publishedText.get(dir) !== growing.text) {
        await putText(`${dir}/${MEDIA_PLAYLIST}`, liveMediaPlaylist(growing.text));
        publishedText.set(dir, growing.text);
      }
      begun++;
    }
    if (isPlayable || begun < dirs.length || stopped) return;
    const { master, renditions } = await renderLiveMaster(opts.outDir, plan, source.hasAudio);
    await putText(MASTER_PLAYLIST, master);
    // Marked only once recorded: a database that failed to answer is asked again next pass.
    const holds = await opts.onPlayable({ masterPath: MASTER_PLAYLIST, renditions, hasAudio: source.hasAudio, duration: source.durationSec });
    isPlayable = true;
    opts.log.info({ prefix: opts.prefix, holds }, 'growing version playable');
  }

  return {
    /** Starts polling (call once the ladder is planned, before ffmpeg starts). */
    start(source: ValidatedSource, plan: LadderPlan): void {
      if (timer || stopped) return;
      timer = setInterval(() => {
        if (inFlight) return;
        inFlight = tick(plan, source).then(
          () => void (failures = 0),
          (err: unknown) => {
            // Safe to carry on: nothing is listed before its bytes are stored, the next pass
            // retries, and `finish` uploads everything (through an outage) before publishing.
            if (failures++ === 0) opts.log.warn({ err, prefix: opts.prefix }, 'could not publish the growing ladder; retrying');
          },
        ).finally(() => (inFlight = undefined));
      }, pollMs);
    },

    /** Stops polling and waits for the pass in flight (call when the encode ended, either way). */
    async stop(): Promise<void> {
      stopped = true;
      clearInterval(timer);
      await inFlight;
    },

    /**
     * After a successful encode (and `stop`): every file not uploaded yet, media playlists (now
     * VOD, with `EXT-X-ENDLIST`) after all segments, the measured master last.
     */
    async finish(): Promise<void> {
      const files = await listFilesRecursive(opts.outDir);
      const isPlaylist = (rel: string) => rel.endsWith('.m3u8');
      await forEachLimited(files.filter((rel) => !isPlaylist(rel) && !uploaded.has(rel)), UPLOAD_CONCURRENCY, putFile);
      await forEachLimited(files.filter((rel) => isPlaylist(rel) && rel !== MASTER_PLAYLIST), UPLOAD_CONCURRENCY, putFile);
      await putFile(MASTER_PLAYLIST);
    },
  };
}

export type LivePublisher = ReturnType<typeof createLivePublisher>;
