import { pino, type DestinationStream, type Logger } from 'pino';
import { redactUrlCredentials } from './log-redaction.js';

export type { Logger };

/**
 * Structured JSON logs (pino). One root logger per process; modules take a child with their
 * name (`log.child({ module: 'transcode' })`). Tests pass `createLogger('silent')`, or a stream
 * to read what was logged.
 *
 * Credentials in URLs are redacted from the finished line (`streamWrite`), not field by field: a
 * URL reaches the log through request objects, `url` fields, error messages and stacks (Fastify's
 * own "Reply was already sent … in the "<url>" route" among them), and only the written line
 * covers every one of them.
 */
export function createLogger(level: string = process.env.LOG_LEVEL ?? 'info', destination?: DestinationStream): Logger {
  const options = {
    level,
    base: { pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
    hooks: { streamWrite: redactUrlCredentials },
  };
  return destination ? pino(options, destination) : pino(options);
}
