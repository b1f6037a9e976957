import { Type } from '@sinclair/typebox';
import type { HttpServer } from '../../platform/http/server.js';
import { AppError } from '../../platform/errors.js';
import { requireUser, SIGNED_IN } from '../../platform/http/auth.js';
import { responses } from '../../platform/http/schemas.js';
import { canView, Video, VideoIdParams, type CatalogService, type VideoJson } from '../catalog/index.js';
import type { AcceptBeacon } from './beacons.js';
import type { HistoryService } from './history.js';
import type { RatingService } from './ratings.js';
import { historyPageOf, HistoryQuery, HistoryVideoParams, ProgressBody, RatingAnswer, RatingBody, Settings } from './schemas.js';
import { isCompleted } from './view-rule.js';

export interface EngagementRouteDeps {
  acceptBeacon: AcceptBeacon;
  history: HistoryService;
  ratings: RatingService;
  catalog: Pick<CatalogService, 'load'>;
  videoJson: VideoJson;
}

export function registerEngagementRoutes(app: HttpServer, deps: EngagementRouteDeps) {
  app.post('/api/v1/videos/:id/progress', {
    schema: {
      tags: ['engagement'],
      summary: 'The player\'s watch beacon: position, played ranges and QoE totals of this session. 204 at once; written in batches. Signed in or anonymous.',
      params: VideoIdParams,
      body: ProgressBody,
      response: responses({ 204: Type.Null() }, [400, 404, 415, 429]),
    },
    // Only JSON: a text/plain body is a "simple" cross-site request, which another site could
    // send with a signed-in viewer's cookie to write their history. JSON needs a CORS preflight.
    preValidation: async (req) => {
      if (!/^application\/json\s*(;|$)/i.test(req.headers['content-type'] ?? '')) {
        throw new AppError('UNSUPPORTED_MEDIA_TYPE', 415, 'Send the beacon as JSON with Content-Type: application/json (with navigator.sendBeacon, a Blob of type application/json).');
      }
    },
  }, async (req, reply) => {
    await deps.acceptBeacon(req.params.id, req.principal, req.body, { address: req.ip, userAgent: req.headers['user-agent'] });
    return reply.status(204).send();
  });

  const HistoryPage = historyPageOf(Video);
  app.get('/api/v1/me/history', {
    schema: { tags: ['engagement'], summary: 'Your watch history, newest first (keyset-paged: pass nextCursor back as cursor)', security: SIGNED_IN, querystring: HistoryQuery, response: responses({ 200: HistoryPage }, [400, 401]) },
  }, async (req) => {
    const principal = requireUser(req);
    const page = await deps.history.list(principal.userId, req.query.limit, req.query.cursor);
    const items = [];
    for (const entry of page.items) {
      // Deleted, or no longer visible to you (made private): left out, the page may run short.
      const video = await deps.catalog.load(entry.videoId);
      if (!video || !canView(video, principal)) continue;
      items.push({ video: await deps.videoJson(video, principal), positionSec: entry.positionSec, watchedAt: entry.watchedAt.toISOString(), completed: isCompleted(entry.positionSec, video.duration) });
    }
    return { items, nextCursor: page.nextCursor };
  });

  app.delete('/api/v1/me/history/:videoId', {
    schema: { tags: ['engagement'], summary: 'Remove one video from your watch history (it will not resume either)', security: SIGNED_IN, params: HistoryVideoParams, response: responses({ 204: Type.Null() }, [400, 401]) },
  }, async (req, reply) => {
    await deps.history.remove(requireUser(req).userId, req.params.videoId);
    return reply.status(204).send();
  });

  app.delete('/api/v1/me/history', {
    schema: { tags: ['engagement'], summary: 'Clear your whole watch history', security: SIGNED_IN, response: responses({ 204: Type.Null() }, [401]) },
  }, async (req, reply) => {
    await deps.history.clear(requireUser(req).userId);
    return reply.status(204).send();
  });

  app.get('/api/v1/me/settings', {
    schema: { tags: ['engagement'], summary: 'Your settings (history pause)', security: SIGNED_IN, response: responses({ 200: Settings }, [401]) },
  }, async (req) => deps.history.settings(requireUser(req).userId));

  app.put('/api/v1/me/settings', {
    schema: { tags: ['engagement'], summary: 'Change your settings: historyPaused stops adding to your history (and resuming from it)', security: SIGNED_IN, body: Settings, response: responses({ 200: Settings }, [400, 401]) },
  }, async (req) => deps.history.updateSettings(requireUser(req).userId, req.body));

  app.put('/api/v1/videos/:id/rating', {
    schema: { tags: ['engagement'], summary: 'Like or dislike a video (dislikes are never shown; they feed ranking)', security: SIGNED_IN, params: VideoIdParams, body: RatingBody, response: responses({ 200: RatingAnswer }, [400, 401, 404]) },
  }, async (req) => deps.ratings.rate(req.params.id, requireUser(req), req.body.value));

  app.delete('/api/v1/videos/:id/rating', {
    schema: { tags: ['engagement'], summary: 'Take your rating back', security: SIGNED_IN, params: VideoIdParams, response: responses({ 200: RatingAnswer }, [400, 401, 404]) },
  }, async (req) => deps.ratings.unrate(req.params.id, requireUser(req)));
}
