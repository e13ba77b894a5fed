import { errors as undiciErrors } from 'undici';
import type { RedirectHop } from './redirects.js';

/**
 * Stable failure codes: callers store them, count them in metrics and show them to users, so a code
 * is never renamed. Messages are for humans and may change.
 */
export type FeedFetchErrorCode =
  | 'invalid_url'
  | 'unsupported_scheme'
  | 'credentials_in_url'
  | 'blocked_address'
  | 'dns_failure'
  | 'connect_timeout'
  | 'headers_timeout'
  | 'body_timeout'
  | 'too_many_redirects'
  | 'redirect_loop'
  | 'too_large'
  | 'http_error'
  | 'truncated'
  | 'decode_error'
  | 'tls_error'
  | 'protocol_error'
  | 'connection_error'
  | 'aborted'
  | 'closed';

export interface FeedFetchErrorDetails {
  /** The URL being fetched when it failed (after redirects). */
  url?: string;
  /** HTTP status, for `http_error`. */
  status?: number;
  /** Redirects followed before the failure. */
  redirects?: readonly RedirectHop[];
  /** From `Retry-After`, for `http_error` (429 and 503 usually). */
  retryAfterMs?: number;
  cause?: unknown;
}

export class FeedFetchError extends Error {
  override readonly name = 'FeedFetchError';
  readonly code: FeedFetchErrorCode;
  readonly url: string | undefined;
  readonly status: number | undefined;
  readonly redirects: readonly RedirectHop[];
  readonly retryAfterMs: number | undefined;

  constructor(code: FeedFetchErrorCode, message: string, details: FeedFetchErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.code = code;
    this.url = details.url;
    this.status = details.status;
    this.redirects = details.redirects ?? [];
    this.retryAfterMs = details.retryAfterMs;
  }

  /** The same failure, with the URL and redirect history known one level up. */
  withContext(url: string, redirects: readonly RedirectHop[]): FeedFetchError {
    if (this.url !== undefined && this.redirects.length >= redirects.length) return this;
    const copy = new FeedFetchError(this.code, this.message, {
      url: this.url ?? url,
      status: this.status,
      redirects,
      retryAfterMs: this.retryAfterMs,
      cause: this.cause,
    });
    copy.stack = this.stack;
    return copy;
  }
}

/** Where the failure happened: the same low-level error means different things before and after the headers. */
export type FetchPhase = 'request' | 'body';

const TLS_CODES = new Set([
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_REVOKED',
  'CERT_UNTRUSTED',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'EPROTO',
]);

const DNS_CODES = new Set(['ENOTFOUND', 'EAI_AGAIN', 'EAI_FAIL', 'EAI_NONAME', 'ENODATA', 'ESERVFAIL', 'ENOTIMP', 'EREFUSED']);

function errorCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' ? code : undefined;
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Turns whatever undici, node:net, node:tls or node:zlib threw into a FeedFetchError, so that `fetch()`
 * and the body iterator never leak an untyped exception.
 */
export function toFeedFetchError(error: unknown, phase: FetchPhase, url: string, signal?: AbortSignal): FeedFetchError {
  if (error instanceof FeedFetchError) return error;
  const details = { url, cause: error };
  // An abort surfaces as many different errors depending on the moment: the signal is the truth.
  if (signal?.aborted) return new FeedFetchError('aborted', `fetching ${url} was aborted`, details);
  const code = errorCode(error);
  const message = errorMessage(error);
  switch (code) {
    case 'UND_ERR_CONNECT_TIMEOUT':
      return new FeedFetchError('connect_timeout', `connecting to ${url} timed out`, details);
    case 'UND_ERR_HEADERS_TIMEOUT':
      return new FeedFetchError('headers_timeout', `${url} did not send response headers in time`, details);
    case 'UND_ERR_BODY_TIMEOUT':
      return new FeedFetchError('body_timeout', `${url} stopped sending its body`, details);
    case 'UND_ERR_RES_CONTENT_LENGTH_MISMATCH':
      return new FeedFetchError('truncated', `the body of ${url} is shorter than its Content-Length`, details);
    case 'UND_ERR_HEADERS_OVERFLOW':
      return new FeedFetchError('protocol_error', `${url} sent response headers that are too large`, details);
    case 'UND_ERR_ABORTED':
    case 'UND_ERR_ABORT':
    case 'ABORT_ERR':
      return new FeedFetchError('aborted', `fetching ${url} was aborted`, details);
    case 'UND_ERR_CLOSED':
    case 'UND_ERR_DESTROYED':
      return new FeedFetchError('closed', 'the feed fetcher is closed', details);
    case 'UND_ERR_INVALID_ARG':
      return new FeedFetchError('invalid_url', `cannot request ${url}: ${message}`, details);
  }
  // undici does not always set an HPE_ code on parser errors: the class is the reliable mark.
  if (error instanceof undiciErrors.HTTPParserError || code?.startsWith('HPE_')) {
    // A chunked body cut by the connection closing is reported by llhttp as an "invalid EOF state".
    if (phase === 'body' && (code === 'HPE_INVALID_EOF_STATE' || /EOF/i.test(message))) {
      return new FeedFetchError('truncated', `the connection to ${url} ended before the body was complete`, details);
    }
    return new FeedFetchError('protocol_error', `${url} sent an invalid HTTP response: ${message}`, details);
  }
  if (code !== undefined && (TLS_CODES.has(code) || code.startsWith('ERR_TLS_') || code.startsWith('ERR_SSL_'))) {
    return new FeedFetchError('tls_error', `TLS failure with ${url}: ${message}`, details);
  }
  if (code !== undefined && DNS_CODES.has(code)) {
    return new FeedFetchError('dns_failure', `cannot resolve the host of ${url}: ${message}`, details);
  }
  if (phase === 'body') {
    // Once the headers are in, a dropped connection means the feed is cut short.
    return new FeedFetchError('truncated', `the connection to ${url} ended before the body was complete: ${message}`, details);
  }
  return new FeedFetchError('connection_error', `connection to ${url} failed: ${message}`, details);
}
