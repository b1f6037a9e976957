import { Type } from '@sinclair/typebox';
import type { HttpServer } from '../../platform/http/server.js';
import { requireUser, SIGNED_IN } from '../../platform/http/auth.js';
import { responses } from '../../platform/http/schemas.js';
import { VideoIdParams } from '../catalog/index.js';
import type { RenditionRestore } from './rendition-restore.js';

const RestoreQueued = Type.Object({
  status: Type.Literal('queued'),
  renditions: Type.Array(Type.String(), { description: 'Labels of the renditions coming back (e.g. 1080p)' }),
});

/** `POST /api/v1/videos/:id/restore-renditions`: the owner or an admin brings removed rungs back. */
export function registerRestoreRoutes(app: HttpServer, restore: RenditionRestore) {
  app.post('/api/v1/videos/:id/restore-renditions', {
    schema: {
      tags: ['videos'],
      summary: 'Re-encode the original to bring back renditions removed for want of plays (owner or admin); the video keeps playing meanwhile',
      security: SIGNED_IN,
      params: VideoIdParams,
      response: responses({ 202: RestoreQueued }, [400, 401, 403, 404, 409]),
    },
  }, async (req, reply) => reply.status(202).send(await restore.requestByOwner(requireUser(req), req.params.id)));
}
