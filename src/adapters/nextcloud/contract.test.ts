import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { encodeFeedId } from '../../subscriptions/feed-id.js';
import { describeEachDriver } from '../../../test/support/databases.js';
import { createTestServer, type TestServer } from '../../../test/support/server.js';
import { basic } from '../../../test/support/http.js';
import { assertShape, isObject, loadClientFixture, type Exchange } from '../../../test/support/client-fixtures.js';

/**
 * Replays, request by request, what AntennaPod's "Nextcloud" option and Kasts' "GPodder Nextcloud"
 * provider send (test/fixtures/clients, with their sources): the login flow, full and incremental
 * subscription sync, a revoked app password. Episode actions are replayed with their adapter.
 * Example values (tokens, timestamps, passwords) are replaced by the ones this server gives.
 */
const BASE = 'https://balados.example';
const PASSWORD = 'correct horse battery';
const REPLAYED = /^\/index\.php\/(login\/v2|apps\/gpoddersync\/(subscriptions|subscription_change))/;

describeEachDriver('Nextcloud API: client contract replay', (current) => {
  let server: TestServer;

  before(async () => {
    server = await createTestServer(current(), { env: { BASE_URL: BASE }, requestLimits: { burst: 100_000, perSecond: 10_000 } });
    await server.app.ready();
  });
  after(async () => server?.app.close());

  interface Replay {
    username: string;
    userId: string;
    /** What the client signs in with (Basic), once it has it. */
    credentials?: { loginName: string; appPassword: string };
    flow?: { poll: { token: string; endpoint: string }; login: string };
    /** The User-Agent the flow was started with: the page must name it. */
    appName?: string;
  }

  async function native(state: Replay, feedUrl: string, subscribed: boolean): Promise<void> {
    const response = await server.app.inject({
      method: subscribed ? 'POST' : 'DELETE',
      url: subscribed ? '/api/v1/subscriptions' : `/api/v1/subscriptions/${encodeFeedId(feedUrl)}`,
      headers: { authorization: basic(state.username, PASSWORD), 'x-device-id': 'other-device' },
      ...(subscribed ? { payload: { feedUrl } } : {}),
    });
    assert.ok(response.statusCode < 300, response.body);
  }

  /** The browser's part: the user, signed in on the web, opens the login link and grants access. */
  async function grant(state: Replay): Promise<void> {
    const session = await server.accounts.sessions.create(state.userId, 'Mozilla/5.0');
    const response = await server.app.inject({
      method: 'POST',
      url: new URL(state.flow!.login).pathname,
      headers: { cookie: `balados_session=${session.secret}`, 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ decision: 'approve', _csrf: session.csrfToken }).toString(),
    });
    assert.equal(response.statusCode, 200, response.body);
  }

  async function send(state: Replay, exchange: Exchange) {
    const { request } = exchange;
    const headers: Record<string, string> = {};
    for (const [key, value] of Object.entries(request.headers ?? {})) {
      if (key === 'Authorization') headers.authorization = basic(state.credentials!.loginName, state.credentials!.appPassword);
      else if (key !== 'Content-Length') headers[key.toLowerCase()] = value;
    }
    let url = request.path;
    let payload = request.body === null ? undefined : typeof request.body === 'string' ? request.body : JSON.stringify(request.body);
    if (url.startsWith('/index.php/login/v2/flow/')) {
      url = new URL(state.flow!.login).pathname;
      const session = await server.accounts.sessions.create(state.userId, headers['user-agent']);
      headers.cookie = `balados_session=${session.secret}`;
    }
    if (url === '/index.php/login/v2/poll') payload = `token=${state.flow!.poll.token}`;
    const query = { ...request.query };
    // AntennaPod's next since is its own clock after the previous upload (never a server value).
    if (query.since && query.since !== '0') query.since = String(Math.floor(Date.now() / 1000));
    return server.app.inject({ method: request.method as 'GET', url, query, headers, ...(payload !== undefined ? { payload } : {}) });
  }

  async function replay(name: string, exchanges: Exchange[], state: Replay): Promise<void> {
    assert.ok(exchanges.length >= 3, `${name}: ${exchanges.length} exchanges`);
    // What the first download shows was recorded by other devices before.
    const firstDownload = exchanges.find((exchange) => exchange.request.path.endsWith('/subscriptions'))!;
    for (const url of (firstDownload.response.body as { add: string[] }).add) await native(state, url, true);
    for (const exchange of exchanges) {
      const { request, response: expected } = exchange;
      const what = `${name} ${exchange.id}`;
      if (exchange.id === 'loginflow-poll-done') await grant(state);
      if (exchange.id.startsWith('error-revoked')) {
        const [credential] = (await server.accounts.listCredentials(state.userId)).filter((entry) => entry.kind === 'app_password');
        await server.accounts.revokeCredential(state.userId, credential!.id);
      }
      if (exchange.flow === 'incremental-sync' && request.method === 'GET' && isObject(expected.body)) {
        // Changes other devices made in between, which this download must bring.
        for (const url of expected.body.add as string[]) await native(state, url, true);
        for (const url of expected.body.remove as string[]) await native(state, url, false);
      }
      const response = await send(state, exchange);
      assert.equal(response.statusCode, expected.status, `${what}: ${response.body}`);
      if (expected.headers?.['WWW-Authenticate']) assert.match(String(response.headers['www-authenticate']), /^Basic realm="[^"]+"/, `${what}: challenge`);
      if (expected.status !== 200) continue;
      if (typeof expected.body === 'string') {
        assert.match(String(response.headers['content-type']), /^text\/html/, what);
        assert.ok(response.body.includes(`Connect ${state.appName}`), `${what}: names the app that started the flow`);
        continue;
      }
      const body = response.json() as Record<string, unknown>;
      assertShape(body, expected.body, what);
      if (exchange.id === 'loginflow-start') {
        state.flow = body as unknown as Replay['flow'];
        state.appName = request.headers?.['User-Agent'];
        assert.ok(state.flow!.poll.endpoint.startsWith(`${BASE}/`) && state.flow!.login.startsWith(`${BASE}/`), `${what}: URLs on the public base URL`);
      }
      if (exchange.id === 'loginflow-poll-done') {
        assert.equal(body.server, BASE, `${what}: server`);
        assert.equal(body.loginName, state.username, `${what}: loginName`);
        state.credentials = { loginName: body.loginName as string, appPassword: body.appPassword as string };
      }
      if (typeof body.timestamp === 'number') assert.ok(Math.abs(body.timestamp - Date.now() / 1000) < 60, `${what}: timestamp ${body.timestamp} is epoch seconds`);
      if (isObject(expected.body) && Array.isArray(expected.body.add)) {
        const [add, remove] = [body.add as string[], body.remove as string[]];
        for (const url of expected.body.add as string[]) assert.ok(add.includes(url), `${what}: adds ${url}`);
        for (const url of expected.body.remove as string[]) assert.ok(remove.includes(url), `${what}: removes ${url}`);
        assert.ok(!add.some((url) => remove.includes(url)), `${what}: no URL both added and removed`);
      }
    }
  }

  it('AntennaPod ("Nextcloud" option): login flow, then full and incremental sync with the app password it yields; a revoked one gets 401', async () => {
    const { userId } = await server.accounts.register('alice', PASSWORD);
    const exchanges = loadClientFixture('antennapod-nextcloud').exchanges.filter((exchange) => REPLAYED.test(exchange.request.path));
    assert.deepEqual(
      exchanges.map((exchange) => exchange.id),
      ['loginflow-start', 'loginflow-browser', 'loginflow-poll-pending', 'loginflow-poll-done', 'full-subscriptions-get', 'full-subscriptions-post', 'incr-subscriptions-get', 'error-revoked-app-password'],
    );
    await replay('antennapod-nextcloud', exchanges, { username: 'alice', userId });
  });

  it('Kasts ("GPodder Nextcloud" provider): sign-in check and full sync with an app password from the account page', async () => {
    const { userId } = await server.accounts.register('kasts-alice', PASSWORD, { bypassRegistrationMode: true });
    const { secret } = await server.accounts.createAppPassword(userId, 'Kasts');
    const exchanges = loadClientFixture('kasts').exchanges.filter((exchange) => exchange.provider === 'nextcloud' && REPLAYED.test(exchange.request.path));
    assert.deepEqual(exchanges.map((exchange) => exchange.id), ['nc-login-check', 'nc-full-subscriptions-get', 'nc-full-subscriptions-post']);
    await replay('kasts', exchanges, { username: 'kasts-alice', userId, credentials: { loginName: 'kasts-alice', appPassword: secret } });
  });
});
