import type { Sql } from '../store/sql.js';
import { urlOnlyMetadata, type PodcastMetadata, type PodcastMetadataSource } from './podcast-metadata.js';

/** A podcast as the directory shows it: how many accounts may be counted as its subscribers, and what is known of it. */
export interface DirectoryPodcast {
  feedUrl: string;
  subscribers: number;
  metadata: PodcastMetadata;
}

export const MAX_QUERY_LENGTH = 200;

/**
 * The podcasts this instance knows publicly: those at least one account subscribes to with a
 * subscription it lets be counted (`directory_podcasts`, the async projection). Nothing else is
 * ever named here, whatever the metadata source knows: a podcast only private subscriptions
 * hold looks exactly like one nobody subscribes to.
 */
export class PodcastDirectory {
  constructor(
    private readonly db: Sql,
    readonly metadata: PodcastMetadataSource = urlOnlyMetadata,
  ) {}

  /** The most subscribed podcasts. */
  async top(limit: number): Promise<DirectoryPodcast[]> {
    const result = await this.db.query<{ feed_url: string; subscribers: number }>(
      'SELECT feed_url, subscribers FROM directory_podcasts ORDER BY subscribers DESC, feed_url COLLATE "C" LIMIT $1',
      [limit],
    );
    return this.described(result.rows);
  }

  /** Podcasts whose feed URL holds the query (or whose metadata matches it), most subscribed first. */
  async search(query: string, limit: number): Promise<DirectoryPodcast[]> {
    const pattern = `%${query.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    const matches = await this.metadata.search(query, limit);
    const result = await this.db.query<{ feed_url: string; subscribers: number }>(
      `SELECT feed_url, subscribers FROM directory_podcasts WHERE feed_url ILIKE $1 OR feed_url = ANY($2::text[])
       ORDER BY subscribers DESC, feed_url COLLATE "C" LIMIT $3`,
      [pattern, matches, limit],
    );
    return this.described(result.rows);
  }

  /** The most subscribed podcasts this account does not subscribe to. */
  async suggestions(userId: string, limit: number): Promise<DirectoryPodcast[]> {
    const result = await this.db.query<{ feed_url: string; subscribers: number }>(
      `SELECT d.feed_url, d.subscribers FROM directory_podcasts d
       WHERE NOT EXISTS (SELECT 1 FROM subscriptions s WHERE s.user_id = $1 AND s.feed_url = d.feed_url AND s.subscribed)
       ORDER BY d.subscribers DESC, d.feed_url COLLATE "C" LIMIT $2`,
      [userId, limit],
    );
    return this.described(result.rows);
  }

  /** The podcasts of a category (from the metadata source), most subscribed first. */
  async tagged(tag: string, limit: number): Promise<DirectoryPodcast[]> {
    const feeds = await this.metadata.tagged(tag, limit * 10);
    if (feeds.length === 0) return [];
    const result = await this.db.query<{ feed_url: string; subscribers: number }>(
      'SELECT feed_url, subscribers FROM directory_podcasts WHERE feed_url = ANY($1::text[]) ORDER BY subscribers DESC, feed_url COLLATE "C" LIMIT $2',
      [feeds, limit],
    );
    return this.described(result.rows);
  }

  /** One podcast, if the directory may name it. */
  async podcast(feedUrl: string): Promise<DirectoryPodcast | undefined> {
    const result = await this.db.query<{ feed_url: string; subscribers: number }>('SELECT feed_url, subscribers FROM directory_podcasts WHERE feed_url = $1', [feedUrl]);
    return (await this.described(result.rows))[0];
  }

  private async described(rows: readonly { feed_url: string; subscribers: number }[]): Promise<DirectoryPodcast[]> {
    const known = rows.length > 0 ? await this.metadata.describe(rows.map((row) => row.feed_url)) : new Map<string, PodcastMetadata>();
    return rows.map((row) => ({ feedUrl: row.feed_url, subscribers: Number(row.subscribers), metadata: known.get(row.feed_url) ?? {} }));
  }
}
