import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { describeEachDriver } from '../../../test/support/databases.js';
import { createTestServer, type TestServer } from '../../../test/support/server.js';
import { apiClient } from '../../../test/support/api.js';
import { basic } from '../../../test/support/http.js';
import { AccountEraser } from '../../accounts/erasure.js';
import { applicationProjectors } from '../../app/projectors.js';
import { MAX_VALUE_LENGTH } from '../../settings/settings-decider.js';

const PASSWORD = 'gpodder account data password';

/** The gpodder.net endpoints about an account's own data: sync groups, settings, favorites. */
describeEachDriver('gpodder.net API v2: sync groups, settings, favorites', (current) => {
  let server: TestServer;
  let users = 0;

  before(async () => {
    server = await createTestServer(current(), { env: { REGISTRATION: 'open' }, requestLimits: { burst: 100_000, perSecond: 10_000 } });
    await server.app.ready();
  });
  after(async () => server?.app.close());

  /** A new account and a client of the gpodder.net API for it. */
  async function account(devices: string[] = []) {
    const username = `gpdata${++users}`;
    const { userId } = await server.accounts.register(username, PASSWORD);
    for (const id of devices) await server.devices.save(userId, id);
    const headers = { authorization: basic(username, PASSWORD), 'content-type': 'application/x-www-form-urlencoded' };
    const call = async (method: 'GET' | 'POST', url: string, payload?: unknown) => {
      const response = await server.app.inject({ method, url, headers, ...(payload !== undefined ? { payload: typeof payload === 'string' ? payload : JSON.stringify(payload) } : {}) });
      return { status: response.statusCode, body: response.body ? (response.json() as any) : undefined };
    };
    return { username, userId, call };
  }

  it('sync groups: every device of the account in one group; a lone device is not synchronized', async () => {
    const { username, call } = await account();
    assert.deepEqual(await call('GET', `/api/2/sync-devices/${username}.json`), { status: 200, body: { synchronized: [], 'not-synchronized': [] } });
    await server.devices.save((await server.accounts.findByUsername(username))!.userId, 'phone');
    assert.deepEqual((await call('GET', `/api/2/sync-devices/${username}.json`)).body, { synchronized: [], 'not-synchronized': ['phone'] });
    const { username: other, call: otherCall } = await account(['phone', 'laptop', 'my.desk']);
    assert.deepEqual(await otherCall('GET', `/api/2/sync-devices/${other}.json`), { status: 200, body: { synchronized: [['laptop', 'my.desk', 'phone']], 'not-synchronized': [] } });
  });

  it('sync groups: requests are checked and accepted, and change nothing', async () => {
    const { username, call } = await account(['phone', 'laptop', 'tablet']);
    const url = `/api/2/sync-devices/${username}.json`;
    const all = { synchronized: [['laptop', 'phone', 'tablet']], 'not-synchronized': [] };
    assert.deepEqual(await call('POST', url, { synchronize: [['phone', 'laptop']], 'stop-synchronize': ['tablet'] }), { status: 200, body: all });
    assert.deepEqual(await call('POST', url, {}), { status: 200, body: all });
    const refused: [unknown, number, string][] = [
      [[], 400, 'invalid_body'],
      [{ synchronize: ['phone', 'laptop'] }, 400, 'invalid_body'],
      [{ 'stop-synchronize': 'phone' }, 400, 'invalid_body'],
      [{ synchronize: [['phone']] }, 400, 'invalid_sync_group'],
      [{ synchronize: [['phone', 'phone']] }, 400, 'invalid_sync_group'],
      [{ synchronize: [['phone', 'bad id']] }, 400, 'invalid_device_id'],
      [{ synchronize: [['phone', 'unknown']] }, 404, 'device_not_found'],
      [{ 'stop-synchronize': ['unknown'] }, 404, 'device_not_found'],
    ];
    for (const [payload, status, code] of refused) {
      const response = await call('POST', url, payload);
      assert.deepEqual([response.status, response.body.error.code], [status, code], JSON.stringify(payload));
    }
    assert.deepEqual((await call('POST', url, 'not json')).body.error.code, 'invalid_json');
    assert.deepEqual((await call('GET', url)).body, all);
  });

  it('settings: each scope keeps its own, set and remove answer the scope afterwards', async () => {
    const { username, call } = await account(['phone']);
    const feed = encodeURIComponent('HTTPS://Feeds.Example/show.xml');
    const episode = encodeURIComponent('https://media.example/1.mp3');
    const urls = {
      account: `/api/2/settings/${username}/account.json`,
      device: `/api/2/settings/${username}/device.json?device=phone`,
      podcast: `/api/2/settings/${username}/podcast.json?podcast=${feed}`,
      episode: `/api/2/settings/${username}/episode.json?podcast=${feed}&episode=${episode}`,
    };
    for (const url of Object.values(urls)) assert.deepEqual(await call('GET', url), { status: 200, body: {} });
    assert.deepEqual(await call('POST', urls.account, { set: { public_profile: false, store_user_agent: true } }), { status: 200, body: { public_profile: false, store_user_agent: true } });
    assert.deepEqual(await call('POST', urls.device, { set: { theme: { dark: true, sizes: [1, 2.5] } } }), { status: 200, body: { theme: { dark: true, sizes: [1, 2.5] } } });
    assert.deepEqual(await call('POST', urls.podcast, { set: { public_subscription: false } }), { status: 200, body: { public_subscription: false } });
    assert.deepEqual(await call('POST', urls.episode, { set: { is_favorite: true, note: 'x' } }), { status: 200, body: { is_favorite: true, note: 'x' } });
    assert.deepEqual(await call('POST', urls.account, { set: { public_profile: true }, remove: ['store_user_agent', 'absent'] }), { status: 200, body: { public_profile: true } });
    // The same podcast spelled another way is the same subject; reads come from the read model.
    assert.deepEqual((await call('GET', `/api/2/settings/${username}/podcast.json?podcast=${encodeURIComponent('https://feeds.example/show.xml')}`)).body, { public_subscription: false });
    assert.deepEqual((await call('GET', urls.account)).body, { public_profile: true });
    assert.deepEqual((await call('GET', urls.episode)).body, { is_favorite: true, note: 'x' });
    assert.deepEqual(await call('POST', urls.episode, { remove: ['is_favorite', 'note'] }), { status: 200, body: { is_favorite: false } }, 'is_favorite is the saved flag: removing it unsaves');
    assert.deepEqual((await call('GET', urls.episode)).body, { is_favorite: false });
    const rows = await current().db.query('SELECT scope FROM settings WHERE user_id = (SELECT user_id FROM accounts WHERE username = $1) ORDER BY scope', [username]);
    assert.deepEqual(rows.rows, [{ scope: 'account' }, { scope: 'device' }, { scope: 'podcast' }], 'an emptied subject has no row');
  });

  it('settings: bad scopes, subjects and changes are refused with a code, and nothing is half-applied', async () => {
    const { username, userId, call } = await account(['phone']);
    const base = `/api/2/settings/${username}`;
    const refused: [string, 'GET' | 'POST', unknown, number, string][] = [
      [`${base}/user.json`, 'GET', undefined, 400, 'invalid_scope'],
      [`${base}/device.json`, 'GET', undefined, 400, 'invalid_device_id'],
      [`${base}/device.json?device=bad%20id`, 'GET', undefined, 400, 'invalid_device_id'],
      [`${base}/device.json?device=tablet`, 'POST', { set: { a: 1 } }, 404, 'device_not_found'],
      [`${base}/podcast.json`, 'GET', undefined, 400, 'invalid_feed_url'],
      [`${base}/podcast.json?podcast=nope`, 'POST', { set: { a: 1 } }, 400, 'invalid_feed_url'],
      [`${base}/episode.json?podcast=https%3A%2F%2Ff.example%2Frss`, 'GET', undefined, 400, 'invalid_episode'],
      [`${base}/account.json`, 'POST', [], 400, 'invalid_body'],
      [`${base}/account.json`, 'POST', { set: [1] }, 400, 'invalid_body'],
      [`${base}/account.json`, 'POST', { remove: 'key' }, 400, 'invalid_body'],
      [`${base}/account.json`, 'POST', { set: { a: 1 }, remove: ['a'] }, 400, 'conflicting_setting'],
      [`${base}/account.json`, 'POST', { set: { ok: 1, '': 2 } }, 400, 'invalid_setting_key'],
      [`${base}/account.json`, 'POST', { set: { ok: 1, big: 'v'.repeat(MAX_VALUE_LENGTH) } }, 400, 'setting_too_large'],
      [`${base}/account.json`, 'POST', { set: Object.fromEntries(Array.from({ length: 101 }, (_, i) => [`k${i}`, i])) }, 400, 'too_many_changes'],
      [`${base}/account.json`, 'POST', 'not json', 400, 'invalid_json'],
      [`/api/2/settings/someone-else/account.json`, 'GET', undefined, 400, 'wrong_user'],
    ];
    for (const [url, method, payload, status, code] of refused) {
      const response = await call(method, url, payload);
      assert.deepEqual([response.status, response.body?.error?.code], [status, code], `${method} ${url}`);
    }
    assert.deepEqual((await call('GET', `${base}/account.json`)).body, {});
    const events = await current().db.query(`SELECT 1 FROM events WHERE user_id = $1 AND type = 'SettingsChanged'`, [userId]);
    assert.equal(events.rows.length, 0);
    const stranger = await server.app.inject({ method: 'GET', url: `${base}/account.json` });
    assert.equal(stranger.statusCode, 401);
  });

  it('settings: recorded as events, exported with the account, forgotten with it', async () => {
    const { username, userId, call } = await account();
    await call('POST', `/api/2/settings/${username}/account.json`, { set: { public_profile: false } });
    await call('POST', `/api/2/settings/${username}/account.json`, { set: { public_profile: false } });
    const exported = await apiClient(server.app, username, PASSWORD).get('/api/v1/me/export');
    assert.equal(exported.status, 200);
    const settingsEvents = (exported.body.events as { type: string; data: unknown }[]).filter((event) => event.type === 'SettingsChanged');
    assert.equal(settingsEvents.length, 1, 'saying the same again records nothing');
    assert.deepEqual((settingsEvents[0]!.data as { scope: string; set: unknown; removed: unknown }).set, { public_profile: false });
    await new AccountEraser(server.store, applicationProjectors()).erase(userId);
    assert.equal((await current().db.query('SELECT 1 FROM settings WHERE user_id = $1', [userId])).rows.length, 0);
  });

  it("an episode's is_favorite setting is its saved flag, in both directions, all or nothing", async () => {
    const { username, userId, call } = await account();
    const native = apiClient(server.app, username, PASSWORD, 'phone');
    const feedUrl = 'https://favorite-setting.example/rss';
    const media = (n: number) => `https://favorite-setting.example/${n}.mp3`;
    const url = (n: number) => `/api/2/settings/${username}/episode.json?podcast=${encodeURIComponent(feedUrl)}&episode=${encodeURIComponent(media(n))}`;
    assert.deepEqual(await call('POST', url(1), { set: { is_favorite: true, rating: 5 } }), { status: 200, body: { rating: 5, is_favorite: true } });
    const state = await native.get(`/api/v1/episodes/state?feedUrl=${encodeURIComponent(feedUrl)}&mediaUrl=${encodeURIComponent(media(1))}`);
    assert.equal(state.body.saved.saved, true, 'saved for every app');
    assert.deepEqual((await call('GET', `/api/2/favorites/${username}.json`)).body.map((episode: { url: string }) => episode.url), [media(1)]);
    assert.equal((await native.post('/api/v1/episodes/saved', { episode: { feedUrl, mediaUrl: media(2) }, saved: true })).status, 200);
    assert.deepEqual((await call('GET', url(2))).body, { is_favorite: true });
    const stored = await current().db.query(`SELECT settings FROM settings WHERE user_id = $1`, [userId]);
    assert.deepEqual(stored.rows, [{ settings: { rating: 5 } }], 'is_favorite is not kept twice');
    const before = (await current().db.query('SELECT count(*)::int AS n FROM events WHERE user_id = $1', [userId])).rows[0];
    for (const [payload, code] of [
      [{ set: { is_favorite: 'yes', rating: 1 } }, 'invalid_setting_value'],
      [{ set: { is_favorite: false }, remove: ['is_favorite'] }, 'conflicting_setting'],
      [{ set: { is_favorite: false, '': 1 } }, 'invalid_setting_key'],
    ] as const) {
      const refused = await call('POST', url(1), payload);
      assert.deepEqual([refused.status, refused.body.error.code], [400, code], JSON.stringify(payload));
    }
    assert.deepEqual((await current().db.query('SELECT count(*)::int AS n FROM events WHERE user_id = $1', [userId])).rows[0], before, 'nothing half-applied');
    assert.deepEqual((await call('GET', url(1))).body, { rating: 5, is_favorite: true });
  });

  it('favorites: the saved episodes as episode objects, every key present', async () => {
    const { username, call } = await account();
    const native = apiClient(server.app, username, PASSWORD, 'phone');
    const feedUrl = 'https://favorites.example/show.xml';
    assert.deepEqual(await call('GET', `/api/2/favorites/${username}.json`), { status: 200, body: [] });
    assert.equal((await native.post('/api/v1/subscriptions', { feedUrl, title: 'The Show' })).status, 200);
    const save = (episode: object, saved: boolean, at: string) => native.post('/api/v1/episodes/saved', { episode: { feedUrl, ...episode }, saved, at });
    assert.equal((await save({ mediaUrl: 'https://favorites.example/1.mp3', guid: 'g1' }, true, '2026-11-25T10:00:00Z')).status, 200);
    assert.equal((await save({ guid: 'g2' }, true, '2026-11-25T10:05:00Z')).status, 200);
    assert.equal((await save({ mediaUrl: 'https://favorites.example/3.mp3' }, true, '2026-11-25T10:01:00Z')).status, 200);
    assert.equal((await save({ mediaUrl: 'https://favorites.example/3.mp3' }, false, '2026-11-25T10:02:00Z')).status, 200);
    assert.equal((await native.post('/api/v1/episodes/saved', { episode: { feedUrl: 'https://other.example/rss', mediaUrl: 'https://other.example/x.mp3' }, saved: true })).status, 200);
    const favorites = await call('GET', `/api/2/favorites/${username}.json`);
    assert.equal(favorites.status, 200);
    const episode = (url: string, podcastUrl: string, podcastTitle: string) => ({
      title: url,
      url,
      podcast_title: podcastTitle,
      podcast_url: podcastUrl,
      description: '',
      website: null,
      released: null,
      mygpo_link: url,
    });
    assert.deepEqual(favorites.body, [
      episode('https://other.example/x.mp3', 'https://other.example/rss', 'https://other.example/rss'),
      episode('g2', feedUrl, 'The Show'),
      episode('https://favorites.example/1.mp3', feedUrl, 'The Show'),
    ]);
  });
});
