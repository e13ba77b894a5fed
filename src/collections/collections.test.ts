import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { spec } from '../../test/support/specification.js';
import { DomainError, fold } from '../domain/decider.js';
import {
  MAX_COLLECTIONS,
  MAX_COLLECTION_FEEDS,
  collectionDecider,
  collectionView,
  collectionsStream,
  collectionsView,
  type CollectionCommand,
  type CollectionEvent,
} from './collection-decider.js';

const userId = 'user-1';
const T0 = Date.UTC(2024, 2, 1);
const ms = (second: number): number => T0 + Math.round(second * 1000);
const iso = (second: number): string => new Date(ms(second)).toISOString();
const feed = (name: string) => `https://example.org/${name}.xml`;

type Body<T> = T extends unknown ? Omit<T, 'userId' | 'collectionId' | 'receivedAt'> & { collectionId?: string } : never;
/** A command on collection `news` (unless it says otherwise) received at `second`. */
const command = (second: number, body: Body<CollectionCommand>): CollectionCommand => ({ userId, collectionId: 'news', receivedAt: ms(second), ...body }) as CollectionCommand;
const addFeed = (second: number, name: string, extra: Partial<Body<Extract<CollectionCommand, { kind: 'addFeed' }>>> = {}) => command(second, { kind: 'addFeed', feedUrl: feed(name), ...extra });
const created = (collectionId = 'news', second = 0): CollectionEvent => ({ type: 'CollectionCreated', data: { userId, collectionId, at: iso(second), name: 'News', visibility: 'private' } });

function record(commands: readonly CollectionCommand[], given: readonly CollectionEvent[] = [created()]): CollectionEvent[] {
  const events = [...given];
  let state = fold(collectionDecider, events);
  for (const next of commands) {
    for (const event of collectionDecider.decide(next, state)) {
      events.push(event);
      state = collectionDecider.evolve(state, event);
    }
  }
  return events;
}

function refuses(given: readonly CollectionEvent[], next: CollectionCommand, code: string, status: number): void {
  assert.throws(
    () => collectionDecider.decide(next, fold(collectionDecider, given)),
    (error: unknown) => {
      assert.ok(error instanceof DomainError, `expected a DomainError, got ${String(error)}`);
      assert.deepEqual([error.code, error.status], [code, status], error.message);
      return true;
    },
  );
}

const feedsOf = (events: readonly CollectionEvent[], collectionId = 'news') => {
  const view = collectionView(fold(collectionDecider, events), collectionId);
  assert.ok(view && view !== 'deleted', `collection ${collectionId} is there`);
  return view.feeds.map((entry) => entry.feedUrl.replace(/^https:\/\/example\.org\/(.*)\.xml$/, '$1'));
};
const last = (events: readonly CollectionEvent[]) => events[events.length - 1]!;
const changesOf = (event: CollectionEvent) => ('changes' in event.data ? event.data.changes : assert.fail(`${event.type} has no changes`));

