import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { spec } from '../../test/support/specification.js';
import { DomainError, fold } from '../domain/decider.js';
import {
  MAX_PENDING_CHANGES,
  MAX_PLAYLIST_ITEMS,
  playlistDecider,
  playlistItemStatus,
  playlistStream,
  playlistView,
  type EpisodeRef,
  type PlaylistCommand,
  type PlaylistEvent,
  type PlaylistItemView,
} from './playlist-decider.js';

const userId = 'user-1';
const playlistId = 'queue';
const FEED = 'https://example.org/feed.xml';
const T0 = Date.UTC(2024, 1, 1);
const ms = (second: number): number => T0 + Math.round(second * 1000);
const iso = (second: number): string => new Date(ms(second)).toISOString();
const episode = (n: number, extra: Partial<EpisodeRef> = {}): EpisodeRef => ({ feedUrl: FEED, guid: `guid-${n}`, ...extra });

type Body<T> = T extends unknown ? Omit<T, 'userId' | 'playlistId' | 'receivedAt'> & { receivedAt?: number } : never;
/** A command received at `second` (server time). */
const command = (second: number, body: Body<PlaylistCommand>): PlaylistCommand => ({ userId, playlistId, receivedAt: ms(second), ...body }) as PlaylistCommand;
const add = (second: number, itemId: string, n: number, extra: Partial<Body<Extract<PlaylistCommand, { kind: 'addEpisode' }>>> = {}) =>
  command(second, { kind: 'addEpisode', itemId, episode: episode(n), ...extra });
const created = (second = 0): PlaylistEvent => ({ type: 'PlaylistCreated', data: { userId, playlistId, at: iso(second), name: 'Queue', description: '', visibility: 'private' } });

/** What a stream holds after deciding these commands in turn. */
function record(commands: readonly PlaylistCommand[], given: readonly PlaylistEvent[] = [created()]): PlaylistEvent[] {
  const events = [...given];
  let state = fold(playlistDecider, events);
  for (const next of commands) {
    for (const event of playlistDecider.decide(next, state)) {
      events.push(event);
      state = playlistDecider.evolve(state, event);
    }
  }
  return events;
}

function refuses(given: readonly PlaylistEvent[], next: PlaylistCommand, code: string, status: number): void {
  assert.throws(
    () => playlistDecider.decide(next, fold(playlistDecider, given)),
    (error: unknown) => {
      assert.ok(error instanceof DomainError, `expected a DomainError, got ${String(error)}`);
      assert.deepEqual([error.code, error.status], [code, status], error.message);
      return true;
    },
  );
}

const view = (events: readonly PlaylistEvent[]) => playlistView(fold(playlistDecider, events))!;
const itemIds = (events: readonly PlaylistEvent[]) => view(events).items.map((item) => item.itemId);
const last = (events: readonly PlaylistEvent[]) => events[events.length - 1]!;
const changesOf = (event: PlaylistEvent) => ('changes' in event.data ? event.data.changes : assert.fail(`${event.type} has no changes`));

