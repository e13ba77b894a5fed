import type { IsoTime } from '../domain/client-time.js';
import { DomainError, type Decider } from '../domain/decider.js';
import { diffKeys, emptyList, entries, hasOp, withOp, type ListChange, type ListEntry, type ListOp, type ListRules, type OrderedList } from '../domain/ordered-list.js';
import {
  afterCreation,
  checkFeedUrl,
  checkId,
  checkIndex,
  checkName,
  checkVisibility,
  commandTime,
  deviceOf,
  settle,
  wins,
  type CommandStamp,
  type Register,
  type Visibility,
} from '../playlists/list-rules.js';

/**
 * A user's collections (stream `collections-<userId>`): named, ordered groups of feeds (by
 * normalized feed URL), edited from several devices. As for playlists, what a listener sees
 * depends on the set of changes, not on the order of their arrival: names and visibility by
 * "latest change wins", feeds by replaying adds, moves and removals in time order
 * (src/domain/ordered-list.ts). A feed URL is not single-use (removed, then added again, it is
 * back), so changes are ordered by their own times alone, and an add of a feed already there,
 * or a removal of one that is not, is recorded: a change made in between may still arrive and
 * give it effect. Deleting a collection that holds feeds needs `force`; a deletion is final.
 */
export const MAX_COLLECTIONS = 200;
export const MAX_COLLECTION_FEEDS = 5000;

export function collectionsStream(userId: string): string {
  return `collections-${userId}`;
}

interface Stamp {
  userId: string;
  collectionId: string;
  /** When the change counts as made (client time, clamped): ISO 8601. */
  at: IsoTime;
  deviceId?: string;
}

/** A change to a collection's order, in sequence (the indexes are those at that step). */
export type CollectionFeedChange =
  | { kind: 'inserted'; feedUrl: string; index: number; addedAt: IsoTime }
  | { kind: 'removed'; feedUrl: string; fromIndex: number }
  | { kind: 'moved'; feedUrl: string; fromIndex: number; toIndex: number };

export type CollectionEvent =
  | { type: 'CollectionCreated'; data: Stamp & { name: string; visibility: Visibility } }
  | { type: 'CollectionRenamed'; data: Stamp & { name: string } }
  | { type: 'CollectionVisibilityChanged'; data: Stamp & { visibility: Visibility } }
  /** `feedCount`: the feeds it held (more than 0 only when forced). */
  | { type: 'CollectionDeleted'; data: Stamp & { forced: boolean; feedCount: number } }
  | { type: 'FeedAddedToCollection'; data: Stamp & { feedUrl: string; index?: number; changes: CollectionFeedChange[] } }
  | { type: 'FeedRemovedFromCollection'; data: Stamp & { feedUrl: string; changes: CollectionFeedChange[] } }
  | { type: 'FeedMovedInCollection'; data: Stamp & { feedUrl: string; toIndex: number; changes: CollectionFeedChange[] } };

export type CollectionEventType = CollectionEvent['type'];
export const COLLECTION_EVENT_TYPES: readonly CollectionEventType[] = [
  'CollectionCreated',
  'CollectionRenamed',
  'CollectionVisibilityChanged',
  'CollectionDeleted',
  'FeedAddedToCollection',
  'FeedRemovedFromCollection',
  'FeedMovedInCollection',
];

type Base = CommandStamp & { collectionId: string };
export type CollectionCommand = Base &
  (
    | { kind: 'create'; name: string; visibility?: Visibility }
    | { kind: 'rename'; name: string }
    | { kind: 'setVisibility'; visibility: Visibility }
    | { kind: 'delete'; force?: boolean }
    | { kind: 'addFeed'; feedUrl: string; index?: number }
    | { kind: 'removeFeed'; feedUrl: string }
    | { kind: 'moveFeed'; feedUrl: string; toIndex: number }
  );

export interface Collection {
  readonly collectionId: string;
  readonly createdAt: IsoTime;
  readonly name: Register<string>;
  readonly visibility: Register<Visibility>;
  readonly deletedAt?: IsoTime;
  /** Dropped once deleted: a deleted collection only keeps its id from being reused. */
  readonly feeds: OrderedList<null>;
}

export interface CollectionsState {
  readonly userId?: string;
  readonly collections: ReadonlyMap<string, Collection>;
  /** Collections not deleted. */
  readonly live: number;
}

// Feed URLs are not single-use: a feed removed and added again is back.
const FEED_RULES: ListRules<null> = { causalKeys: false };

