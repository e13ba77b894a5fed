import type { IncomingHttpHeaders } from 'node:http';
import { Agent, type Dispatcher } from 'undici';
import { VERSION } from '../../app/version.js';
import { createAddressPolicy, literalAddress, type AddressPolicy } from './address-policy.js';
import { createFeedBody, type FeedBody } from './body.js';
import { FeedFetchError, toFeedFetchError } from './errors.js';
import { createGuardedConnector } from './guarded-connector.js';
import { ConcurrencyLimits } from './host-limits.js';
import { RedirectChain, isRedirect, type PermanentRedirect, type RedirectHop } from './redirects.js';
import { systemResolver, type Resolver } from './resolver.js';

export interface FetcherTimeouts {
  /** DNS resolution, TCP and TLS handshakes. Default 10 s. */
  connectMs?: number;
  /** From the request being sent to the end of the response headers. Default 15 s. */
  headersMs?: number;
  /** Longest silence between two body chunks. Default 15 s. */
  bodyIdleMs?: number;
  /** Whole body, counted from the headers, consumer's own pauses included. Default 30 s. */
  bodyTotalMs?: number;
}

export interface FetcherOptions {
  /** Version in the User-Agent. Default: this package's version. */
  version?: string;
  /** Public URL of this server, in the User-Agent so publishers can find who is fetching. */
  baseUrl?: string;
  /** Replaces the whole User-Agent. */
  userAgent?: string;
  /** Default 5. */
  maxRedirects?: number;
  /** Limit on the bytes received and, separately, on the bytes after decompression. Default 50 MiB. */
  maxBodyBytes?: number;
  /** Requests in flight to one hostname. Default 2. */
  perHostConcurrency?: number;
  /** Requests in flight in total. Default 32. */
  globalConcurrency?: number;
  timeouts?: FetcherTimeouts;
  /** Allow every address, private ranges included: tests and intranet deployments only. Default false. */
  allowPrivateAddresses?: boolean;
  /** Addresses or CIDR ranges allowed although private (see address-policy.ts). */
  allowedAddresses?: readonly string[];
  /** Hostname resolution. Default: the operating system's (dns.lookup). */
  resolve?: Resolver;
  /** Extra trusted certificate authorities (PEM), added to Node's bundled roots. */
  ca?: readonly string[];
}

export interface ConditionalRequest {
  /** ETag of the copy the caller has: sent as If-None-Match. */
  etag?: string;
  /** Last-Modified of the copy the caller has: sent as If-Modified-Since. */
  lastModified?: string;
}

interface OutcomeBase {
  /** The URL that answered, after redirects. */
  finalUrl: string;
  /** Every redirect followed, in order. */
  redirects: RedirectHop[];
  /** Set when every redirect was 301/308: the caller should update the feed's URL. */
  permanentRedirect?: PermanentRedirect;
}

export interface FetchedFeed extends OutcomeBase {
  kind: 'fetched';
  status: number;
  etag?: string;
  lastModified?: string;
  contentType?: string;
  /** Decompressed bytes. Must be consumed or cancelled: see FeedBody. */
  body: FeedBody;
}

export interface NotModifiedFeed extends OutcomeBase {
  kind: 'not_modified';
}

export type FetchOutcome = FetchedFeed | NotModifiedFeed;

export interface FeedFetcher {
  /** Rejects only with FeedFetchError. */
  fetch(url: string, conditional?: ConditionalRequest, signal?: AbortSignal): Promise<FetchOutcome>;
  /** Refuses new fetches and waits for the ones in flight (an unread body ends by its timeout). */
  close(): Promise<void>;
}

const DEFAULTS = {
  maxRedirects: 5,
  maxBodyBytes: 50 * 1024 * 1024,
  perHostConcurrency: 2,
  globalConcurrency: 32,
  connectMs: 10_000,
  headersMs: 15_000,
  bodyIdleMs: 15_000,
  bodyTotalMs: 30_000,
};

// Long enough for every real feed URL; beyond it the URL is an attack or garbage.
const MAX_URL_LENGTH = 8192;

const ACCEPT = 'application/rss+xml, application/atom+xml, application/rdf+xml;q=0.9, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.8';

