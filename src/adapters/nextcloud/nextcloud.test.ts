import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { describeEachDriver } from '../../../test/support/databases.js';
import { createTestServer, type TestServer } from '../../../test/support/server.js';
import { basic } from '../../../test/support/http.js';
import { apiClient } from '../../../test/support/api.js';
import { encodeFeedId } from '../../subscriptions/feed-id.js';
import { NEXTCLOUD_PREFIXES } from './plugin.js';

const PASSWORD = 'nextcloud test password';
const NC = '/index.php/apps/gpoddersync';

describeEachDriver('Nextcloud GPodder Sync API: subscriptions', (current) => {
  let server: TestServer;
  let listeners = 0;

  before(async () => {
    server = await createTestServer(current(), { env: { REGISTRATION: 'open' }, requestLimits: { burst: 100_000, perSecond: 10_000 } });
    await server.app.ready();
  });
  after(async () => server?.app.close());

  /** A new account and an app password, as the login flow would give AntennaPod. */
  async function listener() {
    const username = `nc${++listeners}`;
    const { userId } = await server.accounts.register(username, PASSWORD);
    const { secret } = await server.accounts.createAppPassword(userId, 'AntennaPod/3.7.0');
    const authorization = basic(username, secret);
    const call = async (method: 'GET' | 'POST', url: string, payload?: unknown, headers: Record<string, string> = {}) => {
      const response = await server.app.inject({ method, url, headers: { authorization, accept: 'application/json', ...headers }, ...(payload !== undefined ? { payload: payload as object } : {}) });
      return { status: response.statusCode, body: response.json() as Record<string, unknown>, headers: response.headers };
    };
    return {
      username,
      userId,
      get: (since?: number, prefix: string = NC) => call('GET', `${prefix}/subscriptions${since === undefined ? '' : `?since=${since}`}`),
      post: (body: unknown, prefix: string = NC) => call('POST', `${prefix}/subscription_change/create`, body),
      call,
      native: apiClient(server.app, username, PASSWORD, 'laptop'),
    };
  }

  it('refuses requests without valid credentials with 401 and a Basic challenge, on both prefixes', async () => {
    const { username } = await listener();
    for (const prefix of NEXTCLOUD_PREFIXES) {
      for (const [method, url] of [['GET', `${prefix}/subscriptions?since=0`], ['POST', `${prefix}/subscription_change/create`]] as const) {
        for (const headers of [{}, { authorization: basic(username, 'wrong password') }, { authorization: basic(username, `bap_${'x'.repeat(43)}`) }]) {
          const response = await server.app.inject({ method, url, headers, ...(method === 'POST' ? { payload: { add: [], remove: [] } } : {}) });
          assert.equal(response.statusCode, 401, `${method} ${url}`);
          assert.match(String(response.headers['www-authenticate']), /^Basic realm="Balados Sync"/);
          assert.equal(typeof response.json().error.code, 'string');
        }
      }
    }
  });

  it('answers exactly {add, remove, timestamp} and {timestamp}, with integer epoch seconds', async () => {
    const user = await listener();
    const first = await user.get(0);
    assert.equal(first.status, 200);
    assert.deepEqual(Object.keys(first.body).sort(), ['add', 'remove', 'timestamp']);
    assert.deepEqual([first.body.add, first.body.remove], [[], []]);
    assert.ok(Number.isInteger(first.body.timestamp) && Math.abs((first.body.timestamp as number) - Date.now() / 1000) < 5);
    const upload = await user.post({ add: ['https://feeds.example.org/a.xml'], remove: [] });
    assert.equal(upload.status, 200);
    assert.deepEqual(Object.keys(upload.body), ['timestamp']);
    // The second the last download gave (this client has seen everything before it).
    assert.equal(upload.body.timestamp, first.body.timestamp);
    // Without `since`: everything (gpoddersync 3.4.0).
    const all = await user.get(undefined);
    assert.deepEqual(all.body.add, ['https://feeds.example.org/a.xml']);
  });

  it('one data model: a subscription made through Nextcloud is seen by the native and the gpodder.net APIs, and back', async () => {
    const user = await listener();
    assert.equal((await user.post({ add: ['https://feeds.example.org/nc.xml', 'feed://Feeds.Example.org/other.xml'], remove: [] })).status, 200);
    const native = await user.native.get('/api/v1/subscriptions');
    assert.equal(native.status, 200);
    assert.deepEqual(
      (native.body.subscriptions as { feedUrl: string }[]).map((subscription) => subscription.feedUrl).sort(),
      ['http://feeds.example.org/other.xml', 'https://feeds.example.org/nc.xml'],
    );
    const gpodder = await server.app.inject({ method: 'GET', url: `/api/2/subscriptions/${user.username}/kasts.json?since=0`, headers: { authorization: basic(user.username, PASSWORD) } });
    assert.deepEqual((gpodder.json().add as string[]).sort(), ['http://feeds.example.org/other.xml', 'https://feeds.example.org/nc.xml']);
    const before = (await user.get(0)).body.timestamp as number;
    assert.equal((await user.native.delete(`/api/v1/subscriptions/${encodeFeedId('https://feeds.example.org/nc.xml')}`)).status < 300, true);
    const after = await user.get(before);
    assert.deepEqual(after.body.remove, ['https://feeds.example.org/nc.xml']);
    // Changes already seen may come again (clock margin): harmless, but never the removed feed.
    assert.ok((after.body.add as string[]).every((url) => url === 'http://feeds.example.org/other.xml'), JSON.stringify(after.body));
  });

  it('keeps the removal when a feed is in both lists, and ignores empty entries and unusable URLs', async () => {
    const user = await listener();
    await user.post({ add: ['https://feeds.example.org/both.xml', 'https://feeds.example.org/keep.xml'], remove: [] });
    const response = await user.post({ add: ['https://FEEDS.example.org/both.xml', '', null, 'not a url'], remove: ['https://feeds.example.org/both.xml', null] });
    assert.equal(response.status, 200, JSON.stringify(response.body));
    const state = await user.get(1);
    assert.deepEqual(state.body.add, ['https://feeds.example.org/keep.xml']);
    assert.deepEqual(state.body.remove, ['https://feeds.example.org/both.xml']);
  });

  it('refuses malformed requests with 4xx and the error shape, changing nothing', async () => {
    const user = await listener();
    const cases: [unknown, Record<string, string>?][] = [
      [{ add: { url: 'https://feeds.example.org/a.xml' } }],
      [{ add: [{ url: 'https://feeds.example.org/a.xml' }] }],
      [['https://feeds.example.org/a.xml']],
      ['{"add":["https://feeds.example.org/a.xml"]}', { 'content-type': 'text/plain' }],
    ];
    for (const [payload, headers] of cases) {
      const response = await user.call('POST', `${NC}/subscription_change/create`, payload, headers);
      assert.ok(response.status >= 400 && response.status < 500, `${JSON.stringify(payload)}: ${response.status}`);
      assert.equal(typeof (response.body.error as { code: string }).code, 'string');
    }
    for (const since of ['abc', '-1', '1.5']) {
      const response = await user.call('GET', `${NC}/subscriptions?since=${since}`);
      assert.equal(response.status, 400, since);
      assert.equal((response.body.error as { code: string }).code, 'invalid_since');
    }
    assert.deepEqual((await user.get(0)).body.add, []);
  });

  it("AntennaPod resumes at its phone's clock after an upload: another device's change is not missed", async () => {
    const phone = await listener();
    const download = await phone.get(0);
    assert.equal(download.status, 200);
    // Between AntennaPod's download and its upload, another device subscribes, and a third
    // device's download hands out a later second (covering that change).
    await phone.native.post('/api/v1/subscriptions', { feedUrl: 'https://feeds.example.org/from-laptop.xml' });
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const other = await server.app.inject({ method: 'GET', url: `/api/2/subscriptions/${phone.username}/desk.json?since=0`, headers: { authorization: basic(phone.username, PASSWORD) } });
    assert.equal(other.statusCode, 200);
    assert.equal((await phone.post({ add: ['https://feeds.example.org/from-phone.xml'], remove: [] })).status, 200);
    // The phone's clock, a minute ahead of the server's.
    const phoneClock = Math.floor(Date.now() / 1000) + 60;
    const next = await phone.get(phoneClock);
    assert.ok((next.body.add as string[]).includes('https://feeds.example.org/from-laptop.xml'), JSON.stringify(next.body));
  });

  it('serves the same data without /index.php', async () => {
    const user = await listener();
    await user.post({ add: ['https://feeds.example.org/pretty.xml'] }, '/apps/gpoddersync');
    const [withIndex, without] = [await user.get(0), await user.get(0, '/apps/gpoddersync')];
    assert.deepEqual(withIndex.body.add, ['https://feeds.example.org/pretty.xml']);
    assert.deepEqual(without.body.add, withIndex.body.add);
  });
});
