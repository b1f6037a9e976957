import { Type } from '@sinclair/typebox';
import type { HttpServer } from '../../platform/http/server.js';
import { requireUser, SIGNED_IN } from '../../platform/http/auth.js';
import { responses } from '../../platform/http/schemas.js';
import type { QuotaService } from './service.js';

const QuotaFigure = Type.Object({
  limit: Type.Union([Type.Integer(), Type.Null()], { description: 'null: no limit' }),
  used: Type.Integer(),
  resetsAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()], { description: 'daily quotas: when the oldest thing counted leaves the 24-hour window' }),
});

const QuotaReport = Type.Object({
  exempt: Type.Boolean({ description: 'admins are not limited' }),
  maxUploadBytes: Type.Integer({ description: 'largest single file (MAX_UPLOAD_BYTES)' }),
  quotas: Type.Object({
    videosPerDay: QuotaFigure,
    uploadBytesPerDay: QuotaFigure,
    storageBytes: QuotaFigure,
    unfinishedUploads: QuotaFigure,
    activeJobs: QuotaFigure,
  }),
});

export function registerQuotaRoutes(app: HttpServer, quotas: QuotaService) {
  app.get('/api/v1/me/quota', {
    schema: { tags: ['auth'], summary: 'Your upload quotas: each limit, what you used, and when a daily one frees up', security: SIGNED_IN, response: responses({ 200: QuotaReport }, [401]) },
  }, async (req) => quotas.report(requireUser(req)));
}
