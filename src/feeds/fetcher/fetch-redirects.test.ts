import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { readAll } from './body.js';
import { createFeedFetcher, type FeedFetcher, type FetchedFeed } from './feed-fetcher.js';
import { rejectsWith } from './testing/assertions.js';
import { fakeResolver, startFixtureServer, type FixtureServer } from './testing/fixture-server.js';

describe('redirects', () => {
  let server: FixtureServer;
  let fetcher: FeedFetcher;

  const redirect = (path: string, status: number, location: string | undefined) =>
    server.route(path, (_request, response) => void response.writeHead(status, location === undefined ? {} : { location }).end('moved'));

  before(async () => {
    server = await startFixtureServer();
    fetcher = createFeedFetcher({
      allowedAddresses: ['127.0.0.1'],
      resolve: fakeResolver({ 'feeds.example': '127.0.0.1' }),
    });
    server.route('/feed', (request, response) => {
      if (request.headers['if-none-match'] === '"v1"') return void response.writeHead(304).end();
      response.writeHead(200, { etag: '"v1"' }).end('<rss/>');
    });
    redirect('/temp302', 302, '/feed');
    redirect('/temp303', 303, '/feed');
    redirect('/temp307', 307, server.url('/feed'));
    redirect('/perm301', 301, '/perm308');
    redirect('/perm308', 308, '/feed');
    redirect('/mixed', 301, '/temp302');
    redirect('/loop-a', 302, '/loop-b');
    redirect('/loop-b', 302, '/loop-a');
    redirect('/self', 301, '/self#top');
    for (let hop = 1; hop <= 6; hop += 1) redirect(`/hop${hop}`, 301, `/hop${hop - 1}`);
    redirect('/hop0', 301, '/feed');
    redirect('/dir/sub/relative', 302, '../feed-in-dir?a=1');
    server.route('/dir/feed-in-dir', (_request, response) => void response.end('<rss/>'));
    redirect('/to-ftp', 302, 'ftp://127.0.0.1/feed');
    redirect('/no-location', 302, undefined);
    redirect('/to-credentials', 302, `http://user:pw@127.0.0.1:${server.port}/feed`);
    redirect('/to-other-host', 301, server.url('/feed', 'feeds.example'));
  });

  after(async () => {
    await fetcher.close();
    await server.close();
  });

  for (const [path, status] of [['/temp302', 302], ['/temp303', 303], ['/temp307', 307]] as const) {
    it(`follows a temporary ${status} without reporting a move`, async () => {
      const outcome = (await fetcher.fetch(server.url(path))) as FetchedFeed;
      assert.equal(outcome.kind, 'fetched');
      assert.equal(outcome.finalUrl, server.url('/feed'));
      assert.deepEqual(outcome.redirects, [{ url: server.url(path), status }]);
      assert.equal(outcome.permanentRedirect, undefined);
      assert.equal((await readAll(outcome.body)).toString(), '<rss/>');
    });
  }

  it('reports a chain of 301 and 308 as a permanent move from the URL given to the final one', async () => {
    const outcome = (await fetcher.fetch(server.url('/perm301'))) as FetchedFeed;
    assert.equal(outcome.finalUrl, server.url('/feed'));
    assert.deepEqual(outcome.redirects, [
      { url: server.url('/perm301'), status: 301 },
      { url: server.url('/perm308'), status: 308 },
    ]);
    assert.deepEqual(outcome.permanentRedirect, { from: server.url('/perm301'), to: server.url('/feed') });
    await outcome.body.cancel();
  });

  it('does not report a permanent move when one hop is temporary', async () => {
    const outcome = (await fetcher.fetch(server.url('/mixed'))) as FetchedFeed;
    assert.deepEqual(outcome.redirects.map((hop) => hop.status), [301, 302]);
    assert.equal(outcome.permanentRedirect, undefined);
    await outcome.body.cancel();
  });

  it('reports the move with a 304 at the end of the chain too', async () => {
    const outcome = await fetcher.fetch(server.url('/perm301'), { etag: '"v1"' });
    assert.equal(outcome.kind, 'not_modified');
    assert.deepEqual(outcome.permanentRedirect, { from: server.url('/perm301'), to: server.url('/feed') });
    assert.equal(server.requests.at(-1)!.headers['if-none-match'], '"v1"', 'validators are sent on every hop');
  });

  it('follows a redirect to another hostname', async () => {
    const outcome = (await fetcher.fetch(server.url('/to-other-host'))) as FetchedFeed;
    assert.equal(outcome.finalUrl, server.url('/feed', 'feeds.example'));
    assert.equal(server.requests.at(-1)!.headers.host, `feeds.example:${server.port}`);
    assert.deepEqual(outcome.permanentRedirect, { from: server.url('/to-other-host'), to: server.url('/feed', 'feeds.example') });
    await outcome.body.cancel();
  });

  it('resolves a relative Location against the redirecting URL', async () => {
    const outcome = (await fetcher.fetch(server.url('/dir/sub/relative'))) as FetchedFeed;
    assert.equal(outcome.finalUrl, server.url('/dir/feed-in-dir?a=1'));
    await outcome.body.cancel();
  });

  it('detects redirect loops', async () => {
    const error = await rejectsWith(fetcher.fetch(server.url('/loop-a')), 'redirect_loop');
    assert.equal(error.redirects.length, 2);
    await rejectsWith(fetcher.fetch(server.url('/self')), 'redirect_loop');
  });

  it('follows five redirects and refuses a sixth', async () => {
    const five = (await fetcher.fetch(server.url('/hop4'))) as FetchedFeed;
    assert.equal(five.redirects.length, 5);
    await five.body.cancel();
    const before = server.requests.length;
    const error = await rejectsWith(fetcher.fetch(server.url('/hop5')), 'too_many_redirects');
    assert.equal(error.redirects.length, 6);
    assert.equal(server.requests.length - before, 6, 'the seventh URL is never requested');
  });

  it('honours a lower limit', async () => {
    const strict = createFeedFetcher({ allowedAddresses: ['127.0.0.1'], maxRedirects: 0 });
    try {
      await rejectsWith(strict.fetch(server.url('/temp302')), 'too_many_redirects');
    } finally {
      await strict.close();
    }
  });

  it('checks every hop like a first URL', async () => {
    await rejectsWith(fetcher.fetch(server.url('/to-ftp')), 'unsupported_scheme');
    await rejectsWith(fetcher.fetch(server.url('/to-credentials')), 'credentials_in_url');
    const error = await rejectsWith(fetcher.fetch(server.url('/no-location')), 'http_error');
    assert.equal(error.status, 302);
  });
});
