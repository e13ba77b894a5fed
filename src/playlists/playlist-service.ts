import { createHash, randomUUID } from 'node:crypto';
import { DomainError } from '../domain/decider.js';
import type { KeyStatus } from '../domain/ordered-list.js';
import type { EventStore } from '../store/event-store.js';
import type { Sql } from '../store/sql.js';
import { tryNormalizeFeedUrl } from '../subscriptions/feed-url.js';
import { requestDeviceId } from '../store/event-context.js';
import type { WriteOptions } from '../subscriptions/subscription-service.js';
import type { Visibility } from './list-rules.js';
import {
  playlistDecider,
  playlistItemStatus,
  playlistStream,
  type EpisodeRef,
  type PlaylistCommand,
  type PlaylistState,
} from './playlist-decider.js';
import { decideInStream, inTransaction } from './stream-decisions.js';

/** A change to one playlist as the API and the offline batches give it (`op` as in /api/v1/sync). */
export type PlaylistChange = { clientTime?: number } & (
  | { op: 'create'; name: string; description?: string; visibility?: Visibility }
  | { op: 'rename'; name: string }
  | { op: 'describe'; description: string }
  | { op: 'visibility'; visibility: Visibility }
  | { op: 'delete' }
  /** Without an item id, the server chooses one (a UUID). */
  | { op: 'add'; itemId?: string; episode: EpisodeRef; index?: number }
  | { op: 'remove'; itemId: string }
  | { op: 'move'; itemId: string; index: number }
);

export interface PlaylistChangeOutcome {
  /**
   * False when a later change of the same field (name, description, visibility) from another
   * device had already won. Item changes are always applied: each is placed at its time among
   * the others (src/domain/ordered-list.ts), and the playlist answered is the result.
   */
  applied: boolean;
  /** Item changes: what became of the item (its index, or the item it merged into). */
  item?: { itemId: string } & KeyStatus;
}

export interface PlaylistItemRecord {
  itemId: string;
  episode: EpisodeRef;
  addedAt: Date;
}

export interface PlaylistRecord {
  playlistId: string;
  name: string;
  description: string;
  visibility: Visibility;
  deleted: boolean;
  createdAt: Date;
  updatedAt: Date;
  deletedAt: Date | null;
  seq: number;
  itemCount: number;
  /** In order (empty once deleted); absent from lists. */
  items?: PlaylistItemRecord[];
}

interface Row {
  playlist_id: string;
  name: string;
  description: string;
  visibility: Visibility;
  deleted: boolean;
  created_at: Date;
  updated_at: Date;
  deleted_at: Date | null;
  seq: number | string;
  item_count?: number;
}

interface ItemRow {
  playlist_id: string;
  item_id: string;
  feed_url: string;
  guid: string | null;
  media_url: string | null;
  title: string | null;
  added_at: Date;
}

const COLUMNS = 'playlist_id, name, description, visibility, deleted, created_at, updated_at, deleted_at, seq';

function toRecord(row: Row, items?: PlaylistItemRecord[]): PlaylistRecord {
  return {
    playlistId: row.playlist_id,
    name: row.name,
    description: row.description,
    visibility: row.visibility,
    deleted: row.deleted,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    deletedAt: row.deleted_at,
    seq: Number(row.seq),
    itemCount: items ? items.length : (row.item_count ?? 0),
    ...(items ? { items } : {}),
  };
}

/** The rows with their items, in one query for all of them. */
async function withItems(sql: Sql, userId: string, rows: readonly Row[]): Promise<PlaylistRecord[]> {
  if (rows.length === 0) return [];
  const ids = rows.filter((row) => !row.deleted).map((row) => row.playlist_id);
  const items = new Map<string, PlaylistItemRecord[]>(rows.map((row) => [row.playlist_id, []]));
  if (ids.length > 0) {
    const result = await sql.query<ItemRow>(
      `SELECT playlist_id, item_id, feed_url, guid, media_url, title, added_at FROM playlist_items
       WHERE user_id = $1 AND playlist_id = ANY($2::text[]) ORDER BY playlist_id, position`,
      [userId, ids],
      { name: 'balados_playlist_items' },
    );
    for (const row of result.rows) {
      const episode: EpisodeRef = { feedUrl: row.feed_url };
      if (row.guid !== null) episode.guid = row.guid;
      if (row.media_url !== null) episode.mediaUrl = row.media_url;
      if (row.title !== null) episode.title = row.title;
      items.get(row.playlist_id)!.push({ itemId: row.item_id, episode, addedAt: row.added_at });
    }
  }
  return rows.map((row) => toRecord(row, items.get(row.playlist_id)!));
}

