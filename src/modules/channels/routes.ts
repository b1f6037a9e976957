import type { ReplyCache } from '../../platform/http/reply-cache.js';
import type { HttpServer } from '../../platform/http/server.js';
import { requireUser, SIGNED_IN } from '../../platform/http/auth.js';
import { responses } from '../../platform/http/schemas.js';
import type { VideoJson } from '../catalog/index.js';
import { Channel, ChannelPage, ChannelParams, Feed, PageQuery, SubscriptionList, SubscriptionState } from './schemas.js';
import type { ChannelRow, ChannelService } from './service.js';

const channelJson = (c: ChannelRow, subscribed: boolean | null): typeof Channel.static => ({
  id: c.userId,
  username: c.username,
  createdAt: c.createdAt.toISOString(),
  subscriberCount: c.subscriberCount,
  videoCount: c.videoCount,
  viewCount: c.viewCount,
  subscribed,
});

/**
 * @param listings anonymous channel pages are served from it (catalog.listings), and a change of
 * subscription drops it (subscriber counts are on the page)
 */
export function registerChannelRoutes(app: HttpServer, channels: ChannelService, videoJson: VideoJson, listings?: ReplyCache) {
  app.get('/api/v1/channels/:username', {
    schema: { tags: ['channels'], summary: 'A channel: its profile and figures, and its public videos, newest first', params: ChannelParams, querystring: PageQuery, response: responses({ 200: ChannelPage }, [400, 401, 404]) },
  }, async (req, reply) => {
    const build = async () => {
      const { channel, subscribed, videos } = await channels.profile(req.params.username, req.principal, req.query);
      return {
        channel: channelJson(channel, subscribed),
        items: await Promise.all(videos.items.map((v) => videoJson(v, req.principal))),
        nextCursor: videos.nextCursor,
      };
    };
    return req.principal || !listings ? build() : listings.send(req, reply, req.url, build);
  });

  const subscriptionChanged = async <T>(answer: T) => {
    await listings?.invalidate();
    return answer;
  };

  app.put('/api/v1/channels/:username/subscription', {
    schema: { tags: ['channels'], summary: 'Subscribe to a channel (idempotent)', security: SIGNED_IN, params: ChannelParams, response: responses({ 200: SubscriptionState }, [400, 401, 404]) },
  }, async (req) => subscriptionChanged(await channels.setSubscription(req.params.username, requireUser(req), true)));

  app.delete('/api/v1/channels/:username/subscription', {
    schema: { tags: ['channels'], summary: 'Unsubscribe from a channel (idempotent)', security: SIGNED_IN, params: ChannelParams, response: responses({ 200: SubscriptionState }, [400, 401, 404]) },
  }, async (req) => subscriptionChanged(await channels.setSubscription(req.params.username, requireUser(req), false)));

  app.get('/api/v1/me/subscriptions', {
    schema: { tags: ['channels'], summary: 'The channels you subscribe to, most recently followed first', security: SIGNED_IN, querystring: PageQuery, response: responses({ 200: SubscriptionList }, [400, 401]) },
  }, async (req) => {
    const page = await channels.subscriptions(requireUser(req), req.query.limit, req.query.cursor);
    return { items: page.items.map((c) => ({ ...channelJson(c, true), subscribedAt: c.subscribedAt.toISOString() })), nextCursor: page.nextCursor };
  });

  app.get('/api/v1/me/feed', {
    schema: { tags: ['channels'], summary: 'New public videos from the channels you subscribe to, newest first', security: SIGNED_IN, querystring: PageQuery, response: responses({ 200: Feed }, [400, 401]) },
  }, async (req) => {
    const principal = requireUser(req);
    const page = await channels.feed(principal, req.query.limit, req.query.cursor);
    return { items: await Promise.all(page.items.map((v) => videoJson(v, principal))), nextCursor: page.nextCursor };
  });
}
