import { sql } from 'kysely';
import type { Db } from '../../platform/db/index.js';
import type { VideoRecord } from '../catalog/index.js';

/**
 * The listed videos (public and ready, read now) among `ids`, in the order given. Ranked lists
 * are computed ahead and cached as ids; reading the rows at answer time means a video made
 * private, unlisted or deleted since leaves every list at once.
 */
export async function listedVideosInOrder(db: Db, ids: string[]): Promise<VideoRecord[]> {
  if (!ids.length) return [];
  const { rows } = await sql<VideoRecord>`
    SELECT v.*, u.username AS owner_username FROM videos v JOIN users u ON u.user_id = v.user_id
     WHERE v.video_id = ANY(${ids}::text[]) AND v.visibility = 'public' AND v.status = 'ready'`.execute(db);
  const byId = new Map(rows.map((r) => [r.videoId, r]));
  return ids.map((id) => byId.get(id)).filter((v): v is VideoRecord => !!v);
}
