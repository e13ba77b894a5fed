import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { describeEachDriver } from '../../../test/support/databases.js';
import { feedHarness, fixtureServerForFile, type FeedHarness } from '../../../test/support/feed-catalog.js';
import { rss } from '../../../test/support/feeds.js';
import { sleep } from '../fetcher/testing/fixture-server.js';
import { claimDue } from './schedule-store.js';

const FEEDS = 40;

const server = fixtureServerForFile();

describeEachDriver('feed scheduler leases', (current) => {
  let first: FeedHarness;
  let second: FeedHarness;
  before(async () => {
    // Two processes: two pools on one database (PGlite: two handles on the one instance).
    first = await feedHarness(current().db, { owner: 'process-1', env: { FEED_CONCURRENCY: '8' } });
    second = await feedHarness(current().connect({ maxConnections: 4 }), { owner: 'process-2', env: { FEED_CONCURRENCY: '8' } });
  });
  after(async () => {
    await first.feeds.close();
    await second.feeds.close();
  });

  it('two schedulers share the due feeds and never fetch one feed twice at once', async () => {
    const tag = current().driver;
    const inFlight = new Map<string, number>();
    const fetched = new Map<string, number>();
    let overlaps = 0;
    const urls: string[] = [];
    for (let index = 0; index < FEEDS; index++) {
      const path = `/lease-${tag}-${index}.xml`;
      urls.push(server.url(path));
      server.route(path, async (_request, response) => {
        inFlight.set(path, (inFlight.get(path) ?? 0) + 1);
        if (inFlight.get(path)! > 1) overlaps++;
        fetched.set(path, (fetched.get(path) ?? 0) + 1);
        await sleep(30);
        inFlight.set(path, inFlight.get(path)! - 1);
        response.writeHead(200, { 'content-type': 'application/rss+xml' }).end(rss(`<item><guid>${index}</guid><title>E</title></item>`));
      });
      await first.services.subscriptions.change(`lease-listener-${tag}`, [{ feedUrl: urls[index]!, subscribed: true }]);
    }
    await first.settle();
    // Both loops run at once, each claiming batches of 8 while the other holds its own.
    first.feeds.scheduler.start();
    second.feeds.scheduler.start();
    const recorded = async () =>
      (await current().db.query<{ n: number }>(`SELECT count(*)::int AS n FROM feed_schedule WHERE last_status = 'fetched' AND feed_url = ANY($1::text[])`, [urls])).rows[0]!.n;
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline && (await recorded()) < FEEDS) await sleep(20);
    await sleep(100);
    await first.feeds.scheduler.stop();
    await second.feeds.scheduler.stop();
    assert.equal(await recorded(), FEEDS, 'every feed fetched and recorded');
    assert.equal(overlaps, 0, 'no feed fetched by both at once');
    assert.equal(fetched.size, FEEDS);
    assert.deepEqual([...new Set(fetched.values())], [1], 'each once (the next refresh is hours away)');
  });

  it('a claim is exclusive until its lease expires, then another process takes the feed over', async () => {
    const feedUrl = server.url(`/lease-expiry-${current().driver}.xml`);
    await first.services.subscriptions.change(`lease-expiry-${current().driver}`, [{ feedUrl, subscribed: true }]);
    await first.settle();
    const now = new Date(Date.now() + 1000);
    const mine = (feeds: { feedUrl: string }[]) => feeds.filter((feed) => feed.feedUrl === feedUrl).length;
    const [a, b] = await Promise.all([
      claimDue(first.db, 'process-1', 1000, now, new Date(now.getTime() + 60_000)),
      claimDue(second.db, 'process-2', 1000, now, new Date(now.getTime() + 60_000)),
    ]);
    assert.equal(mine(a) + mine(b), 1, 'claimed by exactly one of two concurrent claims');
    assert.equal(mine(await claimDue(second.db, 'process-2', 1000, new Date(now.getTime() + 59_000), new Date(now.getTime() + 120_000))), 0);
    assert.equal(mine(await claimDue(second.db, 'process-2', 1000, new Date(now.getTime() + 60_000), new Date(now.getTime() + 120_000))), 1, 'expired: taken over');
  });
});