/** The playlists changed in `after < seq <= upTo`, whole, in seq order (GET /api/v1/sync). */
export async function playlistsChangedSince(sql: Sql, userId: string, after: number, upTo: number, limit: number): Promise<PlaylistRecord[]> {
  const result = await sql.query<Row>(`SELECT ${COLUMNS} FROM playlists WHERE user_id = $1 AND seq > $2 AND seq <= $3 ORDER BY seq LIMIT $4`, [userId, after, upTo, limit], {
    name: 'balados_sync_playlists',
  });
  return withItems(sql, userId, result.rows);
}

export class PlaylistService {
  constructor(private readonly store: EventStore) {}

  /**
   * Applies changes to one playlist in turn, all or none (a refusal refuses them all). Feed
   * URLs are normalized first; an unusable one is refused (400 `invalid_feed_url`).
   */
  async change(userId: string, playlistId: string, changes: readonly PlaylistChange[], options: WriteOptions = {}): Promise<PlaylistChangeOutcome[]> {
    return (await this.decide(userId, playlistId, changes, options)).outcomes;
  }

  /** Creates a playlist (the server chooses its id when the client gives none); `created` is false for a retry. */
  async create(
    userId: string,
    input: { playlistId?: string; name: string; description?: string; visibility?: Visibility; clientTime?: number },
    options: WriteOptions = {},
  ): Promise<{ playlistId: string; created: boolean }> {
    const { playlistId = randomUUID(), ...change } = input;
    const { recorded } = await this.decide(userId, playlistId, [{ op: 'create', ...change }], options);
    return { playlistId, created: recorded };
  }

  private async decide(userId: string, playlistId: string, changes: readonly PlaylistChange[], options: WriteOptions): Promise<{ outcomes: PlaylistChangeOutcome[]; recorded: boolean }> {
    const deviceId = options.deviceId ?? requestDeviceId();
    const receivedAt = options.receivedAt ?? Date.now();
    const commands = changes.map((change) => toCommand(userId, playlistId, change, receivedAt, deviceId));
    const decided = await inTransaction(this.store.db, options.tx, (tx) =>
      decideInStream(this.store, playlistDecider, tx, playlistStream(userId, playlistId), userId, () => commands),
    );
    return {
      outcomes: commands.map((command, index) => outcomeOf(command, decided.steps[index]!.state)),
      recorded: decided.steps.some((step) => step.events.length > 0),
    };
  }

  /**
   * A feed moved (src/app/domain-services.ts `moveFeed`, in its transaction): every item naming
   * an episode by the old URL is replaced, at its place, by the same episode under the new URL
   * (merged into it when the playlist already holds it there). The new item id is derived from
   * the old one and the new URL: every process choosing it alike, a retried move converges.
   */
  async followMove(userId: string, from: string, to: string, options: WriteOptions & { tx: Sql }): Promise<void> {
    const result = await options.tx.query<{ playlist_id: string; item_id: string; position: number; guid: string | null; media_url: string | null; title: string | null }>(
      `SELECT i.playlist_id, i.item_id, i.position, i.guid, i.media_url, i.title FROM playlist_items i
       JOIN playlists p ON p.user_id = i.user_id AND p.playlist_id = i.playlist_id AND NOT p.deleted
       WHERE i.user_id = $1 AND i.feed_url = $2 ORDER BY i.playlist_id, i.position`,
      [userId, from],
    );
    const byPlaylist = new Map<string, PlaylistChange[]>();
    for (const row of result.rows) {
      const episode: EpisodeRef = { feedUrl: to, ...(row.guid !== null ? { guid: row.guid } : {}), ...(row.media_url !== null ? { mediaUrl: row.media_url } : {}), ...(row.title !== null ? { title: row.title } : {}) };
      const itemId = createHash('sha256').update(`${row.item_id}\n${to}`).digest('base64url').slice(0, 22);
      const changes = byPlaylist.get(row.playlist_id) ?? [];
      changes.push({ op: 'remove', itemId: row.item_id }, { op: 'add', itemId, episode, index: row.position });
      byPlaylist.set(row.playlist_id, changes);
    }
    for (const [playlistId, changes] of byPlaylist) await this.change(userId, playlistId, changes, options);
  }

