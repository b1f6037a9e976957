// Ingest: resumable tus uploads of original files, handed to the object store and the
// transcode queue once complete. Validation of the bytes happens in the transcode worker.
export { createIngestService, type IngestService } from './service.js';
export { registerIngestRoutes } from './routes.js';
export { UPLOADS_PATH } from './upload-server.js';
