import { createHash } from 'node:crypto';
import type { Sql } from '../../store/sql.js';
import { FeedFetchError, type FeedFetcher } from '../fetcher/index.js';

/** How long a copy is served without asking the feed's server again (as the original system). */
export const PROXY_FRESH_MS = 5 * 60_000;
/** A feed larger than this is not proxied (502 feed_too_large). */
export const MAX_PROXIED_BYTES = 16 * 1024 * 1024;
/** A failed fetch is answered again from memory this long: a failing feed's server is not hammered through us. */
export const FAILURE_MEMORY_MS = 60_000;
const MAX_REMEMBERED_FAILURES = 10_000;
/** All copies of one process together, least recently used dropped first. */
export const MAX_CACHED_BYTES = 64 * 1024 * 1024;

export interface ProxiedFeed {
  body: Buffer;
  contentType: string;
  /** Our own validator of the body (strong: a hash of the bytes). */
  etag: string;
  fetchedAt: number;
}

interface Entry extends ProxiedFeed {
  /** The feed server's validators, for the conditional GET once the copy is stale. */
  upstreamEtag?: string;
  upstreamLastModified?: string;
}

export class ProxyError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Copies of subscribed feeds for web players (GET /api/v1/rss/proxy/{feedId}): fetched with the
 * same fetcher as the scheduler (SSRF guard, size and time limits, per-host limits shared with
 * the refreshes), kept 5 minutes, then revalidated with a conditional GET.
 *
 * The copies live in this process's memory, bounded in bytes: they are a cache of someone
 * else's document, not data of ours (nothing is lost with a restart), a table would write
 * megabytes to the WAL every 5 minutes per feed, and several processes each revalidating at
 * most every 5 minutes costs a feed's server a 304 each. The proxy must not fetch arbitrary URLs
 * for strangers, nor tell them what the instance's listeners follow privately: a feed is served
 * to anyone when it is in the public directory (someone follows it publicly or anonymously),
 * and to a signed-in listener when they subscribe to it themselves.
 */
export class FeedProxy {
  private readonly entries = new Map<string, Entry>();
  private readonly inFlight = new Map<string, Promise<Entry>>();
  /** Recent failures, the oldest forgotten first past MAX_REMEMBERED_FAILURES. */
  private readonly failures = new Map<string, { error: ProxyError; until: number }>();
  private cachedBytes = 0;

  constructor(
    private readonly db: Sql,
    private readonly fetcher: FeedFetcher,
    private readonly options: { freshMs?: number; maxCachedBytes?: number; maxFeedBytes?: number; now?: () => number } = {},
  ) {}

  /**
   * The copy to serve; undefined when the feed is not one this caller may read through the proxy
   * (`viewer`: the signed-in listener's id, if any). Rejects with ProxyError.
   */
  async get(feedUrl: string, viewer?: string): Promise<ProxiedFeed | undefined> {
    const served = await this.db.query(
      `SELECT 1 FROM directory_podcasts WHERE feed_url = $1
       UNION ALL SELECT 1 FROM subscriptions WHERE user_id = $2 AND feed_url = $1 AND subscribed LIMIT 1`,
      [feedUrl, viewer ?? null],
      { name: 'balados_proxy_served' },
    );
    if (served.rows.length === 0) return undefined;
    const now = this.now();
    const cached = this.entries.get(feedUrl);
    if (cached && now - cached.fetchedAt < (this.options.freshMs ?? PROXY_FRESH_MS)) {
      this.touch(feedUrl, cached);
      return cached;
    }
    const failed = this.failures.get(feedUrl);
    if (failed && failed.until > now) throw failed.error;
    this.failures.delete(feedUrl);
    // One fetch per feed at a time, however many players ask at once.
    let pending = this.inFlight.get(feedUrl);
    if (!pending) {
      pending = this.refresh(feedUrl, cached)
        .catch((error: unknown) => {
          if (error instanceof ProxyError) {
            this.failures.set(feedUrl, { error, until: this.now() + FAILURE_MEMORY_MS });
            if (this.failures.size > MAX_REMEMBERED_FAILURES) this.failures.delete(this.failures.keys().next().value!);
          }
          throw error;
        })
        .finally(() => this.inFlight.delete(feedUrl));
      this.inFlight.set(feedUrl, pending);
    }
    return pending;
  }

  private async refresh(feedUrl: string, stale: Entry | undefined): Promise<Entry> {
    let outcome;
    try {
      outcome = await this.fetcher.fetch(feedUrl, {
        ...(stale?.upstreamEtag ? { etag: stale.upstreamEtag } : {}),
        ...(stale?.upstreamLastModified ? { lastModified: stale.upstreamLastModified } : {}),
      });
    } catch (error) {
      if (error instanceof FeedFetchError) throw new ProxyError(`upstream_${error.code}`, `The feed could not be fetched: ${error.message}`);
      throw error;
    }
    if (outcome.kind === 'not_modified' && stale) {
      const renewed = { ...stale, fetchedAt: this.now() };
      this.store(feedUrl, renewed);
      return renewed;
    }
    if (outcome.kind === 'not_modified') throw new ProxyError('upstream_protocol_error', 'The feed answered 304 to an unconditional request');
    const chunks: Uint8Array[] = [];
    let size = 0;
    try {
      for await (const chunk of outcome.body) {
        size += chunk.byteLength;
        const max = this.options.maxFeedBytes ?? MAX_PROXIED_BYTES;
        if (size > max) {
          await outcome.body.cancel();
          throw new ProxyError('feed_too_large', `The feed is larger than ${max} bytes, more than the proxy serves`);
        }
        chunks.push(chunk);
      }
    } catch (error) {
      if (error instanceof FeedFetchError) throw new ProxyError(`upstream_${error.code}`, `The feed could not be read: ${error.message}`);
      throw error;
    }
    const body = Buffer.concat(chunks);
    const entry: Entry = {
      body,
      contentType: xmlContentType(outcome.contentType),
      etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`,
      fetchedAt: this.now(),
      ...(outcome.etag ? { upstreamEtag: outcome.etag } : {}),
      ...(outcome.lastModified ? { upstreamLastModified: outcome.lastModified } : {}),
    };
    this.store(feedUrl, entry);
    return entry;
  }

  private store(feedUrl: string, entry: Entry): void {
    const previous = this.entries.get(feedUrl);
    if (previous) {
      this.cachedBytes -= previous.body.byteLength;
      this.entries.delete(feedUrl);
    }
    this.entries.set(feedUrl, entry);
    this.cachedBytes += entry.body.byteLength;
    const max = this.options.maxCachedBytes ?? MAX_CACHED_BYTES;
    // A Map iterates in insertion order: the first keys are the least recently used.
    for (const [key, oldest] of this.entries) {
      if (this.cachedBytes <= max) break;
      this.entries.delete(key);
      this.cachedBytes -= oldest.body.byteLength;
    }
  }

  private touch(feedUrl: string, entry: Entry): void {
    this.entries.delete(feedUrl);
    this.entries.set(feedUrl, entry);
  }

  private now(): number {
    return (this.options.now ?? Date.now)();
  }

  get size(): { entries: number; bytes: number } {
    return { entries: this.entries.size, bytes: this.cachedBytes };
  }
}

/** The feed's own type when it says XML; anything else (text/html from a misconfigured server) as RSS. */
function xmlContentType(contentType: string | undefined): string {
  const type = contentType?.split(';')[0]?.trim().toLowerCase();
  return type && /^(application|text)\/([\w.+-]*\+)?xml$/.test(type) ? contentType! : 'application/rss+xml';
}