function opOf(event: CollectionEvent): ListOp<null> | undefined {
  const { at, deviceId } = event.data;
  const device = deviceId === undefined ? {} : { deviceId };
  switch (event.type) {
    case 'FeedAddedToCollection': {
      const index = event.data.index;
      return { kind: 'add', key: event.data.feedUrl, at, ...device, ...(index === undefined ? {} : { index }), value: null };
    }
    case 'FeedRemovedFromCollection':
      return { kind: 'remove', key: event.data.feedUrl, at, ...device };
    case 'FeedMovedInCollection':
      return { kind: 'move', key: event.data.feedUrl, at, ...device, index: event.data.toIndex };
    default:
      return undefined;
  }
}

export const collectionDecider: Decider<CollectionCommand, CollectionEvent, CollectionsState> = {
  initialState: () => ({ collections: new Map(), live: 0 }),

  evolve(state, event) {
    const { collectionId, userId } = event.data;
    const collections = new Map(state.collections);
    if (event.type === 'CollectionCreated') {
      const { at, name, visibility } = event.data;
      collections.set(collectionId, { collectionId, createdAt: at, name: { value: name, at }, visibility: { value: visibility, at }, feeds: emptyList(FEED_RULES) });
      return { userId: state.userId ?? userId, collections, live: state.live + 1 };
    }
    const collection = state.collections.get(collectionId);
    if (!collection) return state;
    const at = afterCreation(event.data.at, collection.createdAt);
    switch (event.type) {
      case 'CollectionRenamed':
        collections.set(collectionId, { ...collection, name: settle(collection.name, event.data.name, at) });
        break;
      case 'CollectionVisibilityChanged':
        collections.set(collectionId, { ...collection, visibility: settle(collection.visibility, event.data.visibility, at) });
        break;
      case 'CollectionDeleted':
        if (collection.deletedAt !== undefined) return state;
        collections.set(collectionId, { ...collection, deletedAt: event.data.at, feeds: emptyList(FEED_RULES) });
        return { ...state, collections, live: state.live - 1 };
      default:
        collections.set(collectionId, { ...collection, feeds: withOp(collection.feeds, opOf(event)!) });
    }
    return { ...state, collections };
  },

  decide(command, state) {
    const at = commandTime(command);
    const collectionId = checkId(command.collectionId, 'invalid_collection_id', 'Collection ids');
    const input = checkInput(command);
    // Streams are per user: another user's collections are, for this one, collections that do not exist.
    if (state.userId !== undefined && state.userId !== command.userId) throw notFound(collectionId);
    const collection = state.collections.get(collectionId);
    const stamp: Stamp = { userId: command.userId, collectionId, at, ...deviceOf(command) };

    if (input.kind === 'create') {
      if (collection?.deletedAt !== undefined) throw deleted();
      if (collection) {
        if (collection.name.value === input.name && collection.visibility.value === input.visibility) return [];
        throw new DomainError('collection_exists', `A collection with id ${collectionId} already exists`);
      }
      if (state.live >= MAX_COLLECTIONS) throw new DomainError('too_many_collections', `An account has at most ${MAX_COLLECTIONS} collections`);
      return [{ type: 'CollectionCreated', data: { ...stamp, name: input.name, visibility: input.visibility } }];
    }
    if (!collection) throw notFound(collectionId);
    if (collection.deletedAt !== undefined) {
      if (input.kind === 'delete') return [];
      throw deleted();
    }
    const effective = afterCreation(at, collection.createdAt);
    switch (input.kind) {
      case 'rename':
        return wins(collection.name, input.name, effective) ? [{ type: 'CollectionRenamed', data: { ...stamp, name: input.name } }] : [];
      case 'setVisibility':
        return wins(collection.visibility, input.visibility, effective) ? [{ type: 'CollectionVisibilityChanged', data: { ...stamp, visibility: input.visibility } }] : [];
      case 'delete': {
        const feedCount = entries(collection.feeds).length;
        if (feedCount > 0 && !input.force) {
          throw new DomainError('collection_not_empty', `This collection still holds ${feedCount} feed${feedCount === 1 ? '' : 's'}: remove them, or delete with force`);
        }
        return [{ type: 'CollectionDeleted', data: { ...stamp, forced: input.force, feedCount } }];
      }
      case 'addFeed':
      case 'removeFeed':
      case 'moveFeed': {
        const event: CollectionEvent =
          input.kind === 'addFeed'
            ? { type: 'FeedAddedToCollection', data: { ...stamp, feedUrl: input.feedUrl, ...(input.index === undefined ? {} : { index: input.index }), changes: [] } }
            : input.kind === 'removeFeed'
              ? { type: 'FeedRemovedFromCollection', data: { ...stamp, feedUrl: input.feedUrl, changes: [] } }
              : { type: 'FeedMovedInCollection', data: { ...stamp, feedUrl: input.feedUrl, toIndex: input.toIndex, changes: [] } };
        const op = opOf(event)!;
        if (hasOp(collection.feeds, op)) return [];
        if (input.kind === 'addFeed' && entries(collection.feeds).length >= MAX_COLLECTION_FEEDS) {
          throw new DomainError('collection_full', `A collection holds at most ${MAX_COLLECTION_FEEDS} feeds`);
        }
        return [feedEvent(collection, event, op)];
      }
    }
  },
};

