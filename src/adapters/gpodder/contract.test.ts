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
const REPLAYED = /^\/(api\/2\/(auth|devices|subscriptions|episodes|sync-devices)\/|subscriptions\/|index\.php\/apps\/gpoddersync\/episode_action)/;

function load(name: string): Exchange[] {
  // error-cookie-not-accepted shows what a server ignoring the cookie breaks: its request is replayed as devices-list.
  return loadClientFixture(name).exchanges.filter((exchange) => REPLAYED.test(exchange.request.path) && exchange.id !== 'error-cookie-not-accepted');
}

interface StoredAction {
  podcast: string;
  episode: string;
  guid?: string;
  device?: string;
  action: string;
  timestamp: string;
  started?: number;
  position?: number;
  total?: number;
}

/**
 * An episode action's exact shape: gpodder.net (mygpo) gives the numbers on plays only, `guid`
 * and `device` when known; gpoddersync gives every field, -1 where a value is missing.
 */
function assertActionShape(action: Record<string, unknown>, nextcloud: boolean, where: string): void {
  const keys = Object.keys(action);
  const numbers = ['started', 'position', 'total'];
  const optional = nextcloud ? ['guid'] : ['guid', 'device', ...(action.action === 'play' ? numbers : [])];
  const required = nextcloud ? ['id', 'podcast', 'episode', 'action', 'timestamp', ...numbers] : ['podcast', 'episode', 'action', 'timestamp'];
  for (const key of required) assert.ok(keys.includes(key), `${where}: has ${key}`);
  for (const key of keys) assert.ok(required.includes(key) || optional.includes(key), `${where}: unexpected key ${key}`);
  for (const key of ['podcast', 'episode', 'action', 'timestamp', 'guid', 'device']) if (key in action) assert.equal(typeof action[key], 'string', `${where}.${key}`);
  for (const key of [...numbers, 'id']) if (key in action) assert.ok(Number.isInteger(action[key]), `${where}.${key}`);
  assert.match(String(action.timestamp), /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$/, `${where}: UTC timestamp without zone`);
  assert.ok((nextcloud ? ['PLAY', 'NEW', 'DOWNLOAD', 'DELETE'] : ['play', 'new', 'download', 'delete']).includes(String(action.action)), `${where}: action`);
  if (action.action === 'play' && 'position' in action && Number(action.position) >= 0) assert.ok(Number(action.total) > 0 && Number(action.started) >= 0, `${where}: a play AntennaPod keeps`);
}

/** The fixture's action, or a later one of the same kind on the same episode (a later write won). */
function assertDelivered(actions: Record<string, unknown>[], expected: StoredAction, what: string): void {
  const kind = expected.action.toLowerCase();
  const candidates = actions.filter((action) => action.episode === expected.episode && String(action.action).toLowerCase() === kind && String(action.timestamp) >= expected.timestamp);
  assert.ok(candidates.length > 0, `${what}: brings ${kind} ${expected.episode} at ${expected.timestamp}`);
  const same = candidates.find((action) => action.timestamp === expected.timestamp);
  if (!same) return;
  assert.equal(same.podcast, expected.podcast, `${what}: podcast`);
  if (expected.guid !== undefined) assert.equal(same.guid, expected.guid, `${what}: guid`);
  for (const key of ['started', 'position', 'total'] as const) if (expected[key] !== undefined && expected[key] !== -1) assert.equal(same[key], expected[key], `${what}: ${key}`);
}

