import { DomainError } from '../domain/decider.js';
import type { EventStore } from '../store/event-store.js';
import { ConcurrencyError, type EventMetadata } from '../store/events.js';
import type { Sql } from '../store/sql.js';
import { requestDeviceId, withContextMetadata, withEventContext } from '../store/event-context.js';
import { checkEpisodeRef, type EpisodeRef } from './episode-identity.js';
import { locateEpisodes, writeListeningBatch, type ListeningItem } from './listening-batch.js';
import type { DownloadState, ListeningCommand, ListeningState } from './listening-decider.js';
import { episodeStateView, type EpisodeStateView, type ListeningOutcome } from './listening-view.js';
import { WriteCoalescer } from './write-coalescer.js';

/** A listening change as the API and adapters hand it over (command minus what the service adds). */
export type ListeningChange =
  | { kind: 'recordProgress'; position: number; started?: number; total?: number }
  | { kind: 'setPlayed'; played: boolean }
  | { kind: 'setDownload'; state: DownloadState }
  | { kind: 'setSaved'; saved: boolean }
  | { kind: 'share' };

export interface ListeningWrite {
  episode: EpisodeRef;
  change: ListeningChange;
  /** The device's time of the change (ms). */
  clientTime?: number;
  /** The device that made the change, when it is not the request's (gpodder actions name theirs). */
  deviceId?: string;
}

export interface WriteOptions {
  deviceId?: string;
  receivedAt?: number;
  tx?: Sql;
}

export const EPISODE_LISTS = ['recent', 'in_progress', 'played', 'saved', 'downloaded'] as const;
export type EpisodeList = (typeof EPISODE_LISTS)[number];

const ATTEMPTS = 5;
/** Commands written per transaction at most when concurrent updates are coalesced. */
const MAX_BATCH = 200;

/** One request's changes: written in one batch, all or none. */
interface Submitted {
  items: ListeningItem[];
}

/**
 * Listening state of episodes. Decisions are made against the state kept in the episode's
 * read model row (written by the inline projector with the decider's own evolve, in the same
 * transaction as the events), so an update costs the same however long the episode's history.
 * Updates arriving together (several apps, several accounts) are written together: one
 * transaction, a few set-based statements (write-coalescer.ts, listening-batch.ts).
 */
export class PlaybackService {
  private readonly coalescer: WriteCoalescer<Submitted, ListeningOutcome[]>;

  constructor(private readonly store: EventStore) {
    // PGlite runs one statement at a time: a second batch in flight would only halve both.
    // On PostgreSQL, more batches in flight overlap each other's round trips: with 8 clients, 3
    // measured 7% more updates/s than 2, and 4 no more than 3 (docs/benchmarks.md).
    this.coalescer = new WriteCoalescer((batch) => this.writeCoalesced(batch), {
      maxBatch: MAX_BATCH,
      maxConcurrent: store.db.driver === 'pglite' ? 1 : 3,
      weight: (submitted) => submitted.items.length,
    });
  }

  async record(userId: string, write: ListeningWrite, options: WriteOptions = {}): Promise<ListeningOutcome> {
    const [item] = this.itemsFor(userId, [write], options) as [ListeningItem];
    if (!options.tx) return (await this.coalescer.submit({ items: [item] }))[0]!;
    const [result] = await writeListeningBatch(this.store, options.tx, [item]);
    if (result instanceof Error) throw result;
    return result!;
  }

  /**
   * Several changes of one account, recorded all or none (a gpodder upload), written with the
   * changes other requests make meanwhile (one batch, one statement). Throws the first refusal.
   */
  async recordAll(userId: string, writes: readonly ListeningWrite[], options: Omit<WriteOptions, 'tx'> = {}): Promise<ListeningOutcome[]> {
    if (writes.length === 0) return [];
    return this.coalescer.submit({ items: this.itemsFor(userId, writes, options) });
  }

  /** Several changes of one account in the caller's transaction (an offline batch), in order. */
  async recordMany(userId: string, writes: readonly ListeningWrite[], options: WriteOptions & { tx: Sql }): Promise<ListeningOutcome[]> {
    const items = this.itemsFor(userId, writes, options);
    const results = await writeListeningBatch(this.store, options.tx, items);
    for (const [index, result] of results.entries()) {
      if (result instanceof DomainError) throw new DomainError(result.code, `Change ${index + 1}: ${result.message}`, result.status);
    }
    return results as ListeningOutcome[];
  }

