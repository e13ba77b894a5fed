import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import zlib from 'node:zlib';
import { readAll } from './body.js';
import { createFeedFetcher, type FeedFetcher, type FetchedFeed } from './feed-fetcher.js';
import type { ResolvedAddress } from './resolver.js';
import { rejectsWith } from './testing/assertions.js';
import { startFixtureServer, type FixtureServer } from './testing/fixture-server.js';

describe('timeouts and cut-off bodies', () => {
  let server: FixtureServer;
  let fetcher: FeedFetcher;
  const timers: NodeJS.Timeout[] = [];
  const later = (ms: number, action: () => void) => void timers.push(setTimeout(action, ms));

  // undici checks its connect, headers and idle timeouts on a 0.5 s tick: these short timeouts fire
  // within about a second, which is what the bounds below allow.
  before(async () => {
    server = await startFixtureServer();
    fetcher = createFeedFetcher({
      allowedAddresses: ['127.0.0.1'],
      timeouts: { connectMs: 150, headersMs: 150, bodyIdleMs: 150, bodyTotalMs: 400 },
      // Names ending in .hang never resolve: the connect timeout has to cover DNS.
      resolve: (hostname) =>
        hostname.endsWith('.hang') ? new Promise<ResolvedAddress[]>(() => {}) : Promise.resolve([{ address: '127.0.0.1', family: 4 }]),
    });
    server.route('/slow-headers', (_request, response) => later(5000, () => response.end()));
    server.route('/stalled-body', (_request, response) => {
      response.writeHead(200, { 'content-type': 'text/xml' });
      response.write('<rss>');
      later(2000, () => response.end('</rss>'));
    });
    server.route('/trickle', (_request, response) => {
      // Never idle for long, never done: only the total timeout stops it.
      response.writeHead(200, { 'content-type': 'text/xml' });
      const tick = setInterval(() => response.write('<!-- still here -->'), 20);
      timers.push(tick);
      response.once('close', () => clearInterval(tick));
    });
    server.route('/truncated', (_request, response) => {
      response.writeHead(200, { 'content-length': '1000' });
      response.write('<rss>only part of it');
      later(20, () => response.socket?.destroy());
    });
    server.route('/truncated-close', (_request, response) => {
      response.writeHead(200, { 'content-length': '1000', connection: 'close' });
      response.write('<rss>only part of it');
      later(20, () => response.socket?.destroy());
    });
    server.route('/truncated-chunked', (_request, response) => {
      response.writeHead(200, { connection: 'close' });
      response.write('<rss>only part of it');
      later(20, () => response.socket?.end());
    });
    server.route('/truncated-gzip', (_request, response) => {
      // No Content-Length: the connection just ends, and only the gzip trailer shows the body is cut.
      const gzipped = zlib.gzipSync('<rss>' + 'x'.repeat(5000) + '</rss>');
      response.writeHead(200, { 'content-encoding': 'gzip', connection: 'close' });
      response.write(gzipped.subarray(0, gzipped.length - 10));
      later(20, () => response.socket?.end());
    });
  });

  after(async () => {
    for (const timer of timers) clearTimeout(timer);
    await fetcher.close();
    await server.close();
  });

  it('fails with headers_timeout when the response headers do not come', async () => {
    const started = Date.now();
    await rejectsWith(fetcher.fetch(server.url('/slow-headers')), 'headers_timeout');
    assert.ok(Date.now() - started < 4000);
  });

  it('fails with body_timeout when the body stalls', async () => {
    // A long total timeout, so that only the idle timeout can fire.
    const idle = createFeedFetcher({ allowedAddresses: ['127.0.0.1'], timeouts: { bodyIdleMs: 150, bodyTotalMs: 10_000 } });
    try {
      const outcome = (await idle.fetch(server.url('/stalled-body'))) as FetchedFeed;
      const error = await rejectsWith(readAll(outcome.body), 'body_timeout');
      assert.equal((error.cause as { code?: string }).code, 'UND_ERR_BODY_TIMEOUT');
    } finally {
      await idle.close();
    }
  });

  it('fails with body_timeout when the body takes too long overall', async () => {
    const started = Date.now();
    const outcome = (await fetcher.fetch(server.url('/trickle'))) as FetchedFeed;
    const error = await rejectsWith(readAll(outcome.body), 'body_timeout');
    assert.match(error.message, /400 ms/);
    assert.ok(Date.now() - started < 4000);
  });

  it('fails with connect_timeout when resolution or connection hangs', async () => {
    await rejectsWith(fetcher.fetch(`http://feeds.hang:${server.port}/feed`), 'connect_timeout');
    assert.ok(!server.requests.some((request) => request.headers.host?.includes('hang')));
  });

  for (const path of ['/truncated', '/truncated-close']) {
    it(`fails with truncated when the body is shorter than its Content-Length (${path.slice(1)})`, async () => {
      const outcome = (await fetcher.fetch(server.url(path))) as FetchedFeed;
      await rejectsWith(readAll(outcome.body), 'truncated');
    });
  }

  it('fails with truncated when a chunked body is cut by the connection closing', async () => {
    const outcome = (await fetcher.fetch(server.url('/truncated-chunked'))) as FetchedFeed;
    await rejectsWith(readAll(outcome.body), 'truncated');
  });

  it('fails with truncated when a compressed body ends early', async () => {
    const outcome = (await fetcher.fetch(server.url('/truncated-gzip'))) as FetchedFeed;
    await rejectsWith(readAll(outcome.body), 'truncated');
  });
});