// Small enough to drain quickly; bigger redirect or error bodies just cost the connection.
const DISCARD_LIMIT_BYTES = 64 * 1024;
const DISCARD_TIMEOUT_MS = 1000;

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** Retry-After is seconds or an HTTP date. */
function retryAfterMs(headers: IncomingHttpHeaders): number | undefined {
  const value = header(headers, 'retry-after')?.trim();
  if (!value) return undefined;
  if (/^\d+$/.test(value)) return Number(value) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

function contentLength(headers: IncomingHttpHeaders): number | undefined {
  const value = header(headers, 'content-length')?.trim();
  return value && /^\d+$/.test(value) ? Number(value) : undefined;
}

/** A value the caller got from an earlier response: never let it smuggle a header. */
function safeHeaderValue(value: string | undefined): string | undefined {
  return value !== undefined && value !== '' && !/[\r\n\0]/.test(value) ? value : undefined;
}

/** Throws unless the URL may be requested at all. Literal addresses are checked here to fail early. */
function checkUrl(url: URL, policy: AddressPolicy): void {
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new FeedFetchError('unsupported_scheme', `${url.protocol} URLs cannot be fetched (only http: and https:)`, { url: url.href });
  }
  // Feed URLs are shared between users and recorded in events: a password in one would leak to all.
  if (url.username !== '' || url.password !== '') {
    throw new FeedFetchError('credentials_in_url', 'feed URLs with a user name or password are not supported', { url: `${url.protocol}//${url.host}${url.pathname}` });
  }
  const address = literalAddress(url.hostname);
  if (address !== undefined) {
    const verdict = policy.check(address);
    if (!verdict.allowed) {
      throw new FeedFetchError('blocked_address', `${address} is ${verdict.kind.replaceAll('_', ' ')}, which feeds may not use`, { url: url.href });
    }
  }
}

function parseUrl(input: string, policy: AddressPolicy): URL {
  if (input.length > MAX_URL_LENGTH) throw new FeedFetchError('invalid_url', `URL longer than ${MAX_URL_LENGTH} characters`);
  let url: URL;
  try {
    url = new URL(input.trim());
  } catch (error) {
    throw new FeedFetchError('invalid_url', `not a valid URL: ${input.slice(0, 200)}`, { cause: error });
  }
  url.hash = '';
  checkUrl(url, policy);
  return url;
}

function userAgent(options: FetcherOptions): string {
  if (options.userAgent) return options.userAgent;
  const version = options.version ?? VERSION;
  return options.baseUrl ? `BaladosSync/${version} (+${options.baseUrl}; podcast sync)` : `BaladosSync/${version} (podcast sync)`;
}

/** Closes a body we will not read; the listener keeps undici's abort error from going unhandled. */
function abandon(response: Dispatcher.ResponseData): void {
  response.body.on('error', () => {});
  response.body.destroy();
}

async function discard(response: Dispatcher.ResponseData): Promise<void> {
  try {
    await response.body.dump({ limit: DISCARD_LIMIT_BYTES, signal: AbortSignal.timeout(DISCARD_TIMEOUT_MS) });
  } catch {
    // Dumping failed or was cut short: the connection is closed instead of reused, nothing else to do.
  }
}

