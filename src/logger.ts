import { pino, type Logger, type DestinationStream } from 'pino';
import type { FastifyRequest } from 'fastify';
import { maskSecrets } from './accounts/secrets.js';
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

/**
 * Fastify's request serializer, with our secrets masked in the URL: some travel in it (a Nextcloud
 * login flow's link, a poll token a client sends in the query).
 */
export const LOG_SERIALIZERS = {
  req: (request: FastifyRequest) => ({ method: request.method, url: maskSecrets(request.url), host: request.host, remoteAddress: request.ip }),
};

export function createLogger(level: LogLevel, destination?: DestinationStream): Logger {
  const options = { level, redact: { paths: REDACTED_PATHS, censor: '[redacted]' }, serializers: LOG_SERIALIZERS, base: { service: 'balados-sync' } };
  return destination ? pino(options, destination) : pino(options);
}
