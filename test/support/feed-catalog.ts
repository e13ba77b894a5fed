import type { IncomingMessage, ServerResponse } from 'node:http';
import type { DomainServices } from '../../src/app/domain-services.js';
import { wireEventStore } from '../../src/app/wiring.js';
import { loadConfig } from '../../src/config.js';
import { createFeedRuntime, type FeedRuntime } from '../../src/feeds/feed-runtime.js';
import { after, before } from 'node:test';
import { startFixtureServer, type FixtureServer } from '../../src/feeds/fetcher/testing/fixture-server.js';
import { catchUpAsync } from '../../src/projections/catch-up.js';
import { projectionStatuses } from '../../src/projections/status.js';
import { prepareProjections } from '../../src/projections/startup.js';
import type { EventStore } from '../../src/store/event-store.js';
import type { Database } from '../../src/store/sql.js';
import type { Projector } from '../../src/projections/projector.js';

export interface FeedHarness {
  db: Database;
  store: EventStore;
  services: DomainServices;
  feeds: FeedRuntime;
  projectors: readonly Projector[];
  /** Runs every async projection and reactor until none has anything left. */
  settle(): Promise<void>;
}

/**
 * The feed side of the application on a test database, as `serve` wires it: projectors with
 * the reactors bound to the sync domain, the catalog, a scheduler whose fetcher may reach the
 * loopback fixture server (the instance setting FEED_ALLOWED_ADDRESSES, nothing test-only).
 */
export async function feedHarness(db: Database, options: { env?: Record<string, string>; now?: () => Date; owner?: string } = {}): Promise<FeedHarness> {
  const { projectors, store, services } = wireEventStore(db);
  await prepareProjections(db, store, projectors);
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

/**
 * Runs every async projection and reactor until none has anything left (reactors append events
 * others read). On a shared PostgreSQL server another test file's open transaction can hold the
 * readers back for a moment (commit-safe reads), so this waits until no event is left unapplied.
 */
export async function settleProjections(db: Database, store: EventStore, projectors: readonly Projector[]): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    await catchUpAsync(db, store, projectors, { batchSize: 500 });
    const pending = (await projectionStatuses(db, projectors)).filter((status) => status.kind === 'async' && status.lag > 0);
    if (pending.length === 0) return;
    if (Date.now() > deadline) throw new Error(`projections did not settle: ${pending.map((status) => status.name).join(', ')}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
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

/**
 * A fixture feed server for the whole test file: started before its tests, closed after them.
 * The object stands for the server once it is started (use it inside tests and hooks).
 */
export function fixtureServerForFile(): FixtureServer {
  let server: FixtureServer | undefined;
  before(async () => {
    server = await startFixtureServer();
  });
  after(async () => {
    await server?.close();
  });
  return new Proxy({} as FixtureServer, {
    get(_target, property: keyof FixtureServer) {
      if (!server) throw new Error('the fixture server starts before the tests');
      const value = server[property];
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(server) : value;
    },
  });
}
