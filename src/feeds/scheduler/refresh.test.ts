import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { fixture } from '../../../test/fixtures/feeds/real-feeds.js';
import { describeEachDriver } from '../../../test/support/databases.js';
import { feedEvents, feedHarness, fixtureServerForFile, serveFeed, type FeedHarness, type ServedFeed } from '../../../test/support/feed-catalog.js';
import { rss } from '../../../test/support/feeds.js';
import { AsyncProjectionRunner } from '../../projections/async-runner.js';
import { feedStream } from '../catalog/feed-decider.js';
import { scheduleStatus } from './schedule-store.js';

const item = (guid: string, title: string, day: number): string =>
  `<item><guid>${guid}</guid><title>${title}</title><pubDate>${new Date(Date.UTC(2026, 9, day)).toUTCString()}</pubDate>` +
  `<enclosure url="https://cdn.example/${guid}.mp3" type="audio/mpeg" length="1000"/><itunes:duration>10:00</itunes:duration></item>`;

const server = fixtureServerForFile();

describeEachDriver('feed refresh', (current) => {
  let harness: FeedHarness;
  // Moved by hand; starts after the subscriptions' (real) time, so that they are due.
  let clock = Date.now() + 1000;
  const now = () => new Date(clock);
  before(async () => {
    harness = await feedHarness(current().db, { now });
  });
  after(async () => {
    await harness.feeds.close();
  });

  const subscribe = (userId: string, feedUrl: string) => harness.services.subscriptions.change(userId, [{ feedUrl, subscribed: true }]);

  it('a first subscription makes the background scheduler fetch the feed, and the catalog has its episodes', async () => {
    const path = `/first-${current().driver}.xml`;
    serveFeed(server, path, () => ({ body: fixture('changing-the-tide.xml') }));
    const feedUrl = server.url(path);
    // The projection runner and the scheduler in the background, as serve runs them.
    clock = Date.now() + 1000;
    harness.feeds.scheduler.start();
    const projections = new AsyncProjectionRunner(harness.db, harness.store, harness.projectors, { idleIntervalMs: 20 });
    projections.start();
    try {
      await subscribe('listener-first', feedUrl);
      const deadline = Date.now() + 15_000;
      let count = 0;
      while (Date.now() < deadline) {
        count = (await harness.db.query<{ n: number }>('SELECT count(*)::int AS n FROM catalog_episodes WHERE feed_url = $1', [feedUrl])).rows[0]!.n;
        if (count === 15) break;
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
      assert.equal(count, 15);
      assert.equal(server.requests.filter((request) => request.path === path).length, 1, 'fetched once');
    } finally {
      await projections.stop();
      await harness.feeds.scheduler.stop();
    }
    const podcast = await harness.feeds.catalog.podcast(feedUrl);
    assert.equal(podcast?.title, 'Changing the Tide');
    assert.equal(podcast?.episodeCount, 15);
    const status = await scheduleStatus(harness.db, feedUrl);
    assert.equal(status?.lastStatus, 'fetched');
    assert.equal(status?.failures, 0);
  });

  it('a 304 and an unchanged body append nothing; a changed feed appends only what changed', async () => {
    const path = `/changes-${current().driver}.xml`;
    let served: ServedFeed = { body: rss(item('a', 'A', 1) + item('b', 'B', 2), '<title>Show</title>'), etag: '"v1"' };
    serveFeed(server, path, () => served);
    const feedUrl = server.url(path);
    clock = Date.now() + 1000;
    await subscribe('listener-changes', feedUrl);
    await harness.settle();
    assert.equal(await harness.feeds.scheduler.runDue(), 1);
    await harness.settle();
    const stream = feedStream(feedUrl);
    assert.deepEqual((await feedEvents(harness.db, stream)).map((event) => event.type), ['FeedFetched', 'EpisodeDiscovered', 'EpisodeDiscovered']);

    // Not due yet: nothing claimed. Then due: 304, nothing appended.
    assert.equal(await harness.feeds.scheduler.runDue(), 0);
    const status = await scheduleStatus(harness.db, feedUrl);
    clock = status!.nextFetchAt.getTime();
    // (Other tests' feeds may be due by then too.)
    await harness.feeds.scheduler.runDue();
    assert.equal(server.requests.filter((request) => request.path === path).at(-1)?.headers['if-none-match'], '"v1"');
    assert.equal((await scheduleStatus(harness.db, feedUrl))?.lastStatus, 'not_modified');
    assert.equal((await feedEvents(harness.db, stream)).length, 3);

    // Same body without validators: read, found identical, nothing appended.
    served = { body: served.body };
    assert.equal((await harness.feeds.scheduler.refreshNow(feedUrl)).kind, 'success');
    assert.equal((await scheduleStatus(harness.db, feedUrl))?.lastStatus, 'unchanged');
    assert.equal((await feedEvents(harness.db, stream)).length, 3);

    // A new title, a renamed episode and a new one: exactly those.
    served = { body: rss(item('a', 'A', 1) + item('b', 'B (corrected)', 2) + item('c', 'C', 3), '<title>Show, renamed</title>'), etag: '"v2"' };
    await harness.feeds.scheduler.refreshNow(feedUrl);
    const events = (await feedEvents(harness.db, stream)).slice(3);
    assert.deepEqual(
      events.map((event) => [event.type, event.data.podcast ?? event.data.episode.guid]),
      [
        ['FeedFetched', { title: 'Show, renamed' }],
        ['EpisodeChanged', 'b'],
        ['EpisodeDiscovered', 'c'],
      ],
    );
    await harness.settle();
    const page = await harness.feeds.catalog.episodes(feedUrl, { limit: 2 });
    assert.deepEqual(page.episodes.map((episode) => [episode.guid, episode.title]), [['c', 'C'], ['b', 'B (corrected)']]);
    const rest = await harness.feeds.catalog.episodes(feedUrl, { limit: 2, after: page.next! });
    assert.deepEqual(rest.episodes.map((episode) => episode.guid), ['a']);
    assert.equal(rest.next, null);
    assert.equal((await harness.feeds.catalog.podcast(feedUrl))?.title, 'Show, renamed');
    assert.equal((await harness.feeds.catalog.podcast(feedUrl))?.episodeCount, 3);
  });

  it('backs off exponentially after errors, records the error once, and clears it on success', async () => {
    const path = `/failing-${current().driver}.xml`;
    let served: ServedFeed = { body: '', status: 503 };
    serveFeed(server, path, () => served);
    const feedUrl = server.url(path);
    await subscribe('listener-errors', feedUrl);
    await harness.settle();
    clock = Date.now() + 1000;
    assert.equal(await harness.feeds.scheduler.runDue(), 1);
    let status = await scheduleStatus(harness.db, feedUrl);
    assert.equal(status?.failures, 1);
    assert.deepEqual({ ...status?.lastError, at: undefined }, { code: 'http_error', message: `${feedUrl} answered HTTP 503`, at: undefined });
    assert.equal(status!.nextFetchAt.getTime() - clock, 300_000, 'five minutes after the first failure');
    clock = status!.nextFetchAt.getTime();
    await harness.feeds.scheduler.runDue();
    status = await scheduleStatus(harness.db, feedUrl);
    assert.equal(status?.failures, 2);
    assert.equal(status!.nextFetchAt.getTime() - clock, 600_000, 'ten after the second');
    served = { body: 'not a feed at all', status: 200 };
    clock = status!.nextFetchAt.getTime();
    await harness.feeds.scheduler.runDue();
    status = await scheduleStatus(harness.db, feedUrl);
    assert.equal(status?.failures, 3);
    assert.equal(status?.lastError?.code, 'feed_not_a_feed');
    assert.deepEqual(
      (await feedEvents(harness.db, feedStream(feedUrl))).map((event) => [event.type, event.data.code]),
      [
        ['FeedFailed', 'http_error'],
        ['FeedFailed', 'feed_not_a_feed'],
      ],
      'one event per kind of failure, not per attempt',
    );
    served = { body: rss(item('a', 'A', 1)), etag: '"back"' };
    clock = status!.nextFetchAt.getTime();
    await harness.feeds.scheduler.runDue();
    status = await scheduleStatus(harness.db, feedUrl);
    assert.equal(status?.failures, 0);
    assert.equal(status?.lastError, null);

    // Failing again, then back with a 304: the catalog hears that it works again, once.
    served = { body: '', status: 500 };
    clock = status!.nextFetchAt.getTime();
    await harness.feeds.scheduler.runDue();
    served = { body: rss(item('a', 'A', 1)), etag: '"back"' };
    clock = (await scheduleStatus(harness.db, feedUrl))!.nextFetchAt.getTime();
    await harness.feeds.scheduler.runDue();
    assert.equal((await scheduleStatus(harness.db, feedUrl))?.lastStatus, 'not_modified');
    assert.deepEqual(
      (await feedEvents(harness.db, feedStream(feedUrl))).slice(-3).map((event) => [event.type, event.data.code ?? event.data.podcast]),
      [
        ['EpisodeDiscovered', undefined],
        ['FeedFailed', 'http_error'],
        ['FeedFetched', {}],
      ],
    );
  });
});
