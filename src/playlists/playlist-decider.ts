import type { IsoTime } from '../domain/client-time.js';
import { DomainError, type Decider } from '../domain/decider.js';
import {
  addOf,
  diffKeys,
  emptyList,
  entries,
  hasOp,
  isAfterRemoval,
  keyStatus,
  pendingCount,
  withOp,
  type KeyStatus,
  type ListChange,
  type ListEntry,
  type ListOp,
  type ListRules,
  type OrderedList,
} from '../domain/ordered-list.js';
import { checkEpisode, sameEpisode, sameIdentity, type EpisodeRef } from './episode-ref.js';
import {
  afterCreation,
  checkId,
  checkIndex,
  checkName,
  checkText,
  checkVisibility,
  commandTime,
  deviceOf,
  settle,
  wins,
  type CommandStamp,
  type Register,
  type Visibility,
} from './list-rules.js';

/**
 * A playlist (stream `playlist-<userId>-<playlistId>`, id chosen by the client): a name, a
 * description, a visibility, and an ordered list of episodes edited from several devices.
 *
 * The playlist a listener sees depends on the set of changes made, never on the order in which
 * their devices delivered them (the convergence requirement):
 * - name, description, visibility: the latest change wins (ties: the later arrival); an older
 *   change arriving late records nothing. A change is never older than the creation (a device
 *   whose clock is behind saw the playlist created).
 * - items: every add, move and removal is recorded with its time and replayed in time order
 *   (src/domain/ordered-list.ts); an item id belongs to the device that chose it, so its moves
 *   and removals come after its add, and wait for the add if it has not arrived.
 * - the same episode under a second item id is not refused (a refusal would depend on what had
 *   arrived first: a removal of the first item, made in between and delivered later, would have
 *   let it in): the second add merges into the item present, and moves and removals through
 *   either id act on it (`playlistItemStatus` tells a client where its item went).
 * - the only refusals that depend on the state are those that cannot diverge in practice: a
 *   playlist that does not exist (404) or was deleted (409, final), an item id reused for
 *   another episode (409), the limits (409). Exact retries, and moves or removals of an item
 *   after its removal, record nothing.
 * Item events carry `changes`: how they changed the order once placed at their time, so a
 * projection updates its rows without replaying anything.
 */
export const MAX_PLAYLIST_ITEMS = 5000;
export const MAX_DESCRIPTION_LENGTH = 2000;
/** Removals and moves of item ids whose add has not arrived yet (they wait for it). */
export const MAX_PENDING_CHANGES = 1000;

export { checkEpisode, sameEpisode, type EpisodeRef } from './episode-ref.js';

export function playlistStream(userId: string, playlistId: string): string {
  return `playlist-${userId}-${playlistId}`;
}

interface Stamp {
  userId: string;
  playlistId: string;
  /** When the change counts as made (client time, clamped): ISO 8601. */
  at: IsoTime;
  deviceId?: string;
}

/** A change to the materialized order, in sequence (the indexes are those at that step). */
export type PlaylistItemChange =
  | { kind: 'inserted'; itemId: string; index: number; episode: EpisodeRef; addedAt: IsoTime }
  | { kind: 'removed'; itemId: string; fromIndex: number }
  | { kind: 'moved'; itemId: string; fromIndex: number; toIndex: number };

export type PlaylistEvent =
  | { type: 'PlaylistCreated'; data: Stamp & { name: string; description: string; visibility: Visibility } }
  | { type: 'PlaylistRenamed'; data: Stamp & { name: string } }
  | { type: 'PlaylistDescribed'; data: Stamp & { description: string } }
  | { type: 'PlaylistVisibilityChanged'; data: Stamp & { visibility: Visibility } }
  | { type: 'PlaylistDeleted'; data: Stamp }
  | { type: 'PlaylistEpisodeAdded'; data: Stamp & { itemId: string; episode: EpisodeRef; index?: number; changes: PlaylistItemChange[] } }
  | { type: 'PlaylistEpisodeRemoved'; data: Stamp & { itemId: string; changes: PlaylistItemChange[] } }
  | { type: 'PlaylistEpisodeMoved'; data: Stamp & { itemId: string; toIndex: number; changes: PlaylistItemChange[] } };

