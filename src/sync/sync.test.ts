import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { accountEventCount, newListener, type ApiClient } from '../../test/support/api.js';
import { describeEachDriver } from '../../test/support/databases.js';
import { createTestServer, type TestServer } from '../../test/support/server.js';
import { derivedFeedGuid } from '../subscriptions/feed-guid.js';
import { encodeFeedId } from '../subscriptions/feed-id.js';

const feed = (n: number) => `https://feeds.example/podcast-${n}.xml`;

describeEachDriver('subscriptions and /api/v1/sync', (current) => {
  let server: TestServer;
  let phone: ApiClient;
  let laptop: ApiClient;
  let userId: string;

  /** A fresh account per test: cursors and counts start from nothing. */
  async function freshAccount(): Promise<void> {
    ({ userId, phone, laptop } = await newListener(server.app, server.accounts, 'listener'));
  }

  const eventCount = () => accountEventCount(current().db, userId);

  before(async () => {
    server = await createTestServer(current(), { env: { REGISTRATION: 'open' }, requestLimits: { burst: 100_000, perSecond: 10_000 } });
    await server.app.ready();
  });
  after(async () => server?.app.close());

  it('subscribes, lists, unsubscribes by feed id, and keeps per-device views', async () => {
    await freshAccount();
    const added = await phone.post('/api/v1/subscriptions', { feedUrl: '  HTTPS://Feeds.Example:443/podcast-1.xml#x ', title: 'One' });
    assert.equal(added.status, 200, JSON.stringify(added.body));
    assert.deepEqual(added.body.outcome, { feedUrl: feed(1), applied: true, subscribed: true });
    assert.equal(added.body.subscription.deviceId, 'phone');
    await laptop.post('/api/v1/subscriptions', { feedUrl: feed(2) });
    const all = await laptop.get('/api/v1/subscriptions');
    assert.deepEqual(all.body.subscriptions.map((s: { feedUrl: string }) => s.feedUrl).sort(), [feed(1), feed(2)]);
    const phoneOnly = await laptop.get('/api/v1/subscriptions?device=phone');
    assert.deepEqual(phoneOnly.body.subscriptions.map((s: { feedUrl: string; title: string }) => [s.feedUrl, s.title]), [[feed(1), 'One']]);

    const removed = await laptop.delete(`/api/v1/subscriptions/${encodeFeedId(feed(1))}`);
    assert.deepEqual(removed.body.outcome, { feedUrl: feed(1), applied: true, subscribed: false });
    assert.deepEqual((await phone.get('/api/v1/subscriptions')).body.subscriptions.map((s: { feedUrl: string }) => s.feedUrl), [feed(2)]);
    const withRemoved = await phone.get('/api/v1/subscriptions?include=unsubscribed');
    assert.equal(withRemoved.body.subscriptions.length, 2);
    const one = await phone.get(`/api/v1/subscriptions/${encodeFeedId(feed(1))}`);
    assert.deepEqual([one.body.subscribed, one.body.deviceId], [false, 'laptop']);
  });

  it('refuses bad input with clear codes and changes nothing', async () => {
    await freshAccount();
    const before = await eventCount();
    const cases: [Promise<{ status: number; body: { error: { code: string } } }>, number, string][] = [
      [phone.post('/api/v1/subscriptions', { feedUrl: 'ftp://example.com/feed' }), 400, 'invalid_feed_url'],
      [phone.post('/api/v1/subscriptions', { feedUrl: feed(1), extra: 1 }), 400, 'validation_failed'],
      [phone.post('/api/v1/subscriptions', { feedUrl: feed(1), at: 'yesterday' }), 400, 'validation_failed'],
      [phone.post('/api/v1/subscriptions/changes', { changes: [{ feedUrl: feed(1), subscribed: true }, { feedUrl: 'not a url', subscribed: true }] }), 400, 'invalid_feed_url'],
      [phone.get('/api/v1/subscriptions/!!!'), 400, 'invalid_feed_id'],
      [phone.get(`/api/v1/subscriptions/${encodeFeedId(feed(9))}`), 404, 'subscription_not_found'],
      [phone.put(`/api/v1/subscriptions/${encodeFeedId(feed(9))}/url`, { feedUrl: feed(10) }), 404, 'feed_not_found'],
    ];
    for (const [request, status, code] of cases) {
      const response = await request;
      assert.equal(response.status, status, JSON.stringify(response.body));
      assert.equal(response.body.error.code, code);
    }
    assert.equal(await eventCount(), before);
  });

  it('settles crossing changes from two devices by client time and says who won', async () => {
    await freshAccount();
    await phone.post('/api/v1/subscriptions', { feedUrl: feed(1), at: '2026-11-25T10:00:00Z' });
    const stale = await laptop.delete(`/api/v1/subscriptions/${encodeFeedId(feed(1))}?at=2026-11-25T09:00:00Z`);
    assert.deepEqual(stale.body.outcome, { feedUrl: feed(1), applied: false, subscribed: true });
    const later = await laptop.delete(`/api/v1/subscriptions/${encodeFeedId(feed(1))}?at=2026-11-25T11:00:00Z`);
    assert.deepEqual(later.body.outcome, { feedUrl: feed(1), applied: true, subscribed: false });
    const future = await phone.post('/api/v1/subscriptions', { feedUrl: feed(2), at: '2999-01-01T00:00:00Z' });
    assert.ok(Date.parse(future.body.subscription.changedAt) <= Date.now(), 'a time in the future is clamped to now');
  });

  it('moves a feed to its new URL, and devices learn of it through sync', async () => {
    await freshAccount();
    await phone.post('/api/v1/subscriptions', { feedUrl: feed(1), title: 'Old home' });
    const start = (await laptop.get('/api/v1/sync')).body.cursor;
    const moved = await laptop.put(`/api/v1/subscriptions/${encodeFeedId(feed(1))}/url`, { feedUrl: feed(100) });
    assert.equal(moved.status, 200, JSON.stringify(moved.body));
    assert.deepEqual([moved.body.feedUrl, moved.body.subscribed, moved.body.title], [feed(100), true, 'Old home']);
    const delta = (await phone.get(`/api/v1/sync?since=${start}`)).body;
    const seen = delta.changes.subscriptions.map((s: { feedUrl: string; subscribed: boolean; movedTo: string | null }) => [s.feedUrl, s.subscribed, s.movedTo]);
    assert.deepEqual(seen.sort(), [[feed(1), false, feed(100)], [feed(100), true, null]]);
    // An offline device subscribing to the old URL afterwards starts it afresh, even with an older time.
    const late = await laptop.post('/api/v1/subscriptions', { feedUrl: feed(1), at: '2020-01-01T00:00:00Z' });
    assert.deepEqual(late.body.outcome, { feedUrl: feed(1), applied: true, subscribed: true });
    assert.deepEqual([late.body.subscription.subscribed, late.body.subscription.movedTo, late.body.subscription.title], [true, null, null]);
  });

  it('moves a feed onto a URL that itself moved away earlier: the feed arrives as it was, not as the old URL was left', async () => {
    await freshAccount();
    await phone.post('/api/v1/subscriptions', { feedUrl: feed(1), title: 'Moving', at: '2026-01-01T00:00:00Z' });
    // Changed later than feed 1, then moved away: its row is history, left unsubscribed.
    await phone.post('/api/v1/subscriptions', { feedUrl: feed(2), title: 'Gone', at: '2026-02-01T00:00:00Z' });
    await phone.put(`/api/v1/subscriptions/${encodeFeedId(feed(2))}/url`, { feedUrl: feed(3) });
    const moved = await phone.put(`/api/v1/subscriptions/${encodeFeedId(feed(1))}/url`, { feedUrl: feed(2) });
    assert.equal(moved.status, 200, JSON.stringify(moved.body));
    assert.deepEqual([moved.body.feedUrl, moved.body.subscribed, moved.body.title, moved.body.movedTo], [feed(2), true, 'Moving', null]);
    const listed = (await phone.get('/api/v1/subscriptions')).body.subscriptions.map((s: { feedUrl: string }) => s.feedUrl);
    assert.deepEqual(listed.sort(), [feed(2), feed(3)]);
    // Named by feed 1's GUID, which came along; feed 3 keeps the one it took from feed 2.
    const opa = (await phone.get('/opa/v1/subscriptions')).body.subscriptions.map((s: { feed_url: string; guid: string }) => [s.feed_url, s.guid]);
    assert.deepEqual(opa.sort(), [[feed(2), derivedFeedGuid(feed(1))], [feed(3), derivedFeedGuid(feed(2))]]);
  });

  it('syncs a second device from a cursor: everything first, then only what changed', async () => {
    await freshAccount();
    const empty = (await laptop.get('/api/v1/sync')).body;
    assert.deepEqual(empty.changes.subscriptions, []);
    await phone.post('/api/v1/subscriptions', { feedUrl: feed(1) });
    await phone.post('/api/v1/subscriptions', { feedUrl: feed(2) });
    const first = (await laptop.get(`/api/v1/sync?since=${empty.cursor}`)).body;
    assert.deepEqual(first.changes.subscriptions.map((s: { feedUrl: string }) => s.feedUrl), [feed(1), feed(2)]);
    assert.equal(first.hasMore, false);
    const nothing = (await laptop.get(`/api/v1/sync?since=${first.cursor}`)).body;
    assert.deepEqual([nothing.changes.subscriptions, nothing.cursor], [[], first.cursor]);
    await phone.delete(`/api/v1/subscriptions/${encodeFeedId(feed(1))}`);
    const delta = (await laptop.get(`/api/v1/sync?since=${first.cursor}`)).body;
    assert.deepEqual(delta.changes.subscriptions.map((s: { feedUrl: string; subscribed: boolean }) => [s.feedUrl, s.subscribed]), [[feed(1), false]]);
  });

  it('pages through a long history without losing or repeating anything, even while it changes', async () => {
    await freshAccount();
    const changes = Array.from({ length: 45 }, (_, n) => ({ feedUrl: feed(n), subscribed: true }));
    await phone.post('/api/v1/subscriptions/changes', { changes });
    let cursor = '';
    const seen: string[] = [];
    let pages = 0;
    for (;;) {
      const page = (await laptop.get(`/api/v1/sync?limit=10${cursor ? `&since=${cursor}` : ''}`)).body;
      pages++;
      seen.push(...page.changes.subscriptions.map((s: { feedUrl: string }) => s.feedUrl));
      cursor = page.cursor;
      // A change made between two pages to something already seen comes again, later.
      if (pages === 2) await phone.delete(`/api/v1/subscriptions/${encodeFeedId(feed(0))}`);
      if (!page.hasMore) break;
    }
    assert.equal(pages, 5);
    assert.deepEqual(seen.slice(0, 45).sort(), changes.map((c) => c.feedUrl).sort());
    assert.deepEqual(seen.slice(45), [feed(0)]);
  });

  it('answers a reset when the cursor is ahead of the account, and refuses a foreign cursor', async () => {
    await freshAccount();
    await phone.post('/api/v1/subscriptions', { feedUrl: feed(1) });
    const ahead = (await laptop.get('/api/v1/sync?since=c1.999999')).body;
    assert.equal(ahead.reset, true);
    assert.deepEqual(ahead.changes.subscriptions.map((s: { feedUrl: string }) => s.feedUrl), [feed(1)]);
    const foreign = await laptop.get('/api/v1/sync?since=1700000000');
    assert.deepEqual([foreign.status, foreign.body.error.code], [400, 'invalid_cursor']);
  });

  it('applies an offline batch once, however often it is sent, and all or nothing', async () => {
    await freshAccount();
    const batch = {
      changes: [
        { type: 'subscription', feedUrl: feed(1), subscribed: true, at: '2026-11-25T08:00:00Z', id: 'c-1' },
        { type: 'subscription', feedUrl: feed(2), subscribed: true, at: '2026-11-25T08:01:00Z', id: 'c-2' },
        { type: 'subscription', feedUrl: feed(1), subscribed: false, at: '2026-11-25T08:02:00Z' },
      ],
    };
    const key = { 'idempotency-key': 'batch-7f1c' };
    const first = await laptop.post('/api/v1/sync', batch, key);
    assert.equal(first.status, 200, JSON.stringify(first.body));
    assert.deepEqual(first.body.results.map((r: { index: number; applied: boolean }) => [r.index, r.applied]), [[0, true], [1, true], [2, true]]);
    assert.deepEqual(first.body.sync.changes.subscriptions.map((s: { feedUrl: string; subscribed: boolean }) => [s.feedUrl, s.subscribed]).sort(), [[feed(1), false], [feed(2), true]]);
    const events = await eventCount();
    const again = await laptop.post('/api/v1/sync', batch, key);
    assert.deepEqual(again.body.results, first.body.results);
    assert.equal(await eventCount(), events, 'a retried batch records nothing');
    const reused = await laptop.post('/api/v1/sync', { changes: batch.changes.slice(0, 1) }, key);
    assert.deepEqual([reused.status, reused.body.error.code], [422, 'idempotency_key_reused']);

    // A change id already applied in another batch is answered, not applied again.
    const replay = await laptop.post('/api/v1/sync', { changes: [batch.changes[1], { type: 'subscription', feedUrl: feed(3), subscribed: true }] });
    assert.deepEqual(replay.body.results.map((r: { replayed?: boolean }) => r.replayed ?? false), [true, false]);

    const broken = await laptop.post('/api/v1/sync', {
      changes: [
        { type: 'subscription', feedUrl: feed(4), subscribed: true },
        { type: 'subscription', feedUrl: 'javascript:alert(1)', subscribed: true },
      ],
    });
    assert.deepEqual([broken.status, broken.body.error.code], [400, 'invalid_feed_url']);
    assert.match(broken.body.error.message, /changes\[0\.\.1\]/);
    const unknown = await laptop.post('/api/v1/sync', { changes: [{ type: 'teleport', where: 'moon' }] });
    assert.deepEqual([unknown.status, unknown.body.error.code], [400, 'validation_failed']);
    assert.match(unknown.body.error.message, /type/);
    // A malformed change is reported against its own kind only, not against every kind.
    const malformed = await laptop.post('/api/v1/sync', { changes: [{ type: 'episode', action: 'progress', episode: { feedUrl: feed(1), guid: 'g' }, position: 'far' }] });
    assert.deepEqual([malformed.status, malformed.body.error.code], [400, 'validation_failed']);
    assert.deepEqual(
      malformed.body.error.details.map((detail: { path: string }) => detail.path),
      ['body/changes/0/position'],
      malformed.body.error.message,
    );
    const twice = await laptop.post('/api/v1/sync', { changes: [{ type: 'subscription', feedUrl: feed(5), subscribed: true, id: 'x' }, { type: 'subscription', feedUrl: feed(6), subscribed: true, id: 'x' }] });
    assert.deepEqual([twice.status, twice.body.error.code], [400, 'duplicate_change_id']);
    const list = (await phone.get('/api/v1/subscriptions')).body.subscriptions.map((s: { feedUrl: string }) => s.feedUrl).sort();
    assert.deepEqual(list, [feed(2), feed(3)], 'nothing of the refused batches was applied');
  });

  it('applies one batch once when it is sent twice at the same time', async () => {
    await freshAccount();
    const batch = { changes: [{ type: 'subscription', feedUrl: feed(1), subscribed: true }] };
    const key = { 'idempotency-key': 'concurrent-1' };
    const before = await eventCount();
    const [a, b] = await Promise.all([laptop.post('/api/v1/sync', batch, key), laptop.post('/api/v1/sync', batch, key)]);
    assert.deepEqual([a.status, b.status], [200, 200]);
    assert.deepEqual(a.body.results, b.body.results);
    assert.equal(await eventCount(), before + 1);
  });
});