  /** The commands of one request's writes, with the metadata their events carry. */
  private itemsFor(userId: string, writes: readonly ListeningWrite[], options: WriteOptions): ListeningItem[] {
    const requestDevice = options.deviceId ?? requestDeviceId();
    // The request's metadata is captured now (the batch is written outside of its context), once
    // per device named: the writes of an upload share it.
    let metadataDevice: string | undefined;
    let metadata: EventMetadata | undefined;
    return writes.map((write) => {
      const episode = checkEpisodeRef(write.episode);
      const deviceId = write.deviceId ?? requestDevice;
      // Optional fields assigned, not spread in (this runs for every command of an upload).
      const command = { ...write.change, episode, receivedAt: options.receivedAt ?? Date.now() } as ListeningCommand;
      if (write.clientTime !== undefined) command.clientTime = write.clientTime;
      if (deviceId) command.deviceId = deviceId;
      if (metadata === undefined || deviceId !== metadataDevice) {
        metadata = withContextMetadata(deviceId ? { deviceId, userId } : { userId });
        metadataDevice = deviceId;
      }
      return { userId, episode, command, metadata };
    });
  }

  private async writeCoalesced(batch: readonly Submitted[]): Promise<(ListeningOutcome[] | Error)[]> {
    return withEventContext({}, async () => {
      try {
        return await this.writeGroups(batch);
      } catch (error) {
        // What failed may be one request's alone: write each on its own, so only it fails.
        if (batch.length === 1) throw error;
        return Promise.all(batch.map((submitted) => this.writeGroups([submitted]).then((results) => results[0]!, (failure: unknown) => (failure instanceof Error ? failure : new Error(String(failure))))));
      }
    });
  }

  /** Each request's items as one group: its outcomes, or the error that refused it. */
  private async writeGroups(batch: readonly Submitted[]): Promise<(ListeningOutcome[] | Error)[]> {
    const items = batch.flatMap((submitted, group) => submitted.items.map((item) => (submitted.items.length > 1 ? { ...item, group } : item)));
    const results = await this.writeWithRetries(items);
    let next = 0;
    return batch.map((submitted) => {
      const own = results.slice(next, (next += submitted.items.length));
      return own.find((result): result is DomainError => result instanceof DomainError) ?? (own as ListeningOutcome[]);
    });
  }

  private async writeWithRetries(items: readonly ListeningItem[]): Promise<(ListeningOutcome | DomainError)[]> {
    for (let attempt = 1; ; attempt++) {
      try {
        // No transaction: the lookup is a plain read, and the write is one statement that
        // checks every stream's version (a stale lookup fails it whole, and it is retried).
        return await writeListeningBatch(this.store, undefined, items);
      } catch (error) {
        if (!(error instanceof ConcurrencyError) || attempt >= ATTEMPTS) throw error;
      }
    }
  }

  async get(userId: string, ref: EpisodeRef, sql: Sql = this.store.db): Promise<EpisodeStateView | undefined> {
    const [found] = await locateEpisodes(sql, [{ userId, episode: checkEpisodeRef(ref) }]);
    return found?.located ? episodeStateView(found.located.state) : undefined;
  }

  /** A page of a list, most recent change first; `after` is the previous page's `next`. */
  async list(userId: string, options: { list: EpisodeList; feedUrl?: string; limit: number; after?: string }): Promise<{ episodes: EpisodeStateView[]; next: string | null }> {
    const filters: Record<EpisodeList, string> = { recent: 'true', in_progress: 'in_progress', played: 'played', saved: 'saved', downloaded: 'downloaded' };
    const after = options.after === undefined ? undefined : parsePageToken(options.after);
    const result = await this.store.db.query<{ state: ListeningState; updated_at: Date; stream_id: string }>(
      `SELECT state, updated_at, stream_id FROM episode_states
       WHERE user_id = $1 AND ${filters[options.list]} AND ($2::text IS NULL OR feed_url = $2)
         AND ($3::timestamptz IS NULL OR (updated_at, stream_id) < ($3::timestamptz, $4::text))
       ORDER BY updated_at DESC, stream_id DESC LIMIT $5`,
      [userId, options.feedUrl ?? null, after?.updatedAt ?? null, after?.streamId ?? '', options.limit],
    );
    const last = result.rows.length === options.limit ? result.rows[result.rows.length - 1] : undefined;
    return {
      episodes: result.rows.map((row) => episodeStateView(row.state)),
      next: last ? Buffer.from(`${last.updated_at.toISOString()}\n${last.stream_id}`).toString('base64url') : null,
    };
  }
}

function parsePageToken(token: string): { updatedAt: string; streamId: string } {
  const [updatedAt, streamId] = Buffer.from(token, 'base64url').toString('utf8').split('\n');
  if (!updatedAt || !streamId || !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/.test(updatedAt) || !Number.isFinite(Date.parse(updatedAt))) {
    throw new DomainError('invalid_page_token', 'Not a page token this server gave out', 400);
  }
  return { updatedAt, streamId };
}