  /** The playlists not deleted, oldest first, without their items. */
  async list(userId: string, sql: Sql = this.store.db): Promise<PlaylistRecord[]> {
    const result = await sql.query<Row>(
      `SELECT ${COLUMNS}, (SELECT count(*) FROM playlist_items i WHERE i.user_id = p.user_id AND i.playlist_id = p.playlist_id)::int AS item_count
       FROM playlists p WHERE user_id = $1 AND NOT deleted ORDER BY created_at, playlist_id COLLATE "C"`,
      [userId],
    );
    return result.rows.map((row) => toRecord(row));
  }

  /** One playlist with its items in order (deleted ones too: `deleted` says so); undefined when there never was one. */
  async get(userId: string, playlistId: string, sql: Sql = this.store.db): Promise<PlaylistRecord | undefined> {
    const result = await sql.query<Row>(`SELECT ${COLUMNS} FROM playlists WHERE user_id = $1 AND playlist_id = $2`, [userId, playlistId], { name: 'balados_playlist_get' });
    return (await withItems(sql, userId, result.rows))[0];
  }

  /** Several playlists with their items (an offline batch's answers). */
  async getMany(userId: string, playlistIds: readonly string[], sql: Sql = this.store.db): Promise<PlaylistRecord[]> {
    const result = await sql.query<Row>(`SELECT ${COLUMNS} FROM playlists WHERE user_id = $1 AND playlist_id = ANY($2::text[])`, [userId, playlistIds]);
    return withItems(sql, userId, result.rows);
  }
}

function toCommand(userId: string, playlistId: string, change: PlaylistChange, receivedAt: number, deviceId: string | undefined): PlaylistCommand {
  const base = { userId, playlistId, receivedAt, ...(change.clientTime !== undefined ? { clientTime: change.clientTime } : {}), ...(deviceId ? { deviceId } : {}) };
  switch (change.op) {
    case 'create':
      return {
        ...base,
        kind: 'create',
        name: change.name,
        ...(change.description !== undefined ? { description: change.description } : {}),
        ...(change.visibility !== undefined ? { visibility: change.visibility } : {}),
      };
    case 'rename':
      return { ...base, kind: 'rename', name: change.name };
    case 'describe':
      return { ...base, kind: 'describe', description: change.description };
    case 'visibility':
      return { ...base, kind: 'setVisibility', visibility: change.visibility };
    case 'delete':
      return { ...base, kind: 'delete' };
    case 'add':
      return {
        ...base,
        kind: 'addEpisode',
        itemId: change.itemId ?? randomUUID(),
        episode: normalizedEpisode(change.episode),
        ...(change.index !== undefined ? { index: change.index } : {}),
      };
    case 'remove':
      return { ...base, kind: 'removeEpisode', itemId: change.itemId };
    case 'move':
      return { ...base, kind: 'moveEpisode', itemId: change.itemId, toIndex: change.index };
  }
}

function normalizedEpisode(episode: EpisodeRef): EpisodeRef {
  const feedUrl = typeof episode?.feedUrl === 'string' ? tryNormalizeFeedUrl(episode.feedUrl) : undefined;
  if (!feedUrl) throw new DomainError('invalid_feed_url', `Not a usable feed URL: ${String(episode?.feedUrl).slice(0, 200)}`, 400);
  return { ...episode, feedUrl };
}

function outcomeOf(command: PlaylistCommand, state: PlaylistState): PlaylistChangeOutcome {
  const playlist = state.playlist!;
  switch (command.kind) {
    case 'rename':
      return { applied: playlist.name.value === command.name.trim() };
    case 'describe':
      return { applied: playlist.description.value === command.description.trim() };
    case 'setVisibility':
      return { applied: playlist.visibility.value === command.visibility };
    case 'addEpisode':
    case 'removeEpisode':
    case 'moveEpisode':
      return { applied: true, item: { itemId: command.itemId, ...playlistItemStatus(state, command.itemId) } };
    default:
      return { applied: true };
  }
}
