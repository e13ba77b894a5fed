import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { accountEventCount, newListener, type ApiClient } from '../../test/support/api.js';
import { describeEachDriver } from '../../test/support/databases.js';
import { basic } from '../../test/support/http.js';
import { createTestServer, type TestServer } from '../../test/support/server.js';
import { fold } from '../domain/decider.js';
import { rebuildProjection } from '../projections/rebuild.js';
import { encodeFeedId } from '../subscriptions/feed-id.js';
import { parseOpml } from '../subscriptions/opml.js';
import { collectionDecider, collectionsStream, collectionsView, type CollectionEvent } from './collection-decider.js';
import { CollectionService } from './collection-service.js';
import { collectionsProjector } from './collections-projector.js';

const feed = (name: string) => `https://feeds.example/${name}.xml`;
const feedPath = (collectionId: string, name: string) => `/api/v1/collections/${collectionId}/feeds/${encodeFeedId(feed(name))}`;
type Feeds = { feeds: { feedUrl: string }[] };
const names = (collection: Feeds) => collection.feeds.map((entry) => entry.feedUrl.replace(/^https:\/\/feeds\.example\/(.*)\.xml$/, '$1'));

describeEachDriver('collections API and their read model', (current) => {
  let server: TestServer;
  let phone: ApiClient;
  let laptop: ApiClient;
  let userId: string;
  let username: string;

  async function freshAccount(): Promise<void> {
    ({ username, userId, phone, laptop } = await newListener(server.app, server.accounts, 'collector'));
  }

  const eventCount = () => accountEventCount(current().db, userId);

  async function rows(user = userId) {
    const collections = await current().db.query('SELECT * FROM collections WHERE user_id = $1 ORDER BY collection_id', [user]);
    const feeds = await current().db.query('SELECT * FROM collection_feeds WHERE user_id = $1 ORDER BY collection_id, position', [user]);
    return { collections: collections.rows, feeds: feeds.rows };
  }

  /** Collection `news` holding the feeds a, b, c... in order, added by the phone. */
  async function collectionWith(feeds: string[], collectionId = 'news'): Promise<void> {
    const created = await phone.post('/api/v1/collections', { collectionId, name: 'News', at: '2026-03-01T08:00:00Z' });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    for (const [i, name] of feeds.entries()) {
      const added = await phone.post(`/api/v1/collections/${collectionId}/feeds`, { feedUrl: feed(name), at: `2026-03-01T08:0${i + 1}:00Z` });
      assert.equal(added.status, 200, JSON.stringify(added.body));
    }
  }

  before(async () => {
    server = await createTestServer(current(), { env: { REGISTRATION: 'open' }, requestLimits: { burst: 100_000, perSecond: 10_000 } });
    await server.app.ready();
  });
  after(async () => server?.app.close());

  it('creates, lists, shows, edits and deletes collections and their feeds', async () => {
    await freshAccount();
    const created = await phone.post('/api/v1/collections', { name: ' Tech ', visibility: 'public', at: '2026-03-01T08:00:00Z' });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const id: string = created.body.collectionId;
    assert.match(id, /^[0-9a-f-]{36}$/, 'the server chose a UUID');
    assert.deepEqual(created.body, {
      collectionId: id,
      name: 'Tech',
      visibility: 'public',
      createdAt: '2026-03-01T08:00:00.000Z',
      updatedAt: '2026-03-01T08:00:00.000Z',
      deleted: false,
      feeds: [],
    });
    assert.equal((await phone.post('/api/v1/collections', { collectionId: 'empty', name: 'Empty' })).status, 201);
    assert.equal((await laptop.post('/api/v1/collections', { collectionId: 'empty', name: 'Empty' })).status, 200, 'the same creation again: a retry');

    const added = await phone.post(`/api/v1/collections/${id}/feeds`, { feedUrl: 'HTTPS://Feeds.Example:443/a.xml', at: '2026-03-01T08:01:00Z' });
    assert.equal(added.status, 200, JSON.stringify(added.body));
    assert.deepEqual(added.body.feeds, [{ feedId: encodeFeedId(feed('a')), feedUrl: feed('a'), addedAt: '2026-03-01T08:01:00.000Z' }]);
    await phone.post(`/api/v1/collections/${id}/feeds`, { feedUrl: feed('b'), at: '2026-03-01T08:02:00Z' });
    const atFront = await laptop.post(`/api/v1/collections/${id}/feeds`, { feedUrl: feed('c'), index: 0, at: '2026-03-01T08:03:00Z' });
    assert.deepEqual(names(atFront.body), ['c', 'a', 'b']);
    const moved = await laptop.put(`${feedPath(id, 'c')}/position`, { index: 2, at: '2026-03-01T08:04:00Z' });
    assert.equal(moved.status, 200, JSON.stringify(moved.body));
    assert.deepEqual(names(moved.body), ['a', 'b', 'c']);
    const removed = await phone.delete(`${feedPath(id, 'a')}?at=2026-03-01T08:05:00Z`);
    assert.equal(removed.status, 200, JSON.stringify(removed.body));
    assert.deepEqual(names(removed.body), ['b', 'c']);

    const patched = await laptop.patch(`/api/v1/collections/${id}`, { name: 'Technology', visibility: 'private', at: '2026-03-01T09:00:00Z' });
    assert.equal(patched.status, 200, JSON.stringify(patched.body));
    assert.deepEqual([patched.body.applied, patched.body.collection.name, patched.body.collection.visibility, patched.body.collection.updatedAt], [true, 'Technology', 'private', '2026-03-01T09:00:00.000Z']);
    const stale = await phone.patch(`/api/v1/collections/${id}`, { name: 'Older', at: '2026-03-01T08:30:00Z' });
    assert.deepEqual([stale.body.applied, stale.body.collection.name], [false, 'Technology']);

    const list = await phone.get('/api/v1/collections');
    assert.equal(list.status, 200);
    assert.deepEqual(list.body.collections.map((c: Feeds & { collectionId: string }) => [c.collectionId, names(c)]), [
      [id, ['b', 'c']],
      ['empty', []],
    ]);
    assert.deepEqual((await laptop.get(`/api/v1/collections/${id}`)).body, stale.body.collection);

    const refused = await phone.delete(`/api/v1/collections/${id}`);
    assert.deepEqual([refused.status, refused.body.error.code], [409, 'collection_not_empty']);
    const deleted = await phone.delete(`/api/v1/collections/${id}?force=true&at=2026-03-01T10:00:00Z`);
    assert.equal(deleted.status, 200, JSON.stringify(deleted.body));
    assert.deepEqual([deleted.body.deleted, deleted.body.deletedAt, deleted.body.feeds], [true, '2026-03-01T10:00:00.000Z', []]);
    assert.equal((await phone.delete('/api/v1/collections/empty')).status, 200, 'an empty collection needs no force');
    const gone = await laptop.get(`/api/v1/collections/${id}`);
    assert.deepEqual([gone.status, gone.body.error.code], [410, 'collection_deleted']);
    assert.deepEqual((await phone.get('/api/v1/collections')).body.collections, []);
    assert.deepEqual((await rows()).feeds, [], 'the feeds of deleted collections are gone');
  });

  it('puts a feed that moves in its old place, in every collection holding it', async () => {
    await freshAccount();
    await collectionWith(['a', 'b', 'c']);
    await collectionWith(['b', 'b2'], 'other');
    assert.equal((await phone.post('/api/v1/subscriptions', { feedUrl: feed('b') })).status, 200);
    const moved = await laptop.put(`/api/v1/subscriptions/${encodeFeedId(feed('b'))}/url`, { feedUrl: feed('b2') });
    assert.equal(moved.status, 200, JSON.stringify(moved.body));
    assert.deepEqual(names((await laptop.get('/api/v1/collections/news')).body), ['a', 'b2', 'c']);
    assert.deepEqual(names((await laptop.get('/api/v1/collections/other')).body), ['b2'], 'a collection that had both keeps the new URL once');
  });

  it('refuses bad input with the decider codes and changes nothing', async () => {
    await freshAccount();
    await collectionWith(['a', 'b']);
    await phone.post('/api/v1/collections', { collectionId: 'old', name: 'Old' });
    await phone.delete('/api/v1/collections/old');
    const before = await eventCount();
    const stored = await rows();
    const cases: [Promise<{ status: number; body: { error: { code: string } } }>, number, string][] = [
      [phone.post('/api/v1/collections', { name: '' }), 400, 'invalid_name'],
      [phone.post('/api/v1/collections', { name: 'two\nlines' }), 400, 'invalid_name'],
      [phone.post('/api/v1/collections', { name: 'N', visibility: 'secret' }), 400, 'invalid_visibility'],
      [phone.post('/api/v1/collections', { collectionId: 'bad id', name: 'N' }), 400, 'invalid_collection_id'],
      [phone.post('/api/v1/collections', { name: 'N', description: 'none here' }), 400, 'validation_failed'],
      [phone.post('/api/v1/collections', { collectionId: 'news', name: 'Other' }), 409, 'collection_exists'],
      [phone.post('/api/v1/collections', { collectionId: 'old', name: 'Old' }), 409, 'collection_deleted'],
      [phone.get('/api/v1/collections/nope'), 404, 'collection_not_found'],
      [phone.get('/api/v1/collections/old'), 410, 'collection_deleted'],
      [phone.patch('/api/v1/collections/news', {}), 400, 'nothing_to_change'],
      [phone.patch('/api/v1/collections/news', { name: 'Fine', visibility: 'hidden' }), 400, 'invalid_visibility'],
      [phone.patch('/api/v1/collections/nope', { name: 'X' }), 404, 'collection_not_found'],
      [phone.delete('/api/v1/collections/news'), 409, 'collection_not_empty'],
      [phone.delete('/api/v1/collections/news?force=maybe'), 400, 'validation_failed'],
      [phone.delete('/api/v1/collections/nope'), 404, 'collection_not_found'],
      [phone.post('/api/v1/collections/news/feeds', { feedUrl: 'ftp://feeds.example/x.xml' }), 400, 'invalid_feed_url'],
      [phone.post('/api/v1/collections/news/feeds', { feedUrl: feed('c'), index: -1 }), 400, 'invalid_index'],
      [phone.post('/api/v1/collections/news/feeds', { feedUrl: feed('c'), title: 'C' }), 400, 'validation_failed'],
      [phone.post('/api/v1/collections/nope/feeds', { feedUrl: feed('c') }), 404, 'collection_not_found'],
      [phone.post('/api/v1/collections/old/feeds', { feedUrl: feed('c') }), 409, 'collection_deleted'],
      [phone.delete('/api/v1/collections/news/feeds/!!!'), 400, 'invalid_feed_id'],
      [phone.put(`${feedPath('news', 'a')}/position`, { index: 5001 }), 400, 'invalid_index'],
      [phone.put(`${feedPath('news', 'a')}/position`, { index: 'first' }), 400, 'validation_failed'],
    ];
    for (const [request, status, code] of cases) {
      const response = await request;
      assert.equal(response.status, status, JSON.stringify(response.body));
      assert.equal(response.body.error.code, code, JSON.stringify(response.body));
    }
    assert.equal(await eventCount(), before);
    assert.deepEqual(await rows(), stored);
  });

  it('two devices reordering at once with crossing client times see the same order, by GET and by /sync', async () => {
    await freshAccount();
    await collectionWith(['a', 'b', 'c', 'd']);
    const start = (await laptop.get('/api/v1/sync')).body.cursor;
    // The phone moved d first at 10:00; the laptop moved c first at 10:01 and removed a at 10:02. The laptop's arrive first.
    await laptop.put(`${feedPath('news', 'c')}/position`, { index: 0, at: '2026-03-01T10:01:00Z' });
    await laptop.delete(`${feedPath('news', 'a')}?at=2026-03-01T10:02:00Z`);
    const late = await phone.put(`${feedPath('news', 'd')}/position`, { index: 0, at: '2026-03-01T10:00:00Z' });
    const expected = ['c', 'd', 'b'];
    assert.deepEqual(names(late.body), expected);
    assert.deepEqual(names((await laptop.get('/api/v1/collections/news')).body), expected);
    const synced = (await laptop.get(`/api/v1/sync?since=${start}`)).body.changes.collections;
    assert.deepEqual(synced.map(names), [expected]);
    assert.deepEqual((await phone.get('/api/v1/sync')).body.changes.collections.map(names), [expected]);
  });

  it('lists the collections changed since a cursor in /api/v1/sync, deletions included', async () => {
    await freshAccount();
    await collectionWith(['a']);
    await phone.post('/api/v1/collections', { collectionId: 'later', name: 'Later' });
    const first = (await laptop.get('/api/v1/sync')).body;
    assert.deepEqual(first.changes.collections.map((c: Feeds & { collectionId: string }) => [c.collectionId, names(c)]), [
      ['news', ['a']],
      ['later', []],
    ]);
    await phone.delete('/api/v1/collections/news?force=true');
    await phone.post('/api/v1/collections/later/feeds', { feedUrl: feed('z') });
    const delta = (await laptop.get(`/api/v1/sync?since=${first.cursor}`)).body;
    assert.deepEqual(
      delta.changes.collections.map((c: Feeds & { collectionId: string; deleted: boolean }) => [c.collectionId, c.deleted, names(c)]),
      [
        ['news', true, []],
        ['later', false, ['z']],
      ],
    );
    // Adding a feed already there, or renaming with an older time, shows nothing new.
    await laptop.patch('/api/v1/collections/later', { name: 'Newer' });
    const renamed = (await laptop.get(`/api/v1/sync?since=${delta.cursor}`)).body;
    assert.deepEqual(renamed.changes.collections.map((c: { name: string }) => c.name), ['Newer']);
    await laptop.post('/api/v1/collections/later/feeds', { feedUrl: feed('z') });
    await laptop.patch('/api/v1/collections/later', { name: 'Older', at: '2026-03-01T07:00:00Z' });
    assert.deepEqual((await laptop.get(`/api/v1/sync?since=${renamed.cursor}`)).body.changes.collections, []);
  });

  it('applies collection changes in an offline batch, all or nothing with a subscription change', async () => {
    await freshAccount();
    const batch = {
      changes: [
        { type: 'subscription', feedUrl: feed('a'), subscribed: true, at: '2026-03-01T08:00:00Z' },
        { type: 'collection', id: 'c-1', op: 'create', collectionId: 'shows', name: 'Shows', at: '2026-03-01T08:00:00Z' },
        { type: 'collection', op: 'add', collectionId: 'shows', feedUrl: feed('a'), at: '2026-03-01T08:01:00Z' },
        { type: 'collection', op: 'create', collectionId: 'misc', name: 'Misc', at: '2026-03-01T08:01:00Z' },
        { type: 'collection', op: 'add', collectionId: 'shows', feedUrl: feed('b'), index: 0, at: '2026-03-01T08:02:00Z' },
        { type: 'collection', op: 'visibility', collectionId: 'shows', visibility: 'public', at: '2026-03-01T08:03:00Z' },
        { type: 'collection', op: 'rename', collectionId: 'misc', name: 'Various', at: '2026-03-01T08:05:00Z' },
        { type: 'collection', op: 'rename', collectionId: 'misc', name: 'Stale', at: '2026-03-01T08:04:00Z' },
      ],
    };
    const applied = await laptop.post('/api/v1/sync', batch, { 'idempotency-key': 'collection-batch-1' });
    assert.equal(applied.status, 200, JSON.stringify(applied.body));
    assert.deepEqual(
      applied.body.results.map((r: { type: string; applied: boolean; state?: unknown }) => [r.type, r.applied, r.state !== undefined]),
      [
        ['subscription', true, true],
        ['collection', true, false],
        ['collection', true, false],
        ['collection', true, false],
        ['collection', true, false],
        ['collection', true, true],
        ['collection', true, false],
        ['collection', false, true],
      ],
    );
    assert.deepEqual([applied.body.results[5].state.visibility, names(applied.body.results[5].state)], ['public', ['b', 'a']]);
    assert.equal(applied.body.results[7].state.name, 'Various');
    assert.equal(applied.body.sync.changes.collections.length, 2);
    const events = await eventCount();
    const again = await laptop.post('/api/v1/sync', batch, { 'idempotency-key': 'collection-batch-1' });
    assert.deepEqual(again.body.results, applied.body.results);
    assert.equal((await laptop.post('/api/v1/sync', { changes: [batch.changes[1]] })).body.results[0].replayed, true);
    assert.equal(await eventCount(), events, 'retries record nothing');

    const stored = await rows();
    const subscription = { type: 'subscription', feedUrl: feed('other'), subscribed: true };
    const refused: [unknown[], number, string][] = [
      [[subscription, { type: 'collection', op: 'move', collectionId: 'shows', feedUrl: feed('a') }], 400, 'invalid_collection_change'],
      [[subscription, { type: 'collection', op: 'rename', collectionId: 'shows', name: 'X', force: true }], 400, 'invalid_collection_change'],
      [[subscription, { type: 'collection', op: 'describe', collectionId: 'shows', name: 'X' }], 400, 'validation_failed'],
      [[subscription, { type: 'collection', op: 'delete', collectionId: 'shows' }], 409, 'collection_not_empty'],
      [[subscription, { type: 'collection', op: 'add', collectionId: 'shows', feedUrl: 'not a url' }], 400, 'invalid_feed_url'],
      [[subscription, { type: 'collection', op: 'add', collectionId: 'nowhere', feedUrl: feed('c') }], 404, 'collection_not_found'],
      [[{ type: 'collection', op: 'add', collectionId: 'shows', feedUrl: feed('c') }, subscription, { type: 'collection', op: 'visibility', collectionId: 'shows', visibility: 'all' }], 400, 'invalid_visibility'],
    ];
    for (const [changes, status, code] of refused) {
      const response = await laptop.post('/api/v1/sync', { changes });
      assert.deepEqual([response.status, response.body.error?.code], [status, code], JSON.stringify(response.body));
    }
    assert.equal(await eventCount(), events, 'nothing of the refused batches was recorded');
    assert.deepEqual(await rows(), stored);
    const forced = await laptop.post('/api/v1/sync', { changes: [{ type: 'collection', op: 'delete', collectionId: 'shows', force: true }] });
    assert.equal(forced.body.results[0].state.deleted, true);
  });

  it('exports collections as OPML folders, and files an imported file’s folders into collections', async () => {
    await freshAccount();
    for (const name of ['a', 'b', 'c']) await phone.post('/api/v1/subscriptions', { feedUrl: feed(name), title: `Show ${name}` });
    await collectionWith(['a', 'b']);
    await phone.post('/api/v1/collections', { collectionId: 'tech', name: 'Tech & Science' });
    await phone.post('/api/v1/collections/tech/feeds', { feedUrl: feed('b') });
    const exported = await phone.get('/api/v1/subscriptions.opml');
    assert.equal(exported.status, 200);
    const parsed = parseOpml(exported.body as string);
    assert.deepEqual(parsed.feeds.map((entry) => [entry.url, entry.categories]).sort(), [
      [feed('a'), ['News']],
      [feed('b'), ['News', 'Tech & Science']],
      [feed('c'), []],
    ]);
    assert.match(exported.body as string, /<outline text="Tech &amp; Science">/);

    // Into a fresh account: the folders become collections; imported again, nothing is added twice.
    await freshAccount();
    const upload = (body: string) =>
      server.app.inject({ method: 'POST', url: '/api/v1/subscriptions/opml', headers: { authorization: basic(username, 'listener password'), 'content-type': 'text/x-opml' }, payload: body });
    await phone.post('/api/v1/collections', { collectionId: 'mine', name: 'News' });
    const imported = await upload(exported.body as string);
    assert.equal(imported.statusCode, 200, imported.body);
    assert.deepEqual(
      imported.json().collections.map((c: { collectionId: string; name: string; created: boolean; added: number }) => [c.name, c.created, c.added]),
      [['News', false, 2]],
      'a feed in two top-level folders is filed into the first; an existing collection of that name is used',
    );
    assert.equal(imported.json().collections[0].collectionId, 'mine');
    const again = await upload(exported.body as string);
    assert.deepEqual(again.json().collections.map((c: { added: number }) => c.added), [0]);
    const collections = (await phone.get('/api/v1/collections')).body.collections;
    assert.deepEqual(collections.map((c: Feeds & { name: string }) => [c.name, names(c)]), [['News', ['a', 'b']]]);

    const nested = `<?xml version="1.0"?><opml version="2.0"><body>
      <outline text="Science"><outline text="Physics"><outline type="rss" text="P" xmlUrl="${feed('p')}"/></outline><outline type="rss" text="S" xmlUrl="${feed('s')}"/></outline>
      <outline type="rss" text="Loose" xmlUrl="${feed('loose')}"/></body></opml>`;
    const filed = await upload(nested);
    assert.deepEqual(filed.json().collections.map((c: { name: string; created: boolean; added: number }) => [c.name, c.created, c.added]), [['Science', true, 2]]);
    assert.deepEqual(names((await phone.get(`/api/v1/collections/${filed.json().collections[0].collectionId}`)).body), ['p', 's']);
  });

  it('keeps the read model equal to the decider state, and rebuilds it to the same rows', async () => {
    await freshAccount();
    const collections = new CollectionService(server.store);
    let seed = 5;
    const next = (n: number): number => {
      seed = (seed + 0x6d2b79f5) | 0;
      let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return (((t ^ (t >>> 14)) >>> 0) % 2 ** 31) % n;
    };
    for (const collectionId of ['one', 'two', 'three']) await collections.create(userId, { collectionId, name: collectionId, clientTime: Date.UTC(2026, 2, 1) });
    for (let n = 0; n < 120; n++) {
      const collectionId = ['one', 'two', 'three'][next(3)]!;
      const feedUrl = feed(`f${next(10)}`);
      const clientTime = Date.UTC(2026, 2, 1) + next(100) * 60_000;
      const options = { deviceId: next(2) ? 'phone' : 'laptop' };
      const kind = next(5);
      if (kind <= 1) await collections.change(userId, [{ collectionId, op: 'add', feedUrl, index: next(6), clientTime }], options);
      else if (kind <= 3) await collections.change(userId, [{ collectionId, op: 'move', feedUrl, index: next(8), clientTime }], options);
      else await collections.change(userId, [{ collectionId, op: 'remove', feedUrl, clientTime }], options);
    }
    // An offline batch: many changes in one append, written to the rows as sets (src/playlists/ordered-rows.ts).
    await collections.change(
      userId,
      Array.from({ length: 40 }, (_, n) => {
        const collectionId = n < 30 ? 'one' : 'two';
        const feedUrl = feed(n % 3 === 0 ? `g${n}` : `f${next(12)}`);
        // Mostly after everything recorded so far (so that most of them show), some in between.
        const clientTime = Date.UTC(2026, 2, 1) + (next(4) ? 200 + n : next(100)) * 60_000;
        const kind = n % 3 === 0 ? 0 : next(3);
        return kind === 0 ? { collectionId, op: 'add', feedUrl, index: next(6), clientTime } : kind === 1 ? { collectionId, op: 'move', feedUrl, index: next(8), clientTime } : { collectionId, op: 'remove', feedUrl, clientTime };
      }),
      { deviceId: 'tablet' },
    );
    await collections.change(userId, [{ collectionId: 'three', op: 'delete', force: true }]);
    const stream = await server.store.readStream(collectionsStream(userId));
    const state = fold(collectionDecider, stream.events as unknown as CollectionEvent[]);
    const stored = await collections.list(userId);
    assert.ok(stored.every((collection) => collection.feeds.length >= 2));
    // Not addedAt: an add of a feed already in place, made earlier and arriving late, moves the
    // decider's addedAt without any change to the order, so its event carries nothing for the rows.
    assert.deepEqual(
      stored.map((collection) => [collection.collectionId, collection.name, collection.visibility, collection.createdAt.toISOString(), collection.feeds.map((f) => f.feedUrl)]),
      collectionsView(state).map((view) => [view.collectionId, view.name, view.visibility, view.createdAt, view.feeds.map((f) => f.feedUrl)]),
    );

    const all = async () => ({
      collections: (await current().db.query('SELECT * FROM collections ORDER BY user_id, collection_id')).rows,
      feeds: (await current().db.query('SELECT * FROM collection_feeds ORDER BY user_id, collection_id, position')).rows,
    });
    const live = await all();
    await rebuildProjection(current().db, server.store, collectionsProjector(), { batchSize: 7 });
    assert.deepEqual(await all(), live);
  });

  it('forgets the collections of an erased account, and only them', async () => {
    await freshAccount();
    const other = { userId };
    await collectionWith(['a']);
    await freshAccount();
    await collectionWith(['a', 'b']);
    assert.equal((await rows()).feeds.length, 2);
    const erased = await server.app.inject({ method: 'DELETE', url: '/api/v1/me', headers: { authorization: basic(username, 'listener password') }, payload: { password: 'listener password' } });
    assert.equal(erased.statusCode, 204, erased.body);
    assert.deepEqual(await rows(), { collections: [], feeds: [] });
    assert.equal((await rows(other.userId)).feeds.length, 1, "the other account's collections stay");
  });
});
