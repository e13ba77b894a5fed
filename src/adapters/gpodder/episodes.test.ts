import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { describeEachDriver } from '../../../test/support/databases.js';
import { createTestServer, type TestServer } from '../../../test/support/server.js';
import { accountEventCount, apiClient, type ApiClient } from '../../../test/support/api.js';
import { basic } from '../../../test/support/http.js';

const PASSWORD = 'episode actions password';
const FEED = 'https://feeds.example.org/tech-talk.xml';

describeEachDriver('gpodder.net and Nextcloud episode actions', (current) => {
  let server: TestServer;
  let users = 0;

  before(async () => {
    server = await createTestServer(current(), { env: { REGISTRATION: 'open' }, requestLimits: { burst: 100_000, perSecond: 10_000 } });
    await server.app.ready();
  });
  after(async () => server?.app.close());

  async function listener(): Promise<{ username: string; userId: string; client: ApiClient; native: ApiClient }> {
    const username = `ep${++users}`;
    const { userId } = await server.accounts.register(username, PASSWORD);
    return { username, userId, client: apiClient(server.app, username, PASSWORD), native: apiClient(server.app, username, PASSWORD, 'web-phone') };
  }

  const play = (episode: string, position: number, timestamp: string, extra: Record<string, unknown> = {}) => ({
    podcast: FEED,
    episode: `https://cdn.example.org/tech-talk/${episode}.mp3`,
    action: 'play',
    timestamp,
    started: 0,
    position,
    total: 3000,
    device: 'thinkpad',
    ...extra,
  });

  it('records uploaded actions and gives them back in gpodder and Nextcloud shapes', async () => {
    const { username, client } = await listener();
    const upload = await client.post(`/api/2/episodes/${username}.json`, [
      play('ep1', 100, '2026-03-02T08:00:00', { guid: 'tt-1' }),
      { podcast: FEED, episode: 'https://cdn.example.org/tech-talk/ep2.mp3', action: 'DOWNLOAD', timestamp: '2026-03-02T08:01:00Z', device: 'thinkpad' },
      { podcast: FEED, episode: 'https://cdn.example.org/tech-talk/ep3.mp3', action: 'play', timestamp: '2026-03-02 08:02:00', device: 'thinkpad' },
      { podcast: FEED, episode: 'https://cdn.example.org/tech-talk/ep4.mp3', action: 'flattr', timestamp: '2026-03-02T08:03:00' },
      { podcast: 'HTTPS://Feeds.Example.org/other.xml', episode: 'https://cdn.example.org/o.mp3', action: 'new', timestamp: 1772438700 },
    ]);
    assert.equal(upload.status, 200, JSON.stringify(upload.body));
    assert.deepEqual(Object.keys(upload.body).sort(), ['timestamp', 'update_urls']);
    assert.deepEqual(upload.body.update_urls, [['HTTPS://Feeds.Example.org/other.xml', 'https://feeds.example.org/other.xml']]);

    const download = await client.get(`/api/2/episodes/${username}.json?since=0`);
    assert.equal(download.status, 200);
    const byEpisode = (actions: { episode: string }[], name: string) => actions.filter((action) => action.episode.endsWith(`/${name}.mp3`));
    assert.deepEqual(byEpisode(download.body.actions, 'ep1'), [
      { podcast: FEED, episode: 'https://cdn.example.org/tech-talk/ep1.mp3', guid: 'tt-1', device: 'thinkpad', action: 'play', timestamp: '2026-03-02T08:00:00', started: 0, position: 100, total: 3000 },
    ]);
    assert.deepEqual(byEpisode(download.body.actions, 'ep2'), [
      { podcast: FEED, episode: 'https://cdn.example.org/tech-talk/ep2.mp3', device: 'thinkpad', action: 'download', timestamp: '2026-03-02T08:01:00' },
    ]);
    // A play without a position is "mark as played" (gPodder): it comes back as a play without numbers.
    assert.deepEqual(byEpisode(download.body.actions, 'ep3'), [
      { podcast: FEED, episode: 'https://cdn.example.org/tech-talk/ep3.mp3', device: 'thinkpad', action: 'play', timestamp: '2026-03-02T08:02:00' },
    ]);
    assert.deepEqual(byEpisode(download.body.actions, 'ep4'), [], 'flattr is accepted and ignored');
    assert.deepEqual(byEpisode(download.body.actions, 'o'), [
      { podcast: 'https://feeds.example.org/other.xml', episode: 'https://cdn.example.org/o.mp3', action: 'new', timestamp: '2026-03-02T08:05:00' },
    ]);
    assert.ok(Number.isInteger(download.body.timestamp));

    const nextcloud = await client.get('/index.php/apps/gpoddersync/episode_action?since=0');
    assert.equal(nextcloud.status, 200);
    const ep2 = byEpisode(nextcloud.body.actions, 'ep2')[0] as Record<string, unknown>;
    assert.ok(Number.isInteger(ep2.id));
    assert.deepEqual({ ...ep2, id: 0 }, {
      id: 0, podcast: FEED, episode: 'https://cdn.example.org/tech-talk/ep2.mp3', action: 'DOWNLOAD', timestamp: '2026-03-02T08:01:00', started: -1, position: -1, total: -1,
    });
    const withoutPrefix = await client.get('/apps/gpoddersync/episode_action');
    assert.equal(withoutPrefix.status, 200);
    assert.equal(withoutPrefix.body.actions.length, nextcloud.body.actions.length);
  });

  it('refuses an upload with one bad action whole, naming it, and records nothing', async () => {
    const { username, userId, client } = await listener();
    const before = await accountEventCount(server.store.db, userId);
    const cases: [unknown, string][] = [
      [{ ...play('a', 1, '2026-03-02T08:00:00'), action: 'listen' }, 'invalid_action_type'],
      [{ ...play('a', 1, '2026-03-02T08:00:00'), timestamp: 'yesterday' }, 'invalid_timestamp'],
      [{ ...play('a', 1, '2026-03-02T08:00:00'), position: 'ten' }, 'invalid_position'],
      [{ ...play('a', 1, '2026-03-02T08:00:00'), device: 'no spaces' }, 'invalid_device_id'],
      [{ action: 'play', episode: 'https://cdn.example.org/x.mp3' }, 'missing_field'],
      ['play', 'invalid_action'],
    ];
    for (const [bad, code] of cases) {
      const response = await client.post(`/api/2/episodes/${username}.json`, [play('good', 10, '2026-03-02T08:00:00'), bad]);
      assert.equal(response.status, 400, JSON.stringify(bad));
      assert.equal(response.body.error.code, code);
      assert.match(response.body.error.message, /^Action 2: /);
      if (code === 'invalid_device_id') continue;
      const nextcloud = await client.post('/index.php/apps/gpoddersync/episode_action/create', [play('good', 10, '2026-03-02T08:00:00'), bad]);
      assert.equal(nextcloud.status, 400);
      assert.equal(nextcloud.body.error.code, code);
    }
    // The Nextcloud app has no devices: whatever a client puts there is ignored.
    const named = await client.post('/index.php/apps/gpoddersync/episode_action/create', [play('named', 10, '2026-03-02T08:00:00', { device: 'Kasts on my laptop' })]);
    assert.equal(named.status, 200);
    const ignoredEvents = await accountEventCount(server.store.db, userId);
    assert.equal(ignoredEvents, before + 1);
    assert.equal((await client.post(`/api/2/episodes/${username}.json`, { not: 'a list' })).status, 400);
    assert.equal(await accountEventCount(server.store.db, userId), before + 1, 'nothing recorded but the valid Nextcloud upload');
  });

  it('misses no change: an upload between a download and the next upload, and uploads and downloads within one second', async () => {
    const { username, userId, client } = await listener();
    const other = apiClient(server.app, username, PASSWORD);
    const thirdPassword = (await server.accounts.createAppPassword(userId, 'third device')).secret;
    const first = await client.get(`/api/2/episodes/${username}.json?since=0`);
    // Another device uploads between this device's download and its upload, a second later:
    // an upload answering a fresh second would step this device over that change.
    await new Promise((resolve) => setTimeout(resolve, 1000 - (Date.now() % 1000) + 10));
    await other.post(`/api/2/episodes/${username}.json`, [play('from-other', 50, '2026-03-02T09:00:00', { device: 'other' })]);
    const own = await client.post(`/api/2/episodes/${username}.json`, [play('own', 70, '2026-03-02T09:00:01')]);
    // The upload answers the download's second, so the other device's change still comes.
    assert.equal(own.body.timestamp, first.body.timestamp);
    for (const since of [own.body.timestamp, own.body.timestamp + 1]) {
      const next = await client.get(`/api/2/episodes/${username}.json?since=${since}`);
      const episodes = next.body.actions.map((action: { episode: string }) => action.episode.split('/').at(-1));
      assert.ok(episodes.includes('from-other.mp3'), `since ${since}: ${episodes.join(', ')}`);
    }
    // In one second: this device downloads, another uploads, and a third downloads (the same
    // second given again, now with a higher head): the second keeps its lowest head.
    await new Promise((resolve) => setTimeout(resolve, 1000 - (Date.now() % 1000) + 10));
    const a = await client.get(`/api/2/episodes/${username}.json?since=0`);
    await other.post(`/api/2/episodes/${username}.json`, [play('late', 5, '2026-03-02T09:10:00', { device: 'other' })]);
    const third = await server.app.inject({ method: 'GET', url: `/api/2/episodes/${username}.json?since=0`, headers: { authorization: basic(username, thirdPassword) } });
    assert.equal(third.statusCode, 200);
    const b = await client.get(`/api/2/episodes/${username}.json?since=${a.body.timestamp + 1}`);
    assert.ok(b.body.actions.some((action: { episode: string }) => action.episode.endsWith('/late.mp3')), 'Kasts (timestamp + 1) sees it');
    const c = await client.get(`/api/2/episodes/${username}.json?since=${a.body.timestamp}`);
    assert.ok(c.body.actions.some((action: { episode: string }) => action.episode.endsWith('/late.mp3')), 'AntennaPod (timestamp) sees it');
  });

  it('filters by podcast and device, aggregates to the latest action per episode', async () => {
    const { username, client } = await listener();
    await client.post(`/api/2/episodes/${username}.json`, [
      play('agg', 100, '2026-03-02T08:00:00'),
      { podcast: FEED, episode: 'https://cdn.example.org/tech-talk/agg.mp3', action: 'delete', timestamp: '2026-03-02T09:00:00', device: 'phone' },
      { podcast: 'https://feeds.example.org/else.xml', episode: 'https://cdn.example.org/else.mp3', action: 'download', timestamp: '2026-03-02T07:00:00', device: 'phone' },
    ]);
    const all = await client.get(`/api/2/episodes/${username}.json?since=0&podcast=${encodeURIComponent(FEED)}`);
    assert.deepEqual(all.body.actions.map((action: { action: string }) => action.action), ['play', 'delete']);
    const aggregated = await client.get(`/api/2/episodes/${username}.json?since=0&podcast=${encodeURIComponent(FEED)}&aggregated=TRUE`);
    assert.deepEqual(aggregated.body.actions.map((action: { action: string }) => action.action), ['delete']);
    const phone = await client.get(`/api/2/episodes/${username}.json?device=phone`);
    assert.deepEqual(phone.body.actions.map((action: { action: string; episode: string }) => `${action.action} ${action.episode}`).sort(), [
      'delete https://cdn.example.org/tech-talk/agg.mp3',
      'download https://cdn.example.org/else.mp3',
    ]);
    assert.equal((await client.get(`/api/2/episodes/${username}.json?device=unknown-device`)).status, 404);
    assert.equal((await client.get(`/api/2/episodes/${username}.json?since=yesterday`)).status, 400);
  });

  it('one data model: a position from gpodder.net is seen by the native API and Nextcloud, and the other way round', async () => {
    const { username, client, native } = await listener();
    await client.post(`/api/2/episodes/${username}.json`, [play('shared', 1234, '2026-03-02T10:00:00', { guid: 'shared-guid', device: 'antennapod' })]);
    const state = await native.get(`/api/v1/episodes/state?feedUrl=${encodeURIComponent(FEED)}&guid=shared-guid`);
    assert.equal(state.status, 200);
    assert.deepEqual(state.body.progress, { started: 0, position: 1234, total: 3000, at: '2026-03-02T10:00:00.000Z', deviceId: 'antennapod' });
    const nextcloud = await client.get('/index.php/apps/gpoddersync/episode_action?since=0');
    const fromGpodder = nextcloud.body.actions.find((action: { guid?: string }) => action.guid === 'shared-guid');
    assert.deepEqual({ ...fromGpodder, id: 0 }, {
      id: 0, podcast: FEED, episode: 'https://cdn.example.org/tech-talk/shared.mp3', guid: 'shared-guid', action: 'PLAY', timestamp: '2026-03-02T10:00:00', started: 0, position: 1234, total: 3000,
    });

    // The native API moves it on; Nextcloud uploads a download; gpodder.net sees both.
    const moved = await native.post('/api/v1/episodes/progress', { episode: { feedUrl: FEED, guid: 'shared-guid' }, position: 2000, total: 3000, at: '2026-03-02T11:00:00Z' });
    assert.equal(moved.status, 200, JSON.stringify(moved.body));
    const created = await client.post('/index.php/apps/gpoddersync/episode_action/create', [
      { podcast: FEED, episode: 'https://cdn.example.org/tech-talk/shared.mp3', guid: 'shared-guid', action: 'DOWNLOAD', timestamp: '2026-03-02T11:30:00', started: -1, position: -1, total: -1 },
    ]);
    assert.deepEqual(Object.keys(created.body), ['timestamp']);
    const gpodder = await client.get(`/api/2/episodes/${username}.json?since=0`);
    assert.deepEqual(gpodder.body.actions.filter((action: { guid?: string }) => action.guid === 'shared-guid'), [
      { podcast: FEED, episode: 'https://cdn.example.org/tech-talk/shared.mp3', guid: 'shared-guid', device: 'web-phone', action: 'play', timestamp: '2026-03-02T11:00:00', started: 0, position: 2000, total: 3000 },
      { podcast: FEED, episode: 'https://cdn.example.org/tech-talk/shared.mp3', guid: 'shared-guid', action: 'download', timestamp: '2026-03-02T11:30:00' },
    ]);
    const after = await native.get(`/api/v1/episodes/state?feedUrl=${encodeURIComponent(FEED)}&guid=shared-guid`);
    assert.equal(after.body.download.state, 'downloaded');
    // A finished play marks the episode played for every API.
    await client.post(`/api/2/episodes/${username}.json`, [play('shared', 3000, '2026-03-02T12:00:00', { guid: 'shared-guid' })]);
    const finished = await native.get(`/api/v1/episodes/state?feedUrl=${encodeURIComponent(FEED)}&guid=shared-guid`);
    assert.equal(finished.body.finished, true);
  });

  it('answers device updates: subscription changes and the episodes with their status', async () => {
    const { username, client, native } = await listener();
    await native.post('/api/v1/subscriptions', { feedUrl: FEED });
    await client.post(`/api/2/episodes/${username}.json`, [play('upd', 10, '2026-03-02T08:00:00')]);
    const updates = await client.get(`/api/2/updates/${username}/thinkpad.json?since=0&include_actions=true`);
    assert.equal(updates.status, 200, JSON.stringify(updates.body));
    assert.deepEqual(Object.keys(updates.body).sort(), ['add', 'rem', 'timestamp', 'updates']);
    assert.equal(updates.body.add[0].url, FEED);
    assert.deepEqual(updates.body.rem, []);
    assert.deepEqual(updates.body.updates, [
      {
        title: 'https://cdn.example.org/tech-talk/upd.mp3', url: 'https://cdn.example.org/tech-talk/upd.mp3', podcast_title: FEED, podcast_url: FEED, description: '', website: null,
        released: null, mygpo_link: 'https://cdn.example.org/tech-talk/upd.mp3', status: 'play',
        action: { podcast: FEED, episode: 'https://cdn.example.org/tech-talk/upd.mp3', device: 'thinkpad', action: 'play', timestamp: '2026-03-02T08:00:00', started: 0, position: 10, total: 3000 },
      },
    ]);
    assert.equal((await client.get(`/api/2/updates/${username}/thinkpad.json`)).status, 400);
    // A fraction is accepted; what was given before is not added again (the episode may come twice: same second).
    const later = await client.get(`/api/2/updates/${username}/thinkpad.json?since=${updates.body.timestamp + 1}.5`);
    assert.equal(later.status, 200);
    assert.deepEqual(later.body.add, []);
  });

  it('refuses another account and missing credentials', async () => {
    const { username } = await listener();
    const stranger = await listener();
    assert.equal((await stranger.client.post(`/api/2/episodes/${username}.json`, [])).status, 400);
    const anonymous = await server.app.inject({ method: 'GET', url: '/index.php/apps/gpoddersync/episode_action' });
    assert.equal(anonymous.statusCode, 401);
    assert.match(String(anonymous.headers['www-authenticate']), /^Basic realm=/);
    const ok = await server.app.inject({ method: 'GET', url: '/index.php/apps/gpoddersync/episode_action', headers: { authorization: basic(username, PASSWORD) } });
    assert.equal(ok.statusCode, 200);
  });
});
