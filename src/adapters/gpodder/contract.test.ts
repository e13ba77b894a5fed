import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { encodeFeedId } from '../../subscriptions/feed-id.js';
import { describeEachDriver } from '../../../test/support/databases.js';
import { createTestServer, type TestServer } from '../../../test/support/server.js';
import { basic } from '../../../test/support/http.js';
import { assertShape, isObject, loadClientFixture, type Exchange } from '../../../test/support/client-fixtures.js';

/**
 * Replays, request by request, the subscription-related exchanges the apps send (recorded in
 * test/fixtures/clients, with their sources): sign-in, device creation, full and incremental
 * sync. Example values (timestamps, cookies) are replaced by the ones this server gives, and
 * chained the way each client chains them.
 */
const PASSWORD = 'correct horse battery';
const REPLAYED = /^\/(api\/2\/(auth|devices|subscriptions)|subscriptions)\//;

function load(name: string): Exchange[] {
  // error-cookie-not-accepted shows what a server ignoring the cookie breaks: its request is replayed as devices-list.
  return loadClientFixture(name).exchanges.filter((exchange) => REPLAYED.test(exchange.request.path) && exchange.id !== 'error-cookie-not-accepted');
}

describeEachDriver('gpodder.net API: client contract replay', (current) => {
  let server: TestServer;

  before(async () => {
    server = await createTestServer(current(), { env: { REGISTRATION: 'open' }, requestLimits: { burst: 100_000, perSecond: 10_000 } });
    await server.app.ready();
  });
  after(async () => server?.app.close());

  async function replay(name: string, username: string): Promise<void> {
    await server.accounts.register(username, PASSWORD);
    const exchanges = load(name);
    assert.ok(exchanges.length >= 4, `${name}: ${exchanges.length} exchanges`);
    const native = async (feedUrl: string, subscribed: boolean) => {
      const response = await server.app.inject({
        method: subscribed ? 'POST' : 'DELETE',
        url: subscribed ? '/api/v1/subscriptions' : `/api/v1/subscriptions/${encodeFeedId(feedUrl)}`,
        headers: { authorization: basic(username, PASSWORD), 'x-device-id': 'other-device' },
        ...(subscribed ? { payload: { feedUrl } } : {}),
      });
      assert.ok(response.statusCode < 300, response.body);
    };
    // What the first download shows was recorded by other devices before.
    const firstDownload = exchanges.find((exchange) => exchange.request.method === 'GET' && exchange.request.path.startsWith('/api/2/subscriptions/'));
    for (const url of (firstDownload!.response.body as { add: string[] }).add) await native(url, true);

    let cookie: string | undefined;
    const timestamps = new Map<number, number>();
    for (const exchange of exchanges) {
      const { request, response: expected } = exchange;
      const what = `${name} ${exchange.id}`;
      const headers: Record<string, string> = {};
      for (const [key, value] of Object.entries(request.headers ?? {})) {
        if (key === 'Authorization') {
          const [, password] = Buffer.from(value.slice(6), 'base64').toString('utf8').split(/:(.*)/s);
          headers.authorization = basic(username, password!.startsWith('correct horse') ? PASSWORD : password!);
        } else if (key === 'Cookie') {
          if (cookie) headers.cookie = `sessionid=${cookie}`;
        } else if (key !== 'Content-Length') headers[key.toLowerCase()] = value;
      }
      const query = { ...request.query };
      if (query.since && query.since !== '0') {
        const since = Number(query.since);
        // AntennaPod and gPodder resume at the timestamp, Kasts at timestamp + 1.
        const given = timestamps.get(since) ?? (timestamps.has(since - 1) ? timestamps.get(since - 1)! + 1 : undefined);
        assert.ok(given !== undefined, `${what}: since ${since} chains to no earlier answer`);
        query.since = String(given);
      }
      if (exchange.flow === 'incremental-sync' && request.method === 'GET' && isObject(expected.body) && Array.isArray(expected.body.add)) {
        // Changes other devices made in between, which this download must bring.
        for (const url of expected.body.add as string[]) await native(url, true);
        for (const url of expected.body.remove as string[]) await native(url, false);
      }
      const payload = request.body === null ? undefined : typeof request.body === 'string' ? request.body : JSON.stringify(request.body);
      const response = await server.app.inject({
        method: request.method as 'GET',
        url: request.path.replace('/alice', `/${username}`),
        query,
        headers,
        ...(payload !== undefined ? { payload } : {}),
      });
      assert.equal(response.statusCode, expected.status, `${what}: ${response.body}`);
      if (expected.headers?.['WWW-Authenticate']) assert.match(String(response.headers['www-authenticate']), /^Basic realm="[^"]+"/, `${what}: challenge`);
      if (expected.headers?.['Set-Cookie']) {
        const set = ([] as string[]).concat(response.headers['set-cookie'] ?? []).find((line) => line.startsWith('sessionid='));
        assert.ok(set, `${what}: sets the sessionid cookie`);
        assert.match(set, /; Path=\/(;|$)/);
        assert.match(set, /HttpOnly/);
        assert.doesNotMatch(set, /Domain=/);
        cookie = /^sessionid=([^;]+)/.exec(set)![1];
      }
      if (expected.status !== 200) continue;
      if (expected.body === '') {
        assert.equal(response.body, '', `${what}: empty body`);
        continue;
      }
      const body = response.json() as unknown;
      assertShape(body, expected.body, what);
      if (isObject(expected.body)) {
        const answer = body as Record<string, unknown>;
        if (typeof expected.body.timestamp === 'number') {
          const real = answer.timestamp as number;
          assert.ok(Math.abs(real - Date.now() / 1000) < 60, `${what}: timestamp ${real} is epoch seconds`);
          timestamps.set(expected.body.timestamp, Math.min(real, timestamps.get(expected.body.timestamp) ?? real));
        }
        // The rewritten URLs are exactly the recorded ones (same normalization rule here).
        if ('update_urls' in expected.body) assert.deepEqual(answer.update_urls, expected.body.update_urls, `${what}: update_urls`);
        if (Array.isArray(expected.body.add)) {
          const add = answer.add as string[];
          const remove = answer.remove as string[];
          for (const url of expected.body.add as string[]) assert.ok(add.includes(url), `${what}: adds ${url}`);
          for (const url of expected.body.remove as string[]) assert.ok(remove.includes(url), `${what}: removes ${url}`);
          assert.ok(!add.some((url) => remove.includes(url)), `${what}: no URL both added and removed`);
        }
      }
    }
  }

  it('AntennaPod (gpodder.net option): login, cookie-only requests, device, full and incremental sync', async () => {
    await replay('antennapod-gpodder', 'alice-ap');
  });

  it('gPodder desktop: challenge, Basic once, then the cookie; full and incremental sync; simple PUT', async () => {
    await replay('gpodder-desktop', 'alice-gp');
  });

  it('Kasts (gpodder.net provider): Basic on every request, timestamp + 1, logout', async () => {
    await replay('kasts', 'alice-kasts');
  });
});
