import { Type, type Static } from '@sinclair/typebox';
import { ClientTime, parseClientTime } from '../http/client-time.js';
import { ListId, ListIndex, ListName, VisibilityInput } from '../playlists/routes.js';
import { checkOpFields } from '../playlists/sync.js';
import type { ChangeResult, SyncApplier, SyncSource } from '../sync/sync-source.js';
import { FeedUrl } from '../subscriptions/routes.js';
import { collectionsChangedSince, type CollectionChange, type CollectionService } from './collection-service.js';
import { CollectionSchema, collectionJson } from './routes.js';

/** `collections` in sync answers: each collection changed since the cursor, whole (feeds in order), deleted ones with `deleted: true`. */
export function collectionsSyncSource(): SyncSource {
  return {
    name: 'collections',
    itemSchema: CollectionSchema,
    async changedSince(sql, userId, after, upTo, limit) {
      const records = await collectionsChangedSince(sql, userId, after, upTo, limit);
      return records.map((record) => ({ seq: record.seq, item: collectionJson(record) }));
    },
  };
}

const OPS = ['create', 'rename', 'visibility', 'delete', 'add', 'remove', 'move'] as const;
type Op = (typeof OPS)[number];

const FIELDS: Record<Op, [required: string[], optional: string[]]> = {
  create: [['name'], ['visibility']],
  rename: [['name'], []],
  visibility: [['visibility'], []],
  delete: [[], ['force']],
  add: [['feedUrl'], ['index']],
  remove: [['feedUrl'], []],
  move: [['feedUrl', 'index'], []],
};

const CollectionOp = Type.Object({
  op: Type.Union(OPS.map((op) => Type.Literal(op))),
  collectionId: ListId,
  name: Type.Optional(ListName),
  visibility: Type.Optional(VisibilityInput),
  force: Type.Optional(Type.Boolean({ description: 'delete: also when the collection holds feeds' })),
  feedUrl: Type.Optional(FeedUrl),
  index: Type.Optional(ListIndex),
  at: Type.Optional(ClientTime),
});
type CollectionOp = Static<typeof CollectionOp>;

function changeOf(change: CollectionOp, index: number): CollectionChange {
  checkOpFields(change, index, FIELDS[change.op], 'invalid_collection_change', 'collection');
  const clientTime = parseClientTime(change.at, `changes[${index}].at`);
  const base = { collectionId: change.collectionId, ...(clientTime !== undefined ? { clientTime } : {}) };
  switch (change.op) {
    case 'create':
      return { ...base, op: 'create', name: change.name!, ...(change.visibility ? { visibility: change.visibility } : {}) };
    case 'rename':
      return { ...base, op: 'rename', name: change.name! };
    case 'visibility':
      return { ...base, op: 'visibility', visibility: change.visibility! };
    case 'delete':
      return { ...base, op: 'delete', ...(change.force !== undefined ? { force: change.force } : {}) };
    case 'add':
      return { ...base, op: 'add', feedUrl: change.feedUrl!, ...(change.index !== undefined ? { index: change.index } : {}) };
    case 'remove':
      return { ...base, op: 'remove', feedUrl: change.feedUrl! };
    case 'move':
      return { ...base, op: 'move', feedUrl: change.feedUrl!, index: change.index! };
  }
}

/**
 * `{ type: 'collection', op, collectionId, ...the op's fields, at? }` in an offline batch: a run
 * of them is decided at once (an account's collections share one stream). The last change to
 * each collection carries its `state` (after the run, as /sync lists it).
 */
export function collectionsSyncApplier(collections: CollectionService): SyncApplier<CollectionOp> {
  return {
    type: 'collection',
    changeSchema: CollectionOp,
    async apply({ tx, userId, deviceId, receivedAt }, changes) {
      const outcomes = await collections.change(userId, changes.map(changeOf), { tx, receivedAt, ...(deviceId ? { deviceId } : {}) });
      const ids = [...new Set(changes.map((change) => change.collectionId))];
      const states = new Map((await collections.getMany(userId, ids, tx)).map((record) => [record.collectionId, collectionJson(record)]));
      const lastChange = new Map(changes.map((change, index) => [change.collectionId, index]));
      return changes.map((change, index): ChangeResult => ({
        applied: outcomes[index]!.applied,
        ...(lastChange.get(change.collectionId) === index ? { state: states.get(change.collectionId) } : {}),
      }));
    },
  };
}
