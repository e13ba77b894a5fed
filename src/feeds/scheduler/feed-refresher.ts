import { createHash } from 'node:crypto';
import { FeedFetchError, type FeedFetcher, type FetchedFeed } from '../fetcher/index.js';
import { createFeedParser, FeedParseError, type ParsedFeed } from '../parser/index.js';
import { feedSnapshot, MAX_EPISODES_PER_FEED } from '../catalog/details.js';
import type { CatalogService } from '../catalog/catalog-service.js';
import type { MoveReason } from '../catalog/feed-decider.js';
import { tryNormalizeFeedUrl } from '../../subscriptions/feed-url.js';
import { refreshInterval, type IntervalBounds } from './intervals.js';
import type { ScheduledFeed } from './schedule-store.js';

export type RefreshResult =
  | {
      kind: 'success';
      /** fetched: parsed and recorded; unchanged: same body as last time (not parsed); not_modified: 304. */
      status: 'fetched' | 'unchanged' | 'not_modified';
      etag: string | null;
      lastModified: string | null;
      contentHash: string | null;
      intervalSeconds: number;
      /** Events the catalog recorded. */
      events: number;
      movedTo?: string;
    }
  | { kind: 'failure'; code: string; message: string; status?: number; retryAfterSeconds?: number };

export interface RefresherDeps {
  fetcher: FeedFetcher;
  catalog: CatalogService;
  bounds: IntervalBounds;
  now?: () => Date;
}

interface Parsed {
  /** Null when the body is the one already recorded (`knownHash`): it was not parsed. */
  feed: ParsedFeed | null;
  hash: string;
}

/** Bodies up to this size are hashed before they are parsed, so that an unchanged one is not parsed at all. */
const HASH_FIRST_BYTES = 1024 * 1024;

/**
 * Reads the body to the end, hashing it. A small body is kept and parsed only if its hash is new;
 * a larger one goes through the streaming parser as it arrives (memory stays bounded).
 */
async function readFeed(outcome: FetchedFeed, knownHash: string | null): Promise<Parsed> {
  const hash = createHash('sha256');
  const createParser = () => createFeedParser({ baseUrl: outcome.finalUrl, maxEpisodes: MAX_EPISODES_PER_FEED });
  let parser: ReturnType<typeof createFeedParser> | null = null;
  let held: Uint8Array[] = [];
  let heldBytes = 0;
  // for-await gives the body back (return()) if the parser throws: connection and permits are released.
  for await (const chunk of outcome.body) {
    hash.update(chunk);
    if (parser) {
      parser.write(chunk);
      continue;
    }
    held.push(chunk);
    heldBytes += chunk.byteLength;
    if (heldBytes > HASH_FIRST_BYTES) {
      parser = createParser();
      for (const piece of held) parser.write(piece);
      held = [];
    }
  }
  const digest = hash.digest('base64url');
  if (!parser) {
    if (digest === knownHash) return { feed: null, hash: digest };
    parser = createParser();
    for (const piece of held) parser.write(piece);
  }
  return { feed: parser.end(), hash: digest };
}

/**
 * One refresh of one feed: conditional GET, parse, record what changed in the catalog, and
 * record a move when the feed moved (a permanent redirect, or itunes:new-feed-url to an address
 * that itself fetches and parses as a feed). No schedule bookkeeping: the scheduler does that
 * with the result.
 */
export class FeedRefresher {
  private readonly now: () => Date;

  constructor(private readonly deps: RefresherDeps) {
    this.now = deps.now ?? (() => new Date());
  }

  async refresh(feed: ScheduledFeed, signal?: AbortSignal): Promise<RefreshResult> {
    const result = await this.outcome(feed, signal);
    // The catalog records when a feed starts failing (or fails differently), not every attempt.
    if (result.kind === 'failure' && !signal?.aborted) {
      await this.deps.catalog.recordFailure(feed.feedUrl, { code: result.code, message: result.message, ...(result.status !== undefined ? { status: result.status } : {}) }, this.now());
    }
    return result;
  }

  private async outcome(feed: ScheduledFeed, signal: AbortSignal | undefined): Promise<RefreshResult> {
    try {
      return await this.attempt(feed, signal);
    } catch (error) {
      if (error instanceof FeedFetchError) {
        return {
          kind: 'failure',
          code: error.code,
          message: error.message,
          ...(error.status !== undefined ? { status: error.status } : {}),
          ...(error.retryAfterMs !== undefined ? { retryAfterSeconds: error.retryAfterMs / 1000 } : {}),
        };
      }
      if (error instanceof FeedParseError) return { kind: 'failure', code: `feed_${error.code}`, message: error.message };
      throw error;
    }
  }

