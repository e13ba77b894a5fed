import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import zlib from 'node:zlib';
import { readAll } from './body.js';
import { createFeedFetcher, type FeedFetcher, type FetchedFeed, type FetchOutcome } from './feed-fetcher.js';
import { rejectsWith } from './testing/assertions.js';
import { startFixtureServer, type FixtureServer } from './testing/fixture-server.js';

const FEED = '<?xml version="1.0"?><rss version="2.0"><channel><title>Fixture</title></channel></rss>';
const ETAG = '"v1"';
const LAST_MODIFIED = 'Tue, 01 Oct 2024 10:00:00 GMT';

function fetched(outcome: FetchOutcome): FetchedFeed {
  assert.equal(outcome.kind, 'fetched');
  return outcome as FetchedFeed;
}

describe('fetching', () => {
  let server: FixtureServer;
  let fetcher: FeedFetcher;

  before(async () => {
    server = await startFixtureServer();
    fetcher = createFeedFetcher({ allowedAddresses: ['127.0.0.1'], version: '1.2.3', baseUrl: 'https://sync.example' });
    server.route('/feed', (request, response) => {
      const fresh = request.headers['if-none-match'] === ETAG || request.headers['if-modified-since'] === LAST_MODIFIED;
      if (fresh) return void response.writeHead(304, { etag: ETAG }).end();
      response.writeHead(200, { 'content-type': 'application/rss+xml; charset=utf-8', etag: ETAG, 'last-modified': LAST_MODIFIED }).end(FEED);
    });
    const encoded: Record<string, [string, Buffer]> = {
      '/gzip': ['gzip', zlib.gzipSync(FEED)],
      '/x-gzip': ['x-gzip', zlib.gzipSync(FEED)],
      '/br': ['br', zlib.brotliCompressSync(FEED)],
      '/deflate': ['deflate', zlib.deflateSync(FEED)],
      '/deflate-raw': ['deflate', zlib.deflateRawSync(FEED)],
      '/gzip-br': ['gzip, br', zlib.brotliCompressSync(zlib.gzipSync(FEED))],
      '/mislabelled': ['gzip', Buffer.from(FEED)],
      '/bogus-encoding': ['UTF-8', Buffer.from(FEED)],
      '/corrupt': ['gzip', Buffer.concat([zlib.gzipSync(FEED).subarray(0, 10), Buffer.alloc(40, 0xff)])],
      '/empty-gzip': ['gzip', Buffer.alloc(0)],
      '/stacked': ['gzip, gzip, gzip', zlib.gzipSync(zlib.gzipSync(zlib.gzipSync(FEED)))],
    };
    for (const [path, [encoding, body]] of Object.entries(encoded)) {
      server.route(path, (_request, response) => void response.writeHead(200, { 'content-encoding': encoding }).end(body));
    }
    server.route('/chunked', (_request, response) => {
      response.writeHead(200, { 'content-type': 'text/xml' });
      response.write(FEED.slice(0, 20));
      setTimeout(() => response.end(FEED.slice(20)), 10);
    });
    for (const status of [404, 410, 500]) {
      server.route(`/status-${status}`, (_request, response) => void response.writeHead(status).end('nope'));
    }
    server.route('/busy', (_request, response) => void response.writeHead(503, { 'retry-after': '120' }).end());
  });

  after(async () => {
    await fetcher.close();
    await server.close();
  });

  it('fetches a feed with its validators and identifies itself', async () => {
    const outcome = fetched(await fetcher.fetch(server.url('/feed')));
    assert.equal(outcome.status, 200);
    assert.equal(outcome.finalUrl, server.url('/feed'));
    assert.equal(outcome.etag, ETAG);
    assert.equal(outcome.lastModified, LAST_MODIFIED);
    assert.equal(outcome.contentType, 'application/rss+xml; charset=utf-8');
    assert.deepEqual(outcome.redirects, []);
    assert.equal(outcome.permanentRedirect, undefined);
    assert.equal((await readAll(outcome.body)).toString(), FEED);
    const sent = server.requests.at(-1)!.headers;
    assert.equal(sent['user-agent'], 'BaladosSync/1.2.3 (+https://sync.example; podcast sync)');
    assert.equal(sent['accept-encoding'], 'gzip, deflate, br');
    assert.match(String(sent.accept), /application\/rss\+xml/);
    assert.equal(sent['if-none-match'], undefined);
  });

  it('sends the validators back and reports 304 as not modified', async () => {
    const byEtag = await fetcher.fetch(server.url('/feed'), { etag: ETAG });
    assert.deepEqual(byEtag, { kind: 'not_modified', finalUrl: server.url('/feed'), redirects: [] });
    assert.equal(server.requests.at(-1)!.headers['if-none-match'], ETAG);

    const byDate = await fetcher.fetch(server.url('/feed'), { lastModified: LAST_MODIFIED });
    assert.equal(byDate.kind, 'not_modified');
    assert.equal(server.requests.at(-1)!.headers['if-modified-since'], LAST_MODIFIED);

    const stale = fetched(await fetcher.fetch(server.url('/feed'), { etag: '"v0"', lastModified: 'Mon, 01 Jan 2024 00:00:00 GMT' }));
    await stale.body.cancel();
  });

  it('never lets a stored validator inject a header', async () => {
    const outcome = fetched(await fetcher.fetch(server.url('/feed'), { etag: '"x"\r\nX-Injected: 1' }));
    await outcome.body.cancel();
    assert.equal(server.requests.at(-1)!.headers['x-injected'], undefined);
    assert.equal(server.requests.at(-1)!.headers['if-none-match'], undefined);
  });

  for (const path of ['/gzip', '/x-gzip', '/br', '/deflate', '/deflate-raw', '/gzip-br', '/mislabelled', '/bogus-encoding', '/chunked']) {
    it(`decodes ${path.slice(1)} bodies`, async () => {
      const outcome = fetched(await fetcher.fetch(server.url(path)));
      assert.equal((await readAll(outcome.body)).toString(), FEED);
    });
  }

  it('reads an empty body labelled gzip as empty', async () => {
    const outcome = fetched(await fetcher.fetch(server.url('/empty-gzip')));
    assert.equal((await readAll(outcome.body)).length, 0);
  });

  it('fails with decode_error on a corrupt compressed body', async () => {
    const outcome = fetched(await fetcher.fetch(server.url('/corrupt')));
    await rejectsWith(readAll(outcome.body), 'decode_error');
  });

  it('refuses more than two stacked codings', async () => {
    const outcome = fetched(await fetcher.fetch(server.url('/stacked')));
    await rejectsWith(readAll(outcome.body), 'decode_error');
  });

  for (const status of [404, 410, 500]) {
    it(`fails with http_error on ${status}`, async () => {
      const error = await rejectsWith(fetcher.fetch(server.url(`/status-${status}`)), 'http_error');
      assert.equal(error.status, status);
      assert.equal(error.url, server.url(`/status-${status}`));
    });
  }

  it('passes Retry-After on with the http_error', async () => {
    const error = await rejectsWith(fetcher.fetch(server.url('/busy')), 'http_error');
    assert.equal(error.status, 503);
    assert.equal(error.retryAfterMs, 120_000);
  });

  it('refuses malformed URLs, other schemes and credentials before any request', async () => {
    const before = server.requests.length;
    await rejectsWith(fetcher.fetch('not a url'), 'invalid_url');
    await rejectsWith(fetcher.fetch(`http://x/${'a'.repeat(9000)}`), 'invalid_url');
    for (const url of ['ftp://127.0.0.1/feed', 'file:///etc/passwd', 'data:text/xml,<rss/>', 'javascript:alert(1)', 'gopher://127.0.0.1:70/']) {
      await rejectsWith(fetcher.fetch(url), 'unsupported_scheme');
    }
    const error = await rejectsWith(fetcher.fetch(server.url('/feed').replace('http://', 'http://user:secret@')), 'credentials_in_url');
    assert.doesNotMatch(`${error.message} ${error.url}`, /secret/);
    assert.equal(server.requests.length, before);
  });

  it('fails with aborted when the signal fires: before, during the request or during the body', async () => {
    await rejectsWith(fetcher.fetch(server.url('/feed'), undefined, AbortSignal.abort()), 'aborted');
    server.route('/never', () => {});
    const controller = new AbortController();
    const pending = fetcher.fetch(server.url('/never'), undefined, controller.signal);
    setTimeout(() => controller.abort(), 20);
    await rejectsWith(pending, 'aborted');

    server.route('/endless', (_request, response) => void response.writeHead(200).write('<rss>'));
    const duringBody = new AbortController();
    const outcome = fetched(await fetcher.fetch(server.url('/endless'), undefined, duringBody.signal));
    setTimeout(() => duringBody.abort(), 20);
    await rejectsWith(readAll(outcome.body), 'aborted');
  });

  it('fails with protocol_error when the answer is not HTTP', async () => {
    server.route('/garbage', (request) => {
      request.socket.end('SSH-2.0-OpenSSH_9.6\r\n\r\n');
    });
    await rejectsWith(fetcher.fetch(server.url('/garbage')), 'protocol_error');
  });

  it('defaults the User-Agent to this package version', async () => {
    const plain = createFeedFetcher({ allowedAddresses: ['127.0.0.1'] });
    try {
      await (fetched(await plain.fetch(server.url('/feed')))).body.cancel();
      assert.match(String(server.requests.at(-1)!.headers['user-agent']), /^BaladosSync\/\d+\.\d+\.\d+\S* \(podcast sync\)$/);
    } finally {
      await plain.close();
    }
  });

  it('fails with connection_error when nothing listens', async () => {
    const closed = await startFixtureServer();
    const url = closed.url('/feed');
    await closed.close();
    await rejectsWith(fetcher.fetch(url), 'connection_error');
  });

  it('fails with closed after close()', async () => {
    const closing = createFeedFetcher({ allowedAddresses: ['127.0.0.1'] });
    await closing.close();
    await rejectsWith(closing.fetch(server.url('/feed')), 'closed');
  });
});
