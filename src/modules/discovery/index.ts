// Discovery: search over the catalog (full text with typo tolerance, accent folding and
// prefix matching on PostgreSQL/PGlite) and search suggestions as a person types.
export { createSearchService, type SearchService, type SearchRequest } from './search.js';
export { registerSearchRoutes } from './routes.js';
