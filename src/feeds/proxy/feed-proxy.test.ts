import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { fixture } from '../../../test/fixtures/feeds/real-feeds.js';
import { newListener, type ApiClient } from '../../../test/support/api.js';
import { describeEachDriver } from '../../../test/support/databases.js';
import { fixtureServerForFile, serveFeed, settleProjections, type ServedFeed } from '../../../test/support/feed-catalog.js';
import { createTestServer, type TestServer } from '../../../test/support/server.js';
import { applicationProjectors } from '../../app/projectors.js';
import { encodeFeedId } from '../../subscriptions/feed-id.js';
import { createFeedFetcher } from '../fetcher/index.js';
import { FeedProxy, ProxyError } from './feed-proxy.js';

const fixtures = fixtureServerForFile();
const real = fixture('dk-podcast.xml');

describeEachDriver('RSS proxy', (current) => {
  let server: TestServer;
  let listener: ApiClient;
  let listenerId: string;
  /** The listener's credentials: a feed followed privately is served to its subscriber only. */
  let signedIn: Record<string, string>;
  const fetcher = createFeedFetcher({ allowedAddresses: ['127.0.0.1'] });
  const hits = (path: string) => fixtures.requests.filter((request) => request.path === path);
  const proxied = (feedUrl: string, headers: Record<string, string> = {}, method: 'GET' | 'OPTIONS' = 'GET') =>
    server.app.inject({ method, url: `/api/v1/rss/proxy/${encodeFeedId(feedUrl)}`, headers });

  before(async () => {
    server = await createTestServer(current(), { env: { REGISTRATION: 'open', FEED_ALLOWED_ADDRESSES: '127.0.0.1' } });
    const created = await newListener(server.app, server.accounts, 'proxy');
    listener = created.phone;
    listenerId = created.userId;
    signedIn = { authorization: `Basic ${Buffer.from(`${created.username}:listener password`).toString('base64')}` };
  });
  after(async () => {
    await server?.app.close();
    await fetcher.close();
  });

  it('serves a subscribed feed byte for byte with CORS, from its copy for 5 minutes, and answers 304 to its own ETag', async () => {
    const path = `/served-${current().driver}.xml`;
    serveFeed(fixtures, path, () => ({ body: real, etag: '"v1"' }));
    const feedUrl = fixtures.url(path);
    assert.equal((await listener.post('/api/v1/subscriptions', { feedUrl })).status, 200);
    const before = hits(path).length;

    const first = await proxied(feedUrl, { origin: 'https://player.example', ...signedIn });
    assert.equal(first.statusCode, 200);
    assert.ok(first.rawPayload.equals(real), 'the body is the feed as served');
    assert.equal(first.headers['access-control-allow-origin'], '*');
    assert.equal(first.headers['content-type'], 'application/rss+xml');
    assert.match(first.headers['cache-control'] as string, /^public, max-age=(300|299)$/);
    const etag = first.headers.etag as string;
    assert.match(etag, /^"[\w-]{27}"$/);
    const second = await proxied(feedUrl, signedIn);
    assert.ok(second.rawPayload.equals(real));
    assert.equal(hits(path).length, before + 1, 'the second answer came from the copy');
    const revalidated = await proxied(feedUrl, { 'if-none-match': etag, ...signedIn });
    assert.equal(revalidated.statusCode, 304);
    assert.equal(revalidated.headers['access-control-allow-origin'], '*');

    const preflight = await proxied(feedUrl, { origin: 'https://player.example', 'access-control-request-method': 'GET' }, 'OPTIONS');
    assert.equal(preflight.statusCode, 204);
    assert.equal(preflight.headers['access-control-allow-origin'], '*');
    assert.equal(preflight.headers['access-control-allow-methods'], 'GET, HEAD, OPTIONS');
  });

  it('is not an open proxy: a feed nobody here subscribes to is 404 and never fetched', async () => {
    const path = `/unsubscribed-${current().driver}.xml`;
    serveFeed(fixtures, path, () => ({ body: real }));
    const response = await proxied(fixtures.url(path));
    assert.equal(response.statusCode, 404);
    assert.equal(response.json().error.code, 'feed_not_found');
    assert.equal(hits(path).length, 0);
    const garbage = await server.app.inject({ method: 'GET', url: '/api/v1/rss/proxy/!!!' });
    assert.equal(garbage.statusCode, 404);
  });

  it('tells strangers nothing of private subscriptions: a feed followed only privately is the same 404 until someone follows it publicly', async () => {
    const path = `/followed-${current().driver}.xml`;
    serveFeed(fixtures, path, () => ({ body: real }));
    const feedUrl = fixtures.url(path);
    assert.equal((await listener.post('/api/v1/subscriptions', { feedUrl })).status, 200);
    const stranger = await proxied(feedUrl);
    assert.deepEqual([stranger.statusCode, stranger.json().error.code], [404, 'feed_not_found']);
    assert.equal(hits(path).length, 0, 'not fetched for a stranger either');
    assert.equal((await proxied(feedUrl, signedIn)).statusCode, 200, 'its subscriber reads it');
    const wrong = await proxied(feedUrl, { authorization: `Basic ${Buffer.from('nobody:wrong').toString('base64')}` });
    assert.equal(wrong.statusCode, 404, 'wrong credentials are a stranger');

    const fan = await newListener(server.app, server.accounts, 'proxy-fan');
    assert.equal((await fan.phone.put('/api/v1/privacy/default', { level: 'public' })).status, 200);
    assert.equal((await fan.phone.post('/api/v1/subscriptions', { feedUrl })).status, 200);
    await settleProjections(current().db, server.store, applicationProjectors());
    const listed = await proxied(feedUrl, { origin: 'https://player.example' });
    assert.equal(listed.statusCode, 200, 'in the public directory, anyone reads it');
    assert.ok(listed.rawPayload.equals(real));
  });

  it('answers 502 with the fetch error code when the feed fails, never 500', async () => {
    const path = `/failing-${current().driver}.xml`;
    serveFeed(fixtures, path, () => ({ body: '', status: 500 }));
    assert.equal((await listener.post('/api/v1/subscriptions', { feedUrl: fixtures.url(path) })).status, 200);
    const failing = await proxied(fixtures.url(path), signedIn);
    assert.equal(failing.statusCode, 502);
    assert.equal(failing.json().error.code, 'upstream_http_error');
    assert.equal(failing.headers['access-control-allow-origin'], '*');
    const fetched = hits(path).length;
    const remembered = await proxied(fixtures.url(path), signedIn);
    assert.deepEqual([remembered.statusCode, remembered.json().error.code], [502, 'upstream_http_error']);
    assert.equal(hits(path).length, fetched, 'a failure is remembered a minute: the feed is not asked again');

    // The SSRF guard applies: a subscribed feed on a private address is not fetched.
    const internal = `http://10.1.2.3/${current().driver}/feed.xml`;
    assert.equal((await listener.post('/api/v1/subscriptions', { feedUrl: internal })).status, 200);
    const blocked = await proxied(internal, signedIn);
    assert.equal(blocked.statusCode, 502);
    assert.equal(blocked.json().error.code, 'upstream_blocked_address');
  });

  it('revalidates a stale copy with a conditional GET, refuses oversize feeds, and keeps its copies within their byte budget', async () => {
    let clock = 1_000_000;
    let served: ServedFeed = { body: real, etag: '"v1"' };
    const paths = ['a', 'b', 'c'].map((name) => `/budget-${name}-${current().driver}.xml`);
    for (const path of paths) {
      serveFeed(fixtures, path, () => served);
      assert.equal((await listener.post('/api/v1/subscriptions', { feedUrl: fixtures.url(path) })).status, 200);
    }
    const proxy = new FeedProxy(current().db, fetcher, { now: () => clock, maxCachedBytes: real.byteLength * 2 });
    const [a, b, c] = paths.map((path) => fixtures.url(path)) as [string, string, string];
    const first = await proxy.get(a, listenerId);
    clock += 5 * 60_000;
    const again = await proxy.get(a, listenerId);
    const requests = hits(paths[0]!);
    assert.equal(requests.at(-1)!.headers['if-none-match'], '"v1"');
    assert.equal(again!.etag, first!.etag);
    assert.equal(again!.fetchedAt, clock, 'a 304 renews the copy');

    served = { body: `${real.toString('utf8')}<!-- changed -->`, etag: '"v2"' };
    clock += 5 * 60_000;
    const changed = await proxy.get(a, listenerId);
    assert.notEqual(changed!.etag, first!.etag);
    assert.ok(changed!.body.toString('utf8').endsWith('<!-- changed -->'));

    served = { body: real, etag: '"v1"' };
    await proxy.get(b, listenerId);
    await proxy.get(c, listenerId);
    assert.equal(proxy.size.entries, 2, 'the least recently used copy was dropped');
    assert.ok(proxy.size.bytes <= real.byteLength * 2);

    const small = new FeedProxy(current().db, fetcher, { maxFeedBytes: 1000 });
    await assert.rejects(small.get(a, listenerId), (error: unknown) => error instanceof ProxyError && error.code === 'feed_too_large');
  });
});
