import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { newListener } from '../../../test/support/api.js';
import { describeEachDriver } from '../../../test/support/databases.js';
import { fixtureServerForFile, serveFeed, settleProjections } from '../../../test/support/feed-catalog.js';
import { rss } from '../../../test/support/feeds.js';
import { createTestServer, type TestServer } from '../../../test/support/server.js';
import { applicationProjectors } from '../../app/projectors.js';
import { encodeFeedId } from '../../subscriptions/feed-id.js';
import { NEW_EPISODES_PER_PODCAST } from './updates-routes.js';

const fixtures = fixtureServerForFile();
const media = (n: number) => `https://cdn.example/updates/${n}.mp3`;
const item = (n: number, published: Date) =>
  `<item><guid>u${n}</guid><title>Episode ${n}</title><description>About ${n}</description><link>https://show.example/${n}</link>` +
  `<pubDate>${published.toUTCString()}</pubDate><enclosure url="${media(n)}" type="audio/mpeg" length="1"/></item>`;

describeEachDriver('gpodder.net device updates from the feed catalog', (current) => {
  let server: TestServer;
  const projectors = applicationProjectors();

  before(async () => {
    server = await createTestServer(current(), { projectors, env: { REGISTRATION: 'open', FEED_ALLOWED_ADDRESSES: '127.0.0.1', FEED_MANUAL_REFRESH_SECONDS: '0' } });
  });
  after(async () => server?.app.close());

  it('lists the newest episodes of subscribed podcasts as new, the listened ones with their status, all described from the catalog', async () => {
    const path = `/updates-${current().driver}.xml`;
    const old = Array.from({ length: 7 }, (_, n) => item(n, new Date(Date.UTC(2026, 0, 1 + n))));
    let items = old;
    serveFeed(fixtures, path, () => ({ body: rss(items.join(''), '<title>Updates show</title>') }));
    const feedUrl = fixtures.url(path);
    const { username, phone } = await newListener(server.app, server.accounts, 'updates');
    const refresh = async () => {
      const refreshed = await phone.post(`/api/v1/podcasts/${encodeFeedId(feedUrl)}/refresh`);
      assert.equal(refreshed.status, 200, JSON.stringify(refreshed.body));
      await settleProjections(current().db, server.store, projectors);
    };
    assert.equal((await phone.post('/api/v1/subscriptions', { feedUrl })).status, 200);
    await refresh();
    const played = { podcast: feedUrl, episode: media(6), action: 'play', timestamp: '2026-02-01T10:00:00', started: 0, position: 30, total: 600 };
    assert.equal((await phone.post(`/api/2/episodes/${username}.json`, [played])).status, 200);

    const first = await phone.get(`/api/2/updates/${username}/phone.json?since=0`);
    assert.equal(first.status, 200, JSON.stringify(first.body));
    assert.equal(first.body.add[0].title, 'Updates show', 'podcasts are described from the catalog');
    const shown = first.body.updates.map((episode: { url: string; status: string }) => [episode.url, episode.status]);
    assert.deepEqual(shown, [[media(6), 'play'], [media(5), 'new'], [media(4), 'new'], [media(3), 'new'], [media(2), 'new']], `the ${NEW_EPISODES_PER_PODCAST} newest, each once`);
    assert.deepEqual(first.body.updates[1], {
      title: 'Episode 5',
      url: media(5),
      podcast_title: 'Updates show',
      podcast_url: feedUrl,
      description: 'About 5',
      website: 'https://show.example/5',
      released: '2026-01-06T00:00:00',
      mygpo_link: media(5),
      status: 'new',
    });
    assert.equal(first.body.updates[0].title, 'Episode 6', 'a listened episode is described too');

    // A later episode comes with the next update, the ones given before do not.
    items = [...old, item(7, new Date(Date.now() + 3_600_000))];
    await refresh();
    const next = await phone.get(`/api/2/updates/${username}/phone.json?since=${first.body.timestamp}`);
    // (The play may come again: it was recorded in the second the first answer was given, see marks.ts.)
    const again = next.body.updates.map((episode: { url: string; status: string }) => [episode.url, episode.status]).filter(([url]: [string]) => url !== media(6));
    assert.deepEqual(again, [[media(7), 'new']]);
    assert.equal((await phone.get(`/api/2/updates/${username}/phone.json?since=999999999999999`)).status, 400);
  });
});
