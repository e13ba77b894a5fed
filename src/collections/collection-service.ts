import { randomUUID } from 'node:crypto';
import { DomainError } from '../domain/decider.js';
import { decideInStream, inTransaction } from '../playlists/stream-decisions.js';
import { checkName, type Visibility } from '../playlists/list-rules.js';
import type { EventStore } from '../store/event-store.js';
import type { Sql } from '../store/sql.js';
import { tryNormalizeFeedUrl } from '../subscriptions/feed-url.js';
import { requestDeviceId } from '../store/event-context.js';
import type { WriteOptions } from '../subscriptions/subscription-service.js';
import {
  MAX_COLLECTIONS,
  MAX_COLLECTION_FEEDS,
  collectionDecider,
  collectionsStream,
  collectionsView,
  type CollectionCommand,
  type CollectionsState,
} from './collection-decider.js';

/** A change to a collection as the API and the offline batches give it (`op` as in /api/v1/sync). */
export type CollectionChange = { collectionId: string; clientTime?: number } & (
  | { op: 'create'; name: string; visibility?: Visibility }
  | { op: 'rename'; name: string }
  | { op: 'visibility'; visibility: Visibility }
  | { op: 'delete'; force?: boolean }
  | { op: 'add'; feedUrl: string; index?: number }
  | { op: 'remove'; feedUrl: string }
  | { op: 'move'; feedUrl: string; index: number }
);

export interface CollectionChangeOutcome {
  /** False when a later change of the same field (name, visibility) had already won; feed changes are always applied (placed at their time). */
  applied: boolean;
}

export interface CollectionRecord {
  collectionId: string;
  name: string;
  visibility: Visibility;
  deleted: boolean;
  createdAt: Date;
  updatedAt: Date;
  deletedAt: Date | null;
  seq: number;
  /** In order; empty once deleted. */
  feeds: { feedUrl: string; addedAt: Date }[];
}

/** What an OPML import filed: one entry per category. */
export interface FiledCollection {
  collectionId: string;
  name: string;
  created: boolean;
  /** Feeds added to it (those already in it are not counted). */
  added: number;
}

interface Row {
  collection_id: string;
  name: string;
  visibility: Visibility;
  deleted: boolean;
  created_at: Date;
  updated_at: Date;
  deleted_at: Date | null;
  seq: number | string;
}

const COLUMNS = 'collection_id, name, visibility, deleted, created_at, updated_at, deleted_at, seq';
const IN_ORDER = 'ORDER BY created_at, collection_id COLLATE "C"';

async function withFeeds(sql: Sql, userId: string, rows: readonly Row[]): Promise<CollectionRecord[]> {
  if (rows.length === 0) return [];
  const feeds = new Map<string, CollectionRecord['feeds']>(rows.map((row) => [row.collection_id, []]));
  const live = rows.filter((row) => !row.deleted).map((row) => row.collection_id);
  if (live.length > 0) {
    const result = await sql.query<{ collection_id: string; feed_url: string; added_at: Date }>(
      `SELECT collection_id, feed_url, added_at FROM collection_feeds WHERE user_id = $1 AND collection_id = ANY($2::text[]) ORDER BY collection_id, position`,
      [userId, live],
      { name: 'balados_collection_feeds' },
    );
    for (const row of result.rows) feeds.get(row.collection_id)!.push({ feedUrl: row.feed_url, addedAt: row.added_at });
  }
  return rows.map((row) => ({
    collectionId: row.collection_id,
    name: row.name,
    visibility: row.visibility,
    deleted: row.deleted,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    deletedAt: row.deleted_at,
    seq: Number(row.seq),
    feeds: feeds.get(row.collection_id)!,
  }));
}

/** The collections changed in `after < seq <= upTo`, whole, in seq order (GET /api/v1/sync). */
export async function collectionsChangedSince(sql: Sql, userId: string, after: number, upTo: number, limit: number): Promise<CollectionRecord[]> {
  const result = await sql.query<Row>(`SELECT ${COLUMNS} FROM collections WHERE user_id = $1 AND seq > $2 AND seq <= $3 ORDER BY seq LIMIT $4`, [userId, after, upTo, limit], {
    name: 'balados_sync_collections',
  });
  return withFeeds(sql, userId, result.rows);
}

