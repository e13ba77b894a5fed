import { Type, type Static } from '@sinclair/typebox';
import { ClientTime, parseClientTime } from '../http/client-time.js';
import { HttpError } from '../http/errors.js';
import type { ChangeResult, SyncApplier, SyncSource } from '../sync/sync-source.js';
import { playlistsChangedSince, type PlaylistChange, type PlaylistService } from './playlist-service.js';
import { ListId, ListIndex, ListName, PlaylistEpisodeSchema, PlaylistSchema, VisibilityInput, playlistJson } from './routes.js';

/** `playlists` in sync answers: each playlist changed since the cursor, whole (items in order), deleted ones with `deleted: true`. */
export function playlistsSyncSource(): SyncSource {
  return {
    name: 'playlists',
    itemSchema: PlaylistSchema,
    async changedSince(sql, userId, after, upTo, limit) {
      const records = await playlistsChangedSince(sql, userId, after, upTo, limit);
      return records.map((record) => ({ seq: record.seq, item: playlistJson(record) }));
    },
  };
}

const OPS = ['create', 'rename', 'describe', 'visibility', 'delete', 'add', 'remove', 'move'] as const;
type Op = (typeof OPS)[number];

/** The fields each op takes besides op, playlistId and at: required, then optional. */
export const PLAYLIST_OP_FIELDS: Record<Op, [required: string[], optional: string[]]> = {
  create: [['name'], ['description', 'visibility']],
  rename: [['name'], []],
  describe: [['description'], []],
  visibility: [['visibility'], []],
  delete: [[], []],
  add: [['itemId', 'episode'], ['index']],
  remove: [['itemId'], []],
  move: [['itemId', 'index'], []],
};

const PlaylistOp = Type.Object({
  op: Type.Union(OPS.map((op) => Type.Literal(op))),
  playlistId: ListId,
  name: Type.Optional(ListName),
  description: Type.Optional(Type.String({ maxLength: 10_000 })),
  visibility: Type.Optional(VisibilityInput),
  itemId: Type.Optional(Type.String({ maxLength: 200, description: 'Chosen by the app: later moves and removals name the item by it' })),
  episode: Type.Optional(PlaylistEpisodeSchema),
  index: Type.Optional(ListIndex),
  at: Type.Optional(ClientTime),
});
type PlaylistOp = Static<typeof PlaylistOp>;

/** Refuses fields an op does not take, and missing ones, with `code` (400). */
export function checkOpFields(change: Record<string, unknown>, index: number, fields: [string[], string[]], code: string, what: 'playlist' | 'collection'): void {
  const [required, optional] = fields;
  const missing = required.filter((field) => change[field] === undefined);
  const common = ['type', 'id', 'op', 'at', `${what}Id`];
  const extra = Object.keys(change).filter((field) => change[field] !== undefined && !common.includes(field) && !required.includes(field) && !optional.includes(field));
  if (missing.length === 0 && extra.length === 0) return;
  const takes = [...required, ...optional.map((field) => `${field}?`)];
  throw new HttpError(400, code, `change ${index + 1} of these: a ${what} "${String(change.op)}" takes ${takes.length > 0 ? takes.join(', ') : 'no other field'}${missing.length > 0 ? `; ${missing.join(', ')} missing` : ''}${extra.length > 0 ? `; ${extra.join(', ')} not expected` : ''}`);
}

function changeOf(change: PlaylistOp, index: number): PlaylistChange {
  checkOpFields(change, index, PLAYLIST_OP_FIELDS[change.op], 'invalid_playlist_change', 'playlist');
  const clientTime = parseClientTime(change.at, `changes[${index}].at`);
  const time = clientTime !== undefined ? { clientTime } : {};
  switch (change.op) {
    case 'create':
      return { op: 'create', name: change.name!, ...(change.description !== undefined ? { description: change.description } : {}), ...(change.visibility ? { visibility: change.visibility } : {}), ...time };
    case 'rename':
      return { op: 'rename', name: change.name!, ...time };
    case 'describe':
      return { op: 'describe', description: change.description!, ...time };
    case 'visibility':
      return { op: 'visibility', visibility: change.visibility!, ...time };
    case 'delete':
      return { op: 'delete', ...time };
    case 'add':
      return { op: 'add', itemId: change.itemId!, episode: change.episode!, ...(change.index !== undefined ? { index: change.index } : {}), ...time };
    case 'remove':
      return { op: 'remove', itemId: change.itemId!, ...time };
    case 'move':
      return { op: 'move', itemId: change.itemId!, index: change.index!, ...time };
  }
}

/**
 * `{ type: 'playlist', op, playlistId, ...the op's fields, at? }` in an offline batch. Ids are
 * the app's (it names the playlist and its items in its later changes). Consecutive changes to
 * one playlist are decided together; the last change to each playlist carries its `state` (the
 * playlist after the batch's run, as /sync lists it), the others none: a playlist of thousands
 * of items is not repeated for each of its changes.
 */
export function playlistsSyncApplier(playlists: PlaylistService): SyncApplier<PlaylistOp> {
  return {
    type: 'playlist',
    changeSchema: PlaylistOp,
    async apply({ tx, userId, deviceId, receivedAt }, changes) {
      const requests = changes.map(changeOf);
      const applied: boolean[] = [];
      for (let start = 0; start < changes.length; ) {
        const playlistId = changes[start]!.playlistId;
        let end = start;
        while (end < changes.length && changes[end]!.playlistId === playlistId) end++;
        const outcomes = await playlists.change(userId, playlistId, requests.slice(start, end), { tx, receivedAt, ...(deviceId ? { deviceId } : {}) });
        applied.push(...outcomes.map((outcome) => outcome.applied));
        start = end;
      }
      const ids = [...new Set(changes.map((change) => change.playlistId))];
      const states = new Map((await playlists.getMany(userId, ids, tx)).map((record) => [record.playlistId, playlistJson(record)]));
      const lastChange = new Map(changes.map((change, index) => [change.playlistId, index]));
      return changes.map((change, index): ChangeResult => ({
        applied: applied[index]!,
        ...(lastChange.get(change.playlistId) === index ? { state: states.get(change.playlistId) } : {}),
      }));
    },
  };
}