  private async attempt(feed: ScheduledFeed, signal: AbortSignal | undefined): Promise<RefreshResult> {
    const conditional = { ...(feed.etag ? { etag: feed.etag } : {}), ...(feed.lastModified ? { lastModified: feed.lastModified } : {}) };
    const outcome = await this.deps.fetcher.fetch(feed.feedUrl, conditional, signal);
    const redirectedTo = outcome.permanentRedirect ? tryNormalizeFeedUrl(outcome.permanentRedirect.to) : undefined;
    const movedTo = redirectedTo !== undefined && redirectedTo !== feed.feedUrl ? redirectedTo : undefined;
    if (outcome.kind === 'not_modified') {
      // Our copy is current; a move seen on the way is only recorded once the new address has
      // been read as a feed (a 304 says nothing about what it serves to others).
      const events = (movedTo ? await this.moveIfFeed(feed.feedUrl, movedTo, 'permanent_redirect', signal) : 0) + (await this.recovered(feed));
      return this.success('not_modified', { etag: feed.etag, lastModified: feed.lastModified, contentHash: feed.contentHash, intervalSeconds: feed.intervalSeconds, events });
    }
    const validators = { etag: outcome.etag ?? null, lastModified: outcome.lastModified ?? null };
    const { feed: parsed, hash } = await readFeed(outcome, movedTo ? null : feed.contentHash);
    if (parsed === null || (hash === feed.contentHash && !movedTo)) {
      return this.success('unchanged', { ...validators, contentHash: hash, intervalSeconds: feed.intervalSeconds, events: await this.recovered(feed) });
    }
    const at = this.now();
    const snapshot = feedSnapshot(parsed);
    const intervalSeconds = refreshInterval(snapshot.episodes.map((episode) => episode.publishedAt), at.getTime(), this.deps.bounds);
    // Redirected for good: what was read is the new address's feed, and it did parse.
    const recordedUrl = movedTo ?? feed.feedUrl;
    let events = (await this.deps.catalog.recordFetch(recordedUrl, snapshot, at)).length;
    if (movedTo) {
      events += (await this.deps.catalog.recordMove(feed.feedUrl, movedTo, 'permanent_redirect', at)).length;
    } else {
      const declared = snapshot.newFeedUrl ? tryNormalizeFeedUrl(snapshot.newFeedUrl) : undefined;
      if (declared !== undefined && declared !== feed.feedUrl) events += await this.moveIfFeed(feed.feedUrl, declared, 'new_feed_url', signal);
    }
    return this.success('fetched', { ...validators, contentHash: hash, intervalSeconds, events, ...(movedTo ? { movedTo } : {}) });
  }

  /** A failing feed that answers again with nothing new: the catalog learns it works (only then is its stream read). */
  private async recovered(feed: ScheduledFeed): Promise<number> {
    return feed.failures > 0 ? (await this.deps.catalog.recordRecovery(feed.feedUrl, this.now())).length : 0;
  }

  /**
   * Records the move only if `to` answers with a feed that does not itself point elsewhere
   * (a loop between two feeds, or a chain, is not followed). The fetcher refuses internal
   * addresses, so a feed cannot move its subscribers onto the server's own network.
   */
  private async moveIfFeed(from: string, to: string, reason: MoveReason, signal: AbortSignal | undefined): Promise<number> {
    if ((await this.deps.catalog.movedTo(from)) === to) return 0;
    let parsed: ParsedFeed;
    try {
      const outcome = await this.deps.fetcher.fetch(to, {}, signal);
      if (outcome.kind !== 'fetched') return 0;
      parsed = (await readFeed(outcome, null)).feed!;
    } catch (error) {
      if (error instanceof FeedFetchError || error instanceof FeedParseError) return 0;
      throw error;
    }
    const onward = parsed.podcast.newFeedUrl ? tryNormalizeFeedUrl(parsed.podcast.newFeedUrl) : undefined;
    if (onward !== undefined && onward !== to) return 0;
    const at = this.now();
    const recorded = await this.deps.catalog.recordFetch(to, feedSnapshot(parsed), at);
    const moved = await this.deps.catalog.recordMove(from, to, reason, at);
    return recorded.length + moved.length;
  }

  private success(
    status: 'fetched' | 'unchanged' | 'not_modified',
    values: { etag: string | null; lastModified: string | null; contentHash: string | null; intervalSeconds: number; events: number; movedTo?: string },
  ): RefreshResult {
    return { kind: 'success', status, ...values };
  }
}
