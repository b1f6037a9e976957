// Quotas: per-user limits on videos created, bytes uploaded and kept, unfinished uploads and
// transcode jobs, checked atomically where each is spent (catalog create, tus creation, reprocess).
export { createQuotaService, type QuotaService, type QuotaName } from './service.js';
export { registerQuotaRoutes } from './routes.js';