export class CollectionService {
  constructor(private readonly store: EventStore) {}

  /** Applies changes in turn, all or none. Feed URLs are normalized first (400 `invalid_feed_url`). */
  async change(userId: string, changes: readonly CollectionChange[], options: WriteOptions = {}): Promise<CollectionChangeOutcome[]> {
    const commands = this.commands(userId, changes, options);
    const decided = await inTransaction(this.store.db, options.tx, (tx) => decideInStream(this.store, collectionDecider, tx, collectionsStream(userId), userId, () => commands));
    return commands.map((command, index) => outcomeOf(command, decided.steps[index]!.state));
  }

  /** Creates a collection (the server chooses its id when the client gives none); `created` is false for a retry. */
  async create(userId: string, input: { collectionId?: string; name: string; visibility?: Visibility; clientTime?: number }, options: WriteOptions = {}): Promise<{ collectionId: string; created: boolean }> {
    const { collectionId = randomUUID(), ...change } = input;
    const [command] = this.commands(userId, [{ op: 'create', collectionId, ...change }], options);
    const decided = await inTransaction(this.store.db, options.tx, (tx) => decideInStream(this.store, collectionDecider, tx, collectionsStream(userId), userId, () => [command!]));
    return { collectionId, created: decided.steps[0]!.events.length > 0 };
  }

  /**
   * Files feeds into collections by name (an OPML import's folders): into the oldest live
   * collection of that name, else a new one. Feeds already there stay where they are; names that
   * cannot be collection names, and what would pass the limits, are left out.
   */
  async fileByName(userId: string, groups: readonly { name: string; feedUrls: readonly string[] }[], options: WriteOptions = {}): Promise<FiledCollection[]> {
    const deviceId = options.deviceId ?? requestDeviceId();
    const stamp = { userId, receivedAt: options.receivedAt ?? Date.now(), ...(deviceId ? { deviceId } : {}) };
    const filed: FiledCollection[] = [];
    await inTransaction(this.store.db, options.tx, (tx) =>
      decideInStream(this.store, collectionDecider, tx, collectionsStream(userId), userId, (state) => {
        filed.length = 0;
        const commands: CollectionCommand[] = [];
        const live = collectionsView(state);
        let count = live.length;
        for (const group of groups) {
          const name = usableName(group.name);
          if (name === undefined) continue;
          const existing = live.find((collection) => collection.name === name);
          if (!existing && count >= MAX_COLLECTIONS) continue;
          const collectionId = existing?.collectionId ?? randomUUID();
          if (!existing) {
            commands.push({ ...stamp, collectionId, kind: 'create', name });
            live.push({ collectionId, name, visibility: 'private', createdAt: '', feeds: [] });
            count++;
          }
          const present = new Set((existing?.feeds ?? []).map((feed) => feed.feedUrl));
          const adding = [...new Set(group.feedUrls)].filter((feedUrl) => !present.has(feedUrl)).slice(0, Math.max(0, MAX_COLLECTION_FEEDS - present.size));
          for (const feedUrl of adding) commands.push({ ...stamp, collectionId, kind: 'addFeed', feedUrl });
          filed.push({ collectionId, name, created: !existing, added: adding.length });
        }
        return commands;
      }),
    );
    return filed;
  }

  /** The live collections, oldest first, with their feeds in order. */
  /** A feed moved: in every collection holding it, the new URL takes its place (once). */
  async followMove(userId: string, from: string, to: string, options: WriteOptions & { tx: Sql }): Promise<void> {
    const changes: CollectionChange[] = [];
    for (const collection of await this.list(userId, options.tx)) {
      const index = collection.feeds.findIndex((feed) => feed.feedUrl === from);
      if (collection.deleted || index < 0) continue;
      changes.push({ collectionId: collection.collectionId, op: 'remove', feedUrl: from });
      if (!collection.feeds.some((feed) => feed.feedUrl === to)) changes.push({ collectionId: collection.collectionId, op: 'add', feedUrl: to, index });
    }
    if (changes.length > 0) await this.change(userId, changes, options);
  }