export type PlaylistEventType = PlaylistEvent['type'];
/** The events that change the items, each with the `changes` it made to the order. */
export type PlaylistItemEvent = Extract<PlaylistEvent, { type: 'PlaylistEpisodeAdded' | 'PlaylistEpisodeRemoved' | 'PlaylistEpisodeMoved' }>;
export const PLAYLIST_EVENT_TYPES: readonly PlaylistEventType[] = [
  'PlaylistCreated',
  'PlaylistRenamed',
  'PlaylistDescribed',
  'PlaylistVisibilityChanged',
  'PlaylistDeleted',
  'PlaylistEpisodeAdded',
  'PlaylistEpisodeRemoved',
  'PlaylistEpisodeMoved',
];

type Base = CommandStamp & { playlistId: string };
export type PlaylistCommand = Base &
  (
    | { kind: 'create'; name: string; description?: string; visibility?: Visibility }
    | { kind: 'rename'; name: string }
    | { kind: 'describe'; description: string }
    | { kind: 'setVisibility'; visibility: Visibility }
    | { kind: 'delete' }
    | { kind: 'addEpisode'; itemId: string; episode: EpisodeRef; index?: number }
    | { kind: 'removeEpisode'; itemId: string }
    | { kind: 'moveEpisode'; itemId: string; toIndex: number }
  );

export interface Playlist {
  readonly userId: string;
  readonly playlistId: string;
  readonly createdAt: IsoTime;
  readonly name: Register<string>;
  readonly description: Register<string>;
  readonly visibility: Register<Visibility>;
  readonly deletedAt?: IsoTime;
  readonly items: OrderedList<EpisodeRef>;
}

export interface PlaylistState {
  readonly playlist?: Playlist;
}

const ITEM_RULES: ListRules<EpisodeRef> = {
  causalKeys: true,
  equivalence: {
    keysOf: (episode) => [
      ...(episode.guid === undefined ? [] : [`g\u0000${episode.feedUrl}\u0000${episode.guid}`]),
      ...(episode.mediaUrl === undefined ? [] : [`m\u0000${episode.feedUrl}\u0000${episode.mediaUrl}`]),
    ],
    matches: sameEpisode,
  },
};

function opOf(event: PlaylistEvent): ListOp<EpisodeRef> | undefined {
  const { at, deviceId } = event.data;
  const device = deviceId === undefined ? {} : { deviceId };
  switch (event.type) {
    case 'PlaylistEpisodeAdded': {
      const { itemId, episode, index } = event.data;
      return { kind: 'add', key: itemId, at, ...device, ...(index === undefined ? {} : { index }), value: episode };
    }
    case 'PlaylistEpisodeRemoved':
      return { kind: 'remove', key: event.data.itemId, at, ...device };
    case 'PlaylistEpisodeMoved':
      return { kind: 'move', key: event.data.itemId, at, ...device, index: event.data.toIndex };
    default:
      return undefined;
  }
}

