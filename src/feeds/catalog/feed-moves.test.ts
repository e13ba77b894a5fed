import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { accountEventCount } from '../../../test/support/api.js';
import { describeEachDriver } from '../../../test/support/databases.js';
import { feedEvents, feedHarness, fixtureServerForFile, serveFeed, type FeedHarness } from '../../../test/support/feed-catalog.js';
import { rss } from '../../../test/support/feeds.js';
import { resetAsyncProjection } from '../../projections/rebuild.js';
import { findCatalogEpisode } from './episode-lookup.js';
import { feedStream } from './feed-decider.js';

const episode = `<item><guid>ep-1</guid><title>One</title><enclosure url="https://cdn.example/one.mp3" type="audio/mpeg" length="5"/></item>`;

const server = fixtureServerForFile();

describeEachDriver('feed moves', (current) => {
  let harness: FeedHarness;
  before(async () => {
    harness = await feedHarness(current().db);
  });
  after(async () => {
    await harness.feeds.close();
  });

  async function subscribers(feedUrl: string, users: string[]): Promise<void> {
    for (const userId of users) await harness.services.subscriptions.change(userId, [{ feedUrl, subscribed: true }]);
    await harness.settle();
  }

  async function subscription(userId: string, feedUrl: string) {
    const found = await harness.services.subscriptions.get(userId, feedUrl);
    return found && { subscribed: found.subscribed, movedTo: found.movedTo };
  }

  it('a permanent redirect moves every subscriber, once, and the catalog follows', async () => {
    const tag = `${current().driver}-301`;
    const oldPath = `/old-${tag}.xml`;
    const newPath = `/new-${tag}.xml`;
    server.route(oldPath, (_request, response) => void response.writeHead(301, { location: newPath }).end());
    serveFeed(server, newPath, () => ({ body: rss(episode, '<title>Moved show</title>') }));
    const [from, to] = [server.url(oldPath), server.url(newPath)];
    const users = [`mover-a-${tag}`, `mover-b-${tag}`];
    await subscribers(from, users);
    await harness.feeds.scheduler.refreshNow(from);
    await harness.settle();

    assert.deepEqual((await feedEvents(harness.db, feedStream(from))).map((event) => [event.type, event.data.to, event.data.reason]), [['FeedMoved', to, 'permanent_redirect']]);
    for (const userId of users) {
      assert.deepEqual(await subscription(userId, from), { subscribed: false, movedTo: to }, userId);
      assert.deepEqual(await subscription(userId, to), { subscribed: true, movedTo: null }, userId);
    }
    assert.equal((await harness.feeds.catalog.podcast(from))?.movedTo, to);
    assert.equal((await harness.feeds.catalog.podcast(to))?.title, 'Moved show');
    // The episode is found under the URL the client still uses, by GUID or by media URL.
    assert.equal((await findCatalogEpisode(harness.db, { feedUrl: from, guid: 'ep-1' }))?.title, 'One');
    assert.equal((await findCatalogEpisode(harness.db, { feedUrl: to, mediaUrl: 'https://cdn.example/one.mp3' }))?.guid, 'ep-1');
    assert.equal(await findCatalogEpisode(harness.db, { feedUrl: to, guid: 'ep-2' }), undefined);

    // Replaying the moves (a reset of the reactor) moves no one again.
    const before = await Promise.all(users.map((userId) => accountEventCount(harness.db, userId)));
    const reactor = harness.projectors.find((projector) => projector.name === 'feed_moves')!;
    await resetAsyncProjection(harness.db, reactor);
    await harness.settle();
    assert.deepEqual(await Promise.all(users.map((userId) => accountEventCount(harness.db, userId))), before);
    // Refreshing the old URL again records nothing new.
    await harness.feeds.scheduler.refreshNow(from);
    assert.equal((await feedEvents(harness.db, feedStream(from))).length, 1);

    // Someone subscribing to the old URL afterwards (an app that still has it) follows the move too.
    const late = `mover-late-${tag}`;
    await subscribers(from, [late]);
    assert.deepEqual(await subscription(late, from), { subscribed: false, movedTo: to });
    assert.deepEqual(await subscription(late, to), { subscribed: true, movedTo: null });
  });

  it('itunes:new-feed-url moves subscribers only to an address that answers with a feed, never to an internal one', async () => {
    const tag = `${current().driver}-nfu`;
    const declaring = (target: string) => rss(episode, `<title>Old</title><itunes:new-feed-url>${target}</itunes:new-feed-url>`);
    const cases = {
      internal: 'http://10.0.0.1/feed.xml',
      html: server.url(`/html-${tag}`),
      loop: server.url(`/loop-${tag}.xml`),
    };
    server.route(`/html-${tag}`, (_request, response) => void response.writeHead(200, { 'content-type': 'text/html' }).end('<html><body>moved!</body></html>'));
    serveFeed(server, `/loop-${tag}.xml`, () => ({ body: declaring(server.url(`/declaring-loop-${tag}.xml`)) }));
    for (const [name, target] of Object.entries(cases)) {
      const path = `/declaring-${name}-${tag}.xml`;
      serveFeed(server, path, () => ({ body: declaring(target) }));
      const feedUrl = server.url(path);
      await subscribers(feedUrl, [`stayer-${name}-${tag}`]);
      await harness.feeds.scheduler.refreshNow(feedUrl);
      await harness.settle();
      assert.deepEqual(await subscription(`stayer-${name}-${tag}`, feedUrl), { subscribed: true, movedTo: null }, name);
      assert.equal((await harness.feeds.catalog.podcast(feedUrl))?.movedTo, null, name);
    }

    const newPath = `/successor-${tag}.xml`;
    serveFeed(server, newPath, () => ({ body: rss(episode, '<title>Successor</title>') }));
    const oldPath = `/declaring-good-${tag}.xml`;
    serveFeed(server, oldPath, () => ({ body: declaring(server.url(newPath)) }));
    await subscribers(server.url(oldPath), [`follower-${tag}`]);
    await harness.feeds.scheduler.refreshNow(server.url(oldPath));
    await harness.settle();
    assert.deepEqual(await subscription(`follower-${tag}`, server.url(newPath)), { subscribed: true, movedTo: null });
    assert.deepEqual(
      (await feedEvents(harness.db, feedStream(server.url(oldPath)))).map((event) => event.type),
      ['FeedFetched', 'EpisodeDiscovered', 'FeedMoved'],
    );
  });
});