describe('collection decider: collections', () => {
  it('lives in one stream per user', () => {
    assert.equal(collectionsStream('user-1'), 'collections-user-1');
  });

  it('creates a collection: trimmed name, private by default, client time and device', () => {
    spec(collectionDecider).given([]).when(command(3, { kind: 'create', name: ' News ' })).then([created('news', 3)]);
    spec(collectionDecider)
      .given([])
      .when(command(9, { kind: 'create', name: 'Tech', visibility: 'public', clientTime: ms(2), deviceId: 'phone', collectionId: 'tech' }))
      .then([{ type: 'CollectionCreated', data: { userId, collectionId: 'tech', at: iso(2), deviceId: 'phone', name: 'Tech', visibility: 'public' } }]);
  });

  it('a create sent again is a retry; another collection under the same id is refused', () => {
    spec(collectionDecider).given([created()]).when(command(5, { kind: 'create', name: 'News' })).thenNothing();
    refuses([created()], command(5, { kind: 'create', name: 'Other' }), 'collection_exists', 409);
  });

  it('refuses bad input with a 400 and the reason', () => {
    const bad: [Body<CollectionCommand>, string][] = [
      [{ kind: 'create', name: '' }, 'invalid_name'],
      [{ kind: 'create', name: 'x'.repeat(201) }, 'invalid_name'],
      [{ kind: 'create', name: 'N', visibility: 'secret' as 'public' }, 'invalid_visibility'],
      [{ kind: 'create', name: 'N', collectionId: 'bad id' }, 'invalid_collection_id'],
      [{ kind: 'create', name: 'N', deviceId: 'bad device' }, 'invalid_device_id'],
      [{ kind: 'rename', name: '\t' }, 'invalid_name'],
      [{ kind: 'delete', force: 'yes' as unknown as boolean }, 'invalid_force'],
      [{ kind: 'addFeed', feedUrl: 'HTTP://EXAMPLE.ORG/a.xml' }, 'invalid_feed_url'],
      [{ kind: 'addFeed', feedUrl: 'ftp://example.org/a.xml' }, 'invalid_feed_url'],
      [{ kind: 'addFeed', feedUrl: feed('a'), index: -1 }, 'invalid_index'],
      [{ kind: 'removeFeed', feedUrl: '' }, 'invalid_feed_url'],
      [{ kind: 'moveFeed', feedUrl: feed('a'), toIndex: 2.5 }, 'invalid_index'],
      [{ kind: 'shuffle' } as unknown as Body<CollectionCommand>, 'invalid_command'],
    ];
    for (const [body, code] of bad) refuses([created()], command(5, body), code, 400);
  });

  it('refuses every other command on a collection that does not exist with a 404', () => {
    const commands: Body<CollectionCommand>[] = [
      { kind: 'rename', name: 'N' },
      { kind: 'setVisibility', visibility: 'public' },
      { kind: 'delete' },
      { kind: 'addFeed', feedUrl: feed('a') },
      { kind: 'removeFeed', feedUrl: feed('a') },
      { kind: 'moveFeed', feedUrl: feed('a'), toIndex: 0 },
    ];
    for (const body of commands) refuses([created('other')], command(1, body), 'collection_not_found', 404);
    refuses([created()], { ...command(1, { kind: 'rename', name: 'N' }), userId: 'someone-else' }, 'collection_not_found', 404);
    refuses([created()], { ...command(1, { kind: 'create', name: 'Mine', collectionId: 'mine' }), userId: 'someone-else' }, 'collection_not_found', 404);
  });

  it(`holds at most ${MAX_COLLECTIONS} collections (deleted ones do not count)`, () => {
    const many = Array.from({ length: MAX_COLLECTIONS }, (_, i) => created(`c${i}`, i));
    refuses(many, command(999, { kind: 'create', name: 'One more', collectionId: 'more' }), 'too_many_collections', 409);
    const oneDeleted = record([command(999, { kind: 'delete', collectionId: 'c7' })], many);
    assert.equal(collectionDecider.decide(command(1000, { kind: 'create', name: 'One more', collectionId: 'more' }), fold(collectionDecider, oneDeleted)).length, 1);
  });

  it('rename and setVisibility: the latest change wins, whatever the order of arrival', () => {
    const renamed = (second: number, name: string): CollectionEvent => ({ type: 'CollectionRenamed', data: { userId, collectionId: 'news', at: iso(second), name } });
    spec(collectionDecider).given([created()]).when(command(10, { kind: 'rename', name: 'Daily' })).then([renamed(10, 'Daily')]);
    const given = [created(), renamed(10, 'Daily')];
    spec(collectionDecider).given(given).when(command(20, { kind: 'rename', name: 'Old', clientTime: ms(5) })).thenNothing();
    spec(collectionDecider).given(given).when(command(10, { kind: 'rename', name: 'Daily' })).thenNothing();
    spec(collectionDecider).given(given).when(command(10, { kind: 'rename', name: 'Tie' })).then([renamed(10, 'Tie')]);
    spec(collectionDecider)
      .given([created()])
      .when(command(4, { kind: 'setVisibility', visibility: 'public' }))
      .then([{ type: 'CollectionVisibilityChanged', data: { userId, collectionId: 'news', at: iso(4), visibility: 'public' } }]);
    const events = record([command(4, { kind: 'setVisibility', visibility: 'public' }), command(9, { kind: 'setVisibility', visibility: 'private', clientTime: ms(3) })]);
    assert.equal(collectionsView(fold(collectionDecider, events))[0]!.visibility, 'public');
  });

  it('deleting a collection that holds feeds needs force; delete is final and the id is not reused', () => {
    spec(collectionDecider)
      .given([created()])
      .when(command(5, { kind: 'delete' }))
      .then([{ type: 'CollectionDeleted', data: { userId, collectionId: 'news', at: iso(5), forced: false, feedCount: 0 } }]);
    const holding = record([addFeed(1, 'a'), addFeed(2, 'b')]);
    refuses(holding, command(5, { kind: 'delete' }), 'collection_not_empty', 409);
    refuses(holding, command(5, { kind: 'delete', force: false }), 'collection_not_empty', 409);
    spec(collectionDecider)
      .given(holding)
      .when(command(5, { kind: 'delete', force: true }))
      .then([{ type: 'CollectionDeleted', data: { userId, collectionId: 'news', at: iso(5), forced: true, feedCount: 2 } }]);
    const gone = record([command(5, { kind: 'delete', force: true })], holding);
    spec(collectionDecider).given(gone).when(command(6, { kind: 'delete' })).thenNothing();
    refuses(gone, addFeed(6, 'c'), 'collection_deleted', 409);
    refuses(gone, command(6, { kind: 'rename', name: 'Back' }), 'collection_deleted', 409);
    refuses(gone, command(6, { kind: 'create', name: 'News' }), 'collection_deleted', 409);
    assert.equal(collectionView(fold(collectionDecider, gone), 'news'), 'deleted');
    assert.equal(collectionView(fold(collectionDecider, gone), 'never'), undefined);
    assert.deepEqual(collectionsView(fold(collectionDecider, gone)), []);
  });

  it('lists collections oldest first, whatever the order their creations arrived in', () => {
    const events = record(
      [command(10, { kind: 'create', name: 'B', collectionId: 'b', clientTime: ms(2) }), command(11, { kind: 'create', name: 'A', collectionId: 'a', clientTime: ms(1) }), command(12, { kind: 'create', name: 'Z', collectionId: 'z', clientTime: ms(1) })],
      [],
    );
    assert.deepEqual(
      collectionsView(fold(collectionDecider, events)).map((collection) => collection.collectionId),
      ['a', 'z', 'b'],
    );
  });
});

