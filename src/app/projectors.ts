import { accountsProjector } from '../accounts/accounts-projector.js';
import { devicesProjector } from '../accounts/devices/devices-projector.js';
import { grantsProjector } from '../accounts/oauth/grants-projector.js';
import { eventTypeCounts } from '../operations/event-type-counts.js';
import type { Projector } from '../projections/projector.js';
import { subscriptionsProjector } from '../subscriptions/subscriptions-projector.js';
import { privacyProjector } from '../privacy/privacy-projector.js';
import { episodeStatesProjector } from '../playback/episode-states-projector.js';
import { playlistsProjector } from '../playlists/playlists-projector.js';
import { collectionsProjector } from '../collections/collections-projector.js';
import { catalogProjector } from '../feeds/catalog/catalog-projector.js';
import { feedMoveReactor, type MoveFeed } from '../feeds/catalog/feed-move-reactor.js';
import { subscriptionScheduleReactor } from '../feeds/scheduler/subscription-reactor.js';

/**
 * What the feed reactors call, bound once the rest is built (the sync domain's move needs the
 * event store, which needs the projectors first).
 */
export interface FeedHooks {
  moveFeed?: MoveFeed;
  /** A subscription put a feed on the refresh schedule. */
  onFeedScheduled?: () => void;
  /** The interval a newly scheduled feed starts with (default 15 minutes, the default minimum). */
  initialIntervalSeconds?: number;
}
import { settingsProjector } from '../settings/settings-projector.js';
import { directoryProjector } from '../directory/directory-projector.js';

/**
 * Every read model of the application. Bounded contexts add their projectors here; inline
 * ones are handed to the event store, async ones to the background runner.
 */
export function applicationProjectors(hooks: FeedHooks = {}): Projector[] {
  const feedProjectors = [
    catalogProjector(),
    subscriptionScheduleReactor({ initialIntervalSeconds: hooks.initialIntervalSeconds ?? 900, onScheduled: () => hooks.onFeedScheduled?.() }),
    feedMoveReactor((userId, from, to, options) => {
      if (!hooks.moveFeed) throw new Error('feed moves are not wired to the sync domain in this process');
      return hooks.moveFeed(userId, from, to, options);
    }),
  ];
  return [accountsProjector(), devicesProjector(), grantsProjector(), subscriptionsProjector(), privacyProjector(), episodeStatesProjector(), playlistsProjector(), collectionsProjector(), settingsProjector(), eventTypeCounts(), directoryProjector(), ...feedProjectors];
}
