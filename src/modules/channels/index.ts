// Channels: a user's public page (profile, figures, videos), subscriptions to channels, and the
// feed of new videos from the channels someone follows.
export { createChannelService, type ChannelService } from './service.js';
export { registerChannelRoutes } from './routes.js';
