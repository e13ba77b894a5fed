import { pino, type Logger, type DestinationStream } from 'pino';
import type { LogLevel } from './config.js';

/**
 * Secrets must never reach the logs: credentials in headers and anything named like a secret
 * in a logged object are replaced wholesale.
 */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  '*.password',
  '*.token',
  '*.accessToken',
  '*.refreshToken',
  '*.secret',
];

export function createLogger(level: LogLevel, destination?: DestinationStream): Logger {
  const options = { level, redact: { paths: REDACTED_PATHS, censor: '[redacted]' }, base: { service: 'balados-sync' } };
  return destination ? pino(options, destination) : pino(options);
}
