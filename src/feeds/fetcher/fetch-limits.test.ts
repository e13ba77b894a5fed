import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import zlib from 'node:zlib';
import { readAll } from './body.js';
import { createFeedFetcher, type FeedFetcher, type FetchedFeed, type FetcherOptions } from './feed-fetcher.js';
import { rejectsWith } from './testing/assertions.js';
import { fakeResolver, sleep, startFixtureServer, type FixtureServer } from './testing/fixture-server.js';

const MAX = 100_000;
const BOMB_SIZE = 20 * 1024 * 1024;

/** Resolves to 'pending' if the promise has not settled within `ms`. */
async function within<T>(promise: Promise<T>, ms: number): Promise<T | 'pending'> {
  return Promise.race([promise, sleep(ms).then(() => 'pending' as const)]);
}

describe('size limits', () => {
  let server: FixtureServer;
  let fetcher: FeedFetcher;

  before(async () => {
    server = await startFixtureServer();
    fetcher = createFeedFetcher({ allowedAddresses: ['127.0.0.1'], maxBodyBytes: MAX });
    server.route('/big-announced', (_request, response) => {
      response.writeHead(200, { 'content-length': String(MAX + 1) });
      response.end(Buffer.alloc(MAX + 1, 'a'));
    });
    server.route('/big-chunked', async (_request, response) => {
      response.writeHead(200, { 'content-type': 'text/xml' });
      for (let sent = 0; sent <= MAX && !response.destroyed; sent += 10_000) {
        response.write(Buffer.alloc(10_000, 'a'));
        await sleep(1);
      }
      response.end();
    });
    server.route('/exactly-max', (_request, response) => void response.end(Buffer.alloc(MAX, 'a')));
    const bombs: Record<string, [string, Buffer]> = {
      '/gzip-bomb': ['gzip', zlib.gzipSync(Buffer.alloc(BOMB_SIZE), { level: 9 })],
      '/br-bomb': ['br', zlib.brotliCompressSync(Buffer.alloc(BOMB_SIZE), { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 1 } })],
      '/gzip-gzip-bomb': ['gzip, gzip', zlib.gzipSync(zlib.gzipSync(Buffer.alloc(BOMB_SIZE), { level: 9 }), { level: 9 })],
      '/gzip-incompressible': ['gzip', zlib.gzipSync(randomBytes(MAX * 2))],
    };
    for (const [path, [encoding, body]] of Object.entries(bombs)) {
      assert.ok(body.length < MAX || path === '/gzip-incompressible', `${path} is ${body.length} bytes compressed`);
      // The incompressible one has no Content-Length: its compressed size is only known while streaming.
      const length = path === '/gzip-incompressible' ? {} : { 'content-length': body.length };
      server.route(path, (_request, response) => void response.writeHead(200, { 'content-encoding': encoding, ...length }).end(body));
    }
  });

  after(async () => {
    await fetcher.close();
    await server.close();
  });

  it('refuses a body whose Content-Length is over the limit before reading it', async () => {
    const error = await rejectsWith(fetcher.fetch(server.url('/big-announced')), 'too_large');
    assert.match(error.message, /announces/);
  });

  it('stops a body without Content-Length once it passes the limit', async () => {
    const outcome = (await fetcher.fetch(server.url('/big-chunked'))) as FetchedFeed;
    await rejectsWith(readAll(outcome.body), 'too_large');
  });

  it('accepts a body of exactly the limit', async () => {
    const outcome = (await fetcher.fetch(server.url('/exactly-max'))) as FetchedFeed;
    assert.equal((await readAll(outcome.body)).length, MAX);
  });

  for (const path of ['/gzip-bomb', '/br-bomb', '/gzip-gzip-bomb']) {
    it(`stops a decompression bomb at the limit (${path.slice(1)})`, async () => {
      const outcome = (await fetcher.fetch(server.url(path))) as FetchedFeed;
      let decoded = 0;
      const error = await rejectsWith(
        (async () => {
          for await (const chunk of outcome.body) decoded += chunk.length;
        })(),
        'too_large',
      );
      assert.match(error.message, /decompresses/);
      assert.ok(decoded <= MAX, `${decoded} bytes were handed out`);
    });
  }

  it('limits the compressed bytes too', async () => {
    const outcome = (await fetcher.fetch(server.url('/gzip-incompressible'))) as FetchedFeed;
    const error = await rejectsWith(readAll(outcome.body), 'too_large');
    assert.match(error.message, /is larger than/);
  });
});