describe('playlist decider: the playlist itself', () => {
  it('lives in one stream per playlist', () => {
    assert.equal(playlistStream('user-1', 'queue'), 'playlist-user-1-queue');
  });

  it('creates a playlist: trimmed name, empty description, private, at the server time when the client gives none', () => {
    spec(playlistDecider)
      .given([])
      .when(command(5, { kind: 'create', name: '  Morning  ' }))
      .then([{ type: 'PlaylistCreated', data: { userId, playlistId, at: iso(5), name: 'Morning', description: '', visibility: 'private' } }]);
    assert.equal(playlistView(playlistDecider.initialState()), undefined);
  });

  it('takes the client time, clamped to the server time, and the device', () => {
    const body = { kind: 'create', name: 'Car', description: ' For the car ', visibility: 'public', deviceId: 'phone' } as const;
    spec(playlistDecider)
      .given([])
      .when(command(10, { ...body, clientTime: ms(4) }))
      .then([{ type: 'PlaylistCreated', data: { userId, playlistId, at: iso(4), deviceId: 'phone', name: 'Car', description: 'For the car', visibility: 'public' } }]);
    spec(playlistDecider)
      .given([])
      .when(command(10, { ...body, clientTime: ms(3600) }))
      .then([{ type: 'PlaylistCreated', data: { userId, playlistId, at: iso(10), deviceId: 'phone', name: 'Car', description: 'For the car', visibility: 'public' } }]);
  });

  it('a create sent again is a retry; another playlist under the same id is refused', () => {
    spec(playlistDecider).given([created()]).when(command(9, { kind: 'create', name: ' Queue ' })).thenNothing();
    refuses([created()], command(9, { kind: 'create', name: 'Other' }), 'playlist_exists', 409);
    refuses([created()], command(9, { kind: 'create', name: 'Queue', visibility: 'public' }), 'playlist_exists', 409);
  });

  it('refuses bad input with a 400 and the reason', () => {
    const bad: [Body<PlaylistCommand>, string][] = [
      [{ kind: 'create', name: '' }, 'invalid_name'],
      [{ kind: 'create', name: '   ' }, 'invalid_name'],
      [{ kind: 'create', name: 'x'.repeat(201) }, 'invalid_name'],
      [{ kind: 'create', name: 'two\nlines' }, 'invalid_name'],
      [{ kind: 'create', name: 'Q', description: 'x'.repeat(2001) }, 'invalid_description'],
      [{ kind: 'create', name: 'Q', visibility: 'friends' as 'public' }, 'invalid_visibility'],
      [{ kind: 'create', name: 'Q', deviceId: 'my phone' }, 'invalid_device_id'],
      [{ kind: 'rename', name: '' }, 'invalid_name'],
      [{ kind: 'describe', description: 'x'.repeat(2001) }, 'invalid_description'],
      [{ kind: 'setVisibility', visibility: 'hidden' as 'public' }, 'invalid_visibility'],
      [{ kind: 'nonsense' } as unknown as Body<PlaylistCommand>, 'invalid_command'],
    ];
    for (const [body, code] of bad) refuses([created()], command(5, body), code, 400);
    refuses([], { userId, playlistId: 'no spaces', receivedAt: ms(1), kind: 'create', name: 'Q' }, 'invalid_playlist_id', 400);
    refuses([], { userId, playlistId: 'x'.repeat(65), receivedAt: ms(1), kind: 'create', name: 'Q' }, 'invalid_playlist_id', 400);
    refuses([], { userId: '', playlistId, receivedAt: ms(1), kind: 'create', name: 'Q' }, 'invalid_user', 400);
    // The limits themselves are accepted.
    assert.equal(playlistDecider.decide(command(1, { kind: 'create', name: 'x'.repeat(200), description: 'y'.repeat(2000) }), playlistDecider.initialState()).length, 1);
  });

  it('refuses every other command on a playlist that does not exist with a 404', () => {
    const commands: Body<PlaylistCommand>[] = [
      { kind: 'rename', name: 'Q' },
      { kind: 'describe', description: '' },
      { kind: 'setVisibility', visibility: 'public' },
      { kind: 'delete' },
      { kind: 'addEpisode', itemId: 'i1', episode: episode(1) },
      { kind: 'removeEpisode', itemId: 'i1' },
      { kind: 'moveEpisode', itemId: 'i1', toIndex: 0 },
    ];
    for (const body of commands) refuses([], command(1, body), 'playlist_not_found', 404);
    refuses([created()], { ...command(1, { kind: 'rename', name: 'Q' }), userId: 'someone-else' }, 'playlist_not_found', 404);
    refuses([created()], { ...command(1, { kind: 'create', name: 'Mine' }), userId: 'someone-else' }, 'playlist_not_found', 404);
  });

  it('rename: the latest change wins, whatever the order of arrival', () => {
    const renamed = (second: number, name: string): PlaylistEvent => ({ type: 'PlaylistRenamed', data: { userId, playlistId, at: iso(second), name } });
    spec(playlistDecider).given([created()]).when(command(10, { kind: 'rename', name: ' Evening ' })).then([renamed(10, 'Evening')]);
    const given = [created(), renamed(10, 'Evening')];
    // Made at 8, arriving at 20: an older change, superseded.
    spec(playlistDecider).given(given).when(command(20, { kind: 'rename', name: 'Night', clientTime: ms(8) })).thenNothing();
    spec(playlistDecider).given(given).when(command(10, { kind: 'rename', name: 'Evening' })).thenNothing();
    // Same time, another name: ties go to the later arrival.
    spec(playlistDecider).given(given).when(command(10, { kind: 'rename', name: 'Night' })).then([renamed(10, 'Night')]);
    // The same name again, later: recorded, since it must beat a change made in between that arrives afterwards.
    spec(playlistDecider).given(given).when(command(12, { kind: 'rename', name: 'Evening' })).then([renamed(12, 'Evening')]);
    assert.equal(view(record([command(12, { kind: 'rename', name: 'Evening' }), command(30, { kind: 'rename', name: 'Night', clientTime: ms(11) })], given)).name, 'Evening');
  });

  it('a device whose clock is behind still renames a playlist it saw created', () => {
    const events = record([command(200, { kind: 'rename', name: 'Late clock', clientTime: ms(50) })], [created(100)]);
    assert.deepEqual(last(events).data, { userId, playlistId, at: iso(50), name: 'Late clock' });
    assert.equal(view(events).name, 'Late clock');
  });

  it('describe and setVisibility follow the same rules', () => {
    spec(playlistDecider)
      .given([created()])
      .when(command(3, { kind: 'describe', description: ' Long\nlines ' }))
      .then([{ type: 'PlaylistDescribed', data: { userId, playlistId, at: iso(3), description: 'Long\nlines' } }]);
    spec(playlistDecider)
      .given([created()])
      .when(command(3, { kind: 'setVisibility', visibility: 'public', deviceId: 'web-1' }))
      .then([{ type: 'PlaylistVisibilityChanged', data: { userId, playlistId, at: iso(3), deviceId: 'web-1', visibility: 'public' } }]);
    const events = record([
      command(3, { kind: 'describe', description: 'About' }),
      command(4, { kind: 'setVisibility', visibility: 'public' }),
      command(9, { kind: 'setVisibility', visibility: 'private', clientTime: ms(2) }),
      command(9, { kind: 'describe', description: 'Older', clientTime: ms(1) }),
    ]);
    assert.equal(events.length, 3, 'the two older changes are superseded');
    assert.deepEqual([view(events).description, view(events).visibility], ['About', 'public']);
  });

  it('delete is final: a retry is nothing, every other change is refused, and the id is not reused', () => {
    spec(playlistDecider).given([created()]).when(command(5, { kind: 'delete', deviceId: 'phone' })).then([{ type: 'PlaylistDeleted', data: { userId, playlistId, at: iso(5), deviceId: 'phone' } }]);
    const gone = record([add(1, 'i1', 1), command(5, { kind: 'delete' })]);
    spec(playlistDecider).given(gone).when(command(6, { kind: 'delete' })).thenNothing();
    refuses(gone, command(6, { kind: 'rename', name: 'Back' }), 'playlist_deleted', 409);
    refuses(gone, add(6, 'i2', 2), 'playlist_deleted', 409);
    refuses(gone, command(6, { kind: 'removeEpisode', itemId: 'i1' }), 'playlist_deleted', 409);
    refuses(gone, command(6, { kind: 'create', name: 'Queue' }), 'playlist_deleted', 409);
    assert.deepEqual(view(gone), { playlistId, userId, name: 'Queue', description: '', visibility: 'private', createdAt: iso(0), deleted: true, deletedAt: iso(5), items: [] });
  });
});