describeEachDriver('gpodder.net API: client contract replay', (current) => {
  let server: TestServer;

  before(async () => {
    server = await createTestServer(current(), { env: { REGISTRATION: 'open' }, requestLimits: { burst: 100_000, perSecond: 10_000 } });
    await server.app.ready();
  });
  after(async () => server?.app.close());

  /** Records an action another device made, through the native API (one data model). */
  async function recordNatively(username: string, action: StoredAction): Promise<void> {
    const kind = action.action.toLowerCase();
    const episode = { feedUrl: action.podcast, mediaUrl: action.episode, ...(action.guid ? { guid: action.guid } : {}) };
    const at = `${action.timestamp}Z`;
    const [path, payload] =
      kind === 'play'
        ? ['progress', { episode, position: action.position, started: action.started, total: action.total, at }]
        : kind === 'new'
          ? ['played', { episode, played: false, at }]
          : ['download', { episode, state: kind === 'download' ? 'downloaded' : 'deleted', at }];
    const response = await server.app.inject({
      method: 'POST',
      url: `/api/v1/episodes/${path}`,
      headers: { authorization: basic(username, PASSWORD), 'x-device-id': action.device ?? 'other-device' },
      payload,
    });
    assert.equal(response.statusCode, 200, response.body);
  }

  async function replay(name: string, username: string): Promise<void> {
    const { userId } = await server.accounts.register(username, PASSWORD);
    const exchanges = load(name);
    // The devices the first device list shows were registered by other apps before.
    const deviceList = exchanges.find((exchange) => exchange.request.method === 'GET' && exchange.request.path.startsWith('/api/2/devices/'));
    for (const device of (deviceList?.response.body as { id: string }[] | undefined) ?? []) await server.devices.save(userId, device.id);
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
    for (const url of (firstDownload?.response.body as { add: string[] } | undefined)?.add ?? []) await native(url, true);
    const appPassword = (await server.accounts.createAppPassword(userId, 'AntennaPod/3.7.0')).secret;

    let cookie: string | undefined;
    const timestamps = new Map<number, number>();
    for (const exchange of exchanges) {
      const { request, response: expected } = exchange;
      const what = `${name} ${exchange.id}`;
      const headers: Record<string, string> = {};
      for (const [key, value] of Object.entries(request.headers ?? {})) {
        if (key === 'Authorization') {
          const [, password] = Buffer.from(value.slice(6), 'base64').toString('utf8').split(/:(.*)/s);
          headers.authorization = basic(username, password!.startsWith('correct horse') ? PASSWORD : password!.startsWith('bap_') ? appPassword : password!);
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
      if (request.method === 'GET' && isObject(expected.body) && Array.isArray(expected.body.actions)) {
        // What other devices recorded, through the native API: the download must bring it.
        for (const action of expected.body.actions as StoredAction[]) await recordNatively(username, action);
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
      if (isObject(expected.body) && Array.isArray(expected.body.actions)) {
        const actions = (body as { actions: Record<string, unknown>[] }).actions;
        assertShape({ ...(body as object), actions: [] }, { ...expected.body, actions: [] }, what);
        const nextcloud = request.path.includes('gpoddersync');
        for (const [index, action] of actions.entries()) assertActionShape(action, nextcloud, `${what} actions[${index}]`);
        for (const action of expected.body.actions as StoredAction[]) assertDelivered(actions, action, what);
      } else assertShape(body, expected.body, what);
      if (isObject(expected.body)) {
        const answer = body as Record<string, unknown>;
        if (typeof expected.body.timestamp === 'number') {
          const real = answer.timestamp as number;
          assert.ok(Math.abs(real - Date.now() / 1000) < 60, `${what}: timestamp ${real} is epoch seconds`);
          timestamps.set(expected.body.timestamp, Math.min(real, timestamps.get(expected.body.timestamp) ?? real));
        }
        // The rewritten URLs are exactly the recorded ones (same normalization rule here).
        // One group of every device (the account's list is shared by all of them).
        if (Array.isArray(expected.body.synchronized)) {
          const groups = (list: unknown) => (list as string[][]).map((group) => [...group].sort());
          assert.deepEqual(groups(answer.synchronized), groups(expected.body.synchronized), `${what}: sync groups`);
        }
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

  it('Kasts (gpodder.net provider): Basic on every request, timestamp + 1, logout; episode actions of its Nextcloud provider', async () => {
    await replay('kasts', 'alice-kasts');
  });

  it('AntennaPod (Nextcloud option): episode actions with an app password, next since from the phone clock', async () => {
    await replay('antennapod-nextcloud', 'alice-apnc');
  });
});
