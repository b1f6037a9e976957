// Publishing: the pipeline from a stored original to a published ladder. It owns the transcode
// queue, the job that claims, encodes, uploads and publishes a version under a fencing token,
// the reaper of stalled jobs, and the sweep of media that is no longer served. It talks to
// catalog, transcode and media-layout through their public faces; ingest queues into it.
export { createPipelineWorker, type PipelineWorkerDeps } from './pipeline-worker.js';
export { TRANSCODE_QUEUE, TRANSCODE_QUEUE_SETTINGS, queueTranscodeWith, type TranscodeJobData } from './transcode-queue.js';
export { RESTORE_QUEUE, RESTORE_QUEUE_SETTINGS, queueRestoreWith, type RestoreJobData } from './restore-job.js';
export { createMediaSweep } from './media-sweep.js';