describe('concurrency limits', () => {
  let server: FixtureServer;
  const fetchers: FeedFetcher[] = [];
  const resolve = fakeResolver({ 'a.example': '127.0.0.1', 'b.example': '127.0.0.1', 'c.example': '127.0.0.1' });

  function make(options: FetcherOptions): FeedFetcher {
    const fetcher = createFeedFetcher({ allowedAddresses: ['127.0.0.1'], resolve, ...options });
    fetchers.push(fetcher);
    return fetcher;
  }

  async function fetchAndRead(fetcher: FeedFetcher, url: string): Promise<string> {
    const outcome = (await fetcher.fetch(url)) as FetchedFeed;
    return (await readAll(outcome.body)).toString();
  }

  before(async () => {
    server = await startFixtureServer();
    server.route('/slow', async (_request, response) => {
      await sleep(60);
      response.end('<rss/>');
    });
    server.route('/feed', (_request, response) => void response.end('<rss/>'));
    server.route('/huge', (_request, response) => void response.end(Buffer.alloc(2000, 'a')));
    server.route('/gone', (_request, response) => void response.writeHead(410).end());
  });

  after(async () => {
    await Promise.all(fetchers.map((fetcher) => fetcher.close()));
    await server.close();
  });

  it('sends at most perHostConcurrency requests to one host at a time', async () => {
    const fetcher = make({ perHostConcurrency: 2 });
    server.reset();
    const bodies = await Promise.all(Array.from({ length: 6 }, () => fetchAndRead(fetcher, server.url('/slow', 'a.example'))));
    assert.deepEqual(new Set(bodies), new Set(['<rss/>']));
    assert.equal(server.concurrency.max, 2);
  });

  it('counts hosts separately, under the global limit', async () => {
    const fetcher = make({ perHostConcurrency: 2, globalConcurrency: 3 });
    server.reset();
    await Promise.all(
      ['a.example', 'b.example', 'c.example'].flatMap((host) => [1, 2].map(() => fetchAndRead(fetcher, server.url('/slow', host)))),
    );
    assert.equal(server.concurrency.max, 3);
  });

  it('holds the permit while the body is unread and gives it back on cancel', async () => {
    const fetcher = make({ perHostConcurrency: 1 });
    const first = (await fetcher.fetch(server.url('/feed'))) as FetchedFeed;
    const second = fetchAndRead(fetcher, server.url('/feed'));
    assert.equal(await within(second, 50), 'pending');
    await first.body.cancel();
    assert.equal(await within(second, 1000), '<rss/>');
  });

  it('gives the permit back when the consumer breaks out of the loop', async () => {
    const fetcher = make({ perHostConcurrency: 1 });
    const first = (await fetcher.fetch(server.url('/huge'))) as FetchedFeed;
    for await (const chunk of first.body) {
      assert.ok(chunk.length > 0);
      break;
    }
    assert.equal(await within(fetchAndRead(fetcher, server.url('/feed')), 1000), '<rss/>');
  });

  it('gives the permit back when a body is never read, after the total body timeout', async () => {
    const fetcher = make({ perHostConcurrency: 1, timeouts: { bodyTotalMs: 150 } });
    const abandoned = (await fetcher.fetch(server.url('/feed'))) as FetchedFeed;
    const started = Date.now();
    assert.equal(await within(fetchAndRead(fetcher, server.url('/feed')), 2000), '<rss/>');
    assert.ok(Date.now() - started >= 100, 'waited for the abandoned body');
    // Whoever comes back to the abandoned body learns why it is gone.
    await rejectsWith(readAll(abandoned.body), 'body_timeout');
  });

  it('gives the permit back after failures', async () => {
    const fetcher = make({ perHostConcurrency: 1, maxBodyBytes: 1000 });
    await rejectsWith(fetcher.fetch(server.url('/gone')), 'http_error');
    await rejectsWith(fetcher.fetch(server.url('/huge')), 'too_large');
    await rejectsWith(fetcher.fetch(server.url('/feed', 'unknown.example')), 'dns_failure');
    assert.equal(await within(fetchAndRead(fetcher, server.url('/feed')), 1000), '<rss/>');
  });

  it('lets a request waiting for a permit be aborted', async () => {
    const fetcher = make({ perHostConcurrency: 1 });
    const held = (await fetcher.fetch(server.url('/feed'))) as FetchedFeed;
    const controller = new AbortController();
    const waiting = fetcher.fetch(server.url('/feed'), undefined, controller.signal);
    setTimeout(() => controller.abort(), 20);
    await rejectsWith(waiting, 'aborted');
    await held.body.cancel();
    assert.equal(await within(fetchAndRead(fetcher, server.url('/feed')), 1000), '<rss/>');
  });
});
