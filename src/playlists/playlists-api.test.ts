import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { accountEventCount, apiClient, newListener, type ApiClient } from '../../test/support/api.js';
import { describeEachDriver } from '../../test/support/databases.js';
import { basic } from '../../test/support/http.js';
import { createTestServer, type TestServer } from '../../test/support/server.js';
import { fold } from '../domain/decider.js';
import { rebuildProjection } from '../projections/rebuild.js';
import { playlistDecider, playlistStream, playlistView, type PlaylistEvent } from './playlist-decider.js';
import { PlaylistService, type PlaylistChange } from './playlist-service.js';
import { playlistsProjector } from './playlists-projector.js';

const FEED = 'https://feeds.example/show.xml';
const episode = (n: number) => ({ feedUrl: FEED, guid: `guid-${n}`, title: `Episode ${n}` });
type Item = { itemId: string; episode: { guid?: string } };
const itemIds = (playlist: { items: Item[] }) => playlist.items.map((item) => item.itemId);

describeEachDriver('playlists API and their read model', (current) => {
  let server: TestServer;
  let phone: ApiClient;
  let laptop: ApiClient;
  let userId: string;
  let username: string;

  async function freshAccount(): Promise<void> {
    ({ username, userId, phone, laptop } = await newListener(server.app, server.accounts, 'playlister'));
  }

  const eventCount = () => accountEventCount(current().db, userId);

  async function rows(user = userId) {
    const playlists = await current().db.query('SELECT * FROM playlists WHERE user_id = $1 ORDER BY playlist_id', [user]);
    const items = await current().db.query('SELECT * FROM playlist_items WHERE user_id = $1 ORDER BY playlist_id, position', [user]);
    return { playlists: playlists.rows, items: items.rows };
  }

  /** A playlist with items i1..in, added in order by the phone. */
  async function playlistWith(n: number, playlistId = 'queue'): Promise<void> {
    const created = await phone.post('/api/v1/playlists', { playlistId, name: 'Queue', at: '2026-03-01T08:00:00Z' });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    for (let i = 1; i <= n; i++) {
      const added = await phone.post(`/api/v1/playlists/${playlistId}/items`, { itemId: `i${i}`, episode: episode(i), at: `2026-03-01T08:0${i}:00Z` });
      assert.equal(added.status, 200, JSON.stringify(added.body));
    }
  }

  before(async () => {
    server = await createTestServer(current(), { env: { REGISTRATION: 'open' }, requestLimits: { burst: 100_000, perSecond: 10_000 } });
    await server.app.ready();
  });
  after(async () => server?.app.close());

  it('creates, lists, shows, edits and deletes a playlist and its items', async () => {
    await freshAccount();
    const created = await phone.post('/api/v1/playlists', { name: '  Morning  ', description: 'For the train', at: '2026-03-01T08:00:00Z' });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const id: string = created.body.playlistId;
    assert.match(id, /^[0-9a-f-]{36}$/, 'the server chose a UUID');
    assert.deepEqual(created.body, {
      playlistId: id,
      name: 'Morning',
      description: 'For the train',
      visibility: 'private',
      createdAt: '2026-03-01T08:00:00.000Z',
      updatedAt: '2026-03-01T08:00:00.000Z',
      deleted: false,
      items: [],
    });
    const retried = await phone.post('/api/v1/playlists', { playlistId: 'car', name: 'Car', visibility: 'public' });
    assert.equal(retried.status, 201);
    assert.equal((await laptop.post('/api/v1/playlists', { playlistId: 'car', name: 'Car', visibility: 'public' })).status, 200, 'the same creation again: a retry');

    // Items: added at the end, at an index, with the feed URL normalized; the same episode again merges.
    const first = await phone.post(`/api/v1/playlists/${id}/items`, { episode: { ...episode(1), feedUrl: 'HTTPS://Feeds.Example:443/show.xml' }, at: '2026-03-01T08:01:00Z' });
    assert.equal(first.status, 200, JSON.stringify(first.body));
    const firstId: string = first.body.item.itemId;
    assert.deepEqual(first.body.item, { itemId: firstId, status: 'present', index: 0 });
    assert.deepEqual(first.body.playlist.items, [{ itemId: firstId, episode: episode(1), addedAt: '2026-03-01T08:01:00.000Z' }]);
    await phone.post(`/api/v1/playlists/${id}/items`, { itemId: 'i2', episode: episode(2), at: '2026-03-01T08:02:00Z' });
    const third = await laptop.post(`/api/v1/playlists/${id}/items`, { itemId: 'i3', episode: { feedUrl: FEED, mediaUrl: 'https://cdn.example/3.mp3' }, index: 0, at: '2026-03-01T08:03:00Z' });
    assert.deepEqual(itemIds(third.body.playlist), ['i3', firstId, 'i2']);
    const again = await laptop.post(`/api/v1/playlists/${id}/items`, { itemId: 'copy', episode: { feedUrl: FEED, guid: 'guid-2' }, at: '2026-03-01T08:04:00Z' });
    assert.deepEqual(again.body.item, { itemId: 'copy', status: 'merged', into: 'i2', index: 2 });
    assert.deepEqual(itemIds(again.body.playlist), ['i3', firstId, 'i2']);

    const moved = await laptop.put(`/api/v1/playlists/${id}/items/i2/position`, { index: 0, at: '2026-03-01T08:05:00Z' });
    assert.equal(moved.status, 200, JSON.stringify(moved.body));
    assert.deepEqual([moved.body.item, itemIds(moved.body.playlist)], [{ itemId: 'i2', status: 'present', index: 0 }, ['i2', 'i3', firstId]]);
    const removed = await phone.delete(`/api/v1/playlists/${id}/items/copy?at=2026-03-01T08:06:00Z`);
    assert.equal(removed.status, 200, JSON.stringify(removed.body));
    assert.deepEqual([removed.body.item, itemIds(removed.body.playlist)], [{ itemId: 'copy', status: 'gone' }, ['i3', firstId]], 'removed through the merged id');

    const patched = await laptop.patch(`/api/v1/playlists/${id}`, { name: 'Evening', description: '', visibility: 'public', at: '2026-03-01T09:00:00Z' });
    assert.equal(patched.status, 200, JSON.stringify(patched.body));
    assert.deepEqual([patched.body.applied, patched.body.playlist.name, patched.body.playlist.description, patched.body.playlist.visibility], [true, 'Evening', '', 'public']);
    assert.equal(patched.body.playlist.updatedAt, '2026-03-01T09:00:00.000Z');
    const stale = await phone.patch(`/api/v1/playlists/${id}`, { name: 'Older', at: '2026-03-01T08:30:00Z' });
    assert.deepEqual([stale.body.applied, stale.body.playlist.name], [false, 'Evening'], 'an older rename loses');

    const list = await phone.get('/api/v1/playlists');
    assert.equal(list.status, 200);
    assert.deepEqual(
      list.body.playlists.map((p: { playlistId: string; name: string; itemCount: number }) => [p.playlistId, p.name, p.itemCount]),
      [
        [id, 'Evening', 2],
        ['car', 'Car', 0],
      ],
    );
    const shown = await laptop.get(`/api/v1/playlists/${id}`);
    assert.deepEqual(shown.body, stale.body.playlist);

    const deleted = await phone.delete(`/api/v1/playlists/${id}?at=2026-03-01T10:00:00Z`);
    assert.equal(deleted.status, 200, JSON.stringify(deleted.body));
    assert.deepEqual([deleted.body.deleted, deleted.body.deletedAt, deleted.body.items], [true, '2026-03-01T10:00:00.000Z', []]);
    assert.equal((await phone.delete(`/api/v1/playlists/${id}`)).status, 200, 'a retry answers the same');
    const gone = await laptop.get(`/api/v1/playlists/${id}`);
    assert.deepEqual([gone.status, gone.body.error.code], [410, 'playlist_deleted']);
    assert.deepEqual((await phone.get('/api/v1/playlists')).body.playlists.map((p: { playlistId: string }) => p.playlistId), ['car']);
    assert.deepEqual((await rows()).items.filter((row) => row.playlist_id === id), [], 'the items of a deleted playlist are gone');
  });

  it('puts the episodes of a feed that moves at their place under its new URL, once', async () => {
    await freshAccount();
    await playlistWith(3);
    // The other playlist already holds episode 2 under the new URL: the moved item merges into it.
    await phone.post('/api/v1/playlists', { playlistId: 'other', name: 'Other' });
    const NEW = 'https://new.example/show.xml';
    await phone.post('/api/v1/playlists/other/items', { itemId: 'x', episode: { ...episode(2), feedUrl: NEW } });
    await phone.post('/api/v1/playlists/other/items', { itemId: 'y', episode: episode(2) });
    await phone.post('/api/v1/playlists/other/items', { itemId: 'z', episode: { feedUrl: 'https://elsewhere.example/feed.xml', guid: 'kept' } });
    assert.equal((await phone.post('/api/v1/subscriptions', { feedUrl: FEED })).status, 200);
    const move = async () => laptop.put(`/api/v1/subscriptions/${Buffer.from(FEED).toString('base64url')}/url`, { feedUrl: NEW });
    assert.equal((await move()).status, 200);
    const queue = (await laptop.get('/api/v1/playlists/queue')).body;
    assert.deepEqual(
      queue.items.map((item: { episode: { feedUrl: string; guid: string; title?: string } }) => [item.episode.feedUrl, item.episode.guid, item.episode.title]),
      [1, 2, 3].map((n) => [NEW, `guid-${n}`, `Episode ${n}`]),
    );
    const other = (await laptop.get('/api/v1/playlists/other')).body;
    assert.deepEqual(
      other.items.map((item: { itemId: string; episode: { feedUrl: string; guid: string } }) => [item.itemId, item.episode.feedUrl, item.episode.guid]),
      [['x', NEW, 'guid-2'], ['z', 'https://elsewhere.example/feed.xml', 'kept']],
    );
    assert.equal((await move()).status, 404, 'the old URL is no longer a subscription');
    const stored = await rows();
    assert.deepEqual(stored.items.filter((row) => row.feed_url === FEED), [], 'no row names the old URL');
    // Playing a moved item's episode by the old URL reaches the same episode.
    assert.equal((await phone.post('/api/v1/episodes/progress', { episode: { feedUrl: FEED, guid: 'guid-1' }, position: 60 })).status, 200);
    assert.equal((await laptop.get(`/api/v1/episodes/state?feedUrl=${encodeURIComponent(NEW)}&guid=guid-1`)).body.progress.position, 60);
  });

  it('refuses bad input with the decider codes and changes nothing', async () => {
    await freshAccount();
    await playlistWith(2);
    await phone.delete('/api/v1/playlists/queue/items/i9');
    await phone.post('/api/v1/playlists', { playlistId: 'old', name: 'Old' });
    await phone.delete('/api/v1/playlists/old');
    const before = await eventCount();
    const stored = await rows();
    const cases: [Promise<{ status: number; body: { error: { code: string } } }>, number, string][] = [
      [phone.post('/api/v1/playlists', { name: '' }), 400, 'invalid_name'],
      [phone.post('/api/v1/playlists', { name: 'x'.repeat(201) }), 400, 'invalid_name'],
      [phone.post('/api/v1/playlists', { name: 'Q', visibility: 'friends' }), 400, 'invalid_visibility'],
      [phone.post('/api/v1/playlists', { name: 'Q', description: 'x'.repeat(2001) }), 400, 'invalid_description'],
      [phone.post('/api/v1/playlists', { playlistId: 'no spaces', name: 'Q' }), 400, 'invalid_playlist_id'],
      [phone.post('/api/v1/playlists', { name: 'Q', colour: 'red' }), 400, 'validation_failed'],
      [phone.post('/api/v1/playlists', { name: 'Q', at: 'yesterday' }), 400, 'validation_failed'],
      [phone.post('/api/v1/playlists', { playlistId: 'queue', name: 'Another' }), 409, 'playlist_exists'],
      [phone.post('/api/v1/playlists', { playlistId: 'old', name: 'Old' }), 409, 'playlist_deleted'],
      [phone.get('/api/v1/playlists/nope'), 404, 'playlist_not_found'],
      [phone.get('/api/v1/playlists/bad%20id'), 400, 'invalid_playlist_id'],
      [phone.get('/api/v1/playlists/old'), 410, 'playlist_deleted'],
      [phone.patch('/api/v1/playlists/queue', {}), 400, 'nothing_to_change'],
      [phone.patch('/api/v1/playlists/queue', { at: '2026-03-01T10:00:00Z' }), 400, 'nothing_to_change'],
      [phone.patch('/api/v1/playlists/queue', { name: 'Fine', visibility: 'hidden' }), 400, 'invalid_visibility'],
      [phone.patch('/api/v1/playlists/nope', { name: 'X' }), 404, 'playlist_not_found'],
      [phone.patch('/api/v1/playlists/old', { name: 'X' }), 409, 'playlist_deleted'],
      [phone.delete('/api/v1/playlists/nope'), 404, 'playlist_not_found'],
      [phone.post('/api/v1/playlists/queue/items', { episode: { feedUrl: 'ftp://feeds.example/x', guid: 'g' } }), 400, 'invalid_feed_url'],
      [phone.post('/api/v1/playlists/queue/items', { episode: { feedUrl: FEED } }), 400, 'invalid_episode'],
      [phone.post('/api/v1/playlists/queue/items', { episode: { feedUrl: FEED, guid: 'g', extra: 1 } }), 400, 'validation_failed'],
      [phone.post('/api/v1/playlists/queue/items', { episode: episode(7), index: -1 }), 400, 'invalid_index'],
      [phone.post('/api/v1/playlists/queue/items', { episode: episode(7), index: 5001 }), 400, 'invalid_index'],
      [phone.post('/api/v1/playlists/queue/items', { episode: episode(7), itemId: 'an item' }), 400, 'invalid_item_id'],
      [phone.post('/api/v1/playlists/queue/items', { episode: episode(7), itemId: 'i1' }), 409, 'item_id_conflict'],
      [phone.post('/api/v1/playlists/nope/items', { episode: episode(7) }), 404, 'playlist_not_found'],
      [phone.post('/api/v1/playlists/old/items', { episode: episode(7) }), 409, 'playlist_deleted'],
      [phone.put('/api/v1/playlists/queue/items/i1/position', { index: 1.5 }), 400, 'validation_failed'],
      [phone.put('/api/v1/playlists/queue/items/i1/position', { index: 9999 }), 400, 'invalid_index'],
      [phone.put('/api/v1/playlists/queue/items/i1/position', {}), 400, 'validation_failed'],
      [phone.delete('/api/v1/playlists/queue/items/bad%20id'), 400, 'invalid_item_id'],
    ];
    for (const [request, status, code] of cases) {
      const response = await request;
      assert.equal(response.status, status, JSON.stringify(response.body));
      assert.equal(response.body.error.code, code, JSON.stringify(response.body));
    }
    assert.equal(await eventCount(), before);
    assert.deepEqual(await rows(), stored);
    // A removal of an item whose add never came is kept, waiting for it: the answer says so.
    const waiting = await phone.delete('/api/v1/playlists/queue/items/i9');
    assert.deepEqual(waiting.body.item, { itemId: 'i9', status: 'unknown' });
  });

  it('two devices reordering at once with crossing client times see the same order, by GET and by /sync', async () => {
    await freshAccount();
    await playlistWith(4);
    const start = (await laptop.get('/api/v1/sync')).body.cursor;
    // The phone moved i4 first at 10:00; the laptop, at 10:01, moved i3 first and i1 last. The laptop's changes arrive first.
    await laptop.put('/api/v1/playlists/queue/items/i3/position', { index: 0, at: '2026-03-01T10:01:00Z' });
    await laptop.put('/api/v1/playlists/queue/items/i1/position', { index: 3, at: '2026-03-01T10:01:30Z' });
    const late = await phone.put('/api/v1/playlists/queue/items/i4/position', { index: 0, at: '2026-03-01T10:00:00Z' });
    // In time order: i4 first (10:00), then i3 first (10:01), then i1 last (10:01:30).
    const expected = ['i3', 'i4', 'i2', 'i1'];
    assert.deepEqual(itemIds(late.body.playlist), expected);
    assert.deepEqual([late.body.item.status, late.body.item.index], ['present', 1]);
    assert.deepEqual(itemIds((await phone.get('/api/v1/playlists/queue')).body), expected);
    assert.deepEqual(itemIds((await laptop.get('/api/v1/playlists/queue')).body), expected);
    const synced = (await laptop.get(`/api/v1/sync?since=${start}`)).body;
    assert.equal(synced.changes.playlists.length, 1, 'the playlist comes once, as it is now');
    assert.deepEqual(itemIds(synced.changes.playlists[0]), expected);
    const other = (await phone.get('/api/v1/sync')).body.changes.playlists;
    assert.deepEqual(other.map(itemIds), [expected]);

    // The same changes arriving in the other order give the same playlist.
    const mirror = apiClient(server.app, username, 'listener password', 'tablet');
    await playlistWith(4, 'mirror');
    await mirror.put('/api/v1/playlists/mirror/items/i4/position', { index: 0, at: '2026-03-01T10:00:00Z' });
    await mirror.put('/api/v1/playlists/mirror/items/i1/position', { index: 3, at: '2026-03-01T10:01:30Z' });
    await mirror.put('/api/v1/playlists/mirror/items/i3/position', { index: 0, at: '2026-03-01T10:01:00Z' });
    assert.deepEqual(itemIds((await phone.get('/api/v1/playlists/mirror')).body), expected);
  });

  it('lists the playlists changed since a cursor in /api/v1/sync, deletions included', async () => {
    await freshAccount();
    await playlistWith(2);
    await phone.post('/api/v1/playlists', { playlistId: 'car', name: 'Car' });
    const first = (await laptop.get('/api/v1/sync')).body;
    assert.deepEqual(first.changes.playlists.map((p: { playlistId: string; items: Item[] }) => [p.playlistId, itemIds(p)]), [
      ['queue', ['i1', 'i2']],
      ['car', []],
    ]);
    await phone.delete('/api/v1/playlists/car?at=2026-03-02T10:00:00Z');
    await phone.patch('/api/v1/playlists/queue', { name: 'Renamed' });
    const delta = (await laptop.get(`/api/v1/sync?since=${first.cursor}`)).body;
    assert.deepEqual(delta.changes.playlists, [
      {
        playlistId: 'car',
        name: 'Car',
        description: '',
        visibility: 'private',
        createdAt: delta.changes.playlists[0].createdAt,
        updatedAt: delta.changes.playlists[0].createdAt,
        deleted: true,
        deletedAt: '2026-03-02T10:00:00.000Z',
        items: [],
      },
      { ...(await laptop.get('/api/v1/playlists/queue')).body },
    ]);
    assert.equal(delta.changes.playlists[1].name, 'Renamed');
    // A change that shows nothing new (an older rename) is not listed.
    await laptop.patch('/api/v1/playlists/queue', { name: 'Older', at: '2026-03-01T08:00:30Z' });
    assert.deepEqual((await laptop.get(`/api/v1/sync?since=${delta.cursor}`)).body.changes.playlists, []);
  });

  it('applies playlist changes in an offline batch, all or nothing with a subscription change', async () => {
    await freshAccount();
    const batch = {
      changes: [
        { type: 'subscription', feedUrl: FEED, subscribed: true, at: '2026-03-01T08:00:00Z' },
        { type: 'playlist', id: 'p-1', op: 'create', playlistId: 'offline', name: 'Offline', visibility: 'public', at: '2026-03-01T08:00:00Z' },
        { type: 'playlist', op: 'add', playlistId: 'offline', itemId: 'a', episode: episode(1), at: '2026-03-01T08:01:00Z' },
        { type: 'playlist', op: 'add', playlistId: 'offline', itemId: 'b', episode: episode(2), at: '2026-03-01T08:02:00Z' },
        { type: 'playlist', op: 'move', playlistId: 'offline', itemId: 'b', index: 0, at: '2026-03-01T08:03:00Z' },
        { type: 'playlist', op: 'describe', playlistId: 'offline', description: 'Made on the train', at: '2026-03-01T08:04:00Z' },
        { type: 'playlist', op: 'rename', playlistId: 'offline', name: 'Train', at: '2026-03-01T08:05:00Z' },
        { type: 'playlist', op: 'rename', playlistId: 'offline', name: 'Stale', at: '2026-03-01T08:02:00Z' },
      ],
    };
    const applied = await laptop.post('/api/v1/sync', batch, { 'idempotency-key': 'playlist-batch-1' });
    assert.equal(applied.status, 200, JSON.stringify(applied.body));
    assert.deepEqual(
      applied.body.results.map((r: { type: string; applied: boolean; state?: unknown }) => [r.type, r.applied, r.state !== undefined]),
      [
        ['subscription', true, true],
        ['playlist', true, false],
        ['playlist', true, false],
        ['playlist', true, false],
        ['playlist', true, false],
        ['playlist', true, false],
        ['playlist', true, false],
        ['playlist', false, true],
      ],
      'the last change to the playlist carries its state',
    );
    const state = applied.body.results[7].state;
    assert.deepEqual([state.name, state.description, state.visibility, itemIds(state)], ['Train', 'Made on the train', 'public', ['b', 'a']]);
    assert.deepEqual(applied.body.sync.changes.playlists, [state]);
    const events = await eventCount();
    const again = await laptop.post('/api/v1/sync', batch, { 'idempotency-key': 'playlist-batch-1' });
    assert.deepEqual(again.body.results, applied.body.results);
    const replayed = await laptop.post('/api/v1/sync', { changes: [batch.changes[1]] });
    assert.equal(replayed.body.results[0].replayed, true);
    assert.equal(await eventCount(), events, 'retries record nothing');

    const stored = await rows();
    const subscription = { type: 'subscription', feedUrl: 'https://feeds.example/other.xml', subscribed: true };
    const refused: [unknown[], number, string][] = [
      [[subscription, { type: 'playlist', op: 'move', playlistId: 'offline', itemId: 'a' }], 400, 'invalid_playlist_change'],
      [[subscription, { type: 'playlist', op: 'rename', playlistId: 'offline', name: 'X', itemId: 'a' }], 400, 'invalid_playlist_change'],
      [[subscription, { type: 'playlist', op: 'add', playlistId: 'offline', episode: episode(3) }], 400, 'invalid_playlist_change'],
      [[subscription, { type: 'playlist', op: 'create', playlistId: 'new' }], 400, 'invalid_playlist_change'],
      [[subscription, { type: 'playlist', op: 'shuffle', playlistId: 'offline' }], 400, 'validation_failed'],
      [[subscription, { type: 'playlist', op: 'delete' }], 400, 'validation_failed'],
      [[subscription, { type: 'playlist', op: 'rename', playlistId: 'offline', name: '' }], 400, 'invalid_name'],
      [[subscription, { type: 'playlist', op: 'move', playlistId: 'offline', itemId: 'a', index: -2 }], 400, 'invalid_index'],
      [[subscription, { type: 'playlist', op: 'add', playlistId: 'offline', itemId: 'c', episode: { feedUrl: 'javascript:alert(1)', guid: 'g' } }], 400, 'invalid_feed_url'],
      [[subscription, { type: 'playlist', op: 'add', playlistId: 'nowhere', itemId: 'c', episode: episode(3) }], 404, 'playlist_not_found'],
      [[{ type: 'playlist', op: 'add', playlistId: 'offline', itemId: 'c', episode: episode(3) }, { type: 'playlist', op: 'create', playlistId: 'offline', name: 'Other' }], 409, 'playlist_exists'],
    ];
    for (const [changes, status, code] of refused) {
      const response = await laptop.post('/api/v1/sync', { changes });
      assert.deepEqual([response.status, response.body.error?.code], [status, code], JSON.stringify(response.body));
    }
    assert.equal(await eventCount(), events, 'nothing of the refused batches was recorded');
    assert.deepEqual(await rows(), stored);
    assert.deepEqual((await phone.get('/api/v1/subscriptions')).body.subscriptions.map((s: { feedUrl: string }) => s.feedUrl), [FEED]);
  });

  it('keeps the read model equal to the decider state, and rebuilds it to the same rows', async () => {
    await freshAccount();
    const playlists = new PlaylistService(server.store);
    // Pseudo-random but repeatable: adds, moves and removals from two devices with crossing times, and duplicates.
    let seed = 11;
    const next = (n: number): number => {
      seed = (seed + 0x6d2b79f5) | 0;
      let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return (((t ^ (t >>> 14)) >>> 0) % 2 ** 31) % n;
    };
    const time = () => Date.UTC(2026, 2, 1) + next(100) * 60_000;
    for (const playlistId of ['one', 'two']) {
      await playlists.create(userId, { playlistId, name: playlistId, clientTime: Date.UTC(2026, 2, 1) });
      for (let n = 0; n < 60; n++) {
        const options = { deviceId: next(2) ? 'phone' : 'laptop' };
        const itemId = `i${next(15)}`;
        const kind = next(5);
        const clientTime = time();
        if (kind <= 1) {
          const k = next(12);
          await playlists.change(userId, playlistId, [{ op: 'add', itemId, episode: { feedUrl: FEED, guid: `g${k}` }, index: next(8), clientTime }], options).catch((error) => {
            if (error.code !== 'item_id_conflict') throw error;
          });
        } else if (kind <= 3) await playlists.change(userId, playlistId, [{ op: 'move', itemId, index: next(10), clientTime }], options);
        else await playlists.change(userId, playlistId, [{ op: 'remove', itemId, clientTime }], options);
      }
      // An offline batch: many changes in one append, written to the rows as sets (src/playlists/ordered-rows.ts).
      const batch: PlaylistChange[] = Array.from({ length: 40 }, (_, n) => {
        const kind = next(4);
        const clientTime = time();
        if (kind === 0) return { op: 'add', itemId: `b${n}`, episode: { feedUrl: FEED, guid: `g${next(16)}` }, index: next(10), clientTime };
        if (kind === 3) return { op: 'remove', itemId: `i${next(15)}`, clientTime };
        return { op: 'move', itemId: next(3) ? `i${next(15)}` : `b${next(n + 1)}`, index: next(12), clientTime };
      });
      await playlists.change(userId, playlistId, batch, { deviceId: 'tablet' });
      const stream = await server.store.readStream(playlistStream(userId, playlistId));
      const view = playlistView(fold(playlistDecider, stream.events as unknown as PlaylistEvent[]))!;
      const record = (await playlists.get(userId, playlistId))!;
      assert.ok(record.items!.length >= 3, `${playlistId} holds ${record.items!.length} items`);
      assert.deepEqual(
        record.items!.map((item) => [item.itemId, item.episode, item.addedAt.toISOString()]),
        view.items.map((item) => [item.itemId, item.episode, item.addedAt]),
      );
    }
    await playlists.change(userId, 'two', [{ op: 'delete' }]);

    const all = async () => {
      const playlistRows = await current().db.query('SELECT * FROM playlists ORDER BY user_id, playlist_id');
      const itemRows = await current().db.query('SELECT * FROM playlist_items ORDER BY user_id, playlist_id, position');
      return { playlistRows: playlistRows.rows, itemRows: itemRows.rows };
    };
    const live = await all();
    assert.ok(live.itemRows.length >= 3);
    await rebuildProjection(current().db, server.store, playlistsProjector(), { batchSize: 7 });
    assert.deepEqual(await all(), live);
  });

  it('forgets the playlists of an erased account, and only them', async () => {
    await freshAccount();
    const other = { userId };
    await playlistWith(1);
    await freshAccount();
    await playlistWith(2);
    assert.equal((await rows()).items.length, 2);
    const erased = await server.app.inject({ method: 'DELETE', url: '/api/v1/me', headers: { authorization: basic(username, 'listener password') }, payload: { password: 'listener password' } });
    assert.equal(erased.statusCode, 204, erased.body);
    assert.deepEqual(await rows(), { playlists: [], items: [] });
    assert.equal((await rows(other.userId)).items.length, 1, "the other account's playlists stay");
  });
});
