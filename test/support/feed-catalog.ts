import type { IncomingMessage, ServerResponse } from 'node:http';
import { createDomainServices, type DomainServices } from '../../src/app/domain-services.js';
import { applicationProjectors, type FeedHooks } from '../../src/app/projectors.js';
import { loadConfig } from '../../src/config.js';
import { createFeedRuntime, type FeedRuntime } from '../../src/feeds/feed-runtime.js';
import type { FixtureServer } from '../../src/feeds/fetcher/testing/fixture-server.js';
import { catchUpAsync } from '../../src/projections/catch-up.js';
import { prepareProjections } from '../../src/projections/startup.js';
import { EventStore } from '../../src/store/event-store.js';
import type { Database } from '../../src/store/sql.js';
import type { Projector } from '../../src/projections/projector.js';

export interface FeedHarness {
  db: Database;
  store: EventStore;
  services: DomainServices;
  feeds: FeedRuntime;
  projectors: Projector[];
  /** Runs every async projection and reactor until none has anything left. */
  settle(): Promise<void>;
}

/**
 * The feed side of the application on a test database, as `serve` wires it: projectors with
 * the reactors bound to the sync domain, the catalog, a scheduler whose fetcher may reach the
 * loopback fixture server (the instance setting FEED_ALLOWED_ADDRESSES, nothing test-only).
 */
export async function feedHarness(db: Database, options: { env?: Record<string, string>; now?: () => Date; owner?: string } = {}): Promise<FeedHarness> {
  const hooks: FeedHooks = {};
  const projectors = applicationProjectors(hooks);
  const store = new EventStore(db, { inlineProjectors: projectors.filter((projector) => projector.kind === 'inline') });
  await prepareProjections(db, store, projectors);
  const services = createDomainServices(store);
  hooks.moveFeed = services.moveFeed;
  const config = loadConfig({ FEED_ALLOWED_ADDRESSES: '127.0.0.1', ...options.env });
  const feeds = createFeedRuntime({
    store,
    config: config.feeds,
    baseUrl: 'http://balados.test',
    pollIntervalMs: 20,
    ...(options.now ? { now: options.now } : {}),
    ...(options.owner ? { owner: options.owner } : {}),
  });
  return { db, store, services, feeds, projectors, settle: () => settleProjections(db, store, projectors) };
}

/** Runs every async projection and reactor until none has anything left (reactors append events others read). */
export function settleProjections(db: Database, store: EventStore, projectors: readonly Projector[]): Promise<void> {
  return catchUpAsync(db, store, projectors, { batchSize: 500 });
}

export interface ServedFeed {
  body: string | Buffer;
  etag?: string;
  status?: number;
}

/** Serves what `current()` returns at `path`, answering 304 to a matching If-None-Match. */
export function serveFeed(server: FixtureServer, path: string, current: () => ServedFeed): void {
  server.route(path, (request: IncomingMessage, response: ServerResponse) => {
    const feed = current();
    if (feed.status !== undefined && feed.status !== 200) {
      response.writeHead(feed.status, { 'content-type': 'text/plain' }).end('no');
      return;
    }
    if (feed.etag && request.headers['if-none-match'] === feed.etag) {
      response.writeHead(304, { etag: feed.etag }).end();
      return;
    }
    response.writeHead(200, { 'content-type': 'application/rss+xml', ...(feed.etag ? { etag: feed.etag } : {}) }).end(feed.body);
  });
}

/** The catalog's events for one feed, in order (type and data). */
export async function feedEvents(db: Database, streamId: string): Promise<{ type: string; data: any }[]> {
  const result = await db.query<{ type: string; data: unknown }>('SELECT type, data FROM events WHERE stream_id = $1 ORDER BY stream_version', [streamId]);
  return result.rows as { type: string; data: any }[];
}
