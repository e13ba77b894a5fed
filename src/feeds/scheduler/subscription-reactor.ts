import type { Projector } from '../../projections/projector.js';
import type { SubscriptionEvent } from '../../subscriptions/subscription-decider.js';
import { ensureScheduled } from './schedule-store.js';

export interface SubscriptionReactorOptions {
  /** The interval a new feed starts with, before its rhythm is known. */
  initialIntervalSeconds: number;
  /** Called after a batch scheduled feeds (the scheduler of this process looks at once). */
  onScheduled?: () => void;
}

/**
 * Puts every feed someone subscribes to (or that a subscription moved to) on the refresh
 * schedule, due at the moment of the subscription: the first subscription triggers a fetch.
 * Async and checkpointed like a projection; it owns no table (the schedule is operational
 * state: a reset replays the subscriptions and only adds what is missing).
 */
export function subscriptionScheduleReactor(options: SubscriptionReactorOptions): Projector {
  return {
    name: 'feed_schedule_subscriptions',
    kind: 'async',
    version: 1,
    handles: ['PodcastSubscribed', 'FeedUrlChanged'],
    tables: [],
    async apply(tx, events) {
      const due = new Map<string, Date>();
      for (const recorded of events) {
        const event = recorded as unknown as SubscriptionEvent;
        if (event.type === 'PodcastSubscribed' && !event.data.superseded) due.set(event.data.feedUrl, recorded.recordedAt);
        else if (event.type === 'FeedUrlChanged') due.set(event.data.to, recorded.recordedAt);
      }
      await ensureScheduled(tx, [...due].map(([feedUrl, dueAt]) => ({ feedUrl, dueAt })), options.initialIntervalSeconds);
      // After the batch's commit (a few milliseconds later); the poll covers a miss.
      if (due.size > 0 && options.onScheduled) setTimeout(options.onScheduled, 20).unref();
    },
    async forgetUser() {},
  };
}
