// Structured JSON logs (pino). Request logs carry the request id; message
// contents are never logged.
import { pino, type Logger } from 'pino';
import type { LogLevel } from './config.ts';

export type { Logger };

export function createLogger(level: LogLevel): Logger {
  return pino({
    level,
    base: { service: 'chatgraph' },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: ['*.authorization', '*.token', '*.accessToken', '*.password', '*.webhookSecret'], censor: '[redacted]' },
  });
}