describe('playlist decider: episodes', () => {
  const inserted = (itemId: string, index: number, n: number, second: number) => ({ kind: 'inserted' as const, itemId, index, episode: episode(n), addedAt: iso(second) });

  it('adds at the end by default, or at an index (beyond the end meaning the end)', () => {
    spec(playlistDecider)
      .given([created()])
      .when(add(1, 'i1', 1))
      .then([{ type: 'PlaylistEpisodeAdded', data: { userId, playlistId, at: iso(1), itemId: 'i1', episode: episode(1), changes: [inserted('i1', 0, 1, 1)] } }]);
    const two = record([add(1, 'i1', 1), add(2, 'i2', 2)]);
    spec(playlistDecider)
      .given(two)
      .when(add(3, 'i3', 3, { index: 1 }))
      .then([{ type: 'PlaylistEpisodeAdded', data: { userId, playlistId, at: iso(3), itemId: 'i3', episode: episode(3), index: 1, changes: [inserted('i3', 1, 3, 3)] } }]);
    assert.deepEqual(last(record([add(3, 'i3', 3, { index: 50 })], two)).data, {
      userId,
      playlistId,
      at: iso(3),
      itemId: 'i3',
      episode: episode(3),
      index: 50,
      changes: [inserted('i3', 2, 3, 3)],
    });
  });

  it('cleans the episode reference and refuses one that names no episode', () => {
    const events = record([command(1, { kind: 'addEpisode', itemId: 'i1', episode: { feedUrl: FEED, guid: ' g-1 ', mediaUrl: 'https://cdn.example.org/1.mp3', title: '   ' } })]);
    assert.deepEqual(view(events).items[0]!.episode, { feedUrl: FEED, guid: 'g-1', mediaUrl: 'https://cdn.example.org/1.mp3' });
    const bad: [unknown, string][] = [
      [{ feedUrl: 'HTTPS://Example.org/feed.xml', guid: 'g' }, 'invalid_feed_url'],
      [{ feedUrl: 'not a url', guid: 'g' }, 'invalid_feed_url'],
      [{ feedUrl: FEED }, 'invalid_episode'],
      [{ feedUrl: FEED, guid: '  ' }, 'invalid_episode'],
      [{ feedUrl: FEED, guid: 42 }, 'invalid_episode'],
      [{ feedUrl: FEED, guid: 'g', title: 'x'.repeat(1001) }, 'invalid_episode'],
      [null, 'invalid_episode'],
    ];
    for (const [value, code] of bad) refuses([created()], command(1, { kind: 'addEpisode', itemId: 'i1', episode: value as EpisodeRef }), code, 400);
    refuses([created()], command(1, { kind: 'addEpisode', itemId: 'an item', episode: episode(1) }), 'invalid_item_id', 400);
    for (const index of [-1, 1.5, 5001, Number.NaN]) {
      refuses([created()], add(1, 'i1', 1, { index }), 'invalid_index', 400);
      refuses([created()], command(1, { kind: 'moveEpisode', itemId: 'i1', toIndex: index }), 'invalid_index', 400);
    }
    refuses([created()], command(1, { kind: 'removeEpisode', itemId: '' }), 'invalid_item_id', 400);
  });

  it('an item id sent again is a retry, even with another index or time; with another episode it is refused', () => {
    const one = record([add(1, 'i1', 1), add(2, 'i2', 2)]);
    spec(playlistDecider).given(one).when(add(1, 'i1', 1)).thenNothing();
    spec(playlistDecider).given(one).when(add(7, 'i1', 1, { index: 0, episode: episode(1, { title: 'Renamed upstream' }) })).thenNothing();
    refuses(one, add(7, 'i1', 3), 'item_id_conflict', 409);
  });

  it('the same episode under another item id merges into the item already there', () => {
    const two = record([add(1, 'i1', 1), add(2, 'i2', 2)]);
    // Not refused: a refusal would depend on what had arrived first (see playlist-decider.ts); merged instead.
    spec(playlistDecider)
      .given(two)
      .when(add(3, 'copy', 1, { index: 0 }))
      .then([{ type: 'PlaylistEpisodeAdded', data: { userId, playlistId, at: iso(3), itemId: 'copy', episode: episode(1), index: 0, changes: [] } }]);
    const merged = record([add(3, 'copy', 1, { index: 0 })], two);
    assert.deepEqual(playlistItemStatus(fold(playlistDecider, merged), 'copy'), { status: 'merged', into: 'i1', index: 0 });
    // Moves and removals through the merged id act on the item.
    const moved = record([command(4, { kind: 'moveEpisode', itemId: 'copy', toIndex: 1 })], merged);
    assert.deepEqual(last(moved).data, { userId, playlistId, at: iso(4), itemId: 'copy', toIndex: 1, changes: [{ kind: 'moved', itemId: 'i1', fromIndex: 0, toIndex: 1 }] });
    const removed = record([command(5, { kind: 'removeEpisode', itemId: 'copy' })], moved);
    assert.deepEqual(last(removed).data, { userId, playlistId, at: iso(5), itemId: 'copy', changes: [{ kind: 'removed', itemId: 'i1', fromIndex: 1 }] });
    assert.deepEqual(itemIds(removed), ['i2']);
  });

  it('recognizes an episode by its guid, or by its media URL when one side has no guid', () => {
    const media = 'https://cdn.example.org/1.mp3';
    const given = record([command(1, { kind: 'addEpisode', itemId: 'i1', episode: { feedUrl: FEED, guid: 'g1', mediaUrl: media } })]);
    const addRef = (itemId: string, ref: EpisodeRef) => record([command(2, { kind: 'addEpisode', itemId, episode: ref })], given);
    assert.deepEqual(itemIds(addRef('x', { feedUrl: FEED, mediaUrl: media })), ['i1'], 'media URL only: the same episode');
    assert.deepEqual(itemIds(addRef('x', { feedUrl: FEED, guid: 'g1', mediaUrl: 'https://cdn.example.org/moved.mp3' })), ['i1'], 'same guid: the same episode');
    assert.deepEqual(itemIds(addRef('x', { feedUrl: FEED, guid: 'g2', mediaUrl: media })), ['i1', 'x'], 'two guids that differ: two episodes');
    assert.deepEqual(itemIds(addRef('x', { feedUrl: 'https://example.org/other.xml', guid: 'g1' })), ['i1', 'x'], 'another feed: another episode');
  });

  it(`holds at most ${MAX_PLAYLIST_ITEMS} episodes`, () => {
    const full: PlaylistEvent[] = [created()];
    for (let i = 0; i < MAX_PLAYLIST_ITEMS; i++) {
      full.push({ type: 'PlaylistEpisodeAdded', data: { userId, playlistId, at: iso(1 + i / 1000), itemId: `i${i}`, episode: episode(i), changes: [] } });
    }
    refuses(full, add(10, 'one-more', -1), 'playlist_full', 409);
    spec(playlistDecider).given(full).when(add(10, 'i0', 0)).thenNothing();
    assert.equal(playlistDecider.decide(command(10, { kind: 'removeEpisode', itemId: 'i0' }), fold(playlistDecider, full)).length, 1);
  });

  it('removes an item; a retry, or a later removal of a removed item, is nothing', () => {
    const three = record([add(1, 'i1', 1), add(2, 'i2', 2), add(3, 'i3', 3)]);
    spec(playlistDecider)
      .given(three)
      .when(command(5, { kind: 'removeEpisode', itemId: 'i2', deviceId: 'phone' }))
      .then([{ type: 'PlaylistEpisodeRemoved', data: { userId, playlistId, at: iso(5), deviceId: 'phone', itemId: 'i2', changes: [{ kind: 'removed', itemId: 'i2', fromIndex: 1 }] } }]);
    const removed = record([command(5, { kind: 'removeEpisode', itemId: 'i2', deviceId: 'phone' })], three);
    spec(playlistDecider).given(removed).when(command(5, { kind: 'removeEpisode', itemId: 'i2', deviceId: 'phone' })).thenNothing();
    spec(playlistDecider).given(removed).when(command(8, { kind: 'removeEpisode', itemId: 'i2', deviceId: 'tablet' })).thenNothing();
    spec(playlistDecider).given(removed).when(command(8, { kind: 'moveEpisode', itemId: 'i2', toIndex: 0 })).thenNothing();
    // Removed earlier by another device, arriving late: it changes when the item left, so it is kept.
    spec(playlistDecider)
      .given(removed)
      .when(command(9, { kind: 'removeEpisode', itemId: 'i2', clientTime: ms(4) }))
      .then([{ type: 'PlaylistEpisodeRemoved', data: { userId, playlistId, at: iso(4), itemId: 'i2', changes: [] } }]);
  });

  it('moves an item to an index (beyond the end meaning the end); a retry is nothing', () => {
    const three = record([add(1, 'i1', 1), add(2, 'i2', 2), add(3, 'i3', 3)]);
    spec(playlistDecider)
      .given(three)
      .when(command(5, { kind: 'moveEpisode', itemId: 'i3', toIndex: 0 }))
      .then([{ type: 'PlaylistEpisodeMoved', data: { userId, playlistId, at: iso(5), itemId: 'i3', toIndex: 0, changes: [{ kind: 'moved', itemId: 'i3', fromIndex: 2, toIndex: 0 }] } }]);
    assert.deepEqual(last(record([command(5, { kind: 'moveEpisode', itemId: 'i1', toIndex: 99 })], three)).data, {
      userId,
      playlistId,
      at: iso(5),
      itemId: 'i1',
      toIndex: 99,
      changes: [{ kind: 'moved', itemId: 'i1', fromIndex: 0, toIndex: 2 }],
    });
    const moved = record([command(5, { kind: 'moveEpisode', itemId: 'i3', toIndex: 0 })], three);
    spec(playlistDecider).given(moved).when(command(5, { kind: 'moveEpisode', itemId: 'i3', toIndex: 0 })).thenNothing();
    // Where it already is, later: no visible change, but recorded (a change made earlier may still arrive).
    assert.deepEqual(changesOf(last(record([command(6, { kind: 'moveEpisode', itemId: 'i3', toIndex: 0 })], moved))), []);
  });

  it('two devices reordering at once converge on the order of their times', () => {
    const three = record([add(1, 'i1', 1), add(2, 'i2', 2), add(3, 'i3', 3)]);
    const phone = command(20, { kind: 'moveEpisode', itemId: 'i3', toIndex: 0, clientTime: ms(10), deviceId: 'phone' });
    const tablet = command(21, { kind: 'moveEpisode', itemId: 'i2', toIndex: 0, clientTime: ms(11), deviceId: 'tablet' });
    const phoneFirst = record([phone, tablet], three);
    const tabletFirst = record([tablet, phone], three);
    assert.deepEqual(itemIds(phoneFirst), ['i2', 'i3', 'i1']);
    assert.deepEqual(itemIds(tabletFirst), ['i2', 'i3', 'i1']);
    // The phone's move, arriving last, is placed before the tablet's: i3 goes right after i2.
    assert.deepEqual(changesOf(last(tabletFirst)), [{ kind: 'moved', itemId: 'i3', fromIndex: 2, toIndex: 1 }]);
  });

  it('a change made offline is placed at its time among those already recorded', () => {
    // The tablet saw [i1, i2], went offline and moved i2 first at 15; meanwhile the phone added i3 first at 20.
    const online = record([add(10, 'i1', 1), add(11, 'i2', 2), add(20, 'i3', 3, { index: 0 })]);
    assert.deepEqual(itemIds(online), ['i3', 'i1', 'i2']);
    const synced = record([command(40, { kind: 'moveEpisode', itemId: 'i2', toIndex: 0, clientTime: ms(15), deviceId: 'tablet' })], online);
    assert.deepEqual(itemIds(synced), ['i3', 'i2', 'i1']);
    assert.deepEqual(changesOf(last(synced)), [{ kind: 'moved', itemId: 'i2', fromIndex: 2, toIndex: 1 }]);
  });

  it('a change to an item whose add has not arrived waits for it', () => {
    // A watch got i4 from the phone directly and removed it; the watch reaches the server first.
    const base = record([add(1, 'i1', 1)]);
    const early = record([command(30, { kind: 'removeEpisode', itemId: 'i4', clientTime: ms(25), deviceId: 'watch' })], base);
    assert.deepEqual(changesOf(last(early)), []);
    assert.deepEqual(playlistItemStatus(fold(playlistDecider, early), 'i4'), { status: 'unknown' });
    const arrived = record([add(31, 'i4', 4, { clientTime: ms(22), deviceId: 'phone' })], early);
    assert.equal(last(arrived).type, 'PlaylistEpisodeAdded');
    assert.deepEqual(changesOf(last(arrived)), [], 'added and removed before anyone could see it');
    assert.deepEqual(playlistItemStatus(fold(playlistDecider, arrived), 'i4'), { status: 'gone' });
    assert.deepEqual(itemIds(arrived), ['i1']);
  });

  it(`keeps at most ${MAX_PENDING_CHANGES} changes waiting for adds that never came`, () => {
    const waiting: PlaylistEvent[] = record([add(1, 'i1', 1)]);
    for (let i = 0; i < MAX_PENDING_CHANGES; i++) waiting.push({ type: 'PlaylistEpisodeRemoved', data: { userId, playlistId, at: iso(2 + i / 1000), itemId: `ghost-${i}`, changes: [] } });
    refuses(waiting, command(9, { kind: 'moveEpisode', itemId: 'ghost-x', toIndex: 0 }), 'too_many_pending_changes', 409);
    assert.equal(playlistDecider.decide(command(9, { kind: 'moveEpisode', itemId: 'i1', toIndex: 0 }), fold(playlistDecider, waiting)).length, 1);
  });

  it('a move made by a device whose clock is behind applies after the add it saw', () => {
    const two = record([add(100, 'i1', 1), add(101, 'i2', 2)]);
    const moved = record([command(120, { kind: 'moveEpisode', itemId: 'i2', toIndex: 0, clientTime: ms(50), deviceId: 'old-phone' })], two);
    assert.deepEqual(itemIds(moved), ['i2', 'i1']);
  });

  it('the changes of the events, applied in stream order, rebuild the view (what a projection does)', () => {
    const events = record([
      add(10, 'i1', 1),
      add(11, 'i2', 2),
      add(12, 'i3', 3, { index: 0 }),
      command(40, { kind: 'moveEpisode', itemId: 'i1', toIndex: 5, clientTime: ms(11.5) }),
      command(41, { kind: 'removeEpisode', itemId: 'i9', clientTime: ms(30) }),
      add(42, 'i9', 9, { clientTime: ms(13), index: 1 }),
      add(43, 'i5', 5, { clientTime: ms(9), index: 0 }),
      command(44, { kind: 'removeEpisode', itemId: 'i3', clientTime: ms(12.5) }),
      add(45, 'dup', 2, { clientTime: ms(14) }),
      command(46, { kind: 'moveEpisode', itemId: 'dup', toIndex: 0 }),
    ]);
    const rows: PlaylistItemView[] = [];
    for (const event of events) {
      if (!('changes' in event.data)) continue;
      for (const change of event.data.changes) {
        if (change.kind === 'inserted') rows.splice(change.index, 0, { itemId: change.itemId, episode: change.episode, addedAt: change.addedAt });
        else {
          assert.equal(rows[change.fromIndex]?.itemId, change.itemId);
          const [row] = rows.splice(change.fromIndex, 1);
          if (change.kind === 'moved') rows.splice(change.toIndex, 0, row!);
        }
      }
    }
    assert.deepEqual(rows, view(events).items);
    assert.deepEqual(itemIds(events), ['i2', 'i5', 'i1']);
  });
});
