import { pino, type Logger } from 'pino';

export type { Logger };

/**
 * Structured JSON logs (pino). One root logger per process; modules take a child with their
 * name (`log.child({ module: 'transcode' })`). Tests pass `createLogger('silent')`.
 */
export function createLogger(level: string = process.env.LOG_LEVEL ?? 'info'): Logger {
  return pino({ level, base: { pid: process.pid }, timestamp: pino.stdTimeFunctions.isoTime });
}
