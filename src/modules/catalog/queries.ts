import { sql } from 'kysely';
import type { Selectable } from 'kysely';
import type { Db, Visibility, VideosTable } from '../../platform/db/index.js';

/** A video as the catalog knows it: its row (types from the schema) plus its owner's name. */
export type VideoRecord = Selectable<VideosTable> & { ownerUsername: string };

export type VideoSort = 'newest' | 'popular';

export const catalogQueries = (db: Db) => {
  const selectVideos = () =>
    db
      .selectFrom('videos')
      .innerJoin('users', 'users.userId', 'videos.userId')
      .selectAll('videos')
      .select('users.username as ownerUsername');

  return {
    insertVideo: (v: { videoId: string; userId: string; title: string; description: string; tags: string[]; visibility: Visibility }) =>
      db
        .insertInto('videos')
        .values({ ...v, failureReason: null, duration: null, width: null, height: null, originalFilename: null, originalSizeBytes: null, currentVersion: null, processedAt: null })
        .execute(),

    findVideo: (videoId: string) => selectVideos().where('videos.videoId', '=', videoId).executeTakeFirst() as Promise<VideoRecord | undefined>,

    updateVideo: (videoId: string, patch: Partial<{ title: string; description: string; tags: string[]; visibility: Visibility }>) =>
      db.updateTable('videos').set({ ...patch, updatedAt: sql`now()` }).where('videoId', '=', videoId).executeTakeFirst(),

    /** The user an `owner` filter names: a user id first (ids never change), else a username. */
    async findOwnerId(owner: string): Promise<string | null> {
      const row = await db
        .selectFrom('users')
        .select('userId')
        .where((eb) => eb.or([eb('userId', '=', owner), eb(sql`lower(username)`, '=', owner.toLowerCase())]))
        .orderBy(sql`user_id = ${owner}`, 'desc')
        .limit(1)
        .executeTakeFirst();
      return row?.userId ?? null;
    },

    deleteVideo: (videoId: string) => db.deleteFrom('videos').where('videoId', '=', videoId).executeTakeFirst(),

    /**
     * One page of videos, keyset-paginated (stable while new videos arrive, unlike OFFSET).
     * `after` is the last row of the previous page.
     */
    listVideos(opts: {
      ownerId?: string;
      includeUnpublished: boolean;
      sort: VideoSort;
      limit: number;
      after?: { key: number; videoId: string };
    }) {
      let q = selectVideos();
      if (opts.ownerId) q = q.where('videos.userId', '=', opts.ownerId);
      if (!opts.includeUnpublished) q = q.where('videos.visibility', '=', 'public').where('videos.status', '=', 'ready');
      if (opts.sort === 'popular') {
        if (opts.after) {
          const { key, videoId } = opts.after;
          q = q.where((eb) => eb.or([eb('videos.viewCount', '<', key), eb.and([eb('videos.viewCount', '=', key), eb('videos.videoId', '<', videoId)])]));
        }
        q = q.orderBy('videos.viewCount', 'desc').orderBy('videos.videoId', 'desc');
      } else {
        if (opts.after) {
          const at = new Date(opts.after.key);
          const { videoId } = opts.after;
          q = q.where((eb) => eb.or([eb('videos.createdAt', '<', at), eb.and([eb('videos.createdAt', '=', at), eb('videos.videoId', '<', videoId)])]));
        }
        q = q.orderBy('videos.createdAt', 'desc').orderBy('videos.videoId', 'desc');
      }
      return q.limit(opts.limit).execute() as Promise<VideoRecord[]>;
    },
  };
};