type Input =
  | { kind: 'create'; name: string; visibility: Visibility }
  | { kind: 'rename'; name: string }
  | { kind: 'setVisibility'; visibility: Visibility }
  | { kind: 'delete'; force: boolean }
  | { kind: 'addFeed'; feedUrl: string; index?: number }
  | { kind: 'removeFeed'; feedUrl: string }
  | { kind: 'moveFeed'; feedUrl: string; toIndex: number };

function checkInput(command: CollectionCommand): Input {
  switch (command.kind) {
    case 'create':
      return { kind: 'create', name: checkName(command.name), visibility: command.visibility === undefined ? 'private' : checkVisibility(command.visibility) };
    case 'rename':
      return { kind: 'rename', name: checkName(command.name) };
    case 'setVisibility':
      return { kind: 'setVisibility', visibility: checkVisibility(command.visibility) };
    case 'delete':
      if (command.force !== undefined && typeof command.force !== 'boolean') throw new DomainError('invalid_force', '"force" is true or false', 400);
      return { kind: 'delete', force: command.force === true };
    case 'addFeed':
      return { kind: 'addFeed', feedUrl: checkFeedUrl(command.feedUrl), ...(command.index === undefined ? {} : { index: checkIndex(command.index) }) };
    case 'removeFeed':
      return { kind: 'removeFeed', feedUrl: checkFeedUrl(command.feedUrl) };
    case 'moveFeed':
      return { kind: 'moveFeed', feedUrl: checkFeedUrl(command.feedUrl), toIndex: checkIndex(command.toIndex) };
    default:
      throw new DomainError('invalid_command', 'Unknown collection command', 400);
  }
}

function notFound(collectionId: string): DomainError {
  return new DomainError('collection_not_found', `No collection ${collectionId}`, 404);
}

function deleted(): DomainError {
  return new DomainError('collection_deleted', 'This collection was deleted (a deleted collection id is not reused)');
}

/** Fills in `changes`: how this event, placed in time among the others, changes the order. */
function feedEvent(collection: Collection, event: CollectionEvent, op: ListOp<null>): CollectionEvent {
  const before = entries(collection.feeds);
  const after = entries(withOp(collection.feeds, op));
  const changes = diffKeys(
    before.map((entry) => entry.key),
    after.map((entry) => entry.key),
    new Set([op.key]),
  ).map((change) => feedChange(change, after));
  return { ...event, data: { ...event.data, changes } } as CollectionEvent;
}

function feedChange(change: ListChange, after: readonly ListEntry<null>[]): CollectionFeedChange {
  switch (change.kind) {
    case 'inserted':
      return { kind: 'inserted', feedUrl: change.key, index: change.index, addedAt: after.find((entry) => entry.key === change.key)!.addedAt };
    case 'removed':
      return { kind: 'removed', feedUrl: change.key, fromIndex: change.fromIndex };
    case 'moved':
      return { kind: 'moved', feedUrl: change.key, fromIndex: change.fromIndex, toIndex: change.toIndex };
  }
}

export interface CollectionView {
  collectionId: string;
  name: string;
  visibility: Visibility;
  createdAt: IsoTime;
  /** In order. */
  feeds: { feedUrl: string; addedAt: IsoTime }[];
}

function view(collection: Collection): CollectionView {
  return {
    collectionId: collection.collectionId,
    name: collection.name.value,
    visibility: collection.visibility.value,
    createdAt: collection.createdAt,
    feeds: entries(collection.feeds).map((entry) => ({ feedUrl: entry.key, addedAt: entry.addedAt })),
  };
}

/** The user's collections (deleted ones left out), oldest first: an order that does not depend on arrival. */
export function collectionsView(state: CollectionsState): CollectionView[] {
  return [...state.collections.values()]
    .filter((collection) => collection.deletedAt === undefined)
    .sort((a, b) => (a.createdAt === b.createdAt ? (a.collectionId < b.collectionId ? -1 : 1) : a.createdAt < b.createdAt ? -1 : 1))
    .map(view);
}

/** One collection: its view, `deleted` (its id is taken for good), or undefined when there never was one. */
export function collectionView(state: CollectionsState, collectionId: string): CollectionView | 'deleted' | undefined {
  const collection = state.collections.get(collectionId);
  if (!collection) return undefined;
  return collection.deletedAt === undefined ? view(collection) : 'deleted';
}
