import { Type } from '@sinclair/typebox';
import type { HttpServer } from '../../platform/http/server.js';
import { requireUser, SIGNED_IN, type RequestPrincipal } from '../../platform/http/auth.js';
import { responses } from '../../platform/http/schemas.js';
import { CreateVideoBody, DEFAULT_VISIBILITY, ListQuery, PatchVideoBody, Video, VideoIdParams, VideoList } from './schemas.js';
import { isOwnerOrAdmin, isPlayable, type CatalogService, type VideoRecord } from './service.js';

/** What the catalog needs from delivery to show a video: its poster's URL for this viewer. */
export type PosterUrlFor = (video: VideoRecord) => Promise<string | null> | string | null;

export interface CatalogRouteOptions {
  /** tus endpoint clients upload to (absolute URL). */
  uploadUrl: string;
  posterUrlFor: PosterUrlFor;
  /** The signed-in caller's rating of a video (engagement), shown by GET /videos/:id. */
  ratingOf?: (videoId: string, userId: string) => Promise<'like' | 'dislike' | null>;
}

/**
 * The public video shape (schemas.ts `Video`) of a row, for one viewer. Other modules that list
 * videos (watch history) use it too, so there is one shape.
 */
export function createVideoJson(opts: Pick<CatalogRouteOptions, 'uploadUrl' | 'posterUrlFor'>) {
  return async function toJson(v: VideoRecord, principal: RequestPrincipal | null) {
    const mine = isOwnerOrAdmin(v, principal);
    return {
      id: v.videoId,
      title: v.title,
      description: v.description,
      tags: v.tags,
      visibility: v.visibility,
      status: v.status,
      progress: Math.round(v.progress * 10) / 10,
      isPlayable: isPlayable(v),
      // Failure details (the creator's file, ffprobe's words) are for its owner and admins only.
      // Others never get a video that is not ready (catalog canView); this holds even so.
      failureReason: mine ? v.failureReason : null,
      // The column keeps its last value across a retry; it means something only while failed.
      failureRetryable: mine && v.status === 'failed' ? v.failureRetryable : null,
      duration: v.duration,
      width: v.width,
      height: v.height,
      owner: { id: v.userId, username: v.ownerUsername },
      viewCount: Number(v.viewCount),
      likeCount: Number(v.likeCount ?? 0),
      posterUrl: v.status === 'ready' ? await opts.posterUrlFor(v) : null,
      createdAt: v.createdAt.toISOString(),
      updatedAt: v.updatedAt.toISOString(),
      processedAt: v.processedAt?.toISOString() ?? null,
      ...(mine && v.status === 'awaiting_upload' ? { uploadUrl: opts.uploadUrl } : {}),
    };
  };
}

export type VideoJson = ReturnType<typeof createVideoJson>;

export function registerCatalogRoutes(app: HttpServer, catalog: CatalogService, opts: CatalogRouteOptions) {
  const toJson = createVideoJson(opts);

  app.post('/api/v1/videos', {
    schema: { tags: ['videos'], summary: 'Create a video (then upload its file with tus to uploadUrl)', security: SIGNED_IN, body: CreateVideoBody, response: responses({ 201: Video }, [400, 401, 429]) },
  }, async (req, reply) => {
    const principal = requireUser(req);
    const video = await catalog.create(principal, { ...req.body, visibility: req.body.visibility ?? DEFAULT_VISIBILITY });
    return reply.status(201).send(await toJson(video, principal));
  });

  app.get('/api/v1/videos/:id', {
    schema: { tags: ['videos'], summary: 'A video\'s metadata; its processing status and failure details for its owner and admins (others: 404 until it is ready)', params: VideoIdParams, response: responses({ 200: Video }, [400, 401, 404]) },
  }, async (req) => {
    const video = await toJson(await catalog.getVisible(req.params.id, req.principal), req.principal);
    return req.principal && opts.ratingOf ? { ...video, myRating: await opts.ratingOf(req.params.id, req.principal.userId) } : video;
  });

  app.patch('/api/v1/videos/:id', {
    schema: { tags: ['videos'], summary: 'Edit title, description, tags or visibility (owner or admin)', security: SIGNED_IN, params: VideoIdParams, body: PatchVideoBody, response: responses({ 200: Video }) },
  }, async (req) => {
    const principal = requireUser(req);
    return toJson(await catalog.update(req.params.id, principal, req.body), principal);
  });

  app.delete('/api/v1/videos/:id', {
    schema: { tags: ['videos'], summary: 'Delete a video and its media (owner or admin)', security: SIGNED_IN, params: VideoIdParams, response: responses({ 204: Type.Null() }) },
  }, async (req, reply) => {
    await catalog.remove(req.params.id, requireUser(req));
    return reply.status(204).send();
  });

  app.get('/api/v1/videos', {
    schema: { tags: ['videos'], summary: 'Videos, newest or most viewed first; owner=me lists yours in every state', querystring: ListQuery, response: responses({ 200: VideoList }, [400, 401]) },
  }, async (req, reply) => {
    const { limit, cursor, sort, owner } = req.query;
    // `owner` is "me", a user id or a username; one that names nobody lists nothing.
    const ownerId = owner === 'me' ? requireUser(req).userId : owner === undefined ? undefined : await catalog.resolveOwner(owner, req.principal);
    if (ownerId === null) return { items: [], nextCursor: null };
    const build = async () => {
      const page = await catalog.list({ principal: req.principal, ownerId, sort, limit, cursor });
      return { items: await Promise.all(page.items.map((v) => toJson(v, req.principal))), nextCursor: page.nextCursor };
    };
    // Everyone anonymous gets the same page: one cached body (signed-in callers may see their own
    // videos' details in it, so theirs is built each time).
    return req.principal ? build() : catalog.listings.send(req, reply, req.url, build);
  });
}
