import type { HttpServer } from '../../platform/http/server.js';
import { responses } from '../../platform/http/schemas.js';
import { VideoIdParams, type CatalogService, type VideoJson } from '../catalog/index.js';
import type { RankingService } from './ranking.js';
import { RankedQuery, RecommendationList, RelatedList, TrendingList } from './ranking-schemas.js';

export function registerRankingRoutes(app: HttpServer, ranking: RankingService, catalog: Pick<CatalogService, 'getVisible'>, videoJson: VideoJson) {
  app.get('/api/v1/trending', {
    schema: { tags: ['discovery'], summary: 'Trending: videos gaining views now (recent views and engagement, against each video\'s own past)', querystring: RankedQuery, response: responses({ 200: TrendingList }, [400]) },
  }, async (req) => {
    const items = await ranking.trending(req.query.limit);
    return { items: await Promise.all(items.map((v) => videoJson(v, req.principal))), nextCursor: null };
  });

  app.get('/api/v1/videos/:id/related', {
    schema: { tags: ['discovery'], summary: 'Up next: videos watched with this one and like it; 404 for a video you may not see', params: VideoIdParams, querystring: RankedQuery, response: responses({ 200: RelatedList }, [400, 401, 404]) },
  }, async (req) => {
    const video = await catalog.getVisible(req.params.id, req.principal);
    const items = await ranking.related(video, req.query.limit);
    return { items: await Promise.all(items.map((v) => videoJson(v, req.principal))), nextCursor: null };
  });

  app.get('/api/v1/recommendations', {
    schema: { tags: ['discovery'], summary: 'Recommended for you: from what you watched lately when signed in, trending otherwise', querystring: RankedQuery, response: responses({ 200: RecommendationList }, [400, 401]) },
  }, async (req) => {
    const items = await ranking.recommend(req.principal?.userId ?? null, req.query.limit);
    return { items: await Promise.all(items.map((v) => videoJson(v, req.principal))), nextCursor: null };
  });
}