export function createFeedFetcher(options: FetcherOptions = {}): FeedFetcher {
  const maxRedirects = options.maxRedirects ?? DEFAULTS.maxRedirects;
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULTS.maxBodyBytes;
  const timeouts = {
    connectMs: options.timeouts?.connectMs ?? DEFAULTS.connectMs,
    headersMs: options.timeouts?.headersMs ?? DEFAULTS.headersMs,
    bodyIdleMs: options.timeouts?.bodyIdleMs ?? DEFAULTS.bodyIdleMs,
    bodyTotalMs: options.timeouts?.bodyTotalMs ?? DEFAULTS.bodyTotalMs,
  };
  const policy = createAddressPolicy({ allowPrivateAddresses: options.allowPrivateAddresses, allowedAddresses: options.allowedAddresses });
  const limits = new ConcurrencyLimits({
    perHost: options.perHostConcurrency ?? DEFAULTS.perHostConcurrency,
    global: options.globalConcurrency ?? DEFAULTS.globalConcurrency,
  });
  // Our own Agent, not the global dispatcher: no proxy from the environment, and our connector.
  const agent = new Agent({
    connect: createGuardedConnector({
      policy,
      resolver: options.resolve ?? systemResolver,
      connectTimeoutMs: timeouts.connectMs,
      ...(options.ca ? { ca: options.ca } : {}),
    }),
    headersTimeout: timeouts.headersMs,
    bodyTimeout: timeouts.bodyIdleMs,
  });
  const baseHeaders: Record<string, string> = {
    'user-agent': userAgent(options),
    accept: ACCEPT,
    'accept-encoding': 'gzip, deflate, br',
  };
  let closed = false;

  /** One request, holding the permits for its host; on success the caller owns `release`. */
  async function request(url: URL, headers: Record<string, string>, signal: AbortSignal | undefined) {
    const release = await limits.acquire(url.hostname, signal);
    try {
      const response = await agent.request({
        origin: url.origin,
        path: `${url.pathname}${url.search}`,
        method: 'GET',
        headers,
        signal,
      });
      return { response, release };
    } catch (error) {
      release();
      throw toFeedFetchError(error, 'request', url.href, signal);
    }
  }

  async function run(input: string, conditional: ConditionalRequest | undefined, signal: AbortSignal | undefined): Promise<FetchOutcome> {
    if (closed) throw new FeedFetchError('closed', 'the feed fetcher is closed');
    let url = parseUrl(input, policy);
    const chain = new RedirectChain(input, url, maxRedirects);
    const headers = { ...baseHeaders };
    const etag = safeHeaderValue(conditional?.etag);
    const lastModified = safeHeaderValue(conditional?.lastModified);
    // Sent on every hop: after a redirect they describe the same feed, whose copy the caller has.
    if (etag) headers['if-none-match'] = etag;
    if (lastModified) headers['if-modified-since'] = lastModified;

    for (;;) {
      try {
        const { response, release } = await request(url, headers, signal);
        const status = response.statusCode;
        const base = () => {
          const permanentRedirect = chain.permanentRedirect(url);
          return { finalUrl: url.href, redirects: [...chain.hops], ...(permanentRedirect ? { permanentRedirect } : {}) };
        };
        if (status < 200 || status >= 300) {
          await discard(response);
          release();
          if (isRedirect(status)) {
            url = chain.follow(url, status, header(response.headers, 'location'));
            checkUrl(url, policy);
            continue;
          }
          if (status === 304) return { kind: 'not_modified', ...base() };
          throw new FeedFetchError('http_error', `${url.href} answered HTTP ${status}`, {
            url: url.href,
            status,
            retryAfterMs: retryAfterMs(response.headers),
          });
        }
        const length = contentLength(response.headers);
        if (length !== undefined && length > maxBodyBytes) {
          abandon(response);
          release();
          throw new FeedFetchError('too_large', `${url.href} announces ${length} bytes, more than ${maxBodyBytes}`, { url: url.href });
        }
        const etagOut = header(response.headers, 'etag');
        const lastModifiedOut = header(response.headers, 'last-modified');
        const contentType = header(response.headers, 'content-type');
        const encoding = response.headers['content-encoding'];
        return {
          kind: 'fetched',
          ...base(),
          status,
          ...(etagOut ? { etag: etagOut } : {}),
          ...(lastModifiedOut ? { lastModified: lastModifiedOut } : {}),
          ...(contentType ? { contentType } : {}),
          body: createFeedBody(response.body, {
            url: url.href,
            contentEncoding: Array.isArray(encoding) ? encoding.join(', ') : encoding,
            contentLength: length,
            maxBytes: maxBodyBytes,
            totalTimeoutMs: timeouts.bodyTotalMs,
            signal,
            release,
          }),
        };
      } catch (error) {
        throw toFeedFetchError(error, 'request', url.href, signal).withContext(url.href, chain.hops);
      }
    }
  }

  return {
    async fetch(url, conditional, signal) {
      try {
        return await run(url, conditional, signal);
      } catch (error) {
        // run() already types its failures; this is the last line against a bug turning into an untyped throw.
        throw toFeedFetchError(error, 'request', url, signal);
      }
    },
    async close() {
      closed = true;
      await agent.close();
    },
  };
}
