import type { Projector } from '../projections/projector.js';
import { EventStore } from '../store/event-store.js';
import type { Database } from '../store/sql.js';
import { createDomainServices, type DomainServices } from './domain-services.js';
import { applicationProjectors, type FeedHooks } from './projectors.js';

export interface WiredStore {
  projectors: readonly Projector[];
  store: EventStore;
  services: DomainServices;
  /** Late bindings of the feed reactors: moves are bound here; the scheduler sets `onFeedScheduled`. */
  feedHooks: FeedHooks;
}

/**
 * The event store with the application's projectors (inline ones in its appends), and the feed
 * reactors bound to the sync domain's feed moves, which need that store: built in this order once,
 * here, for the server, the commands, the tests and the benchmarks alike.
 */
export function wireEventStore(db: Database, options: { projectors?: readonly Projector[]; initialIntervalSeconds?: number } = {}): WiredStore {
  const feedHooks: FeedHooks = options.initialIntervalSeconds !== undefined ? { initialIntervalSeconds: options.initialIntervalSeconds } : {};
  const projectors = options.projectors ?? applicationProjectors(feedHooks);
  const store = new EventStore(db, { inlineProjectors: projectors.filter((projector) => projector.kind === 'inline') });
  const services = createDomainServices(store);
  feedHooks.moveFeed = services.moveFeed;
  return { projectors, store, services, feedHooks };
}
