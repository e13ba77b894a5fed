import { SnapshotCommandHandler } from '../../domain/snapshot-handler.js';
import type { EventStore } from '../../store/event-store.js';
import type { RecordedEvent } from '../../store/events.js';
import type { Sql } from '../../store/sql.js';
import type { EpisodeDetails, FeedSnapshot, PodcastDetails } from './details.js';
import { feedDecider, feedSnapshotting, feedStream, type FeedCommand, type FeedEvent, type FeedState, type MoveReason } from './feed-decider.js';

export interface CatalogPodcast {
  feedUrl: string;
  title: string | null;
  author: string | null;
  description: string | null;
  imageUrl: string | null;
  language: string | null;
  link: string | null;
  podcastGuid: string | null;
  details: Partial<PodcastDetails>;
  episodeCount: number;
  movedTo: string | null;
  firstFetchedAt: Date;
  changedAt: Date;
}

export interface CatalogEpisode {
  feedUrl: string;
  guid: string;
  mediaUrl: string | null;
  title: string | null;
  publishedAt: Date | null;
  details: EpisodeDetails;
}

interface PodcastRow {
  feed_url: string;
  title: string | null;
  author: string | null;
  description: string | null;
  image_url: string | null;
  language: string | null;
  link: string | null;
  podcast_guid: string | null;
  details: Partial<PodcastDetails>;
  episode_count: number;
  moved_to: string | null;
  first_fetched_at: Date;
  changed_at: Date;
}

interface EpisodeRow {
  feed_url: string;
  guid: string;
  media_url: string | null;
  title: string | null;
  published_at: Date | null;
  details: EpisodeDetails;
  sort_key: string;
}

export const EPISODE_COLUMNS = 'feed_url, guid, media_url, title, published_at, details';

export function toCatalogEpisode(row: Omit<EpisodeRow, 'sort_key'>): CatalogEpisode {
  return { feedUrl: row.feed_url, guid: row.guid, mediaUrl: row.media_url, title: row.title, publishedAt: row.published_at, details: row.details };
}

/** A page of episodes, newest first; `next` continues after the last one. */
export interface EpisodePage {
  episodes: CatalogEpisode[];
  next: string | null;
}

/**
 * Records what fetching a feed taught (through the feed decider, one stream per feed) and reads
 * the catalog's read models. The decision state is a snapshot (guid → fingerprint), so recording
 * a refresh of a 5,000-episode feed reads one row, not 5,000 events.
 */
export class CatalogService {
  private readonly handler: SnapshotCommandHandler<FeedCommand, FeedEvent, FeedState>;

  constructor(private readonly store: EventStore) {
    this.handler = new SnapshotCommandHandler(store, feedDecider, feedSnapshotting);
  }

  private async handle(feedUrl: string, command: FeedCommand): Promise<RecordedEvent[]> {
    const result = await this.handler.handle(feedStream(feedUrl), command, { maxAttempts: 5 });
    return result.events;
  }

  recordFetch(feedUrl: string, snapshot: FeedSnapshot, at: Date): Promise<RecordedEvent[]> {
    return this.handle(feedUrl, { kind: 'recordFetch', feedUrl, at: at.toISOString(), snapshot });
  }

  recordFailure(feedUrl: string, failure: { code: string; message: string; status?: number }, at: Date): Promise<RecordedEvent[]> {
    return this.handle(feedUrl, { kind: 'recordFailure', feedUrl, at: at.toISOString(), ...failure });
  }

  recordRecovery(feedUrl: string, at: Date): Promise<RecordedEvent[]> {
    return this.handle(feedUrl, { kind: 'recordRecovery', feedUrl, at: at.toISOString() });
  }

  recordMove(feedUrl: string, to: string, reason: MoveReason, at: Date): Promise<RecordedEvent[]> {
    return this.handle(feedUrl, { kind: 'recordMove', feedUrl, to, reason, at: at.toISOString() });
  }

  /** Where the decider says the feed moved to (null: it did not), read from its stream, not the async catalog. */
  async movedTo(feedUrl: string): Promise<string | null> {
    return (await this.handler.load(feedStream(feedUrl))).state.movedTo;
  }

  async podcast(feedUrl: string, sql: Sql = this.store.db): Promise<CatalogPodcast | undefined> {
    const result = await sql.query<PodcastRow>('SELECT * FROM catalog_podcasts WHERE feed_url = $1', [feedUrl]);
    const row = result.rows[0];
    if (!row) return undefined;
    return {
      feedUrl: row.feed_url,
      title: row.title,
      author: row.author,
      description: row.description,
      imageUrl: row.image_url,
      language: row.language,
      link: row.link,
      podcastGuid: row.podcast_guid,
      details: row.details,
      episodeCount: Number(row.episode_count),
      movedTo: row.moved_to,
      firstFetchedAt: row.first_fetched_at,
      changedAt: row.changed_at,
    };
  }

  /**
   * Episodes newest first (undated last). The page token is the last row's position in that
   * order (publication time and guid hash), so pages neither skip nor repeat while episodes
   * are added.
   */
  async episodes(feedUrl: string, options: { limit: number; after?: string }, sql: Sql = this.store.db): Promise<EpisodePage> {
    const after = options.after ? decodeCursor(options.after) : undefined;
    const result = await sql.query<EpisodeRow>(
      `SELECT ${EPISODE_COLUMNS}, COALESCE(to_char(published_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US'), '') || '|' || md5(guid) AS sort_key
       FROM catalog_episodes
       WHERE feed_url = $1 AND ($2::timestamptz IS NULL AND $3::text IS NULL
         OR ($2::timestamptz IS NOT NULL AND (published_at < $2 OR published_at IS NULL OR (published_at = $2 AND md5(guid) > $3)))
         OR ($2::timestamptz IS NULL AND $3::text IS NOT NULL AND published_at IS NULL AND md5(guid) > $3))
       ORDER BY published_at DESC NULLS LAST, md5(guid)
       LIMIT $4`,
      [feedUrl, after?.publishedAt ?? null, after?.hash ?? null, options.limit + 1],
    );
    const rows = result.rows.slice(0, options.limit);
    const last = rows.at(-1);
    return {
      episodes: rows.map(toCatalogEpisode),
      next: result.rows.length > options.limit && last ? Buffer.from(last.sort_key).toString('base64url') : null,
    };
  }
}

export class InvalidCursorError extends Error {
  readonly code = 'invalid_cursor';
}

function decodeCursor(token: string): { publishedAt: string | null; hash: string } {
  const text = Buffer.from(token, 'base64url').toString('utf8');
  const match = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6})?\|([0-9a-f]{32})$/.exec(text);
  if (!match) throw new InvalidCursorError('Not a page token of this list');
  return { publishedAt: match[1] ? `${match[1]}Z` : null, hash: match[2]! };
}
