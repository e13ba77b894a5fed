/**
 * A real HTTP(S) server on 127.0.0.1 for the fetcher tests: the fetcher is tested through sockets, the
 * way hostile servers will meet it, not through mocks of undici.
 */
import http, { type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { ResolvedAddress, Resolver } from '../resolver.js';

export type Handler = (request: IncomingMessage, response: ServerResponse) => void | Promise<void>;

export interface RecordedRequest {
  path: string;
  headers: IncomingHttpHeaders;
}

export interface FixtureServer {
  /** `http://127.0.0.1:<port>` (or https). */
  readonly origin: string;
  readonly port: number;
  /** A URL to this server, under another hostname if given (resolved by a fake resolver). */
  url(path: string, hostname?: string): string;
  route(path: string, handler: Handler): void;
  /** Every request received, in order. */
  readonly requests: RecordedRequest[];
  /** Requests whose response is not finished yet, now and at most since the last reset. */
  readonly concurrency: { current: number; max: number };
  reset(): void;
  close(): Promise<void>;
}

export interface FixtureServerOptions {
  tls?: { key: string; cert: string };
}

export async function startFixtureServer(options: FixtureServerOptions = {}): Promise<FixtureServer> {
  const routes = new Map<string, Handler>();
  const requests: RecordedRequest[] = [];
  const concurrency = { current: 0, max: 0 };

  const listener = (request: IncomingMessage, response: ServerResponse) => {
    const path = new URL(request.url ?? '/', 'http://fixture').pathname;
    requests.push({ path: request.url ?? '/', headers: request.headers });
    concurrency.current += 1;
    concurrency.max = Math.max(concurrency.max, concurrency.current);
    response.once('close', () => {
      concurrency.current -= 1;
    });
    const handler = routes.get(path);
    if (!handler) {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('no such fixture');
      return;
    }
    Promise.resolve(handler(request, response)).catch(() => response.destroy());
  };
  const server = options.tls ? https.createServer({ key: options.tls.key, cert: options.tls.cert }, listener) : http.createServer(listener);
  // Tests hold connections open on purpose; keep-alive must not keep the server alive after close.
  server.keepAliveTimeout = 500;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const scheme = options.tls ? 'https' : 'http';
  const origin = `${scheme}://127.0.0.1:${port}`;

  return {
    origin,
    port,
    url: (path, hostname) => (hostname ? `${scheme}://${hostname}:${port}${path}` : `${origin}${path}`),
    route: (path, handler) => void routes.set(path, handler),
    requests,
    concurrency,
    reset() {
      requests.length = 0;
      concurrency.max = concurrency.current;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * A resolver answering from a table, the way the fetcher's `resolve` option expects: made-up "public"
 * hostnames can point at the loopback fixture without any real DNS. Unknown names fail like NXDOMAIN.
 */
export function fakeResolver(table: Record<string, string | string[]>): Resolver & { calls: string[] } {
  const calls: string[] = [];
  const resolve = async (hostname: string): Promise<ResolvedAddress[]> => {
    calls.push(hostname);
    const entry = table[hostname.toLowerCase()];
    if (entry === undefined) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
    return (Array.isArray(entry) ? entry : [entry]).map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  };
  return Object.assign(resolve, { calls });
}

/** Resolves after `ms` milliseconds (used by slow handlers). */
export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
