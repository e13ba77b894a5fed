import { applyRowChanges, type OrderedTable, type RowChange } from '../playlists/ordered-rows.js';
import type { Projector } from '../projections/projector.js';
import type { RecordedEvent } from '../store/events.js';
import type { Sql } from '../store/sql.js';
import { COLLECTION_EVENT_TYPES, type CollectionEvent, type CollectionFeedChange } from './collection-decider.js';

export const COLLECTION_FEEDS: OrderedTable = { table: 'collection_feeds', parent: 'collection_id', key: 'feed_url', columns: [['added_at', 'timestamptz']] };

/**
 * `collections` and `collection_feeds`, inline, as playlists are projected
 * (src/playlists/playlists-projector.ts): the decider records only names and visibilities that
 * take effect, feed events carry the `changes` they made to the order, and an event that changed
 * nothing visible leaves the rows and their `seq` alone. Consecutive feed events of one
 * collection (an offline batch's run, an OPML import) update the rows together.
 */
export function collectionsProjector(): Projector {
  return {
    name: 'collections',
    kind: 'inline',
    version: 1,
    handles: COLLECTION_EVENT_TYPES,
    tables: ['collections', 'collection_feeds'],
    async apply(tx, events) {
      let run: FeedEvent[] = [];
      for (const recorded of events) {
        const event = recorded as unknown as CollectionEvent & RecordedEvent;
        const feed = 'changes' in event.data ? (event as FeedEvent) : undefined;
        if (feed && (run.length === 0 || sameCollection(run[0]!, feed))) {
          run.push(feed);
          continue;
        }
        await applyFeedEvents(tx, run);
        run = feed ? [feed] : [];
        if (!feed) await applyEvent(tx, event as Exclude<CollectionEvent, FeedChangeEvent> & RecordedEvent);
      }
      await applyFeedEvents(tx, run);
    },
    async forgetUser(tx, userId) {
      await tx.query('DELETE FROM collection_feeds WHERE user_id = $1', [userId]);
      await tx.query('DELETE FROM collections WHERE user_id = $1', [userId]);
    },
  };
}

type FeedChangeEvent = Extract<CollectionEvent, { type: 'FeedAddedToCollection' | 'FeedRemovedFromCollection' | 'FeedMovedInCollection' }>;
type FeedEvent = FeedChangeEvent & RecordedEvent;

function sameCollection(a: FeedEvent, b: FeedEvent): boolean {
  return a.data.userId === b.data.userId && a.data.collectionId === b.data.collectionId;
}

/** Feed events of one collection, in order: their changes in sequence, and the collection row touched once. */
async function applyFeedEvents(tx: Sql, events: readonly FeedEvent[]): Promise<void> {
  const shown = events.filter((event) => event.data.changes.length > 0);
  if (shown.length === 0) return;
  const { userId, collectionId } = shown[0]!.data;
  await applyRowChanges(tx, COLLECTION_FEEDS, userId, collectionId, shown.flatMap((event) => event.data.changes.map(rowChange)));
  const latest = shown.reduce((max, event) => (event.data.at > max ? event.data.at : max), shown[0]!.data.at);
  await tx.query('UPDATE collections SET updated_at = GREATEST(updated_at, $3), seq = $4 WHERE user_id = $1 AND collection_id = $2', [userId, collectionId, latest, shown[shown.length - 1]!.userSeq ?? 0], {
    name: 'balados_collections_touch',
  });
}

async function applyEvent(tx: Sql, event: Exclude<CollectionEvent, FeedChangeEvent> & RecordedEvent): Promise<void> {
  const { userId, collectionId, at } = event.data;
  const seq = event.userSeq ?? 0;
  switch (event.type) {
    case 'CollectionCreated':
      await tx.query(
        'INSERT INTO collections (user_id, collection_id, name, visibility, created_at, updated_at, seq) VALUES ($1, $2, $3, $4, $5, $5, $6)',
        [userId, collectionId, event.data.name, event.data.visibility, at, seq],
      );
      return;
    case 'CollectionRenamed':
    case 'CollectionVisibilityChanged': {
      const [column, value] = event.type === 'CollectionRenamed' ? ['name', event.data.name] : ['visibility', event.data.visibility];
      await tx.query(`UPDATE collections SET ${column} = $5, updated_at = GREATEST(updated_at, $3), seq = $4 WHERE user_id = $1 AND collection_id = $2`, [userId, collectionId, at, seq, value]);
      return;
    }
    case 'CollectionDeleted':
      await tx.query('DELETE FROM collection_feeds WHERE user_id = $1 AND collection_id = $2', [userId, collectionId]);
      await tx.query('UPDATE collections SET deleted = true, deleted_at = $3, seq = $4 WHERE user_id = $1 AND collection_id = $2 AND NOT deleted', [userId, collectionId, at, seq]);
      return;
  }
}

function rowChange(change: CollectionFeedChange): RowChange {
  if (change.kind === 'inserted') return { kind: 'inserted', key: change.feedUrl, index: change.index, values: [change.addedAt] };
  return { ...change, key: change.feedUrl };
}
