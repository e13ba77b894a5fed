import assert from 'node:assert/strict';
import type { Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { buildConnector } from 'undici';
import { createAddressPolicy } from './address-policy.js';
import { readAll } from './body.js';
import { FeedFetchError } from './errors.js';
import { createFeedFetcher, type FeedFetcher, type FetchedFeed } from './feed-fetcher.js';
import { guardConnector, guardedLookup } from './guarded-connector.js';
import { rejectsWith } from './testing/assertions.js';
import { fakeResolver, startFixtureServer, type FixtureServer } from './testing/fixture-server.js';

describe('SSRF guard', () => {
  let server: FixtureServer;
  const fetchers: FeedFetcher[] = [];

  function make(options: Parameters<typeof createFeedFetcher>[0]): FeedFetcher {
    const fetcher = createFeedFetcher(options);
    fetchers.push(fetcher);
    return fetcher;
  }

  before(async () => {
    server = await startFixtureServer();
    server.route('/feed', (_request, response) => void response.end('<rss/>'));
  });

  after(async () => {
    await Promise.all(fetchers.map((fetcher) => fetcher.close()));
    await server.close();
  });

  it('refuses private and special addresses in every notation, before connecting', async () => {
    const fetcher = make({ resolve: fakeResolver({}) });
    const port = server.port;
    const urls = [
      `http://127.0.0.1:${port}/feed`,
      `http://[::1]:${port}/feed`,
      `http://10.0.0.1:${port}/feed`,
      `http://192.168.1.1/feed`,
      'http://169.254.169.254/latest/meta-data/',
      `http://2130706433:${port}/feed`,
      `http://0x7f.1:${port}/feed`,
      `http://0177.0.0.1:${port}/feed`,
      `http://0.0.0.0:${port}/feed`,
      `http://0:${port}/feed`,
      `http://[::ffff:127.0.0.1]:${port}/feed`,
      `http://[::ffff:7f00:1]:${port}/feed`,
      `http://[64:ff9b::7f00:1]:${port}/feed`,
      `http://[2002:7f00:1::]:${port}/feed`,
      `http://[fd00::1]:${port}/feed`,
      `http://[fe80::1]:${port}/feed`,
      'http://100.64.0.1/feed',
      'http://224.0.0.1/feed',
      'http://255.255.255.255/feed',
      'https://198.18.0.1/feed',
    ];
    for (const url of urls) {
      const error = await rejectsWith(fetcher.fetch(url), 'blocked_address');
      assert.equal(error.url, new URL(url).href);
    }
    assert.equal(server.requests.length, 0);
  });

  it('refuses localhost through the system resolver', async () => {
    const fetcher = make({});
    await rejectsWith(fetcher.fetch(`http://localhost:${server.port}/feed`), 'blocked_address');
    assert.equal(server.requests.length, 0);
  });

  it('refuses a public-looking hostname that resolves to a private address', async () => {
    const resolve = fakeResolver({
      'feeds.example': '127.0.0.1',
      'mixed.example': ['93.184.216.34', '10.1.2.3'],
      'mapped.example': '::ffff:127.0.0.1',
    });
    const fetcher = make({ resolve });
    for (const host of ['feeds.example', 'mixed.example', 'mapped.example']) {
      const error = await rejectsWith(fetcher.fetch(server.url('/feed', host)), 'blocked_address');
      assert.match(error.message, new RegExp(host.replace('.', '\\.')));
    }
    assert.deepEqual(resolve.calls, ['feeds.example', 'mixed.example', 'mapped.example']);
    assert.equal(server.requests.length, 0);
  });

  it('fails with dns_failure when a name does not resolve', async () => {
    const fetcher = make({ resolve: async (hostname) => (hostname === 'empty.example' ? [] : Promise.reject(new Error('ENOTFOUND'))) });
    await rejectsWith(fetcher.fetch('http://missing.example/feed'), 'dns_failure');
    await rejectsWith(fetcher.fetch('http://empty.example/feed'), 'dns_failure');
  });

  it('allows everything with allowPrivateAddresses (tests, intranets)', async () => {
    const fetcher = make({ allowPrivateAddresses: true, resolve: fakeResolver({ 'feeds.example': '127.0.0.1' }) });
    for (const url of [server.url('/feed'), server.url('/feed', 'feeds.example')]) {
      const outcome = (await fetcher.fetch(url)) as FetchedFeed;
      assert.equal((await readAll(outcome.body)).toString(), '<rss/>');
    }
    server.reset();
  });

  describe('on redirects', () => {
    const targets: Record<string, string> = {
      '/to-private': 'http://10.0.0.1/feed',
      '/to-ipv6-loopback': 'http://[::1]:PORT/feed',
      '/to-metadata-name': 'http://metadata.example/latest/meta-data/',
      '/to-decimal': 'http://2130706434:PORT/feed',
      '/to-loopback-name': 'http://rebind.example:PORT/feed',
      '/to-localhost': 'http://localhost:PORT/feed',
    };

    before(() => {
      for (const [path, location] of Object.entries(targets)) {
        server.route(path, (_request, response) => void response.writeHead(302, { location: location.replace('PORT', String(server.port)) }).end());
      }
    });

    for (const path of Object.keys(targets)) {
      it(`refuses a redirect from an allowed address to a private one (${path.slice(1)})`, async () => {
        // Only the fixture's own address is treated as public: everything else keeps the default policy.
        const fetcher = make({
          allowedAddresses: ['127.0.0.1'],
          resolve: fakeResolver({ 'metadata.example': '169.254.169.254', 'rebind.example': '127.0.0.2', localhost: ['127.0.0.1', '::1'] }),
        });
        server.reset();
        const error = await rejectsWith(fetcher.fetch(server.url(path)), 'blocked_address');
        assert.deepEqual(error.redirects, [{ url: server.url(path), status: 302 }]);
        assert.deepEqual(server.requests.map((request) => request.path), [path]);
      });
    }
  });

  it('resolves once per connection, inside the connector: the address checked is the address used', async () => {
    let calls = 0;
    // A rebinding resolver: harmless the first time, private afterwards.
    const fetcher = make({
      allowedAddresses: ['127.0.0.1'],
      resolve: async () => [{ address: calls++ === 0 ? '127.0.0.1' : '10.0.0.1', family: 4 }],
    });
    const outcome = (await fetcher.fetch(server.url('/feed', 'rebind.example'))) as FetchedFeed;
    assert.equal((await readAll(outcome.body)).toString(), '<rss/>');
    assert.equal(calls, 1);
  });
});

describe('guardConnector', () => {
  const policy = createAddressPolicy({ allowedAddresses: ['127.0.0.1'] });
  const options = (hostname: string): buildConnector.Options => ({ hostname, host: `${hostname}:80`, protocol: 'http:', port: '80' });

  function fakeConnect(remoteAddress: string | undefined) {
    const state = { calls: 0, destroyed: false };
    const connect: buildConnector.connector = (_options, callback) => {
      state.calls += 1;
      const socket = { remoteAddress, destroy: () => void (state.destroyed = true) } as unknown as Socket;
      callback(null, socket);
    };
    return { connect, state };
  }

  function run(connect: buildConnector.connector, hostname: string): Promise<Socket> {
    return new Promise((resolve, reject) => guardConnector(connect, policy)(options(hostname), (error, socket) => (error ? reject(error) : resolve(socket!))));
  }

  it('refuses a socket that reached a blocked address, whatever DNS said', async () => {
    const { connect, state } = fakeConnect('10.0.0.5');
    await rejectsWith(run(connect, 'feeds.example'), 'blocked_address');
    assert.equal(state.destroyed, true);
  });

  it('refuses a socket without a peer address', async () => {
    const { connect, state } = fakeConnect(undefined);
    await rejectsWith(run(connect, 'feeds.example'), 'blocked_address');
    assert.equal(state.destroyed, true);
  });

  it('refuses a literal blocked address without connecting', async () => {
    const { connect, state } = fakeConnect('10.0.0.5');
    await rejectsWith(run(connect, '10.0.0.5'), 'blocked_address');
    await rejectsWith(run(connect, '::1'), 'blocked_address');
    assert.equal(state.calls, 0);
  });

  it('passes an allowed socket through', async () => {
    const { connect, state } = fakeConnect('::ffff:127.0.0.1');
    const socket = await run(connect, 'feeds.example');
    assert.equal(socket.remoteAddress, '::ffff:127.0.0.1');
    assert.equal(state.destroyed, false);
  });
});

describe('guardedLookup', () => {
  const lookup = guardedLookup(fakeResolver({ 'dual.example': ['127.0.0.1', '::ffff:127.0.0.1'], 'v4.example': '127.0.0.1' }), createAddressPolicy({ allowedAddresses: ['127.0.0.1'] }));

  function call(hostname: string, options: { all?: boolean; family?: number }): Promise<unknown[]> {
    return new Promise((resolve) => lookup(hostname, options, (...args) => resolve(args)));
  }

  it('answers in the shape node:net asked for', async () => {
    assert.deepEqual(await call('v4.example', {}), [null, '127.0.0.1', 4]);
    assert.deepEqual(await call('dual.example', { all: true }), [null, [{ address: '127.0.0.1', family: 4 }, { address: '::ffff:127.0.0.1', family: 6 }]]);
    assert.deepEqual(await call('dual.example', { family: 6 }), [null, '::ffff:127.0.0.1', 6]);
  });

  it('answers with a typed error when nothing is usable', async () => {
    const [error] = await call('v4.example', { family: 6 });
    assert.ok(error instanceof FeedFetchError && error.code === 'dns_failure');
    const [unknown] = await call('nowhere.example', {});
    assert.ok(unknown instanceof FeedFetchError && unknown.code === 'dns_failure');
  });
});
