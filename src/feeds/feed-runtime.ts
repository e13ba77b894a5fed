import type { Logger } from 'pino';
import { VERSION } from '../app/version.js';
import type { FeedsConfig } from '../config.js';
import type { EventStore } from '../store/event-store.js';
import { CatalogService } from './catalog/catalog-service.js';
import { createFeedFetcher, type FeedFetcher } from './fetcher/index.js';
import { FeedRefresher } from './scheduler/feed-refresher.js';
import { FeedScheduler } from './scheduler/feed-scheduler.js';
import { FeedProxy } from './proxy/feed-proxy.js';

/** The first wait after a failure; it doubles with each further one (FEED_MAX_BACKOFF_MINUTES caps it). */
export const FIRST_BACKOFF_SECONDS = 300;

export interface FeedRuntime {
  catalog: CatalogService;
  scheduler: FeedScheduler;
  /** Copies of subscribed feeds for web players (GET /api/v1/rss/proxy/{feedId}), with the scheduler's fetcher. */
  proxy: FeedProxy;
  config: FeedsConfig;
  close(): Promise<void>;
}

export interface FeedRuntimeOptions {
  store: EventStore;
  config: FeedsConfig;
  baseUrl: string;
  logger?: Logger;
  /** Replaces the fetcher built from the configuration (tests: a fake resolver). */
  fetcher?: FeedFetcher;
  pollIntervalMs?: number;
  owner?: string;
  now?: () => Date;
}

/** The catalog, the fetcher and the scheduler of one process, wired from the configuration. */
export function createFeedRuntime(options: FeedRuntimeOptions): FeedRuntime {
  const { config, store } = options;
  const fetcher = options.fetcher ?? createFeedFetcher({ version: VERSION, baseUrl: options.baseUrl, allowedAddresses: config.allowedAddresses });
  const catalog = new CatalogService(store);
  const intervals = { minSeconds: config.minIntervalSeconds, maxSeconds: config.maxIntervalSeconds };
  const refresher = new FeedRefresher({ fetcher, catalog, bounds: intervals, ...(options.now ? { now: options.now } : {}) });
  const scheduler = new FeedScheduler(store.db, refresher, {
    concurrency: config.concurrency,
    intervals,
    backoff: { firstSeconds: Math.min(FIRST_BACKOFF_SECONDS, config.maxBackoffSeconds), maxSeconds: config.maxBackoffSeconds },
    ...(options.pollIntervalMs !== undefined ? { pollIntervalMs: options.pollIntervalMs } : {}),
    ...(options.owner ? { owner: options.owner } : {}),
    ...(options.logger ? { logger: options.logger } : {}),
    ...(options.now ? { now: options.now } : {}),
  });
  let closing: Promise<void> | undefined;
  return {
    catalog,
    scheduler,
    proxy: new FeedProxy(store.db, fetcher),
    config,
    close() {
      closing ??= (async () => {
        await scheduler.stop();
        if (!options.fetcher) await fetcher.close();
      })();
      return closing;
    },
  };
}
