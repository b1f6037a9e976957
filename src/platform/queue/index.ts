export type { Job, JobQueue, QueueSettings } from './port.js';
export { createPgBossQueue } from './pg-boss.js';
