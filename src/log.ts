// Structured JSON logs (pino). Request logs carry the request id; message
// contents are never logged. Every line the server writes goes through here:
// libraries' warnings (process 'warning' events, console.*) included.
import { format } from 'node:util';
import { pino, type DestinationStream, type Logger } from 'pino';
import type { LogLevel } from './config.ts';

export type { Logger };

export const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

export interface LoggerOptions {
  /** The `service` field of every line. */
  readonly service?: string;
  /** Default stdout; the CLI logs to stderr (2), its stdout being the command's output. */
  readonly destination?: number | DestinationStream;
}

export function createLogger(level: LogLevel, options: LoggerOptions = {}): Logger {
  const settings = {
    level,
    base: { service: options.service ?? 'chatgraph' },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: ['*.authorization', '*.token', '*.accessToken', '*.password', '*.webhookSecret'], censor: '[redacted]' },
  };
  const destination = options.destination;
  return destination === undefined ? pino(settings) : pino(settings, typeof destination === 'number' ? pino.destination(destination) : destination);
}

/** LOG_LEVEL when it is a level, else `fallback` (before the configuration is validated, which reports a bad one). */
export function levelFromEnv(env: NodeJS.ProcessEnv, fallback: LogLevel): LogLevel {
  const level = env.LOG_LEVEL?.trim().toLowerCase();
  return LOG_LEVELS.includes(level as LogLevel) ? (level as LogLevel) : fallback;
}

let captured: Logger | null = null;

/**
 * Sends what libraries print into `log`: process warnings (deprecations,
 * experimental features — Node's own printing to stderr is removed) and
 * console.* calls. Called once per process; a later call moves them to
 * another logger.
 */
export function captureProcessOutput(log: Logger): void {
  const first = captured === null;
  captured = log;
  if (!first) return;
  // Node prints warnings through its own 'warning' listener: replaced by ours.
  process.removeAllListeners('warning');
  process.on('warning', (warning) => {
    captured!.warn({ warning: { name: warning.name, code: (warning as { code?: string }).code, message: warning.message } }, `process warning: ${warning.message}`);
  });
  const route = (level: 'debug' | 'info' | 'warn' | 'error') => (...args: unknown[]) => captured![level]({ source: 'console' }, format(...args));
  console.log = route('info');
  console.info = route('info');
  console.debug = route('debug');
  console.warn = route('warn');
  console.error = route('error');
  console.trace = route('debug');
}
