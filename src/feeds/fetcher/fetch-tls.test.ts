import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { readAll } from './body.js';
import { createFeedFetcher, type FeedFetcher, type FetchedFeed } from './feed-fetcher.js';
import { rejectsWith } from './testing/assertions.js';
import { selfSignedCertificate } from './testing/certificate.js';
import { fakeResolver, startFixtureServer, type FixtureServer } from './testing/fixture-server.js';

const certificate = selfSignedCertificate('feeds.example');

// HTTPS goes through the same guarded lookup: SNI and certificate checks must still use the hostname.
describe('https', { skip: certificate ? false : 'openssl is not installed' }, () => {
  let server: FixtureServer;
  const fetchers: FeedFetcher[] = [];
  const resolve = fakeResolver({ 'feeds.example': '127.0.0.1', 'other.example': '127.0.0.1', 'private.example': '10.0.0.1' });

  function make(ca?: string[]): FeedFetcher {
    const fetcher = createFeedFetcher({ allowedAddresses: ['127.0.0.1'], resolve, ...(ca ? { ca } : {}) });
    fetchers.push(fetcher);
    return fetcher;
  }

  before(async () => {
    server = await startFixtureServer({ tls: certificate! });
    server.route('/feed', (_request, response) => void response.end('<rss/>'));
  });

  after(async () => {
    await Promise.all(fetchers.map((fetcher) => fetcher.close()));
    await server.close();
  });

  it('fetches over TLS from a trusted certificate for the hostname', async () => {
    const outcome = (await make([certificate!.cert]).fetch(server.url('/feed', 'feeds.example'))) as FetchedFeed;
    assert.equal(outcome.finalUrl, server.url('/feed', 'feeds.example'));
    assert.equal((await readAll(outcome.body)).toString(), '<rss/>');
  });

  it('fails with tls_error on an untrusted certificate', async () => {
    await rejectsWith(make().fetch(server.url('/feed', 'feeds.example')), 'tls_error');
  });

  it('fails with tls_error when the certificate is for another name', async () => {
    await rejectsWith(make([certificate!.cert]).fetch(server.url('/feed', 'other.example')), 'tls_error');
  });

  it('guards https URLs like http ones', async () => {
    server.reset();
    await rejectsWith(make([certificate!.cert]).fetch(server.url('/feed', 'private.example')), 'blocked_address');
    await rejectsWith(make().fetch(`https://127.0.0.2:${server.port}/feed`), 'blocked_address');
    assert.equal(server.requests.length, 0);
  });
});