describe('collection decider: feeds', () => {
  it('adds a feed at the end, or at an index (beyond the end meaning the end)', () => {
    spec(collectionDecider)
      .given([created()])
      .when(addFeed(1, 'a', { deviceId: 'phone' }))
      .then([
        {
          type: 'FeedAddedToCollection',
          data: { userId, collectionId: 'news', at: iso(1), deviceId: 'phone', feedUrl: feed('a'), changes: [{ kind: 'inserted', feedUrl: feed('a'), index: 0, addedAt: iso(1) }] },
        },
      ]);
    const two = record([addFeed(1, 'a'), addFeed(2, 'b')]);
    assert.deepEqual(changesOf(last(record([addFeed(3, 'c', { index: 0 })], two))), [{ kind: 'inserted', feedUrl: feed('c'), index: 0, addedAt: iso(3) }]);
    assert.deepEqual(feedsOf(record([addFeed(3, 'c', { index: 9 })], two)), ['a', 'b', 'c']);
  });

  it('a retry is nothing; adding a feed already there is kept but changes nothing', () => {
    const one = record([addFeed(1, 'a'), addFeed(2, 'b')]);
    spec(collectionDecider).given(one).when(addFeed(1, 'a')).thenNothing();
    const again = record([addFeed(5, 'a', { index: 1 })], one);
    assert.equal(again.length, one.length + 1, 'recorded: a removal made in between may still arrive');
    assert.deepEqual(changesOf(last(again)), []);
    assert.deepEqual(feedsOf(again), ['a', 'b']);
  });

  it(`holds at most ${MAX_COLLECTION_FEEDS} feeds`, () => {
    const full: CollectionEvent[] = [created()];
    for (let i = 0; i < MAX_COLLECTION_FEEDS; i++) full.push({ type: 'FeedAddedToCollection', data: { userId, collectionId: 'news', at: iso(1 + i / 1000), feedUrl: feed(`f${i}`), changes: [] } });
    refuses(full, addFeed(10, 'more'), 'collection_full', 409);
  });

  it('removes and moves feeds; a feed removed and added again is back', () => {
    const three = record([addFeed(1, 'a'), addFeed(2, 'b'), addFeed(3, 'c')]);
    spec(collectionDecider)
      .given(three)
      .when(command(4, { kind: 'removeFeed', feedUrl: feed('b') }))
      .then([{ type: 'FeedRemovedFromCollection', data: { userId, collectionId: 'news', at: iso(4), feedUrl: feed('b'), changes: [{ kind: 'removed', feedUrl: feed('b'), fromIndex: 1 }] } }]);
    spec(collectionDecider)
      .given(three)
      .when(command(4, { kind: 'moveFeed', feedUrl: feed('c'), toIndex: 0 }))
      .then([{ type: 'FeedMovedInCollection', data: { userId, collectionId: 'news', at: iso(4), feedUrl: feed('c'), toIndex: 0, changes: [{ kind: 'moved', feedUrl: feed('c'), fromIndex: 2, toIndex: 0 }] } }]);
    assert.deepEqual(feedsOf(record([command(4, { kind: 'moveFeed', feedUrl: feed('a'), toIndex: 40 })], three)), ['b', 'c', 'a']);
    const readded = record([command(4, { kind: 'removeFeed', feedUrl: feed('a') }), addFeed(5, 'a', { index: 1 })], three);
    assert.deepEqual(feedsOf(readded), ['b', 'a', 'c']);
    const retried = record([command(4, { kind: 'removeFeed', feedUrl: feed('b') })], three);
    spec(collectionDecider).given(retried).when(command(4, { kind: 'removeFeed', feedUrl: feed('b') })).thenNothing();
    // A feed that is not there: kept (an add made earlier may still arrive), no change.
    assert.deepEqual(changesOf(last(record([command(6, { kind: 'removeFeed', feedUrl: feed('zzz') })], three))), []);
  });

  it('an offline removal made before another device added the feed back does not remove it', () => {
    // a added at 1; the web page removes it at 5; the tablet adds it back at 20;
    // the phone, offline since before 5, removed it at 10 and syncs last.
    const events = record([
      addFeed(1, 'a'),
      addFeed(2, 'b'),
      command(5, { kind: 'removeFeed', feedUrl: feed('a') }),
      addFeed(20, 'a', { deviceId: 'tablet' }),
      command(40, { kind: 'removeFeed', feedUrl: feed('a'), clientTime: ms(10), deviceId: 'phone' }),
    ]);
    assert.deepEqual(feedsOf(events), ['b', 'a']);
    assert.deepEqual(changesOf(last(events)), []);
  });

  it('two devices reordering at once converge on the order of their times', () => {
    const three = record([addFeed(1, 'a'), addFeed(2, 'b'), addFeed(3, 'c')]);
    const phone = command(20, { kind: 'moveFeed', feedUrl: feed('c'), toIndex: 0, clientTime: ms(10), deviceId: 'phone' });
    const tablet = command(21, { kind: 'moveFeed', feedUrl: feed('b'), toIndex: 0, clientTime: ms(11), deviceId: 'tablet' });
    assert.deepEqual(feedsOf(record([phone, tablet], three)), ['b', 'c', 'a']);
    const tabletFirst = record([tablet, phone], three);
    assert.deepEqual(feedsOf(tabletFirst), ['b', 'c', 'a']);
    assert.deepEqual(changesOf(last(tabletFirst)), [{ kind: 'moved', feedUrl: feed('c'), fromIndex: 2, toIndex: 1 }]);
  });

  it('keeps the feeds of each collection apart', () => {
    const events = record([addFeed(1, 'a'), addFeed(2, 'b', { collectionId: 'tech' }), command(3, { kind: 'moveFeed', feedUrl: feed('a'), toIndex: 0, collectionId: 'tech' })], [created(), created('tech', 0.5)]);
    assert.deepEqual(feedsOf(events), ['a']);
    assert.deepEqual(feedsOf(events, 'tech'), ['b']);
  });
});