  async list(userId: string, sql: Sql = this.store.db): Promise<CollectionRecord[]> {
    const result = await sql.query<Row>(`SELECT ${COLUMNS} FROM collections WHERE user_id = $1 AND NOT deleted ${IN_ORDER}`, [userId]);
    return withFeeds(sql, userId, result.rows);
  }

  /** One collection (a deleted one too: `deleted` says so); undefined when there never was one. */
  async get(userId: string, collectionId: string, sql: Sql = this.store.db): Promise<CollectionRecord | undefined> {
    return (await this.getMany(userId, [collectionId], sql))[0];
  }

  async getMany(userId: string, collectionIds: readonly string[], sql: Sql = this.store.db): Promise<CollectionRecord[]> {
    const result = await sql.query<Row>(`SELECT ${COLUMNS} FROM collections WHERE user_id = $1 AND collection_id = ANY($2::text[]) ${IN_ORDER}`, [userId, collectionIds]);
    return withFeeds(sql, userId, result.rows);
  }

  /** The live collections' names and feeds, oldest collection first, feeds in order (the OPML export's folders). */
  async folders(userId: string, sql: Sql = this.store.db): Promise<{ name: string; feedUrls: string[] }[]> {
    return (await this.list(userId, sql)).map((collection) => ({ name: collection.name, feedUrls: collection.feeds.map((feed) => feed.feedUrl) }));
  }

  private commands(userId: string, changes: readonly CollectionChange[], options: WriteOptions): CollectionCommand[] {
    const deviceId = options.deviceId ?? requestDeviceId();
    const receivedAt = options.receivedAt ?? Date.now();
    return changes.map((change) => {
      const base = { userId, collectionId: change.collectionId, receivedAt, ...(change.clientTime !== undefined ? { clientTime: change.clientTime } : {}), ...(deviceId ? { deviceId } : {}) };
      switch (change.op) {
        case 'create':
          return { ...base, kind: 'create', name: change.name, ...(change.visibility !== undefined ? { visibility: change.visibility } : {}) };
        case 'rename':
          return { ...base, kind: 'rename', name: change.name };
        case 'visibility':
          return { ...base, kind: 'setVisibility', visibility: change.visibility };
        case 'delete':
          return { ...base, kind: 'delete', ...(change.force !== undefined ? { force: change.force } : {}) };
        case 'add':
          return { ...base, kind: 'addFeed', feedUrl: normalized(change.feedUrl), ...(change.index !== undefined ? { index: change.index } : {}) };
        case 'remove':
          return { ...base, kind: 'removeFeed', feedUrl: normalized(change.feedUrl) };
        case 'move':
          return { ...base, kind: 'moveFeed', feedUrl: normalized(change.feedUrl), toIndex: change.index };
      }
    });
  }
}

function normalized(feedUrl: string): string {
  const url = typeof feedUrl === 'string' ? tryNormalizeFeedUrl(feedUrl) : undefined;
  if (!url) throw new DomainError('invalid_feed_url', `Not a usable feed URL: ${String(feedUrl).slice(0, 200)}`, 400);
  return url;
}

function usableName(name: string): string | undefined {
  try {
    return checkName(name.slice(0, 200));
  } catch {
    return undefined;
  }
}

function outcomeOf(command: CollectionCommand, state: CollectionsState): CollectionChangeOutcome {
  const collection = state.collections.get(command.collectionId)!;
  switch (command.kind) {
    case 'rename':
      return { applied: collection.name.value === command.name.trim() };
    case 'setVisibility':
      return { applied: collection.visibility.value === command.visibility };
    default:
      return { applied: true };
  }
}
