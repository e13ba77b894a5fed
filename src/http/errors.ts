import { Type, type Static } from '@sinclair/typebox';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { TooManyAttemptsError } from '../accounts/throttle.js';
import { DomainError } from '../domain/decider.js';
import { ConcurrencyError, DuplicateEventError } from '../store/events.js';
import { InvalidEventError } from '../store/event-store.js';

/** The one shape of every 4xx and 5xx answer. */
export const ErrorResponse = Type.Object(
  {
    error: Type.Object({
      code: Type.String({ description: 'Stable, machine-readable error code (snake_case).' }),
      message: Type.String({ description: 'Human-readable explanation.' }),
      details: Type.Optional(Type.Array(Type.Object({ path: Type.String(), message: Type.String() }))),
    }),
  },
  { $id: 'ErrorResponse', title: 'ErrorResponse' },
);
export type ErrorBody = Static<typeof ErrorResponse>;

/** Throw from a handler to answer with this status and code. */
export class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

const FASTIFY_CODES: Record<string, { status: number; code: string; message?: string }> = {
  FST_ERR_CTP_INVALID_JSON_BODY: { status: 400, code: 'invalid_json', message: 'The request body is not valid JSON' },
  FST_ERR_CTP_EMPTY_JSON_BODY: { status: 400, code: 'invalid_json', message: 'The request body is empty but declared as JSON' },
  FST_ERR_CTP_BODY_TOO_LARGE: { status: 413, code: 'payload_too_large' },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: { status: 415, code: 'unsupported_media_type' },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: { status: 400, code: 'invalid_content_length' },
  FST_ERR_RESPONSE_SERIALIZATION: { status: 500, code: 'internal_error' },
};

function body(code: string, message: string, details?: { path: string; message: string }[]): ErrorBody {
  return { error: { code, message, ...(details ? { details } : {}) } };
}

function toSnakeCase(code: string): string {
  return code.replace(/^FST_ERR_/, '').toLowerCase();
}

function describe(error: FastifyError): { status: number; payload: ErrorBody } {
  if (error instanceof HttpError) return { status: error.statusCode, payload: body(error.code, error.message) };
  if (error instanceof TooManyAttemptsError) return { status: 429, payload: body(error.code, error.message) };
  if (error instanceof DomainError) return { status: error.status, payload: body(error.code, error.message) };
  if (error instanceof ConcurrencyError) return { status: 409, payload: body(error.code, error.message) };
  if (error instanceof DuplicateEventError) return { status: 409, payload: body(error.code, error.message) };
  if (error instanceof InvalidEventError) return { status: 422, payload: body(error.code, error.message) };
  if (error.validation) {
    const details = error.validation.map((issue) => ({
      path: `${error.validationContext ?? 'body'}${issue.instancePath || ''}`,
      message: issue.message ?? 'is invalid',
    }));
    return { status: 400, payload: body('validation_failed', `Invalid request: ${details.map((d) => `${d.path} ${d.message}`).join('; ')}`, details) };
  }
  const known = error.code ? FASTIFY_CODES[error.code] : undefined;
  if (known) return { status: known.status, payload: body(known.code, known.status >= 500 ? 'Internal server error' : (known.message ?? error.message)) };
  const status = error.statusCode ?? 500;
  if (status >= 400 && status < 500) return { status, payload: body(error.code ? toSnakeCase(error.code) : 'bad_request', error.message) };
  return { status: 500, payload: body('internal_error', 'Internal server error') };
}

export function registerErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    if (error instanceof TooManyAttemptsError) reply.header('retry-after', String(error.retryAfterSeconds));
    const { status, payload } = describe(error);
    if (status >= 500) request.log.error({ err: error }, 'request failed');
    else request.log.info({ code: payload.error.code, status }, payload.error.message);
    return reply.status(status).send(payload);
  });
  app.setNotFoundHandler((request, reply) => {
    return reply.status(404).send(body('not_found', `No route for ${request.method} ${request.url.split('?')[0]}`));
  });
}
