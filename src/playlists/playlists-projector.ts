import type { Projector } from '../projections/projector.js';
import type { RecordedEvent } from '../store/events.js';
import type { Sql } from '../store/sql.js';
import { applyRowChanges, type OrderedTable, type RowChange } from './ordered-rows.js';
import { PLAYLIST_EVENT_TYPES, type PlaylistEvent, type PlaylistItemChange, type PlaylistItemEvent } from './playlist-decider.js';

export const PLAYLIST_ITEMS: OrderedTable = {
  table: 'playlist_items',
  parent: 'playlist_id',
  key: 'item_id',
  columns: [
    ['feed_url', 'text'],
    ['guid', 'text'],
    ['media_url', 'text'],
    ['title', 'text'],
    ['added_at', 'timestamptz'],
  ],
};

/**
 * `playlists` and `playlist_items`, inline. The decider records only changes that take effect
 * (a rename older than the name in force records nothing), so each event's values are the new
 * ones; item events carry the `changes` they made to the order, applied as they come. An event
 * that changed nothing visible (an add merged into the item already there, a removal that was
 * already in effect) leaves the rows and their `seq` alone: a device has nothing new to learn.
 * `updated_at` is the latest client time of a change shown. Consecutive item events of one
 * playlist (an offline batch's run) update the rows together.
 */
export function playlistsProjector(): Projector {
  return {
    name: 'playlists',
    kind: 'inline',
    version: 1,
    handles: PLAYLIST_EVENT_TYPES,
    tables: ['playlists', 'playlist_items'],
    async apply(tx, events) {
      let run: ItemEvent[] = [];
      for (const recorded of events) {
        const event = recorded as unknown as PlaylistEvent & RecordedEvent;
        const item = 'changes' in event.data ? (event as ItemEvent) : undefined;
        if (item && (run.length === 0 || sameList(run[0]!, item))) {
          run.push(item);
          continue;
        }
        await applyItemEvents(tx, run);
        run = item ? [item] : [];
        if (!item) await applyEvent(tx, event as Exclude<PlaylistEvent, PlaylistItemEvent> & RecordedEvent);
      }
      await applyItemEvents(tx, run);
    },
    async forgetUser(tx, userId) {
      await tx.query('DELETE FROM playlist_items WHERE user_id = $1', [userId]);
      await tx.query('DELETE FROM playlists WHERE user_id = $1', [userId]);
    },
  };
}

type ItemEvent = PlaylistItemEvent & RecordedEvent;

function sameList(a: ItemEvent, b: ItemEvent): boolean {
  return a.data.userId === b.data.userId && a.data.playlistId === b.data.playlistId;
}

/** Item events of one playlist, in order: their changes in sequence, and the playlist row touched once. */
async function applyItemEvents(tx: Sql, events: readonly ItemEvent[]): Promise<void> {
  const shown = events.filter((event) => event.data.changes.length > 0);
  if (shown.length === 0) return;
  const { userId, playlistId } = shown[0]!.data;
  await applyRowChanges(tx, PLAYLIST_ITEMS, userId, playlistId, shown.flatMap((event) => event.data.changes.map(rowChange)));
  const latest = shown.reduce((max, event) => (event.data.at > max ? event.data.at : max), shown[0]!.data.at);
  await tx.query('UPDATE playlists SET updated_at = GREATEST(updated_at, $3), seq = $4 WHERE user_id = $1 AND playlist_id = $2', [userId, playlistId, latest, shown[shown.length - 1]!.userSeq ?? 0], {
    name: 'balados_playlists_touch',
  });
}

async function applyEvent(tx: Sql, event: Exclude<PlaylistEvent, PlaylistItemEvent> & RecordedEvent): Promise<void> {
  const { userId, playlistId, at } = event.data;
  const seq = event.userSeq ?? 0;
  switch (event.type) {
    case 'PlaylistCreated': {
      const { name, description, visibility } = event.data;
      await tx.query(
        `INSERT INTO playlists (user_id, playlist_id, name, description, visibility, created_at, updated_at, seq) VALUES ($1, $2, $3, $4, $5, $6, $6, $7)`,
        [userId, playlistId, name, description, visibility, at, seq],
      );
      return;
    }
    case 'PlaylistRenamed':
    case 'PlaylistDescribed':
    case 'PlaylistVisibilityChanged': {
      const [column, value] =
        event.type === 'PlaylistRenamed' ? ['name', event.data.name] : event.type === 'PlaylistDescribed' ? ['description', event.data.description] : ['visibility', event.data.visibility];
      await tx.query(`UPDATE playlists SET ${column} = $5, updated_at = GREATEST(updated_at, $3), seq = $4 WHERE user_id = $1 AND playlist_id = $2`, [userId, playlistId, at, seq, value]);
      return;
    }
    case 'PlaylistDeleted':
      await tx.query('DELETE FROM playlist_items WHERE user_id = $1 AND playlist_id = $2', [userId, playlistId]);
      await tx.query('UPDATE playlists SET deleted = true, deleted_at = $3, seq = $4 WHERE user_id = $1 AND playlist_id = $2 AND NOT deleted', [userId, playlistId, at, seq]);
      return;
  }
}

function rowChange(change: PlaylistItemChange): RowChange {
  if (change.kind !== 'inserted') return { ...change, key: change.itemId };
  const { feedUrl, guid, mediaUrl, title } = change.episode;
  return { kind: 'inserted', key: change.itemId, index: change.index, values: [feedUrl, guid ?? null, mediaUrl ?? null, title ?? null, change.addedAt] };
}