export const playlistDecider: Decider<PlaylistCommand, PlaylistEvent, PlaylistState> = {
  initialState: () => ({}),

  evolve(state, event) {
    if (event.type === 'PlaylistCreated') {
      const { userId, playlistId, at, name, description, visibility } = event.data;
      return {
        playlist: {
          userId,
          playlistId,
          createdAt: at,
          name: { value: name, at },
          description: { value: description, at },
          visibility: { value: visibility, at },
          items: emptyList(ITEM_RULES),
        },
      };
    }
    const playlist = state.playlist;
    if (!playlist) return state;
    const at = afterCreation(event.data.at, playlist.createdAt);
    switch (event.type) {
      case 'PlaylistRenamed':
        return { playlist: { ...playlist, name: settle(playlist.name, event.data.name, at) } };
      case 'PlaylistDescribed':
        return { playlist: { ...playlist, description: settle(playlist.description, event.data.description, at) } };
      case 'PlaylistVisibilityChanged':
        return { playlist: { ...playlist, visibility: settle(playlist.visibility, event.data.visibility, at) } };
      case 'PlaylistDeleted':
        return { playlist: { ...playlist, deletedAt: playlist.deletedAt ?? event.data.at } };
      default: {
        const op = opOf(event)!;
        return { playlist: { ...playlist, items: withOp(playlist.items, op) } };
      }
    }
  },

  decide(command, state) {
    const at = commandTime(command);
    const playlistId = checkId(command.playlistId, 'invalid_playlist_id', 'Playlist ids');
    const input = checkInput(command);
    // Streams are per user: another user's playlist is, for this one, a playlist that does not exist.
    if (state.playlist && state.playlist.userId !== command.userId) throw notFound(playlistId);
    const playlist = state.playlist;
    const stamp: Stamp = { userId: command.userId, playlistId, at, ...deviceOf(command) };

    if (input.kind === 'create') {
      if (playlist?.deletedAt !== undefined) throw deleted();
      if (playlist) {
        const same = playlist.name.value === input.name && playlist.description.value === input.description && playlist.visibility.value === input.visibility;
        if (same) return [];
        throw new DomainError('playlist_exists', `A playlist with id ${playlistId} already exists`);
      }
      return [{ type: 'PlaylistCreated', data: { ...stamp, name: input.name, description: input.description, visibility: input.visibility } }];
    }
    if (!playlist) throw notFound(playlistId);
    if (playlist.deletedAt !== undefined) {
      if (input.kind === 'delete') return [];
      throw deleted();
    }
    const effective = afterCreation(at, playlist.createdAt);
    switch (input.kind) {
      case 'rename':
        return wins(playlist.name, input.name, effective) ? [{ type: 'PlaylistRenamed', data: { ...stamp, name: input.name } }] : [];
      case 'describe':
        return wins(playlist.description, input.description, effective) ? [{ type: 'PlaylistDescribed', data: { ...stamp, description: input.description } }] : [];
      case 'setVisibility':
        return wins(playlist.visibility, input.visibility, effective) ? [{ type: 'PlaylistVisibilityChanged', data: { ...stamp, visibility: input.visibility } }] : [];
      case 'delete':
        return [{ type: 'PlaylistDeleted', data: stamp }];
      case 'addEpisode': {
        const known = addOf(playlist.items, input.itemId);
        if (known) {
          // The same item id again is a retry (whatever its index or time); another episode under it is a client bug.
          if (sameIdentity(known.value!, input.episode)) return [];
          throw new DomainError('item_id_conflict', `Item ${input.itemId} already holds another episode`);
        }
        if (entries(playlist.items).length >= MAX_PLAYLIST_ITEMS) {
          throw new DomainError('playlist_full', `A playlist holds at most ${MAX_PLAYLIST_ITEMS} episodes`);
        }
        const data = { ...stamp, itemId: input.itemId, episode: input.episode, ...(input.index === undefined ? {} : { index: input.index }) };
        return [itemEvent(playlist, { type: 'PlaylistEpisodeAdded', data: { ...data, changes: [] } })];
      }
      case 'removeEpisode':
      case 'moveEpisode': {
        const event: PlaylistItemEvent =
          input.kind === 'removeEpisode'
            ? { type: 'PlaylistEpisodeRemoved', data: { ...stamp, itemId: input.itemId, changes: [] } }
            : { type: 'PlaylistEpisodeMoved', data: { ...stamp, itemId: input.itemId, toIndex: input.toIndex, changes: [] } };
        const op = opOf(event)!;
        if (hasOp(playlist.items, op) || isAfterRemoval(playlist.items, op)) return [];
        if (!addOf(playlist.items, input.itemId) && pendingCount(playlist.items) >= MAX_PENDING_CHANGES) {
          throw new DomainError('too_many_pending_changes', `Too many changes to items this playlist never received (at most ${MAX_PENDING_CHANGES})`);
        }
        return [itemEvent(playlist, event)];
      }
    }
  },
};

type Input =
  | { kind: 'create'; name: string; description: string; visibility: Visibility }
  | { kind: 'rename'; name: string }
  | { kind: 'describe'; description: string }
  | { kind: 'setVisibility'; visibility: Visibility }
  | { kind: 'delete' }
  | { kind: 'addEpisode'; itemId: string; episode: EpisodeRef; index?: number }
  | { kind: 'removeEpisode'; itemId: string }
  | { kind: 'moveEpisode'; itemId: string; toIndex: number };

