import { Metadata } from '@tus/utils';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { HttpServer } from '../../platform/http/server.js';
import { Type } from '@sinclair/typebox';
import { requireUser, SIGNED_IN } from '../../platform/http/auth.js';
import { badRequest } from '../../platform/errors.js';
import { responses } from '../../platform/http/schemas.js';
import { VideoIdParams } from '../catalog/index.js';
import { UPLOADS_PATH, uploadIdOf } from './upload-server.js';
import type { IngestService } from './service.js';

/**
 * Mounts the tus endpoint. Authorization happens here, with the platform's JSON errors, before
 * the request is handed to the tus server, which then owns the raw request and response.
 */
export function registerIngestRoutes(app: HttpServer, ingest: IngestService) {
  app.post('/api/v1/videos/:id/reprocess', {
    schema: {
      tags: ['videos'],
      summary: 'Process a failed video again from its stored original (owner or admin)',
      security: SIGNED_IN,
      params: VideoIdParams,
      response: responses({ 202: Type.Object({ status: Type.Literal('uploaded') }) }, [400, 401, 403, 404, 409, 429]),
    },
  }, async (req, reply) => {
    await ingest.reprocess(requireUser(req), req.params.id);
    return reply.status(202).send({ status: 'uploaded' as const });
  });

  app.register(async (scope) => {
    // tus bodies are raw bytes streamed to disk by the tus server: never parse or buffer them.
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', (_req, _payload, done) => done(null));

    const handOver = async (req: FastifyRequest, reply: FastifyReply) => {
      reply.hijack();
      await ingest.server.handle(req.raw, reply.raw);
    };

    // Upload bodies may take hours: only the idle timeout applies to them, not the request deadline.
    const streamedBody = { streamedBody: true };

    scope.options(UPLOADS_PATH, { schema: { hide: true } }, handOver);
    scope.options(`${UPLOADS_PATH}/:id`, { schema: { hide: true } }, handOver);

    scope.post(UPLOADS_PATH, { config: streamedBody, schema: { tags: ['uploads'], summary: 'tus creation: Upload-Length + Upload-Metadata "videoId <b64>,filename <b64>"' } }, async (req, reply) => {
      const principal = requireUser(req);
      let metadata: Record<string, string | null> = {};
      try {
        metadata = Metadata.parse(req.headers['upload-metadata'] as string | undefined);
      } catch {
        // Handled below as missing metadata: the message says what to send.
      }
      // Digits only: the size charged to the quotas must be the one tus enforces (Number() would
      // read "1e9" or "0x10" as other numbers than tus does).
      const declared = req.headers['upload-length'];
      const sizeBytes = typeof declared === 'string' && /^\d{1,16}$/.test(declared) ? Number(declared) : Number.NaN;
      await ingest.authorizeCreate(principal, metadata.videoId ?? undefined, sizeBytes);
      await handOver(req, reply);
    });

    for (const method of ['HEAD', 'PATCH', 'DELETE'] as const) {
      scope.route({
        method,
        url: `${UPLOADS_PATH}/:id`,
        config: streamedBody,
        schema: { hide: true },
        handler: async (req, reply) => {
          const principal = requireUser(req);
          // Authorize the id tus will act on: the same parse (uploadIdOf) of the raw request-target
          // the tus server reads, not the router's `:id`, which ignores a query string, fragment
          // or `;` after it. Anything but the exact URL we hand out is refused (issue 9).
          const videoId = uploadIdOf(req.raw.url);
          if (!videoId || videoId !== (req.params as { id: string }).id) {
            throw badRequest('UPLOAD_URL_INVALID', `An upload URL is exactly ${UPLOADS_PATH}/<video id>, as in the Location header of its creation: no query string, fragment or further path.`);
          }
          await ingest.authorizeExisting(principal, videoId);
          await handOver(req, reply);
        },
      });
    }
  });
}
