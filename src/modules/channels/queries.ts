import { sql, type Generated, type SqlBool } from 'kysely';
import type { Db } from '../../platform/db/index.js';
import type { VideoRecord } from '../catalog/index.js';

/** migrations/008_discovery.sql: who subscribes to which channel (a channel is a user). */
export type ChannelTables = {
  subscriptions: { subscriberId: string; channelId: string; createdAt: Generated<Date> };
};

export interface ChannelRow {
  userId: string;
  username: string;
  createdAt: Date;
  subscriberCount: number;
  videoCount: number;
  viewCount: number;
}

export interface Keyset {
  /** createdAt of the last row, in ms. */
  key: number;
  id: string;
}

const listed = sql<SqlBool>`v.visibility = 'public' AND v.status = 'ready'`;

export const channelQueries = (db: Db) => {
  const dbx = db.withTables<ChannelTables>();
  /** A channel with its public figures: subscribers, listed videos and their views. */
  const selectChannels = () =>
    dbx
      .selectFrom('users as u')
      .select(['u.userId', 'u.username', 'u.createdAt'])
      .select([
        sql<number>`(SELECT count(*) FROM subscriptions s WHERE s.channel_id = u.user_id)::int`.as('subscriberCount'),
        sql<number>`(SELECT count(*) FROM videos v WHERE v.user_id = u.user_id AND ${listed})::int`.as('videoCount'),
        sql<number>`(SELECT coalesce(sum(v.view_count), 0) FROM videos v WHERE v.user_id = u.user_id AND ${listed})::float8`.as('viewCount'),
      ]);

  return {
    findChannel: (username: string) =>
      selectChannels().where(sql`lower(u.username)`, '=', username.toLowerCase()).executeTakeFirst() as Promise<ChannelRow | undefined>,

    async isSubscribed(subscriberId: string, channelId: string): Promise<boolean> {
      const row = await dbx.selectFrom('subscriptions').select('channelId').where('subscriberId', '=', subscriberId).where('channelId', '=', channelId).executeTakeFirst();
      return !!row;
    },

    subscribe: (subscriberId: string, channelId: string) =>
      dbx.insertInto('subscriptions').values({ subscriberId, channelId }).onConflict((oc) => oc.columns(['subscriberId', 'channelId']).doNothing()).execute(),

    unsubscribe: (subscriberId: string, channelId: string) =>
      dbx.deleteFrom('subscriptions').where('subscriberId', '=', subscriberId).where('channelId', '=', channelId).execute(),

    countSubscribers: async (channelId: string) =>
      Number((await dbx.selectFrom('subscriptions').select((eb) => eb.fn.countAll().as('n')).where('channelId', '=', channelId).executeTakeFirstOrThrow()).n),

    /** The channels a user follows, most recently followed first, keyset-paged. */
    listSubscriptions(subscriberId: string, limit: number, after?: Keyset) {
      let q = selectChannels()
        .innerJoin('subscriptions as sub', 'sub.channelId', 'u.userId')
        .select('sub.createdAt as subscribedAt')
        .where('sub.subscriberId', '=', subscriberId);
      if (after) {
        const at = new Date(after.key);
        q = q.where((eb) => eb.or([eb('sub.createdAt', '<', at), eb.and([eb('sub.createdAt', '=', at), eb('sub.channelId', '<', after.id)])]));
      }
      return q.orderBy('sub.createdAt', 'desc').orderBy('sub.channelId', 'desc').limit(limit).execute() as Promise<(ChannelRow & { subscribedAt: Date })[]>;
    },

    /** Listed videos of the channels a user follows, newest first, keyset-paged. */
    feed(subscriberId: string, limit: number, after?: Keyset) {
      let q = dbx
        .selectFrom('videos as v')
        .innerJoin('users as u', 'u.userId', 'v.userId')
        .selectAll('v')
        .select('u.username as ownerUsername')
        .where('v.userId', 'in', (eb) => eb.selectFrom('subscriptions').select('channelId').where('subscriberId', '=', subscriberId))
        .where(listed);
      if (after) {
        const at = new Date(after.key);
        q = q.where((eb) => eb.or([eb('v.createdAt', '<', at), eb.and([eb('v.createdAt', '=', at), eb('v.videoId', '<', after.id)])]));
      }
      return q.orderBy('v.createdAt', 'desc').orderBy('v.videoId', 'desc').limit(limit).execute() as Promise<VideoRecord[]>;
    },
  };
};
