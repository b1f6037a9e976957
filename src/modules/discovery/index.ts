// Discovery: search over the catalog (full text with typo tolerance, accent folding and
// prefix matching on PostgreSQL/PGlite) and suggestions as a person types; trending, related
// videos and recommendations, ranked from what people watch by a periodic job.
export { createSearchService, type SearchService, type SearchRequest } from './search.js';
export { registerSearchRoutes } from './routes.js';
export { createRankingService, type RankingService } from './ranking.js';
export { createRankingJob, RANKING_QUEUE, RANKING_QUEUE_SETTINGS, RANKING_PERIOD_SEC, type RankingJob } from './ranking-job.js';
export { registerRankingRoutes } from './ranking-routes.js';
