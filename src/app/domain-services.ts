import type { EventStore } from '../store/event-store.js';
import { SubscriptionService } from '../subscriptions/subscription-service.js';
import { subscriptionsSyncApplier, subscriptionsSyncSource } from '../subscriptions/sync.js';
import type { SyncApplier, SyncSource } from '../sync/sync-source.js';

/** The services of the sync domain's bounded contexts: stateless, over one event store. */
export interface DomainServices {
  subscriptions: SubscriptionService;
  /** What each context contributes to /api/v1/sync, in the order the answer lists them. */
  sync: { sources: SyncSource[]; appliers: SyncApplier[] };
}

export function createDomainServices(store: EventStore): DomainServices {
  const subscriptions = new SubscriptionService(store);
  return {
    subscriptions,
    sync: {
      sources: [subscriptionsSyncSource()],
      appliers: [subscriptionsSyncApplier(subscriptions) as SyncApplier],
    },
  };
}
