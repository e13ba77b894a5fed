import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { newListener } from '../../test/support/api.js';
import { describeEachDriver } from '../../test/support/databases.js';
import { fixtureServerForFile, serveFeed, settleProjections } from '../../test/support/feed-catalog.js';
import { rss } from '../../test/support/feeds.js';
import { createTestServer, type TestServer } from '../../test/support/server.js';
import { applicationProjectors } from '../app/projectors.js';
import { encodeFeedId } from '../subscriptions/feed-id.js';

const fixtures = fixtureServerForFile();
const item = (guid: string | null, media: string) =>
  `<item>${guid ? `<guid isPermaLink="false">${guid}</guid>` : ''}<title>${guid ?? media}</title><enclosure url="${media}" type="audio/mpeg" length="1"/></item>`;

describeEachDriver('episodes named by guid or by media URL are one episode, through the feed catalog', (current) => {
  let server: TestServer;
  const projectors = applicationProjectors();

  before(async () => {
    server = await createTestServer(current(), { projectors, env: { REGISTRATION: 'open', FEED_ALLOWED_ADDRESSES: '127.0.0.1', FEED_MANUAL_REFRESH_SECONDS: '0' } });
  });
  after(async () => server?.app.close());

  it('merges a media-URL-only report with the guid episode, keys a new one by the catalog guid, and leaves guid-less items alone', async () => {
    const path = `/identity-${current().driver}.xml`;
    const media = (name: string) => `https://cdn.example/identity/${current().driver}/${name}.mp3`;
    serveFeed(fixtures, path, () => ({ body: rss(item('guid-a', media('a-new')) + item('guid-b', media('b')) + item(null, media('c'))) }));
    const feedUrl = fixtures.url(path);
    const { username, phone, laptop } = await newListener(server.app, server.accounts, 'identity');
    assert.equal((await phone.post('/api/v1/subscriptions', { feedUrl })).status, 200);
    assert.equal((await phone.post(`/api/v1/podcasts/${encodeFeedId(feedUrl)}/refresh`)).status, 200);
    await settleProjections(current().db, server.store, projectors);
    const state = async (query: string) => (await laptop.get(`/api/v1/episodes/state?feedUrl=${encodeURIComponent(feedUrl)}&${query}`)).body;
    const play = (episode: string, position: number, timestamp: string) => ({ podcast: feedUrl, episode, action: 'play', timestamp, started: 0, position, total: 3600 });

    // The phone knew episode A under its old enclosure URL; the feed now serves another one.
    const first = await phone.post('/api/v1/episodes/progress', { episode: { feedUrl, guid: 'guid-a', mediaUrl: media('a-old') }, position: 100, at: '2026-11-25T10:00:00Z' });
    assert.equal(first.status, 200, JSON.stringify(first.body));
    // A gpodder.net app reports it by the new enclosure URL only: the catalog says it is guid-a.
    assert.equal((await phone.post(`/api/2/episodes/${username}.json`, [play(media('a-new'), 250, '2026-11-25T11:00:00')])).status, 200);
    assert.equal((await state('guid=guid-a')).progress.position, 250, 'one episode: the later report moved its position');
    assert.equal((await state(`mediaUrl=${encodeURIComponent(media('a-new'))}`)).progress.position, 250);

    // A new episode reported by media URL only is keyed by the catalog's guid: a later report by guid alone finds it.
    assert.equal((await phone.post(`/api/2/episodes/${username}.json`, [play(media('b'), 30, '2026-11-25T12:00:00')])).status, 200);
    const byGuid = await phone.post('/api/v1/episodes/progress', { episode: { feedUrl, guid: 'guid-b' }, position: 60, at: '2026-11-25T13:00:00Z' });
    assert.equal(byGuid.status, 200);
    assert.deepEqual([byGuid.body.state.episode.guid, byGuid.body.state.episode.mediaUrl, byGuid.body.state.progress.position], ['guid-b', media('b'), 60]);

    // An item without a guid: the catalog's stand-in (its enclosure URL) is not made an identity.
    assert.equal((await phone.post(`/api/2/episodes/${username}.json`, [play(media('c'), 5, '2026-11-25T14:00:00')])).status, 200);
    const guidless = await state(`mediaUrl=${encodeURIComponent(media('c'))}`);
    assert.equal(guidless.episode.guid, undefined);

    const rows = await current().db.query<{ n: number }>('SELECT count(*)::int AS n FROM episode_states e JOIN accounts a ON a.user_id = e.user_id WHERE a.username = $1', [username]);
    assert.equal(rows.rows[0]!.n, 3, 'three episodes, three listening states');
  });
});
