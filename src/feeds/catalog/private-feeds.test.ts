import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { newListener } from '../../../test/support/api.js';
import { describeEachDriver } from '../../../test/support/databases.js';
import { fixtureServerForFile, serveFeed, settleProjections } from '../../../test/support/feed-catalog.js';
import { rss } from '../../../test/support/feeds.js';
import { createTestServer, type TestServer } from '../../../test/support/server.js';
import { AccountEraser } from '../../accounts/erasure.js';
import { applicationProjectors } from '../../app/projectors.js';
import { encodeFeedId } from '../../subscriptions/feed-id.js';
import { feedStream } from './feed-decider.js';

const fixtures = fixtureServerForFile();
const episode = '<item><guid>g1</guid><title>One</title><enclosure url="https://cdn.example/1.mp3" type="audio/mpeg" length="1"/></item>';

describeEachDriver('an erased account takes its private feeds along', (current) => {
  let server: TestServer;
  const projectors = applicationProjectors();
  const settle = () => settleProjections(current().db, server.store, projectors);

  before(async () => {
    server = await createTestServer(current(), { projectors, env: { REGISTRATION: 'open', FEED_ALLOWED_ADDRESSES: '127.0.0.1', FEED_MANUAL_REFRESH_SECONDS: '0' } });
  });
  after(async () => server?.app.close());

  /** What the server still holds of a feed: events, catalog rows, schedule. */
  async function traces(feedUrl: string): Promise<{ events: number; podcasts: number; episodes: number; schedule: number }> {
    const count = async (sql: string, param: string) => (await current().db.query<{ n: number }>(sql, [param])).rows[0]!.n;
    return {
      events: await count('SELECT count(*)::int AS n FROM events WHERE stream_id = $1', feedStream(feedUrl)),
      podcasts: await count('SELECT count(*)::int AS n FROM catalog_podcasts WHERE feed_url = $1', feedUrl),
      episodes: await count('SELECT count(*)::int AS n FROM catalog_episodes WHERE feed_url = $1', feedUrl),
      schedule: await count('SELECT count(*)::int AS n FROM feed_schedule WHERE feed_url = $1', feedUrl),
    };
  }

  it('forgets a private feed only the erased account followed, and keeps shared and public ones', async () => {
    const driver = current().driver;
    const path = (name: string) => `/${name}-${driver}.xml`;
    for (const name of ['mine', 'shared', 'public']) serveFeed(fixtures, path(name), () => ({ body: rss(episode, `<title>${name}</title>`) }));
    const mine = `${fixtures.url(path('mine'))}?token=alice-secret`;
    const shared = `${fixtures.url(path('shared'))}?key=family`;
    const open = fixtures.url(path('public'));
    const alice = await newListener(server.app, server.accounts, 'private-feeds');
    const bob = await newListener(server.app, server.accounts, 'private-feeds');
    for (const feedUrl of [mine, shared, open]) {
      assert.equal((await alice.phone.post('/api/v1/subscriptions', { feedUrl })).status, 200);
      const refreshed = await alice.phone.post(`/api/v1/podcasts/${encodeFeedId(feedUrl)}/refresh`);
      assert.equal(refreshed.status, 200, JSON.stringify(refreshed.body));
    }
    assert.equal((await bob.phone.post('/api/v1/subscriptions', { feedUrl: shared })).status, 200);
    // Unsubscribed, alice's private feed is still hers to take along.
    assert.equal((await alice.phone.delete(`/api/v1/subscriptions/${encodeFeedId(mine)}`)).status, 200);
    await settle();
    const held = { events: 2, podcasts: 1, episodes: 1, schedule: 1 };
    for (const feedUrl of [mine, shared, open]) assert.deepEqual(await traces(feedUrl), held, feedUrl);

    await new AccountEraser(server.store, projectors).erase(alice.userId);
    await settle();
    assert.deepEqual(await traces(mine), { events: 0, podcasts: 0, episodes: 0, schedule: 0 });
    assert.deepEqual(await traces(shared), held, 'bob still follows the shared private feed');
    assert.deepEqual(await traces(open), held, 'a public feed reveals nothing about who followed it');
    assert.equal((await bob.phone.get(`/api/v1/podcasts/${encodeFeedId(shared)}`)).status, 200);
  });
});
