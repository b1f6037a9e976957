import type { ReplyCache } from '../../platform/http/reply-cache.js';
import type { HttpServer } from '../../platform/http/server.js';
import { responses } from '../../platform/http/schemas.js';
import type { VideoJson } from '../catalog/index.js';
import { SearchQuery, SearchResults, SuggestionQuery, Suggestions } from './schemas.js';
import type { SearchService } from './search.js';

/** @param listings anonymous searches are served from it (catalog.listings: every video write drops it) */
export function registerSearchRoutes(app: HttpServer, search: SearchService, videoJson: VideoJson, listings?: ReplyCache) {
  app.get('/api/v1/search', {
    schema: { tags: ['discovery'], summary: 'Search videos: best match first (or newest, or most viewed); listed videos, plus your own ready ones', querystring: SearchQuery, response: responses({ 200: SearchResults }, [400, 401]) },
  }, async (req, reply) => {
    const { q, limit, cursor, sort, duration, uploaded } = req.query;
    const build = async () => {
      const page = await search.search({ q, viewer: req.principal, sort, duration, uploaded, limit, cursor });
      return { items: await Promise.all(page.items.map((v) => videoJson(v, req.principal))), nextCursor: page.nextCursor };
    };
    return req.principal || !listings ? build() : listings.send(req, reply, req.url, build);
  });

  app.get('/api/v1/search/suggestions', {
    schema: { tags: ['discovery'], summary: 'Completions of a search as it is typed: titles, tags and channel names', querystring: SuggestionQuery, response: responses({ 200: Suggestions }, [400]) },
  }, async (req) => ({ items: await search.suggest(req.query.q, req.query.limit) }));
}