/** Everything about the input alone (400s), before looking at the state. */
function checkInput(command: PlaylistCommand): Input {
  switch (command.kind) {
    case 'create':
      return {
        kind: 'create',
        name: checkName(command.name),
        description: command.description === undefined ? '' : checkText(command.description, MAX_DESCRIPTION_LENGTH, 'invalid_description', 'A description'),
        visibility: command.visibility === undefined ? 'private' : checkVisibility(command.visibility),
      };
    case 'rename':
      return { kind: 'rename', name: checkName(command.name) };
    case 'describe':
      return { kind: 'describe', description: checkText(command.description, MAX_DESCRIPTION_LENGTH, 'invalid_description', 'A description') };
    case 'setVisibility':
      return { kind: 'setVisibility', visibility: checkVisibility(command.visibility) };
    case 'delete':
      return { kind: 'delete' };
    case 'addEpisode':
      return {
        kind: 'addEpisode',
        itemId: checkId(command.itemId, 'invalid_item_id', 'Item ids'),
        episode: checkEpisode(command.episode),
        ...(command.index === undefined ? {} : { index: checkIndex(command.index) }),
      };
    case 'removeEpisode':
      return { kind: 'removeEpisode', itemId: checkId(command.itemId, 'invalid_item_id', 'Item ids') };
    case 'moveEpisode':
      return { kind: 'moveEpisode', itemId: checkId(command.itemId, 'invalid_item_id', 'Item ids'), toIndex: checkIndex(command.toIndex) };
    default:
      throw new DomainError('invalid_command', 'Unknown playlist command', 400);
  }
}

function notFound(playlistId: string): DomainError {
  return new DomainError('playlist_not_found', `No playlist ${playlistId}`, 404);
}

function deleted(): DomainError {
  return new DomainError('playlist_deleted', 'This playlist was deleted (a deleted playlist id is not reused)');
}

/** Fills in `changes`: how this event, placed in time among the others, changes the order. */
function itemEvent(playlist: Playlist, event: PlaylistItemEvent): PlaylistItemEvent {
  const before = entries(playlist.items);
  const after = entries(withOp(playlist.items, opOf(event)!));
  const status = keyStatus(playlist.items, event.data.itemId);
  const about = new Set([event.data.itemId, ...(status.status === 'merged' ? [status.into] : [])]);
  const changes = diffKeys(
    before.map((entry) => entry.key),
    after.map((entry) => entry.key),
    about,
  ).map((change) => itemChange(change, after));
  return { ...event, data: { ...event.data, changes } } as PlaylistItemEvent;
}

function itemChange(change: ListChange, after: readonly ListEntry<EpisodeRef>[]): PlaylistItemChange {
  switch (change.kind) {
    case 'inserted': {
      const entry = after.find((candidate) => candidate.key === change.key)!;
      return { kind: 'inserted', itemId: change.key, index: change.index, episode: entry.value, addedAt: entry.addedAt };
    }
    case 'removed':
      return { kind: 'removed', itemId: change.key, fromIndex: change.fromIndex };
    case 'moved':
      return { kind: 'moved', itemId: change.key, fromIndex: change.fromIndex, toIndex: change.toIndex };
  }
}

export interface PlaylistItemView {
  itemId: string;
  episode: EpisodeRef;
  addedAt: IsoTime;
}

export interface PlaylistView {
  playlistId: string;
  userId: string;
  name: string;
  description: string;
  visibility: Visibility;
  createdAt: IsoTime;
  deleted: boolean;
  deletedAt?: IsoTime;
  /** In order; empty once deleted. */
  items: PlaylistItemView[];
}

/** The playlist as the API shows it (undefined before it is created). */
export function playlistView(state: PlaylistState): PlaylistView | undefined {
  const playlist = state.playlist;
  if (!playlist) return undefined;
  const deletedAt = playlist.deletedAt;
  return {
    playlistId: playlist.playlistId,
    userId: playlist.userId,
    name: playlist.name.value,
    description: playlist.description.value,
    visibility: playlist.visibility.value,
    createdAt: playlist.createdAt,
    deleted: deletedAt !== undefined,
    ...(deletedAt === undefined ? {} : { deletedAt }),
    items: deletedAt !== undefined ? [] : entries(playlist.items).map((entry) => ({ itemId: entry.key, episode: entry.value, addedAt: entry.addedAt })),
  };
}

/**
 * What became of an item id a client sent: in the list, merged into another item (the same
 * episode was already there: moves and removals through this id apply to that item), gone
 * (removed, possibly through an alias), or unknown (never added, or its add has not arrived).
 */
export function playlistItemStatus(state: PlaylistState, itemId: string): KeyStatus {
  return state.playlist ? keyStatus(state.playlist.items, itemId) : { status: 'unknown' };
}
