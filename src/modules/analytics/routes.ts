import type { HttpServer } from '../../platform/http/server.js';
import { forbidden } from '../../platform/errors.js';
import { requireUser, SIGNED_IN } from '../../platform/http/auth.js';
import { responses } from '../../platform/http/schemas.js';
import { VideoIdParams, type CatalogService } from '../catalog/index.js';
import type { AnalyticsFigures } from './figures.js';
import { AdminQoe, AnalyticsQuery, ChannelAnalytics, VideoAnalytics } from './schemas.js';

export function registerAnalyticsRoutes(app: HttpServer, deps: { figures: AnalyticsFigures; catalog: Pick<CatalogService, 'getOwned'> }) {
  app.get('/api/v1/videos/:id/analytics', {
    schema: { tags: ['analytics'], summary: 'A video\'s views, watch time, retention and QoE over the last `days` (owner or admin)', security: SIGNED_IN, params: VideoIdParams, querystring: AnalyticsQuery, response: responses({ 200: VideoAnalytics }) },
  }, async (req) => {
    await deps.catalog.getOwned(req.params.id, requireUser(req));
    return deps.figures.video(req.params.id, req.query.days);
  });

  app.get('/api/v1/me/analytics', {
    schema: { tags: ['analytics'], summary: 'Your channel: the same figures over all your videos, and your top videos', security: SIGNED_IN, querystring: AnalyticsQuery, response: responses({ 200: ChannelAnalytics }, [400, 401]) },
  }, async (req) => deps.figures.channel(requireUser(req).userId, req.query.days));

  app.get('/api/v1/admin/qoe', {
    schema: { tags: ['analytics'], summary: 'The instance\'s quality of experience by browser, rung, edge and hour, and concurrent viewers (admins)', security: SIGNED_IN, querystring: AnalyticsQuery, response: responses({ 200: AdminQoe }, [400, 401, 403]) },
  }, async (req) => {
    if (requireUser(req).role !== 'admin') throw forbidden('Only admins can see the instance\'s quality of experience.');
    return deps.figures.instance(req.query.days);
  });
}
