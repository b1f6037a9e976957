import { AppError, badRequest, notFound } from '../../platform/errors.js';
import type { Db } from '../../platform/db/index.js';
import type { RequestPrincipal } from '../../platform/http/auth.js';
import type { CatalogService } from '../catalog/index.js';
import { channelQueries, type ChannelRow, type Keyset } from './queries.js';

export type { ChannelRow } from './queries.js';

const encodeCursor = (key: Date, id: string) => Buffer.from(JSON.stringify([key.getTime(), id])).toString('base64url');

function decodeCursor(cursor: string): Keyset {
  try {
    const [key, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as [unknown, unknown];
    if (typeof key === 'number' && Number.isFinite(key) && typeof id === 'string') return { key, id };
  } catch {
    // Fall through: any malformed cursor gets the same clear error below.
  }
  throw new AppError('INVALID_CURSOR', 400, 'The cursor is not one we issued. Start again without it.');
}

/** A page of rows fetched one beyond `limit`: the extra row only says whether there is a next page. */
function pageOf<T>(rows: T[], limit: number, cursorOf: (last: T) => string) {
  const items = rows.slice(0, limit);
  const last = items[items.length - 1];
  return { items, nextCursor: rows.length > limit && last ? cursorOf(last) : null };
}

const channelNotFound = (username: string) =>
  notFound('CHANNEL_NOT_FOUND', `No channel named "${username}". Check the spelling, or search for it.`);

/**
 * Channels (a user and their listed videos) and subscriptions to them, with the feed of new
 * videos from the channels someone follows. The channel's videos come from the catalog's own
 * listing, so a channel page and `GET /videos?owner=` never disagree.
 * @example const channels = createChannelService({ db, readDb, catalog });
 */
export function createChannelService(deps: { db: Db; readDb?: Db; catalog: CatalogService }) {
  const q = channelQueries(deps.db);
  const rq = channelQueries(deps.readDb ?? deps.db);

  async function find(username: string, source = rq): Promise<ChannelRow> {
    const channel = await source.findChannel(username);
    if (!channel) throw channelNotFound(username);
    return channel;
  }

  return {
    /** A channel's profile and figures, whether the viewer follows it, and a page of its listed videos. */
    async profile(username: string, viewer: RequestPrincipal | null, page: { limit: number; cursor?: string }) {
      const channel = await find(username);
      const [subscribed, videos] = await Promise.all([
        viewer ? q.isSubscribed(viewer.userId, channel.userId) : Promise.resolve(null),
        // principal null: the public view of the channel, its owner included.
        deps.catalog.list({ principal: null, ownerId: channel.userId, sort: 'newest', limit: page.limit, cursor: page.cursor }),
      ]);
      return { channel, subscribed, videos };
    },

    /** Follow (`on`) or stop following a channel; idempotent. Answers the state and the new count. */
    async setSubscription(username: string, subscriber: RequestPrincipal, on: boolean) {
      // The primary: the answer must reflect this very write.
      const channel = await find(username, q);
      if (channel.userId === subscriber.userId) {
        throw badRequest('CANNOT_SUBSCRIBE_TO_SELF', 'This is your own channel: you cannot subscribe to it. Your videos are on it already.');
      }
      if (on) await q.subscribe(subscriber.userId, channel.userId);
      else await q.unsubscribe(subscriber.userId, channel.userId);
      return { subscribed: on, subscriberCount: await q.countSubscribers(channel.userId) };
    },

    async subscriptions(subscriber: RequestPrincipal, limit: number, cursor?: string) {
      const rows = await q.listSubscriptions(subscriber.userId, limit + 1, cursor ? decodeCursor(cursor) : undefined);
      return pageOf(rows, limit, (last) => encodeCursor(last.subscribedAt, last.userId));
    },

    async feed(subscriber: RequestPrincipal, limit: number, cursor?: string) {
      // The primary: a channel followed a moment ago must feed at once (a replica may lag).
      const rows = await q.feed(subscriber.userId, limit + 1, cursor ? decodeCursor(cursor) : undefined);
      return pageOf(rows, limit, (last) => encodeCursor(last.createdAt, last.videoId));
    },
  };
}

export type ChannelService = ReturnType<typeof createChannelService>;
